package mask

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Profile is a named masking policy: which detectors run, how each entity
// is masked, and rules for JSON fields and SQL columns that mask a value
// whatever it contains.
type Profile struct {
	Name string `json:"name" yaml:"name"`
	// Detectors names detectors (built-in or custom) or entities (upper
	// case, e.g. "EMAIL") whose detectors run. Empty means all.
	Detectors []string `json:"detectors,omitempty" yaml:"detectors,omitempty"`
	// Strategies maps an entity to its strategy; Default covers the rest
	// (redact when empty).
	Strategies map[Entity]Strategy `json:"strategies,omitempty" yaml:"strategies,omitempty"`
	Default    Strategy            `json:"default,omitempty" yaml:"default,omitempty"`
	// Fields mask JSON values by path; Columns mask row cells by name.
	Fields  []FieldRule  `json:"fields,omitempty" yaml:"fields,omitempty"`
	Columns []ColumnRule `json:"columns,omitempty" yaml:"columns,omitempty"`
	// MinConfidence drops weaker matches (default 0.5).
	MinConfidence float64 `json:"min_confidence,omitempty" yaml:"min_confidence,omitempty"`
}

// FieldRule masks the JSON value at Path.
//
// Path syntax: keys separated by dots, "[*]" for any array element, "[3]"
// for one, "*" for any single key, "**" for any depth. A bare key ("ssn")
// and a leading "*." ("*.email") match at any depth. Examples:
// "patients[*].ssn", "*.email", "customer.*.phone", "**.password". Keys
// compare case-insensitively. A rule on an object or array masks every
// value inside it (or removes it, with drop).
type FieldRule struct {
	Path     string   `json:"path" yaml:"path"`
	Entity   Entity   `json:"entity,omitempty" yaml:"entity,omitempty"` // label; default SENSITIVE
	Strategy Strategy `json:"strategy,omitempty" yaml:"strategy,omitempty"`
}

// ColumnRule masks a SQL column by name (case-insensitive; "*" globs allowed,
// e.g. "*_ssn").
type ColumnRule struct {
	Column   string   `json:"column" yaml:"column"`
	Entity   Entity   `json:"entity,omitempty" yaml:"entity,omitempty"`
	Strategy Strategy `json:"strategy,omitempty" yaml:"strategy,omitempty"`
}

// Format names a profile file format.
type Format string

// Profile file formats. FormatAuto picks JSON when the document starts with
// '{' or '[', YAML otherwise.
const (
	FormatAuto Format = ""
	FormatYAML Format = "yaml"
	FormatJSON Format = "json"
)

type profileFile struct {
	Profiles []Profile `json:"profiles" yaml:"profiles"`
}

// LoadProfiles reads profiles from YAML or JSON: either {"profiles": [...]}
// or a bare list. Every profile is validated against the built-in detectors
// plus custom; errors name the profile and the field.
func LoadProfiles(r io.Reader, format Format, custom ...Detector) ([]Profile, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("mask: read profiles: %w", err)
	}
	return ParseProfiles(data, format, custom...)
}

// ParseProfiles is LoadProfiles over bytes.
func ParseProfiles(data []byte, format Format, custom ...Detector) ([]Profile, error) {
	trim := bytes.TrimSpace(data)
	if format == FormatAuto {
		format = FormatYAML
		if len(trim) > 0 && (trim[0] == '{' || trim[0] == '[') {
			format = FormatJSON
		}
	}
	var ps []Profile
	switch format {
	case FormatJSON:
		dec := json.NewDecoder(bytes.NewReader(trim))
		dec.DisallowUnknownFields()
		if len(trim) > 0 && trim[0] == '[' {
			err := dec.Decode(&ps)
			if err != nil {
				return nil, fmt.Errorf("mask: profiles: %w", err)
			}
		} else {
			var f profileFile
			if err := dec.Decode(&f); err != nil {
				return nil, fmt.Errorf("mask: profiles: %w", err)
			}
			ps = f.Profiles
		}
	case FormatYAML:
		dec := yaml.NewDecoder(bytes.NewReader(trim))
		dec.KnownFields(true)
		var node yaml.Node
		if err := dec.Decode(&node); err != nil {
			return nil, fmt.Errorf("mask: profiles: %w", err)
		}
		var err error
		if len(node.Content) > 0 && node.Content[0].Kind == yaml.SequenceNode {
			err = decodeStrict(&node, &ps)
		} else {
			var f profileFile
			err = decodeStrict(&node, &f)
			ps = f.Profiles
		}
		if err != nil {
			return nil, fmt.Errorf("mask: profiles: %w", err)
		}
	default:
		return nil, fmt.Errorf("mask: unknown profile format %q", format)
	}
	if len(ps) == 0 {
		return nil, fmt.Errorf("mask: profiles: none defined")
	}
	reg := registry(true, custom)
	seen := map[string]bool{}
	for _, p := range ps {
		if seen[p.Name] {
			return nil, fmt.Errorf("mask: profile %q: defined twice", p.Name)
		}
		seen[p.Name] = true
		if _, err := compileProfile(p, reg); err != nil {
			return nil, err
		}
	}
	return ps, nil
}

func decodeStrict(node *yaml.Node, v any) error {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	if err := enc.Encode(node); err != nil {
		return err
	}
	dec := yaml.NewDecoder(&buf)
	dec.KnownFields(true)
	return dec.Decode(v)
}

// detRegistry is the detector set an engine (or a profile check) knows.
type detRegistry struct {
	order  []Detector
	byName map[string]Detector
	byEnt  map[Entity][]Detector
}

func registry(withBuiltins bool, custom []Detector) *detRegistry {
	r := &detRegistry{byName: map[string]Detector{}, byEnt: map[Entity][]Detector{}}
	addDet := func(d Detector) {
		if d == nil {
			return
		}
		if _, dup := r.byName[d.Name()]; dup {
			// A custom detector with a built-in's name replaces it.
			for i, o := range r.order {
				if o.Name() == d.Name() {
					r.order = append(r.order[:i], r.order[i+1:]...)
					break
				}
			}
			for e, ds := range r.byEnt {
				for i, o := range ds {
					if o.Name() == d.Name() {
						r.byEnt[e] = append(ds[:i:i], ds[i+1:]...)
						break
					}
				}
			}
		}
		r.order = append(r.order, d)
		r.byName[d.Name()] = d
		for _, e := range d.Entities() {
			r.byEnt[e] = append(r.byEnt[e], d)
		}
	}
	if withBuiltins {
		for _, d := range Builtins() {
			addDet(d)
		}
	}
	for _, d := range custom {
		addDet(d)
	}
	return r
}

// compiled is a validated profile ready for masking.
type compiled struct {
	Profile
	plan    *plan
	minConf float32
	ents    map[Entity]bool // nil: every entity
	strat   map[Entity]strategy
	def     strategy
	fields  []fieldRule
	columns []columnRule
	needKey bool // pseudonym or tokenize used
	needVlt bool
}

type fieldRule struct {
	pat   []pathSeg
	ent   Entity
	strat strategy
	src   string
}

type columnRule struct {
	pat   string // lower-case glob
	ent   Entity
	strat strategy
}

func compileProfile(p Profile, reg *detRegistry) (*compiled, error) {
	bad := func(field string, format string, args ...any) error {
		return fmt.Errorf("mask: profile %q: %s: %s", p.Name, field, fmt.Sprintf(format, args...))
	}
	if strings.TrimSpace(p.Name) == "" {
		return nil, fmt.Errorf("mask: profile without a name")
	}
	c := &compiled{Profile: p, strat: map[Entity]strategy{}}
	var dets []Detector
	if len(p.Detectors) == 0 {
		dets = reg.order
	} else {
		picked := map[string]bool{}
		c.ents = map[Entity]bool{}
		for i, name := range p.Detectors {
			field := fmt.Sprintf("detectors[%d]", i)
			if d, ok := reg.byName[name]; ok {
				if !picked[name] {
					picked[name] = true
					dets = append(dets, d)
				}
				for _, e := range d.Entities() {
					c.ents[Entity(e)] = true
				}
				continue
			}
			e := Entity(name)
			ds, ok := reg.byEnt[e]
			if !ok {
				return nil, bad(field, "unknown detector or entity %q", name)
			}
			c.ents[e] = true
			for _, d := range ds {
				if !picked[d.Name()] {
					picked[d.Name()] = true
					dets = append(dets, d)
				}
			}
		}
		// Keep registry order so overlap tie-breaks do not depend on listing order.
		ordered := dets[:0:0]
		for _, d := range reg.order {
			if picked[d.Name()] {
				ordered = append(ordered, d)
			}
		}
		dets = ordered
	}
	var err error
	if c.def, err = parseStrategy(p.Default); err != nil {
		return nil, bad("default", "%v", err)
	}
	c.note(c.def)
	for e, s := range p.Strategies {
		if !e.valid() {
			return nil, bad("strategies", "invalid entity %q", e)
		}
		if _, known := reg.byEnt[e]; !known && e != Sensitive {
			return nil, bad("strategies", "unknown entity %q", e)
		}
		st, err := parseStrategy(s)
		if err != nil {
			return nil, bad("strategies."+string(e), "%v", err)
		}
		c.strat[e] = st
		c.note(st)
	}
	for i, f := range p.Fields {
		field := fmt.Sprintf("fields[%d]", i)
		pat, err := parsePath(f.Path)
		if err != nil {
			return nil, bad(field+".path", "%v", err)
		}
		e := f.Entity
		if e == "" {
			e = Sensitive
		} else if !e.valid() {
			return nil, bad(field+".entity", "invalid entity %q", f.Entity)
		}
		st, err := c.ruleStrategy(f.Strategy, e)
		if err != nil {
			return nil, bad(field+".strategy", "%v", err)
		}
		c.fields = append(c.fields, fieldRule{pat: pat, ent: e, strat: st, src: f.Path})
	}
	for i, col := range p.Columns {
		field := fmt.Sprintf("columns[%d]", i)
		name := strings.ToLower(strings.TrimSpace(col.Column))
		if name == "" || strings.ContainsAny(name, " \t\n\"'`") {
			return nil, bad(field+".column", "invalid column name %q", col.Column)
		}
		e := col.Entity
		if e == "" {
			e = Sensitive
		} else if !e.valid() {
			return nil, bad(field+".entity", "invalid entity %q", col.Entity)
		}
		st, err := c.ruleStrategy(col.Strategy, e)
		if err != nil {
			return nil, bad(field+".strategy", "%v", err)
		}
		c.columns = append(c.columns, columnRule{pat: name, ent: e, strat: st})
	}
	if p.MinConfidence < 0 || p.MinConfidence > 1 {
		return nil, bad("min_confidence", "must be within [0,1], got %v", p.MinConfidence)
	}
	c.minConf = 0.5
	if p.MinConfidence > 0 {
		c.minConf = float32(p.MinConfidence)
	}
	c.plan = newPlan(dets)
	return c, nil
}

// ruleStrategy is a rule's own strategy, or the entity's, or the default.
func (c *compiled) ruleStrategy(s Strategy, e Entity) (strategy, error) {
	if s == "" {
		return c.strategyFor(e), nil
	}
	st, err := parseStrategy(s)
	if err == nil {
		c.note(st)
	}
	return st, err
}

func (c *compiled) note(st strategy) {
	switch st.kind {
	case skPseudonym:
		c.needKey = true
	case skTokenize:
		c.needKey, c.needVlt = true, true
	}
}

func (c *compiled) strategyFor(e Entity) strategy {
	if st, ok := c.strat[e]; ok {
		return st
	}
	return c.def
}

// Path patterns.

type segKind uint8

const (
	segKey segKind = iota
	segAnyKey
	segIndex
	segAnyIndex
	segDeep
)

type pathSeg struct {
	kind segKind
	key  string
	idx  int
}

func parsePath(p string) ([]pathSeg, error) {
	p = strings.TrimSpace(p)
	p = strings.TrimPrefix(p, "$.")
	if p == "" {
		return nil, fmt.Errorf("empty path")
	}
	var segs []pathSeg
	if !strings.ContainsAny(p, ".[*") {
		return []pathSeg{{kind: segDeep}, {kind: segKey, key: p}}, nil
	}
	if rest, ok := strings.CutPrefix(p, "*."); ok && rest != "" {
		segs, err := parsePath(rest)
		if err != nil {
			return nil, err
		}
		if len(segs) > 0 && segs[0].kind == segDeep {
			return segs, nil
		}
		return append([]pathSeg{{kind: segDeep}}, segs...), nil
	}
	i := 0
	for i < len(p) {
		switch {
		case p[i] == '.':
			if i == 0 || i == len(p)-1 || p[i+1] == '.' {
				return nil, fmt.Errorf("bad path %q: empty key", p)
			}
			i++
		case p[i] == '[':
			j := strings.IndexByte(p[i:], ']')
			if j < 0 {
				return nil, fmt.Errorf("bad path %q: unclosed [", p)
			}
			in := p[i+1 : i+j]
			if in == "*" {
				segs = append(segs, pathSeg{kind: segAnyIndex})
			} else {
				n := 0
				if in == "" {
					return nil, fmt.Errorf("bad path %q: empty index", p)
				}
				for k := 0; k < len(in); k++ {
					if !isDigit(in[k]) {
						return nil, fmt.Errorf("bad path %q: index %q is not a number or *", p, in)
					}
					n = n*10 + int(in[k]-'0')
				}
				segs = append(segs, pathSeg{kind: segIndex, idx: n})
			}
			i += j + 1
		default:
			j := i
			for j < len(p) && p[j] != '.' && p[j] != '[' {
				j++
			}
			key := p[i:j]
			switch {
			case key == "**":
				segs = append(segs, pathSeg{kind: segDeep})
			case key == "*":
				segs = append(segs, pathSeg{kind: segAnyKey})
			case strings.Contains(key, "*") || strings.Contains(key, "]"):
				return nil, fmt.Errorf("bad path %q: wildcard inside key %q", p, key)
			default:
				segs = append(segs, pathSeg{kind: segKey, key: key})
			}
			i = j
		}
	}
	return segs, nil
}

// elem is one step of a concrete JSON path.
type elem struct {
	key   string
	idx   int
	isIdx bool
}

func matchPath(pat []pathSeg, path []elem) bool {
	if len(pat) == 0 {
		return len(path) == 0
	}
	switch pat[0].kind {
	case segDeep:
		for i := 0; i <= len(path); i++ {
			if matchPath(pat[1:], path[i:]) {
				return true
			}
		}
		return false
	}
	if len(path) == 0 {
		return false
	}
	e := path[0]
	switch pat[0].kind {
	case segKey:
		if e.isIdx || !strings.EqualFold(e.key, pat[0].key) {
			return false
		}
	case segAnyKey:
		if e.isIdx {
			return false
		}
	case segIndex:
		if !e.isIdx || e.idx != pat[0].idx {
			return false
		}
	case segAnyIndex:
		if !e.isIdx {
			return false
		}
	}
	return matchPath(pat[1:], path[1:])
}

// globMatch matches a lower-case name against a lower-case pattern with '*'.
func globMatch(pat, name string) bool {
	if !strings.Contains(pat, "*") {
		return pat == name
	}
	parts := strings.Split(pat, "*")
	if !strings.HasPrefix(name, parts[0]) {
		return false
	}
	name = name[len(parts[0]):]
	for i, part := range parts[1:] {
		if i == len(parts)-2 {
			return strings.HasSuffix(name, part)
		}
		k := strings.Index(name, part)
		if k < 0 {
			return false
		}
		name = name[k+len(part):]
	}
	return true
}
