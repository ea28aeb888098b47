package llm_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard"
	"github.com/ragguard/ragguard/approval"
	"github.com/ragguard/ragguard/identity"
	"github.com/ragguard/ragguard/mask"
)

// seeded are the regulated values the tests plant in prompts and answers,
// each one the real masking engine detects (a dictionary detector adds the
// person). None of them may reach the test server or the caller unmasked.
var seeded = []struct{ value, entity string }{
	{"alice@example.com", "EMAIL"},
	{"4111 1111 1111 1111", "CREDIT_CARD"},
	{"078-05-1120", "US_SSN"},
	{"Bob Smith", "PERSON"},
}

// testEngine is the real masking engine (package mask) every test runs
// through ragguard.MaskEngine: built-in detectors plus a dictionary of one
// person's name, keyed pseudonyms under profile "pii" and reversible
// tokens, held in a memory vault, under "vault". Pseudonyms depend only on
// the key and the tenant, so masked() can predict them.
var testEngine = sync.OnceValue(func() *mask.Engine {
	person, err := mask.Dictionary("people", "PERSON", []string{"Bob Smith"})
	if err != nil {
		panic(err)
	}
	eng, err := mask.New(
		mask.WithKey([]byte("0123456789abcdef0123456789abcdef-llm-test-key")),
		mask.WithVault(mask.NewMemoryVault()),
		mask.WithDetectors(person),
		mask.WithProfiles(
			mask.Profile{Name: "pii", Default: mask.Pseudonym},
			mask.Profile{Name: "vault", Default: mask.Tokenize},
		),
	)
	if err != nil {
		panic(err)
	}
	return eng
})

// masked is what a caller without restore sees instead of s: the engine's
// masking of the whole text for tenant acme.
func masked(s string) string {
	m, err := testEngine().Masker("pii", "acme")
	if err != nil {
		panic(err)
	}
	out, _ := m.String(s, "test")
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
    mask: vault
    restore: true
  - name: hold-cards
    roles: [analyst]
    kinds: [llm]
    when: '"CREDIT_CARD" in call.detected'
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

func newEnv(t testing.TB) *env { return newEnvWith(t, testPolicy) }

// newEnvWith is newEnv under another policy.
func newEnvWith(t testing.TB, policy string) *env {
	t.Helper()
	p, err := ragguard.ParsePolicy([]byte(policy), "yaml")
	require.NoError(t, err)
	e := &env{rec: &recorder{}, queue: approval.NewQueue()}
	e.guard, err = ragguard.New(ragguard.WithPolicy(p), ragguard.WithAuditor(e.rec),
		ragguard.WithApprover(e.queue), ragguard.WithMasker(ragguard.MaskEngine(testEngine())))
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

// recvAll reads a go-openai stream to its end, handing each chunk to
// each; any error but io.EOF fails the test.
func recvAll[T any](t testing.TB, recv func() (T, error), each func(T), msgAndArgs ...any) {
	t.Helper()
	for {
		v, err := recv()
		if errors.Is(err, io.EOF) {
			return
		}
		require.NoError(t, err, msgAndArgs...)
		each(v)
	}
}

// approvalNone is an Approver for benchmarks whose policy never reaches it.
type approvalNone struct{}

func (approvalNone) Approve(context.Context, *approval.Request) (approval.Decision, error) {
	return approval.Decision{}, errors.New("no approvals in benchmarks")
}
