package ragguard

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"cel.dev/cel-go/cel"

	"github.com/ragguard/ragguard/identity"
)

// Effect is what a policy rule does with a call it matches.
type Effect string

const (
	Allow           Effect = "allow"
	Deny            Effect = "deny"
	RequireApproval Effect = "require_approval"
)

// Mode says whether a policy is enforced or only observed.
type Mode string

const (
	// Enforce applies every decision. It is the default.
	Enforce Mode = "enforce"
	// Observe (dry run) lets denied and held calls through and records, in
	// each Decision and audit event, what would have happened.
	Observe Mode = "observe"
)

// Duration is a time.Duration written as "90s" or "10m" in policy files.
type Duration time.Duration

// PolicyConfig is the declarative form of a policy: what a YAML or JSON
// policy file holds. Build a *Policy from it with NewPolicy.
type PolicyConfig struct {
	// Mode is enforce (default) or observe.
	Mode Mode `json:"mode,omitempty" yaml:"mode,omitempty"`
	// Roles declares every role rules may name; a rule naming another role is
	// an error at load, since it could never match.
	Roles []string `json:"roles,omitempty" yaml:"roles,omitempty"`
	// DefaultMask is the masking profile for calls whose rule names none.
	DefaultMask string `json:"default_mask,omitempty" yaml:"default_mask,omitempty"`
	// Rules are evaluated in order; the first that matches decides. A call
	// no rule matches is denied.
	Rules []RuleConfig `json:"rules" yaml:"rules"`
}

// RuleConfig is one rule of a PolicyConfig. Empty lists match anything.
type RuleConfig struct {
	Name       string   `json:"name" yaml:"name"`
	Roles      []string `json:"roles,omitempty" yaml:"roles,omitempty"`           // principal holds any of them
	Kinds      []Kind   `json:"kinds,omitempty" yaml:"kinds,omitempty"`           // llm, vector, sql
	Operations []string `json:"operations,omitempty" yaml:"operations,omitempty"` // chat, search, select, ...
	// Resources are glob patterns (path.Match syntax); every resource of the
	// call must match one of them.
	Resources []string `json:"resources,omitempty" yaml:"resources,omitempty"`
	// When is a CEL expression over principal, call and now that must be true.
	When   string `json:"when,omitempty" yaml:"when,omitempty"`
	Effect Effect `json:"effect" yaml:"effect"`
	// Mask names the masking profile for calls this rule allows.
	Mask string `json:"mask,omitempty" yaml:"mask,omitempty"`
	// Filter restricts retrieval for this caller: payload key to allowed
	// value(s). A value "${principal.tenant}" (also subject, email, groups,
	// roles) is replaced with the caller's own.
	Filter map[string]any `json:"filter,omitempty" yaml:"filter,omitempty"`
	// Approval configures RequireApproval rules.
	Approval *ApprovalConfig `json:"approval,omitempty" yaml:"approval,omitempty"`
	// Restore lets the callers this rule allows have reversible tokens in
	// results restored to the original values. Each restore is audited.
	Restore bool `json:"restore,omitempty" yaml:"restore,omitempty"`
}

// ApprovalConfig says who must approve a held call and how long to wait.
type ApprovalConfig struct {
	// Groups an approver must belong to (any of). Empty: anyone but the requester.
	Groups []string `json:"groups,omitempty" yaml:"groups,omitempty"`
	// Quorum of distinct approvers; 0 means 1.
	Quorum int `json:"quorum,omitempty" yaml:"quorum,omitempty"`
	// Timeout before an undecided request fails with ErrApprovalTimeout.
	// 0 means DefaultApprovalTimeout. The caller's deadline also applies.
	Timeout Duration `json:"timeout,omitempty" yaml:"timeout,omitempty"`
	// Justification: the caller must give a reason (WithJustification).
	Justification bool `json:"justification,omitempty" yaml:"justification,omitempty"`
	// Grant lets one approval cover the same principal, operation and
	// resources for this long.
	Grant Duration `json:"grant,omitempty" yaml:"grant,omitempty"`
}

// DefaultApprovalTimeout bounds the wait for an approver when a rule sets none.
const DefaultApprovalTimeout = 5 * time.Minute

// FilterCondition is one retrieval restriction: the payload field Key must
// hold one of Values.
type FilterCondition struct {
	Key    string
	Values []string
}

// Decision is the policy's verdict on one call.
type Decision struct {
	Effect Effect
	// Rule is the name of the rule that matched; empty for the default deny.
	Rule string
	// Reason explains a deny that no rule chose (no match, condition error).
	Reason string
	// Observed is true in observe mode when Effect was not enforced: the
	// call went ahead although Effect is Deny or RequireApproval.
	Observed bool
	// Mask is the masking profile to apply.
	Mask string
	// Filter restricts retrieval for this caller; empty means none.
	Filter []FilterCondition
	// Approval is set for RequireApproval.
	Approval *ApprovalConfig
	// Restore permits restoring reversible tokens in results for this caller.
	Restore bool
}

// Policy is a compiled, validated policy. It is safe for concurrent use.
type Policy struct {
	mode        Mode
	defaultMask string
	rules       []*rule
	needsDetect bool
	source      string
}

type rule struct {
	cfg   RuleConfig
	index int
	kinds []Kind
	prg   cel.Program
	// readsDetected: the condition may read call.detected.
	readsDetected bool
	filter        []filterTemplate
	approval      *ApprovalConfig
}

type filterTemplate struct {
	key    string
	values []string // literals or ${principal.x} references
}

// Mode returns the policy's mode.
func (p *Policy) Mode() Mode { return p.mode }

// Rules returns the names of the rules in evaluation order.
func (p *Policy) Rules() []string {
	names := make([]string, len(p.rules))
	for i, r := range p.rules {
		names[i] = r.cfg.Name
	}
	return names
}

// MaskProfiles returns every masking profile the policy names.
func (p *Policy) MaskProfiles() []string {
	var out []string
	if p.defaultMask != "" {
		out = append(out, p.defaultMask)
	}
	for _, r := range p.rules {
		if r.cfg.Mask != "" && !slices.Contains(out, r.cfg.Mask) {
			out = append(out, r.cfg.Mask)
		}
	}
	return out
}

// NeedsApproval reports whether any rule can hold a call for approval.
func (p *Policy) NeedsApproval() bool {
	for _, r := range p.rules {
		if r.cfg.Effect == RequireApproval {
			return true
		}
	}
	return false
}

// UsesDetections reports whether any condition may read call.detected; the
// Guard then runs detection on every call's inputs (and needs a masker).
func (p *Policy) UsesDetections() bool { return p.needsDetect }

// Decide evaluates the policy for principal p calling c. detected lists the
// entity types the masking engine found in the call's inputs; nil means
// detection did not run, and a condition reading call.detected then fails,
// which denies. It never
// returns an error: anything that stops a rule from being evaluated denies.
func (p *Policy) Decide(pr identity.Principal, c *Call, detected []string, now time.Time) Decision {
	var act *activation
	for _, r := range p.rules {
		if !r.matchesStatic(pr, c) {
			continue
		}
		if r.prg != nil {
			if act == nil {
				act = newActivation(pr, c, detected, now)
			}
			ok, err := evalBool(r.prg, act)
			if err != nil {
				return p.finish(Decision{Effect: Deny, Rule: r.cfg.Name, Reason: "condition error: " + err.Error()})
			}
			if !ok {
				continue
			}
		}
		d := Decision{Effect: r.cfg.Effect, Rule: r.cfg.Name, Mask: r.cfg.Mask, Approval: r.approval, Restore: r.cfg.Restore}
		if d.Mask == "" {
			d.Mask = p.defaultMask
		}
		d.Filter = r.resolveFilter(pr)
		return p.finish(d)
	}
	return p.finish(Decision{Effect: Deny, Reason: "no rule matched"})
}

func (p *Policy) finish(d Decision) Decision {
	if d.Mask == "" {
		d.Mask = p.defaultMask
	}
	if p.mode == Observe && d.Effect != Allow {
		d.Observed = true
	}
	return d
}

func (r *rule) matchesStatic(pr identity.Principal, c *Call) bool {
	if len(r.kinds) > 0 && !slices.Contains(r.kinds, c.Kind) {
		return false
	}
	if len(r.cfg.Operations) > 0 && !slices.Contains(r.cfg.Operations, c.Operation) {
		return false
	}
	if len(r.cfg.Roles) > 0 {
		found := false
		for _, role := range pr.Roles {
			if slices.Contains(r.cfg.Roles, role) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	if len(r.cfg.Resources) > 0 {
		if len(c.Resources) == 0 {
			return false
		}
		for _, res := range c.Resources {
			if !matchAny(r.cfg.Resources, res) {
				return false
			}
		}
	}
	return true
}

func matchAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if p == "*" || p == s {
			return true
		}
		if ok, _ := path.Match(p, s); ok {
			return true
		}
	}
	return false
}

func (r *rule) resolveFilter(pr identity.Principal) []FilterCondition {
	if len(r.filter) == 0 {
		return nil
	}
	out := make([]FilterCondition, 0, len(r.filter))
	for _, f := range r.filter {
		fc := FilterCondition{Key: f.key}
		for _, v := range f.values {
			switch v {
			case "${principal.tenant}":
				fc.Values = append(fc.Values, pr.Tenant)
			case "${principal.subject}":
				fc.Values = append(fc.Values, pr.Subject)
			case "${principal.email}":
				fc.Values = append(fc.Values, pr.Email)
			case "${principal.groups}":
				fc.Values = append(fc.Values, pr.Groups...)
			case "${principal.roles}":
				fc.Values = append(fc.Values, pr.Roles...)
			default:
				fc.Values = append(fc.Values, v)
			}
		}
		// A filter that resolves to nothing must match nothing, not everything.
		if len(fc.Values) == 0 {
			fc.Values = []string{}
		}
		out = append(out, fc)
	}
	return out
}

var filterRefs = []string{"${principal.tenant}", "${principal.subject}", "${principal.email}", "${principal.groups}", "${principal.roles}"}

func compileFilter(m map[string]any) ([]filterTemplate, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]filterTemplate, 0, len(keys))
	for _, k := range keys {
		if strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("empty key")
		}
		var vals []string
		switch v := m[k].(type) {
		case string:
			vals = []string{v}
		case bool, int, int64, float64:
			vals = []string{fmt.Sprint(v)}
		case []any:
			for _, e := range v {
				switch e.(type) {
				case string, bool, int, int64, float64:
					vals = append(vals, fmt.Sprint(e))
				default:
					return nil, fmt.Errorf("key %q: unsupported value %T", k, e)
				}
			}
		case []string:
			vals = append(vals, v...)
		default:
			return nil, fmt.Errorf("key %q: unsupported value %T", k, v)
		}
		if len(vals) == 0 {
			return nil, fmt.Errorf("key %q: no values", k)
		}
		for _, v := range vals {
			if strings.Contains(v, "${") && !slices.Contains(filterRefs, v) {
				return nil, fmt.Errorf("key %q: unknown reference %q (known: %s)", k, v, strings.Join(filterRefs, ", "))
			}
		}
		out = append(out, filterTemplate{key: k, values: vals})
	}
	return out, nil
}
