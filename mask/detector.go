package mask

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
)

// Match is one detected value: where it is, what it is and who found it. It
// never carries the value itself; slice the text with Start and End.
type Match struct {
	Entity     Entity
	Detector   string
	Start, End int // byte offsets, End exclusive
	Confidence float64
}

// Detector finds sensitive values in text. Built-in detectors, Regex and
// Dictionary plug into the engine's single-pass scanner; any other
// implementation is run over the whole text (and, in a stream, over a window
// that keeps MaxLen bytes of look-ahead; see FindFunc).
type Detector interface {
	// Name identifies the detector in profiles and summaries.
	Name() string
	// Entities lists the entity types the detector can report.
	Entities() []Entity
	// Find reports the matches in text, in any order.
	Find(text string) []Match
}

// native is implemented by detectors that register triggers with the
// engine's scanner instead of scanning the text themselves.
type native interface {
	Detector
	register(b *planBuilder, id int)
}

// FindFunc reports matches in text. A FindFunc used in streams must be local:
// a value it reports must also be reported, at the same offsets, in any
// substring that contains it and at least MaxLen bytes after it.
type FindFunc func(text string) []Match

// DetectorOption configures a custom detector.
type DetectorOption interface{ applyDetector(*detectorConfig) }

type detectorConfig struct {
	confidence float64
	maxLen     int
	context    []string
}

type detectorOptionFunc func(*detectorConfig)

func (f detectorOptionFunc) applyDetector(c *detectorConfig) { f(c) }

// WithConfidence sets the confidence a custom detector reports (default 0.8).
func WithConfidence(c float64) DetectorOption {
	return detectorOptionFunc(func(dc *detectorConfig) {
		if c > 0 && c <= 1 {
			dc.confidence = c
		}
	})
}

// WithMaxLen bounds the length of a custom detector's matches (default 256).
// It is also how far a stream looks ahead for that detector.
func WithMaxLen(n int) DetectorOption {
	return detectorOptionFunc(func(dc *detectorConfig) {
		if n > 0 {
			dc.maxLen = n
		}
	})
}

// WithContextWords makes the detector require one of the words (matched
// case-insensitively) within 48 bytes before a match.
func WithContextWords(words ...string) DetectorOption {
	return detectorOptionFunc(func(dc *detectorConfig) {
		for _, w := range words {
			if w = strings.ToLower(strings.TrimSpace(w)); w != "" {
				dc.context = append(dc.context, w)
			}
		}
	})
}

func newDetectorConfig(opts []DetectorOption) detectorConfig {
	c := detectorConfig{confidence: 0.8, maxLen: 256}
	for _, o := range opts {
		if o != nil {
			o.applyDetector(&c)
		}
	}
	return c
}

// funcDetector adapts a FindFunc.
type funcDetector struct {
	name string
	ents []Entity
	fn   FindFunc
	cfg  detectorConfig
}

// DetectorFunc adapts a plain function to a Detector. Matches longer than
// the MaxLen option (default 256) are ignored, and Entity, Detector and
// Confidence are filled in when the function leaves them empty.
func DetectorFunc(name string, entities []Entity, fn FindFunc, opts ...DetectorOption) Detector {
	return &funcDetector{name: name, ents: entities, fn: fn, cfg: newDetectorConfig(opts)}
}

func (d *funcDetector) Name() string       { return d.name }
func (d *funcDetector) Entities() []Entity { return d.ents }
func (d *funcDetector) Find(text string) []Match {
	if d.fn == nil {
		return nil
	}
	ms := d.fn(text)
	out := ms[:0]
	for _, m := range ms {
		if m.Start < 0 || m.End > len(text) || m.Start >= m.End || m.End-m.Start > d.cfg.maxLen {
			continue
		}
		if !m.Entity.valid() {
			m.Entity = Sensitive
			if len(d.ents) > 0 {
				m.Entity = d.ents[0]
			}
		}
		if m.Detector == "" {
			m.Detector = d.name
		}
		if m.Confidence <= 0 {
			m.Confidence = d.cfg.confidence
		}
		out = append(out, m)
	}
	return out
}

// regexDetector runs a regular expression only at candidate positions: where
// its literal prefix occurs, or where a byte that can start a match occurs.
type regexDetector struct {
	name    string
	ent     Entity
	src     string
	re      *regexp.Regexp // anchored at the candidate position
	prefix  string         // literal prefix (may be empty)
	foldPre bool           // prefix compared case-insensitively
	first   [256]bool      // bytes a match can start with
	anyByte bool           // the first byte is unconstrained
	wordB   bool           // pattern starts with \b
	cfg     detectorConfig
}

// Regex returns a detector for a custom pattern (RE2 syntax). The pattern is
// evaluated only where it can start (after its literal prefix or first-byte
// set), within a window of MaxLen bytes, so it never costs a full-text regex
// scan unless it can start anywhere.
func Regex(name string, entity Entity, pattern string, opts ...DetectorOption) (Detector, error) {
	if name == "" {
		return nil, fmt.Errorf("mask: regex detector needs a name")
	}
	if !entity.valid() {
		return nil, fmt.Errorf("mask: regex detector %q: invalid entity %q", name, entity)
	}
	re, err := regexp.Compile(`^(?:` + pattern + `)`)
	if err != nil {
		return nil, fmt.Errorf("mask: regex detector %q: %w", name, err)
	}
	parsed, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil, fmt.Errorf("mask: regex detector %q: %w", name, err)
	}
	d := &regexDetector{name: name, ent: entity, src: pattern, re: re, cfg: newDetectorConfig(opts)}
	simp := parsed.Simplify()
	d.wordB = startsWithWordBoundary(simp)
	d.prefix, d.foldPre = literalPrefix(simp)
	if len(d.prefix) < 2 {
		d.prefix = ""
		set, ok := firstBytes(simp)
		if !ok {
			d.anyByte = true
		} else {
			d.first = set
		}
	}
	return d, nil
}

// MustRegex is Regex that panics on error, for package-level detectors.
func MustRegex(name string, entity Entity, pattern string, opts ...DetectorOption) Detector {
	d, err := Regex(name, entity, pattern, opts...)
	if err != nil {
		panic(err)
	}
	return d
}

func (d *regexDetector) Name() string       { return d.name }
func (d *regexDetector) Entities() []Entity { return []Entity{d.ent} }
func (d *regexDetector) Find(text string) []Match {
	return findWith(d, text)
}

// Dictionary returns a detector for a deny-list of terms, matched
// case-insensitively (ASCII folding) on word boundaries, all at once with
// one Aho–Corasick automaton shared with the built-in anchors.
func Dictionary(name string, entity Entity, terms []string, opts ...DetectorOption) (Detector, error) {
	if name == "" {
		return nil, fmt.Errorf("mask: dictionary detector needs a name")
	}
	if !entity.valid() {
		return nil, fmt.Errorf("mask: dictionary detector %q: invalid entity %q", name, entity)
	}
	d := &dictDetector{name: name, ent: entity, cfg: newDetectorConfig(opts)}
	seen := map[string]bool{}
	for _, t := range terms {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		k := strings.ToLower(t)
		if !seen[k] {
			seen[k] = true
			d.terms = append(d.terms, k)
		}
	}
	if len(d.terms) == 0 {
		return nil, fmt.Errorf("mask: dictionary detector %q: no terms", name)
	}
	return d, nil
}

type dictDetector struct {
	name  string
	ent   Entity
	terms []string
	cfg   detectorConfig
}

func (d *dictDetector) Name() string       { return d.name }
func (d *dictDetector) Entities() []Entity { return []Entity{d.ent} }
func (d *dictDetector) Find(text string) []Match {
	return findWith(d, text)
}

// startsWithWordBoundary reports whether every match of re begins with \b.
func startsWithWordBoundary(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpWordBoundary:
		return true
	case syntax.OpConcat:
		return len(re.Sub) > 0 && startsWithWordBoundary(re.Sub[0])
	case syntax.OpCapture:
		return startsWithWordBoundary(re.Sub[0])
	}
	return false
}

// literalPrefix returns the literal every match starts with.
func literalPrefix(re *syntax.Regexp) (string, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		fold := re.Flags&syntax.FoldCase != 0
		var b strings.Builder
		for _, r := range re.Rune {
			if r >= 0x80 {
				break
			}
			b.WriteByte(byte(r))
		}
		return b.String(), fold
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			switch sub.Op {
			case syntax.OpWordBoundary, syntax.OpBeginText, syntax.OpBeginLine:
				continue
			}
			return literalPrefix(sub)
		}
	case syntax.OpCapture:
		return literalPrefix(re.Sub[0])
	}
	return "", false
}

// firstBytes computes the set of bytes a non-empty match can start with. ok
// is false when the pattern can match the empty string or start with any byte.
func firstBytes(re *syntax.Regexp) (set [256]bool, ok bool) {
	var walk func(re *syntax.Regexp) (nullable bool, ok bool)
	walk = func(re *syntax.Regexp) (bool, bool) {
		switch re.Op {
		case syntax.OpLiteral:
			if len(re.Rune) == 0 {
				return true, true
			}
			addRune(&set, re.Rune[0], re.Flags&syntax.FoldCase != 0)
			return false, true
		case syntax.OpCharClass:
			for i := 0; i+1 < len(re.Rune); i += 2 {
				lo, hi := re.Rune[i], re.Rune[i+1]
				if hi >= 0x80 {
					for b := 0xC0; b < 0x100; b++ {
						set[b] = true
					}
					if lo >= 0x80 {
						continue
					}
					hi = 0x7F
				}
				for r := lo; r <= hi; r++ {
					set[r] = true
				}
			}
			return false, true
		case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
			return false, false
		case syntax.OpEmptyMatch, syntax.OpWordBoundary, syntax.OpNoWordBoundary,
			syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText:
			return true, true
		case syntax.OpCapture:
			return walk(re.Sub[0])
		case syntax.OpStar, syntax.OpQuest:
			_, ok := walk(re.Sub[0])
			return true, ok
		case syntax.OpPlus:
			return walk(re.Sub[0])
		case syntax.OpRepeat:
			n, ok := walk(re.Sub[0])
			return n || re.Min == 0, ok
		case syntax.OpConcat:
			for _, sub := range re.Sub {
				n, ok := walk(sub)
				if !ok {
					return false, false
				}
				if !n {
					return false, true
				}
			}
			return true, true
		case syntax.OpAlternate:
			nullable := false
			for _, sub := range re.Sub {
				n, ok := walk(sub)
				if !ok {
					return false, false
				}
				nullable = nullable || n
			}
			return nullable, true
		}
		return false, false
	}
	nullable, ok := walk(re)
	if nullable || !ok {
		return set, false
	}
	return set, true
}

func addRune(set *[256]bool, r rune, fold bool) {
	if r >= 0x80 {
		for b := 0xC0; b < 0x100; b++ {
			set[b] = true
		}
		return
	}
	set[r] = true
	if fold {
		set[foldByte(byte(r))] = true
		if r >= 'a' && r <= 'z' {
			set[r-'a'+'A'] = true
		}
	}
}
