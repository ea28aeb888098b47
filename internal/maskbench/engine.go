package maskbench

import (
	"github.com/hoophq/alcatraz"

	"github.com/ragguard/ragguard/internal/corpus"
)

// Span is one detection in canonical (corpus) entity names.
type Span struct {
	Entity     string
	Start, End int
}

// Engine is a detector under evaluation.
type Engine interface {
	Name() string
	// Supports reports whether the engine claims the canonical entity type.
	Supports(entity string) bool
	// Detect returns the spans found in text. Types outside the corpus
	// vocabulary are dropped.
	Detect(text string) []Span
}

// Alcatraz wraps hoophq/alcatraz v0.23.0 with every built-in recognizer.
// A nil threshold keeps alcatraz's default (report every result); a value
// drops results scoring below it.
type Alcatraz struct {
	eng  *alcatraz.Engine
	opts alcatraz.Options
	// fromAlcatraz maps alcatraz entity types to canonical ones.
	fromAlcatraz map[string]string
}

// NewAlcatraz builds the alcatraz engine, English (its default; every
// built-in recognizer is active under any language).
func NewAlcatraz(threshold *float64) *Alcatraz {
	m := map[string]string{}
	for _, e := range corpus.Entities {
		if e.Alcatraz != "" {
			m[e.Alcatraz] = e.Name
		}
	}
	return &Alcatraz{eng: alcatraz.NewEngine(), opts: alcatraz.Options{Threshold: threshold}, fromAlcatraz: m}
}

// Name implements Engine.
func (a *Alcatraz) Name() string { return "alcatraz" }

// Supports implements Engine.
func (a *Alcatraz) Supports(entity string) bool {
	e, ok := corpus.Entity(entity)
	return ok && e.Alcatraz != ""
}

// Detect implements Engine.
func (a *Alcatraz) Detect(text string) []Span {
	res := a.eng.Analyze(text, a.opts)
	out := make([]Span, 0, len(res))
	for _, r := range res {
		if name, ok := a.fromAlcatraz[r.EntityType]; ok {
			out = append(out, Span{Entity: name, Start: r.Start, End: r.End})
		}
	}
	return out
}

// Analyze exposes the raw engine for benchmarks.
func (a *Alcatraz) Analyze(text string) []alcatraz.Result { return a.eng.Analyze(text, a.opts) }
