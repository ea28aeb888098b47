package mask

import "sort"

// builtin is a detector that ships with the package. It registers triggers
// with the scanner; its Find runs the scanner with only itself.
type builtin struct {
	name string
	ents []Entity
	pos  []string // context words that raise confidence
	neg  []string // context words that lower it
	reg  func(d *builtin, b *planBuilder, id int)
}

func (d *builtin) Name() string                    { return d.name }
func (d *builtin) Entities() []Entity              { return append([]Entity(nil), d.ents...) }
func (d *builtin) Find(text string) []Match        { return findWith(d, text) }
func (d *builtin) register(b *planBuilder, id int) { d.reg(d, b, id) }

// score returns the base confidence of a candidate about to be added and
// leaves the context words for later: most candidates never need them
// (see scan.finishScores). It is always called inside sc.add's arguments.
func (d *builtin) score(sc *scan, start int, base float32) float32 {
	if len(d.pos) > 0 || len(d.neg) > 0 {
		sc.pendScorer = d
	}
	return base
}

// boost applies the context words before start to a base confidence.
func (d *builtin) boost(sc *scan, start int, base float32) float32 {
	c := base
	if len(d.pos) > 0 {
		if near := sc.ctxNear(start, d.pos); near > 0 {
			c += 0.3
			if near == 2 {
				c += 0.1 // the word is right before the value
			}
		}
	}
	if len(d.neg) > 0 && sc.ctx(start, d.neg) {
		c -= 0.3
	}
	return min(c, 1)
}

var builtins = map[string]*builtin{}

func def(d *builtin) *builtin {
	if _, dup := builtins[d.name]; dup {
		panic("mask: duplicate built-in " + d.name)
	}
	builtins[d.name] = d
	return d
}

// Builtins returns every built-in detector, sorted by name.
func Builtins() []Detector {
	names := BuiltinNames()
	out := make([]Detector, len(names))
	for i, n := range names {
		out[i] = builtins[n]
	}
	return out
}

// BuiltinNames lists the names of the built-in detectors, sorted.
func BuiltinNames() []string {
	names := make([]string, 0, len(builtins))
	for n := range builtins {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Builtin returns the built-in detector with the given name.
func Builtin(name string) (Detector, bool) {
	d, ok := builtins[name]
	if !ok {
		return nil, false
	}
	return d, true
}
