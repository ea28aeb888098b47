package ragguard

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/identity"
)

const samplePolicy = `
mode: enforce
roles: [analyst, clinician, admin]
default_mask: standard
rules:
  - name: admins-everything
    roles: [admin]
    effect: allow
  - name: clinicians-phi-needs-approval
    roles: [clinician]
    kinds: [vector]
    operations: [search]
    resources: [patient-*]
    effect: require_approval
    mask: strict
    approval:
      groups: [privacy-office]
      quorum: 2
      timeout: 2m
      justification: true
      grant: 30m
  - name: no-ssn-to-llm
    kinds: [llm]
    when: '"US_SSN" in call.detected'
    effect: deny
  - name: analysts-chat
    roles: [analyst]
    kinds: [llm]
    operations: [chat, embeddings]
    resources: ["gpt-4o*"]
    effect: allow
    filter:
      tenant: "${principal.tenant}"
  - name: small-selects
    roles: [analyst]
    kinds: [sql]
    operations: [select]
    when: 'has(call.attributes.limit) && call.attributes.limit <= 100'
    effect: allow
`

// noneFound is what the Guard passes when detection ran and found nothing
// (nil would mean detection did not run).
var noneFound = []string{}

func analyst() identity.Principal {
	return identity.Principal{Subject: "alice", Issuer: "https://idp.test", Roles: []string{"analyst"}, Tenant: "acme", Kind: identity.KindUser}
}

func TestParsePolicyDecisions(t *testing.T) {
	p, err := ParsePolicy([]byte(samplePolicy), "yaml", WithMaskProfiles("standard", "strict"))
	require.NoError(t, err)
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

	d := p.Decide(analyst(), &Call{Kind: KindLLM, Operation: "chat", Resources: []string{"gpt-4o-mini"}}, noneFound, now)
	assert.Equal(t, Allow, d.Effect)
	assert.Equal(t, "analysts-chat", d.Rule)
	assert.Equal(t, "standard", d.Mask, "default mask applies when the rule names none")
	assert.Equal(t, []FilterCondition{{Key: "tenant", Values: []string{"acme"}}}, d.Filter)

	d = p.Decide(analyst(), &Call{Kind: KindLLM, Operation: "chat", Resources: []string{"gpt-4o"}}, []string{"EMAIL", "US_SSN"}, now)
	assert.Equal(t, Deny, d.Effect)
	assert.Equal(t, "no-ssn-to-llm", d.Rule)

	d = p.Decide(analyst(), &Call{Kind: KindLLM, Operation: "chat", Resources: []string{"claude"}}, noneFound, now)
	assert.Equal(t, Deny, d.Effect, "default deny")
	assert.Empty(t, d.Rule)
	assert.Equal(t, "no rule matched", d.Reason)

	d = p.Decide(analyst(), &Call{Kind: KindSQL, Operation: "select", Resources: []string{"orders"}, Attributes: map[string]any{"limit": 10}}, noneFound, now)
	assert.Equal(t, Allow, d.Effect)
	d = p.Decide(analyst(), &Call{Kind: KindSQL, Operation: "select", Resources: []string{"orders"}, Attributes: map[string]any{"limit": 5000}}, noneFound, now)
	assert.Equal(t, Deny, d.Effect)
	d = p.Decide(analyst(), &Call{Kind: KindSQL, Operation: "select", Resources: []string{"orders"}}, noneFound, now)
	assert.Equal(t, Deny, d.Effect, "missing attribute: has() guards the condition")

	clin := identity.Principal{Subject: "bob", Roles: []string{"clinician"}}
	d = p.Decide(clin, &Call{Kind: KindVector, Operation: "search", Resources: []string{"patient-notes"}}, noneFound, now)
	assert.Equal(t, RequireApproval, d.Effect)
	require.NotNil(t, d.Approval)
	assert.Equal(t, 2, d.Approval.Quorum)
	assert.Equal(t, Duration(2*time.Minute), d.Approval.Timeout)
	assert.Equal(t, Duration(30*time.Minute), d.Approval.Grant)
	assert.True(t, d.Approval.Justification)
	assert.Equal(t, "strict", d.Mask)

	// A call touching a resource outside the rule's patterns does not match.
	d = p.Decide(clin, &Call{Kind: KindVector, Operation: "search", Resources: []string{"patient-notes", "hr-files"}}, noneFound, now)
	assert.Equal(t, Deny, d.Effect)
}

func TestConditionRuntimeErrorDenies(t *testing.T) {
	p, err := NewPolicy(PolicyConfig{Rules: []RuleConfig{
		{Name: "needs-limit", Kinds: []Kind{KindSQL}, When: "call.attributes.limit < 10", Effect: Allow},
	}})
	require.NoError(t, err)
	d := p.Decide(analyst(), &Call{Kind: KindSQL, Operation: "select"}, nil, time.Now())
	assert.Equal(t, Deny, d.Effect, "a condition that cannot be evaluated must not allow")
	assert.Equal(t, "needs-limit", d.Rule)
	assert.Contains(t, d.Reason, "condition error")
}

func TestObserveMode(t *testing.T) {
	p, err := NewPolicy(PolicyConfig{Mode: Observe, Rules: []RuleConfig{
		{Name: "deny-sql", Kinds: []Kind{KindSQL}, Effect: Deny},
		{Name: "allow-llm", Kinds: []Kind{KindLLM}, Effect: Allow},
	}})
	require.NoError(t, err)
	d := p.Decide(analyst(), &Call{Kind: KindSQL, Operation: "select"}, nil, time.Now())
	assert.Equal(t, Deny, d.Effect)
	assert.True(t, d.Observed)
	d = p.Decide(analyst(), &Call{Kind: KindLLM, Operation: "chat"}, nil, time.Now())
	assert.False(t, d.Observed, "allowed calls are not marked observed")
}

func TestTimeOfDayCondition(t *testing.T) {
	p, err := NewPolicy(PolicyConfig{Rules: []RuleConfig{
		{Name: "office-hours", When: "now.getHours('UTC') >= 8 && now.getHours('UTC') < 18", Effect: Allow},
	}})
	require.NoError(t, err)
	c := &Call{Kind: KindLLM, Operation: "chat"}
	assert.Equal(t, Allow, p.Decide(analyst(), c, nil, time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)).Effect)
	assert.Equal(t, Deny, p.Decide(analyst(), c, nil, time.Date(2026, 1, 1, 22, 0, 0, 0, time.UTC)).Effect)
}

// Each invalid policy must fail with an error naming the rule and the field.
func TestPolicyValidation(t *testing.T) {
	cases := []struct {
		name, yaml, rule, field, msg string
	}{
		{"unknown role", "roles: [analyst]\nrules:\n- {name: r1, roles: [analsyt], effect: allow}", "r1", "roles", `unknown role "analsyt"`},
		{"unknown kind", "rules:\n- {name: r1, kinds: [graph], effect: allow}", "r1", "kinds", `unknown kind "graph"`},
		{"unknown operation", "rules:\n- {name: r1, kinds: [llm], operations: [select], effect: allow}", "r1", "operations", `unknown operation "select"`},
		{"cel syntax", "rules:\n- {name: r1, when: 'principal.tenant ==', effect: allow}", "r1", "when", "Syntax error"},
		{"cel not bool", "rules:\n- {name: r1, when: 'principal.tenant + \"x\"', effect: allow}", "r1", "when", "want bool"},
		{"cel unknown variable", "rules:\n- {name: r1, when: 'user.tenant == \"a\"', effect: allow}", "r1", "when", "undeclared reference"},
		{"shadowed", "roles: [analyst]\nrules:\n- {name: broad, kinds: [llm], effect: allow}\n- {name: narrow, roles: [analyst], kinds: [llm], operations: [chat], effect: deny}", "narrow", "rule", `earlier rule "broad"`},
		{"shadowed by glob", "rules:\n- {name: broad, resources: ['gpt-*'], effect: allow}\n- {name: narrow, resources: ['gpt-4o'], effect: deny}", "narrow", "rule", `earlier rule "broad"`},
		{"unknown effect", "rules:\n- {name: r1, effect: permit}", "r1", "effect", `unknown effect "permit"`},
		{"missing effect", "rules:\n- {name: r1}", "r1", "effect", "missing"},
		{"missing name", "rules:\n- {effect: allow}", "", "name", "needs a name"},
		{"duplicate name", "rules:\n- {name: r1, kinds: [llm], effect: allow}\n- {name: r1, kinds: [sql], effect: allow}", "r1", "name", "duplicate"},
		{"negative quorum", "rules:\n- {name: r1, effect: require_approval, approval: {quorum: -1}}", "r1", "approval.quorum", "negative"},
		{"approval on allow", "rules:\n- {name: r1, effect: allow, approval: {quorum: 2}}", "r1", "approval", "only require_approval"},
		{"bad filter ref", "rules:\n- {name: r1, effect: allow, filter: {tenant: '${principal.tenantt}'}}", "r1", "filter", "unknown reference"},
		{"bad glob", "rules:\n- {name: r1, resources: ['[a-'], effect: allow}", "r1", "resources", "malformed pattern"},
		{"unknown profile", "rules:\n- {name: r1, effect: allow, mask: nope}", "r1", "mask", `unknown masking profile "nope"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParsePolicy([]byte(tc.yaml), "yaml", WithPolicySource("policy.yaml"), WithMaskProfiles("standard"))
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidPolicy)
			assert.Equal(t, CodeInvalidPolicy, CodeOf(err))
			var pe *PolicyError
			require.True(t, errors.As(err, &pe), "want a *PolicyError, got %T", err)
			var found *PolicyError
			for _, e := range flatten(err) {
				var p *PolicyError
				if errors.As(e, &p) && p.Field == tc.field {
					found = p
				}
			}
			require.NotNil(t, found, "no error for field %q in: %v", tc.field, err)
			assert.Equal(t, "policy.yaml", found.File)
			assert.Equal(t, tc.rule, found.Rule)
			assert.Contains(t, found.Error(), tc.msg)
			assert.Contains(t, found.Error(), "policy.yaml: ")
		})
	}
}

func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func TestPolicyParseErrors(t *testing.T) {
	_, err := ParsePolicy([]byte("rules:\n- {name: r1, effect: allow, rolez: [x]}"), "yaml")
	require.ErrorIs(t, err, ErrInvalidPolicy)
	assert.Contains(t, err.Error(), "rolez", "unknown fields are errors, not ignored")

	_, err = ParsePolicy([]byte(`{"rules":[{"name":"r1","effect":"allow","extra":1}]}`), "json")
	require.ErrorIs(t, err, ErrInvalidPolicy)
	assert.Contains(t, err.Error(), "extra")

	_, err = ParsePolicy([]byte(`{"rules":[{"name":"r1","effect":"allow"}]} {}`), "json")
	require.ErrorIs(t, err, ErrInvalidPolicy)

	_, err = ParsePolicy([]byte("rules:\n- {name: r1, effect: allow}\n---\nrules:\n- {name: r2, effect: deny}\n"), "yaml")
	require.ErrorIs(t, err, ErrInvalidPolicy, "a second YAML document is not silently dropped")
	assert.Contains(t, err.Error(), "more than one YAML document")

	_, err = ParsePolicy([]byte("rules:\n- {name: r1, effect: allow}\n---\n"), "yaml")
	require.NoError(t, err, "a trailing document marker alone is no second policy")

	_, err = ParsePolicy([]byte(`{"rules":[`), "json")
	require.ErrorIs(t, err, ErrInvalidPolicy)

	_, err = ParsePolicy([]byte("rules: [\n"), "yaml")
	require.ErrorIs(t, err, ErrInvalidPolicy)

	_, err = ParsePolicy([]byte(""), "yaml")
	require.ErrorIs(t, err, ErrInvalidPolicy, "an empty policy has no rules")

	_, err = ParsePolicy([]byte("rules: []"), "toml")
	require.ErrorIs(t, err, ErrInvalidPolicy)

	_, err = ParsePolicy([]byte("rules:\n- {name: r1, effect: require_approval, approval: {timeout: soon}}"), "yaml")
	require.ErrorIs(t, err, ErrInvalidPolicy)
	assert.Contains(t, err.Error(), "soon")
}

func TestLoadPolicyFiles(t *testing.T) {
	dir := t.TempDir()
	y := filepath.Join(dir, "policy.yaml")
	require.NoError(t, os.WriteFile(y, []byte(samplePolicy), 0o600))
	p, err := LoadPolicy(y)
	require.NoError(t, err)
	assert.Len(t, p.Rules(), 5)
	assert.ElementsMatch(t, []string{"standard", "strict"}, p.MaskProfiles())
	assert.True(t, p.NeedsApproval())

	j := filepath.Join(dir, "policy.json")
	require.NoError(t, os.WriteFile(j, []byte(`{"mode":"observe","rules":[{"name":"all","effect":"allow","approval":null}]}`), 0o600))
	p, err = LoadPolicy(j)
	require.NoError(t, err)
	assert.Equal(t, Observe, p.Mode())

	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"rules":[{"name":"r","effect":"nope"}]}`), 0o600))
	_, err = LoadPolicy(bad)
	require.ErrorIs(t, err, ErrInvalidPolicy)
	assert.True(t, strings.HasPrefix(err.Error(), bad+": "), "error names the file: %v", err)

	_, err = LoadPolicy(filepath.Join(dir, "missing.yaml"))
	require.ErrorIs(t, err, ErrInvalidPolicy)
}

func TestCELCostLimit(t *testing.T) {
	// A condition whose cost explodes is refused at run time, and denies.
	p, err := NewPolicy(PolicyConfig{Rules: []RuleConfig{{Name: "heavy", Effect: Allow,
		When: "call.resources.all(a, call.resources.all(b, call.resources.all(c, a + b + c != '')))"}}})
	require.NoError(t, err)
	res := make([]string, 200)
	for i := range res {
		res[i] = fmt.Sprint(i)
	}
	d := p.Decide(analyst(), &Call{Kind: KindLLM, Operation: "chat", Resources: res}, nil, time.Now())
	assert.Equal(t, Deny, d.Effect)
	assert.Contains(t, d.Reason, "cost")
}

// fiftyRulePolicy builds a policy in which the matching rule is the last one
// and most earlier rules carry conditions, as a worst case for Decide.
func fiftyRulePolicy(tb testing.TB) *Policy {
	cfg := PolicyConfig{Roles: []string{"analyst", "other"}}
	for i := range 49 {
		cfg.Rules = append(cfg.Rules, RuleConfig{
			Name:      fmt.Sprintf("r%02d", i),
			Kinds:     []Kind{KindLLM},
			Resources: []string{fmt.Sprintf("model-%02d", i)},
			When:      fmt.Sprintf(`principal.tenant == "t%02d" && call.attributes.stream == false`, i),
			Effect:    Deny,
		})
	}
	cfg.Rules = append(cfg.Rules, RuleConfig{Name: "last", Roles: []string{"analyst"}, Kinds: []Kind{KindLLM},
		When: `principal.tenant == "acme" && !("US_SSN" in call.detected)`, Effect: Allow})
	p, err := NewPolicy(cfg)
	require.NoError(tb, err)
	return p
}

func TestFiftyRulePolicy(t *testing.T) {
	p := fiftyRulePolicy(t)
	c := &Call{Kind: KindLLM, Operation: "chat", Resources: []string{"gpt-4o"}, Attributes: map[string]any{"stream": false}}
	d := p.Decide(analyst(), c, noneFound, time.Now())
	assert.Equal(t, Allow, d.Effect)
	assert.Equal(t, "last", d.Rule)
	c.Resources = []string{"model-07"}
	other := analyst()
	other.Tenant = "t07"
	assert.Equal(t, "r07", p.Decide(other, c, noneFound, time.Now()).Rule)
}

func BenchmarkPolicyDecide50Rules(b *testing.B) {
	p := fiftyRulePolicy(b)
	pr := analyst()
	c := &Call{Kind: KindLLM, Operation: "chat", Resources: []string{"gpt-4o"}, Attributes: map[string]any{"stream": false}}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if d := p.Decide(pr, c, noneFound, now); d.Effect != Allow {
			b.Fatal(d)
		}
	}
}
