package audit

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fullEvent() *Event {
	t0 := time.Date(2026, 11, 28, 17, 0, 0, 123456789, time.UTC)
	return &Event{
		ID:     uuid.MustParse("01932b6e-1a2b-7c3d-8e4f-5a6b7c8d9e0f"),
		Origin: "api-1a2b",
		Seq:    42,
		Time:   t0,
		Principal: Principal{Subject: "u-1", Issuer: "https://idp.example", Email: "ann@example.com",
			Groups: []string{"eng", "oncall"}, Roles: []string{"analyst"}, Tenant: "acme", Kind: "user", AuthMethod: "oidc"},
		Call: Call{Kind: "sql", Operation: "select", Resources: []string{"patients", "visits"},
			Attributes: map[string]string{"statement_class": "read", "€uro": "x", "😀": "y", "\ufb33": "z", "a\"b": "q\n"}},
		Decision: Decision{Effect: RequireApproval, Rule: "phi-read", ObserveOnly: true},
		Approval: &Approval{RequestID: "req-9", RequestedAt: t0.Add(-time.Minute), DecidedAt: t0.Add(-time.Second),
			Wait: 59 * time.Second, Justification: "ticket 123 <urgent> & \"quoted\"",
			Verdicts: []Verdict{{Approver: "bob", Verdict: "approve", Time: t0.Add(-2 * time.Second), Comment: "ok"}, {Approver: "eve", Verdict: "approve"}}},
		Masking:            []Masked{{Entity: "us_ssn", Detector: "ssn", Location: "column:ssn", Strategy: "redact", Count: 3}},
		Usage:              Usage{InputTokens: 10, OutputTokens: 20, Rows: 3, Points: 1},
		Latency:            1500 * time.Microsecond,
		Outcome:            OutcomeError,
		ErrorCode:          "approval_timeout",
		TraceID:            "4bf92f3577b34da6a3ce929d0e0e4736",
		SpanID:             "00f067aa0ba902b7",
		RequestCommitment:  "sha256:00",
		ResponseCommitment: "sha256:11",
	}
}

// The hand-written encoder must produce exactly what a general RFC 8785
// canonicaliser makes of the event's JSON form.
func TestEventCanonicalMatchesCanonicalize(t *testing.T) {
	for name, ev := range map[string]*Event{
		"full":                      fullEvent(),
		"minimal":                   {ID: uuid.MustParse("01932b6e-1a2b-7c3d-8e4f-5a6b7c8d9e0f"), Origin: "o", Time: time.Unix(0, 0).UTC()},
		"approval without verdicts": {Origin: "o", Seq: 1, Time: time.Unix(1, 5).UTC(), Approval: &Approval{RequestID: "r"}},
		"approval by grant": {Origin: "o", Seq: 2, Time: time.Unix(2, 0).UTC(),
			Approval: &Approval{RequestID: "r2", GrantedBy: "r", Reason: "covered by the grant of r", Verdicts: []Verdict{{Approver: "bob", Verdict: "approve"}}}},
	} {
		js, err := json.Marshal(ev)
		require.NoError(t, err)
		want, err := Canonicalize(js)
		require.NoError(t, err)
		got := ev.AppendCanonical(nil)
		assert.Equal(t, string(want), string(got), name)

		back, err := ParseEvent(got)
		require.NoError(t, err)
		assert.Equal(t, string(got), string(back.AppendCanonical(nil)), name+": round trip")
	}
}

func TestParseEventRejectsGarbage(t *testing.T) {
	_, err := ParseEvent([]byte(`{"seq":"x"}`))
	assert.Error(t, err)
}

func TestHasherMatch(t *testing.T) {
	_, err := NewHasher([]byte("short"))
	require.Error(t, err)
	h, err := NewHasher([]byte("0123456789abcdef0123456789abcdef"))
	require.NoError(t, err)
	s := h.Hash("ann@example.com")
	assert.Contains(t, s, HashPrefix)
	assert.NotContains(t, s, "ann")
	assert.True(t, h.Match("ann@example.com", s))
	assert.False(t, h.Match("bob@example.com", s))
	h2, _ := NewHasher([]byte("fedcba9876543210fedcba9876543210"))
	assert.False(t, h2.Match("ann@example.com", s), "another key must not match")
}

func TestHashFieldsLeavesCallerEventAlone(t *testing.T) {
	h, _ := NewHasher([]byte("0123456789abcdef0123456789abcdef"))
	ev := fullEvent()
	orig := string(ev.AppendCanonical(nil))
	c := hashFields(h, []Field{FieldSubject, FieldEmail, FieldTenant, FieldResources, FieldAttributes, FieldApprovers}, ev)
	assert.Equal(t, orig, string(ev.AppendCanonical(nil)), "caller's event modified")
	assert.True(t, h.Match("ann@example.com", c.Principal.Email))
	assert.True(t, h.Match("u-1", c.Principal.Subject))
	assert.True(t, h.Match("acme", c.Principal.Tenant))
	assert.True(t, h.Match("patients", c.Call.Resources[0]))
	assert.True(t, h.Match("read", c.Call.Attributes["statement_class"]))
	assert.True(t, h.Match("bob", c.Approval.Verdicts[0].Approver))
	assert.Equal(t, "eng", c.Principal.Groups[0], "unlisted fields stay")
	assert.NotContains(t, string(c.AppendCanonical(nil)), "ann@example.com")
}

func TestGapEncodeRoundTrip(t *testing.T) {
	g := Gap{Reason: GapDropped, FromSeq: 7, ToSeq: 7, Dropped: 12, Since: time.Unix(5, 0).UTC(), Until: time.Unix(6, 0).UTC()}
	js, _ := json.Marshal(g)
	want, err := Canonicalize(js)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(g.Encode()))
	back, err := ParseGap(g.Encode())
	require.NoError(t, err)
	assert.Equal(t, g, back)
	_, err = ParseGap([]byte(`{"reason":"other","from_seq":1,"to_seq":1}`))
	assert.Error(t, err)
	_, err = ParseGap([]byte(`{"reason":"dropped","from_seq":2,"to_seq":1}`))
	assert.Error(t, err)
}
