package ragguard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// PolicyError is one problem found while loading a policy. It names the file,
// the rule and the field, and wraps ErrInvalidPolicy.
type PolicyError struct {
	File  string // source name; empty for a policy built in Go
	Rule  string // rule name, or "" for a policy-level field
	Index int    // rule index in the file, -1 for a policy-level field
	Field string // e.g. "roles", "when", "approval.quorum"
	Msg   string
}

// Error names the file, rule and field at fault, and what is wrong.
func (e *PolicyError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Index >= 0 {
		fmt.Fprintf(&b, "rule %q (rules[%d]): ", e.Rule, e.Index)
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap makes errors.Is(err, ErrInvalidPolicy) hold.
func (e *PolicyError) Unwrap() error { return ErrInvalidPolicy }

// PolicyOption configures NewPolicy, LoadPolicy and ParsePolicy.
type PolicyOption interface{ applyPolicy(*policyOptions) }

type policyOptions struct {
	source   string
	profiles []string
	known    bool
}

type policyOptionFunc func(*policyOptions)

func (f policyOptionFunc) applyPolicy(o *policyOptions) { f(o) }

// WithPolicySource names the policy's origin (usually its file) in errors.
func WithPolicySource(name string) PolicyOption {
	return policyOptionFunc(func(o *policyOptions) { o.source = name })
}

// WithMaskProfiles declares the masking profiles that exist, so that a rule
// naming any other profile is an error at load. The Guard also checks the
// policy's profiles against its masker when it is built.
func WithMaskProfiles(names ...string) PolicyOption {
	return policyOptionFunc(func(o *policyOptions) {
		o.profiles = append(o.profiles, names...)
		o.known = true
	})
}

// LoadPolicy reads and compiles a policy file; ".json" files are JSON,
// anything else YAML. Every problem found is reported, each as a PolicyError.
func LoadPolicy(file string, opts ...PolicyOption) (*Policy, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidPolicy, err)
	}
	format := "yaml"
	if strings.EqualFold(filepath.Ext(file), ".json") {
		format = "json"
	}
	return ParsePolicy(data, format, append([]PolicyOption{WithPolicySource(file)}, opts...)...)
}

// ParsePolicy compiles a policy from YAML (format "yaml") or JSON ("json").
// Unknown fields are errors, so a misspelt key cannot silently widen a rule.
func ParsePolicy(data []byte, format string, opts ...PolicyOption) (*Policy, error) {
	var o policyOptions
	for _, opt := range opts {
		if opt != nil {
			opt.applyPolicy(&o)
		}
	}
	var cfg PolicyConfig
	switch format {
	case "yaml", "yml":
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
			return nil, &PolicyError{File: o.source, Index: -1, Msg: "parse: " + err.Error()}
		}
		// A second document would be ignored, and with it whatever rules or
		// mode it sets: refuse it, as trailing JSON is refused.
		for {
			var more yaml.Node
			err := dec.Decode(&more)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, &PolicyError{File: o.source, Index: -1, Msg: "parse: " + err.Error()}
			}
			if !emptyYAML(&more) {
				return nil, &PolicyError{File: o.source, Index: -1, Msg: "parse: more than one YAML document (only one policy per file)"}
			}
		}
	case "json":
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cfg); err != nil {
			return nil, &PolicyError{File: o.source, Index: -1, Msg: "parse: " + err.Error()}
		}
		if dec.More() {
			return nil, &PolicyError{File: o.source, Index: -1, Msg: "parse: trailing data after the policy object"}
		}
	default:
		return nil, &PolicyError{File: o.source, Index: -1, Msg: fmt.Sprintf("unknown format %q (want yaml or json)", format)}
	}
	return NewPolicy(cfg, opts...)
}

// emptyYAML reports whether n is an empty document or a null.
func emptyYAML(n *yaml.Node) bool {
	if n.Kind == yaml.DocumentNode {
		return len(n.Content) == 0 || (len(n.Content) == 1 && emptyYAML(n.Content[0]))
	}
	return n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// NewPolicy validates and compiles cfg. It reports every problem it finds:
// unknown roles, kinds, operations, effects or masking profiles, CEL that
// does not compile or is not boolean, malformed patterns, filters and
// approval settings, and rules that can never fire because an earlier rule
// matches everything they match.
func NewPolicy(cfg PolicyConfig, opts ...PolicyOption) (*Policy, error) {
	var o policyOptions
	for _, opt := range opts {
		if opt != nil {
			opt.applyPolicy(&o)
		}
	}
	var errs []error
	top := func(field, format string, args ...any) {
		errs = append(errs, &PolicyError{File: o.source, Index: -1, Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	p := &Policy{mode: cfg.Mode, defaultMask: cfg.DefaultMask, source: o.source}
	switch cfg.Mode {
	case "":
		p.mode = Enforce
	case Enforce, Observe:
	default:
		top("mode", "unknown mode %q (want enforce or observe)", cfg.Mode)
	}
	if cfg.DefaultMask != "" && o.known && !slices.Contains(o.profiles, cfg.DefaultMask) {
		top("default_mask", "unknown masking profile %q", cfg.DefaultMask)
	}
	for i, r := range cfg.Roles {
		if strings.TrimSpace(r) == "" {
			top(fmt.Sprintf("roles[%d]", i), "empty role name")
		}
	}
	if len(cfg.Rules) == 0 {
		top("rules", "a policy needs at least one rule (with none, every call is denied)")
	}
	names := map[string]int{}
	for i, rc := range cfg.Rules {
		r, rerrs := compileRule(rc, i, cfg.Roles, o)
		errs = append(errs, rerrs...)
		if rc.Name != "" {
			if j, dup := names[rc.Name]; dup {
				errs = append(errs, &PolicyError{File: o.source, Rule: rc.Name, Index: i, Field: "name", Msg: fmt.Sprintf("duplicate rule name (also rules[%d])", j)})
			}
			names[rc.Name] = i
		}
		if r == nil {
			continue
		}
		for _, earlier := range p.rules {
			if covers(earlier.cfg, rc) {
				errs = append(errs, &PolicyError{File: o.source, Rule: rc.Name, Index: i, Field: "rule",
					Msg: fmt.Sprintf("can never fire: earlier rule %q (rules[%d]) matches every call it matches", earlier.cfg.Name, earlier.index)})
				break
			}
		}
		if r.readsDetected {
			p.needsDetect = true
		}
		p.rules = append(p.rules, r)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return p, nil
}

func compileRule(rc RuleConfig, i int, roles []string, o policyOptions) (*rule, []error) {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &PolicyError{File: o.source, Rule: rc.Name, Index: i, Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	if strings.TrimSpace(rc.Name) == "" {
		bad("name", "every rule needs a name (it is recorded in audit events)")
	}
	for _, role := range rc.Roles {
		if !slices.Contains(roles, role) {
			bad("roles", "unknown role %q (declare it under roles)", role)
		}
	}
	for _, k := range rc.Kinds {
		if _, ok := operations[k]; !ok {
			bad("kinds", "unknown kind %q (want llm, vector or sql)", k)
		}
	}
	for _, op := range rc.Operations {
		kinds := rc.Kinds
		if len(kinds) == 0 {
			kinds = []Kind{KindLLM, KindVector, KindSQL}
		}
		if !slices.ContainsFunc(kinds, func(k Kind) bool { return validOperation(k, op) }) {
			bad("operations", "unknown operation %q for kinds %v", op, kinds)
		}
	}
	for _, pat := range rc.Resources {
		if _, err := path.Match(pat, ""); err != nil || pat == "" {
			bad("resources", "malformed pattern %q", pat)
		}
	}
	switch rc.Effect {
	case Allow, Deny, RequireApproval:
	case "":
		bad("effect", "missing (want allow, deny or require_approval)")
	default:
		bad("effect", "unknown effect %q (want allow, deny or require_approval)", rc.Effect)
	}
	if rc.Mask != "" && o.known && !slices.Contains(o.profiles, rc.Mask) {
		bad("mask", "unknown masking profile %q", rc.Mask)
	}
	r := &rule{cfg: rc, index: i, kinds: rc.Kinds}
	if rc.When != "" {
		prg, reads, err := compileCondition(rc.When)
		if err != nil {
			bad("when", "%v", err)
		}
		r.prg, r.readsDetected = prg, reads
	}
	if len(rc.Filter) > 0 {
		f, err := compileFilter(rc.Filter)
		if err != nil {
			bad("filter", "%v", err)
		}
		r.filter = f
	}
	if rc.Approval != nil && rc.Effect != RequireApproval {
		bad("approval", "only require_approval rules take approval settings")
	}
	if rc.Effect == RequireApproval {
		a := ApprovalConfig{}
		if rc.Approval != nil {
			a = *rc.Approval
		}
		if a.Quorum < 0 {
			bad("approval.quorum", "must not be negative")
		}
		if a.Quorum == 0 {
			a.Quorum = 1
		}
		if a.Timeout < 0 {
			bad("approval.timeout", "must not be negative")
		}
		if a.Timeout == 0 {
			a.Timeout = Duration(DefaultApprovalTimeout)
		}
		if a.Grant < 0 {
			bad("approval.grant", "must not be negative")
		}
		for _, g := range a.Groups {
			if strings.TrimSpace(g) == "" {
				bad("approval.groups", "empty group name")
			}
		}
		r.approval = &a
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return r, nil
}

// covers reports whether rule a, unconditioned, matches every call b can
// match, which makes b dead when a comes first.
func covers(a, b RuleConfig) bool {
	if a.When != "" {
		return false
	}
	return superset(a.Roles, b.Roles) && superset(a.Kinds, b.Kinds) &&
		superset(a.Operations, b.Operations) && coversPatterns(a.Resources, b.Resources)
}

// superset: an empty a matches anything; an empty b matches anything, which
// only an empty a covers.
func superset[T comparable](a, b []T) bool {
	if len(a) == 0 {
		return true
	}
	if len(b) == 0 {
		return false
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			return false
		}
	}
	return true
}

func coversPatterns(a, b []string) bool {
	if len(a) == 0 || slices.Contains(a, "*") {
		return true
	}
	if len(b) == 0 {
		return false
	}
	for _, p := range b {
		if !slices.ContainsFunc(a, func(q string) bool { return patternCovers(q, p) }) {
			return false
		}
	}
	return true
}

// patternCovers is conservative: it answers true only when every name p
// matches is certainly matched by q.
func patternCovers(q, p string) bool {
	if q == p || q == "*" {
		return true
	}
	if !strings.ContainsAny(p, `*?[\`) {
		ok, _ := path.Match(q, p)
		return ok
	}
	if strings.HasSuffix(q, "*") && !strings.ContainsAny(q[:len(q)-1], `*?[\`) && !strings.Contains(p, "/") {
		return strings.HasPrefix(p, q[:len(q)-1])
	}
	return false
}

// UnmarshalJSON reads "90s", "10m" or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		return d.parse(s)
	}
	var n float64
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("duration: want a string such as \"10m\" or seconds, got %s", b)
	}
	*d = Duration(n * float64(time.Second))
	return nil
}

// MarshalJSON writes the duration as a string such as "10m0s".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalYAML reads "90s" or "10m".
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	return d.parse(s)
}

func (d *Duration) parse(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: %w", s, err)
	}
	*d = Duration(v)
	return nil
}
