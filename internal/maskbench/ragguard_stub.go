//go:build !ragguardmask

package maskbench

// Ragguard is unavailable until the mask engine lands.
type Ragguard struct{}

// NewRagguard returns the placeholder.
func NewRagguard() (*Ragguard, error) { return &Ragguard{}, nil }

// Available reports false: the mask engine is not built in.
func (r *Ragguard) Available() bool { return false }

// Masker is never called while Available is false.
func (r *Ragguard) Masker() (func(string) string, error) { return nil, nil }

// Name implements Engine.
func (r *Ragguard) Name() string { return "ragguard(stub)" }

// Supports implements Engine.
func (r *Ragguard) Supports(string) bool { return true }

// Detect implements Engine.
func (r *Ragguard) Detect(string) []Span { return nil }
