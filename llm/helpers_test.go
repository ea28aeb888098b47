package llm_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard"
	"github.com/ragguard/ragguard/approval"
	"github.com/ragguard/ragguard/identity"
)

// seeded are the regulated values the tests plant in prompts and answers.
// None of them may reach the test server or the caller unmasked.
var seeded = []struct{ value, entity, token string }{
	{"alice@example.com", "EMAIL", "<EMAIL_7f3a>"},
	{"4111 1111 1111 1111", "CARD", "<CARD_91c2>"},
	{"078-05-1120", "US_SSN", "<US_SSN_0b4d>"},
	{"Zoë Ångström-Ødegård", "PERSON", "<PERSON_e5d1>"},
}

// dictMasker is a FAKE of the masking engine (the real one is package
// mask), standing in for a dependency of the package under test, not for
// it: it replaces the seeded values with reversible tokens, in text and in
// streams, holding back in a stream only a tail that could still begin a
// value. Its stream output equals its text output for every split, the
// contract the real engine keeps too.
type dictMasker struct{}

func (dictMasker) Detect(text string) []string {
	var out []string
	for _, s := range seeded {
		if strings.Contains(text, s.value) {
			out = append(out, s.entity)
		}
	}
	return out
}

func (dictMasker) ForCall(profile, tenant string) (ragguard.CallMasker, error) {
	if profile != "pii" {
		return nil, errors.New("unknown profile " + profile)
	}
	return &dictCall{}, nil
}

func (dictMasker) Profiles() []string { return []string{"pii"} }

func (dictMasker) Restore(_ context.Context, _, text string) (string, int, error) {
	n := 0
	for _, s := range seeded {
		n += strings.Count(text, s.token)
		text = strings.ReplaceAll(text, s.token, s.value)
	}
	return text, n, nil
}

type dictCall struct {
	mu    sync.Mutex
	found map[[2]string]int // location, entity → count
}

func (c *dictCall) note(loc, entity string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.found == nil {
		c.found = map[[2]string]int{}
	}
	c.found[[2]string{loc, entity}]++
}

// scan masks buf; unless final, it stops at a tail that is a proper prefix
// of a seeded value and returns that tail as rest.
func (c *dictCall) scan(loc string, buf []byte, final bool) (out, rest []byte) {
	if !containsSeeded(buf) { // clean text: only a tail may need holding back
		hold := 0
		if !final {
			hold = heldTail(buf)
		}
		return buf[:len(buf)-hold], bytes.Clone(buf[len(buf)-hold:])
	}
	out = make([]byte, 0, len(buf))
next:
	for i := 0; i < len(buf); {
		for _, s := range seeded {
			if bytes.HasPrefix(buf[i:], []byte(s.value)) {
				out = append(out, s.token...)
				c.note(loc, s.entity)
				i += len(s.value)
				continue next
			}
		}
		if !final {
			for _, s := range seeded {
				if len(buf)-i < len(s.value) && strings.HasPrefix(s.value, string(buf[i:])) {
					return out, append([]byte(nil), buf[i:]...)
				}
			}
		}
		out = append(out, buf[i])
		i++
	}
	return out, nil
}

func containsSeeded(b []byte) bool {
	for _, s := range seeded {
		if bytes.Contains(b, []byte(s.value)) {
			return true
		}
	}
	return false
}

// heldTail is the length of the longest tail of b that is a proper prefix
// of a seeded value.
func heldTail(b []byte) int {
	best := 0
	for _, s := range seeded {
		for k := min(len(b), len(s.value)-1); k > best; k-- {
			if strings.HasPrefix(s.value, string(b[len(b)-k:])) {
				best = k
				break
			}
		}
	}
	return best
}

func (c *dictCall) Text(loc, s string) string {
	out, _ := c.scan(loc, []byte(s), true)
	return string(out)
}

func (c *dictCall) JSON(loc string, doc []byte) ([]byte, error) {
	if !jsonValid(doc) {
		return nil, errors.New("malformed JSON")
	}
	out, _ := c.scan(loc, doc, true)
	return out, nil
}

func (c *dictCall) Row(_ []string, v []any) []any { return v }

func (c *dictCall) Stream(loc string) ragguard.StreamMasker { return &dictStream{c: c, loc: loc} }

func (c *dictCall) Findings() []ragguard.MaskFinding {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []ragguard.MaskFinding
	for k, n := range c.found {
		out = append(out, ragguard.MaskFinding{Entity: k[1], Detector: "dict", Location: k[0], Strategy: "tokenize", Count: n})
	}
	return out
}

type dictStream struct {
	c    *dictCall
	loc  string
	held []byte
}

func (s *dictStream) Write(p []byte) []byte {
	out, rest := s.c.scan(s.loc, append(s.held, p...), false)
	s.held = rest
	return out
}

func (s *dictStream) Flush() []byte {
	out, _ := s.c.scan(s.loc, s.held, true)
	s.held = nil
	return out
}

// recorder is a recording Auditor; fail makes it refuse every event.
type recorder struct {
	mu     sync.Mutex
	events []ragguard.AuditEvent
	fail   error
}

func (r *recorder) Record(_ context.Context, ev *ragguard.AuditEvent) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	cp := *ev
	cp.Request = bytes.Clone(ev.Request)
	cp.Response = bytes.Clone(ev.Response)
	r.events = append(r.events, cp)
	return nil
}

func (r *recorder) all() []ragguard.AuditEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]ragguard.AuditEvent(nil), r.events...)
}

func (r *recorder) reset() {
	r.mu.Lock()
	r.events = nil
	r.mu.Unlock()
}

// only returns the single recorded event, failing the test otherwise.
func (r *recorder) only(t testing.TB) ragguard.AuditEvent {
	t.Helper()
	evs := r.all()
	require.Len(t, evs, 1, "exactly one audit event per call")
	return evs[0]
}

const testPolicy = `
roles: [analyst, restorer, approver]
default_mask: pii
rules:
  - name: no-frontier
    kinds: [llm]
    resources: ["blocked-*"]
    effect: deny
  - name: restorers
    roles: [restorer]
    kinds: [llm]
    effect: allow
    restore: true
  - name: hold-cards
    roles: [analyst]
    kinds: [llm]
    when: '"CARD" in call.detected'
    effect: require_approval
    approval: {timeout: 20s}
  - name: analysts
    roles: [analyst]
    kinds: [llm]
    effect: allow
`

type env struct {
	guard *ragguard.Guard
	rec   *recorder
	queue *approval.Queue
}

func newEnv(t testing.TB) *env {
	t.Helper()
	p, err := ragguard.ParsePolicy([]byte(testPolicy), "yaml")
	require.NoError(t, err)
	e := &env{rec: &recorder{}, queue: approval.NewQueue()}
	e.guard, err = ragguard.New(ragguard.WithPolicy(p), ragguard.WithAuditor(e.rec),
		ragguard.WithApprover(e.queue), ragguard.WithMasker(dictMasker{}))
	require.NoError(t, err)
	return e
}

func principal(subject string, roles ...string) identity.Principal {
	return identity.Principal{Subject: subject, Issuer: "https://idp.test", Roles: roles, Tenant: "acme",
		Kind: identity.KindUser, AuthMethod: identity.MethodStatic}
}

func as(subject string, roles ...string) context.Context {
	return identity.NewContext(context.Background(), principal(subject, roles...))
}

func analyst() context.Context { return as("alice", "analyst") }

// leaks returns the seeded values found in s.
func leaks(s string) []string {
	var out []string
	for _, v := range seeded {
		if strings.Contains(s, v.value) {
			out = append(out, v.value)
		}
	}
	return out
}

func jsonValid(b []byte) bool { return json.Valid(b) }

// approvalNone is an Approver for benchmarks whose policy never reaches it.
type approvalNone struct{}

func (approvalNone) Approve(context.Context, *approval.Request) (approval.Decision, error) {
	return approval.Decision{}, errors.New("no approvals in benchmarks")
}
