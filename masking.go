package ragguard

import "context"

// Masker is the masking engine as the Guard sees it. The mask package
// provides the implementation (see MaskEngine); the Guard depends only on
// this interface so that a team can plug in its own.
type Masker interface {
	// Detect returns the entity types found in text, without the values. The
	// Guard calls it only when a policy condition reads call.detected.
	Detect(text string) []string
	// ForCall returns a masker for one call under the named profile, for the
	// given tenant (pseudonyms and token vaults are per tenant).
	ForCall(profile, tenant string) (CallMasker, error)
	// Profiles lists the profile names the engine knows, so the Guard can
	// refuse at construction a policy that names another.
	Profiles() []string
	// Restore replaces reversible tokens in text with the original values.
	// The Guard calls it only for principals the policy permits.
	Restore(ctx context.Context, tenant, text string) (string, int, error)
}

// CallMasker masks the texts, documents, rows and streams of one call and
// accumulates what it masked. It is used by one call at a time.
type CallMasker interface {
	Text(location, s string) string
	JSON(location string, doc []byte) ([]byte, error)
	Row(columns []string, values []any) []any
	Stream(location string) StreamMasker
	// Findings returns what was masked so far, for the audit event.
	Findings() []MaskFinding
}

// StreamMasker masks a text that arrives in chunks. Write returns what may
// be emitted now; Flush returns the rest at the end. The concatenated output
// equals the masked whole text however the input was split.
type StreamMasker interface {
	Write(chunk []byte) []byte
	Flush() []byte
}

// MaskFinding records one kind of masked value: never the value itself.
type MaskFinding struct {
	Entity   string // e.g. EMAIL, US_SSN
	Detector string
	Location string // e.g. "input:messages[0].content", "result:row.email"
	Strategy string // redact, partial, pseudonym, tokenize, drop
	Count    int
}

// noMasking is the CallMasker used when a call's profile is empty: it passes
// everything through unchanged and finds nothing.
type noMasking struct{}

func (noMasking) Text(_, s string) string                   { return s }
func (noMasking) JSON(_ string, doc []byte) ([]byte, error) { return doc, nil }
func (noMasking) Row(_ []string, v []any) []any             { return v }
func (noMasking) Stream(string) StreamMasker                { return &passStream{} }
func (noMasking) Findings() []MaskFinding                   { return nil }

type passStream struct{}

func (*passStream) Write(p []byte) []byte { return p }
func (*passStream) Flush() []byte         { return nil }
