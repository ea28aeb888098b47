package ragguard

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/mask"
)

// The real engine behind the Guard: detections feed policy conditions,
// inputs and results are masked, and what was masked reaches the audit event.
func TestMaskEngineThroughGuard(t *testing.T) {
	eng, err := mask.New()
	require.NoError(t, err)
	p, err := NewPolicy(PolicyConfig{Roles: []string{"analyst"}, DefaultMask: mask.DefaultProfile, Rules: []RuleConfig{
		{Name: "no-ssn-to-llm", Kinds: []Kind{KindLLM}, When: `"US_SSN" in call.detected`, Effect: Deny},
		{Name: "chat", Roles: []string{"analyst"}, Kinds: []Kind{KindLLM}, Effect: Allow},
	}}, WithMaskProfiles(eng.ProfileNames()...))
	require.NoError(t, err)
	rec := &recordingAuditor{}
	g, err := New(WithPolicy(p), WithAuditor(rec), WithMasker(MaskEngine(eng)))
	require.NoError(t, err)

	_, err = g.Begin(alice(), &Call{Kind: KindLLM, Operation: "chat", Inputs: []Input{{Location: "m", Text: "my SSN is 123-45-6789"}}})
	require.ErrorIs(t, err, ErrPermissionDenied)
	assert.Contains(t, err.Error(), "no-ssn-to-llm")

	op, err := g.Begin(alice(), &Call{Kind: KindLLM, Operation: "chat", Inputs: []Input{{Location: "m", Text: "mail jane.doe@example.com please"}}})
	require.NoError(t, err)
	assert.Equal(t, "mail [EMAIL] please", op.Input(0))
	st := op.MaskStream("choices[0].delta")
	var out strings.Builder
	for _, d := range []string{"card 4111 11", "11 1111 1111", " ok"} {
		out.Write(st.Write([]byte(d)))
	}
	out.Write(st.Flush())
	assert.Equal(t, "card [CREDIT_CARD] ok", out.String())
	require.NoError(t, op.Finish(nil))

	evs := rec.all()
	require.Len(t, evs, 2)
	got := map[string]int{}
	for _, f := range evs[1].Masking {
		got[f.Entity+"@"+f.Location] += f.Count
	}
	assert.Equal(t, map[string]int{"EMAIL@input:m": 1, "CREDIT_CARD@result:choices[0].delta": 1}, got)
}

func TestMaskEngineUnknownProfileRefused(t *testing.T) {
	eng, err := mask.New()
	require.NoError(t, err)
	p, err := NewPolicy(PolicyConfig{Rules: []RuleConfig{{Name: "r", Effect: Allow, Mask: "hipaa"}}})
	require.NoError(t, err)
	_, err = New(WithPolicy(p), WithAuditor(DiscardAudit()), WithMasker(MaskEngine(eng)))
	require.ErrorIs(t, err, ErrInvalidPolicy)
	assert.Contains(t, err.Error(), `"hipaa"`)
}

// A deny rule on detected content must never be silently skipped: written
// with index syntax (which a string search for "call.detected" misses) it
// still fires, and a Guard without a masker cannot run such a policy.
func TestDetectionRulesFailClosed(t *testing.T) {
	eng, err := mask.New()
	require.NoError(t, err)
	p, err := NewPolicy(PolicyConfig{Rules: []RuleConfig{
		{Name: "no-ssn", Kinds: []Kind{KindLLM}, When: `"US_SSN" in call["detected"]`, Effect: Deny},
		{Name: "chat", Kinds: []Kind{KindLLM}, Effect: Allow},
	}})
	require.NoError(t, err)
	g, err := New(WithPolicy(p), WithAuditor(DiscardAudit()), WithMasker(MaskEngine(eng)))
	require.NoError(t, err)
	_, err = g.Begin(alice(), &Call{Kind: KindLLM, Operation: "chat", Inputs: []Input{{Location: "m", Text: "SSN 123-45-6789"}}})
	require.ErrorIs(t, err, ErrPermissionDenied)
	op, err := g.Begin(alice(), &Call{Kind: KindLLM, Operation: "chat", Inputs: []Input{{Location: "m", Text: "hello"}}})
	require.NoError(t, err)
	require.NoError(t, op.Finish(nil))

	_, err = New(WithPolicy(p), WithAuditor(DiscardAudit()))
	require.ErrorIs(t, err, ErrInvalidPolicy, "detection-based conditions need a masker")
	assert.Contains(t, err.Error(), "call.detected")

	// Decide with detected == nil means detection did not run: a condition
	// reading it cannot be evaluated, so the call is denied, never allowed.
	d := p.Decide(analyst(), &Call{Kind: KindLLM, Operation: "chat"}, nil, time.Now())
	assert.Equal(t, Deny, d.Effect)
	assert.Equal(t, "no-ssn", d.Rule)
	assert.Contains(t, d.Reason, "condition error")
}
