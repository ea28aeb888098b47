package ragguard

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/approval"
	"github.com/ragguard/ragguard/identity"
	"github.com/ragguard/ragguard/mask"
)

// recordingAuditor keeps every event and the ctx it saw; fail makes it refuse.
type recordingAuditor struct {
	mu     sync.Mutex
	events []*AuditEvent
	ctxs   []context.Context
	fail   error
}

func (r *recordingAuditor) Record(ctx context.Context, ev *AuditEvent) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ctxs = append(r.ctxs, ctx)
	if r.fail != nil {
		return r.fail
	}
	cp := *ev
	r.events = append(r.events, &cp)
	return nil
}

func (r *recordingAuditor) all() []*AuditEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*AuditEvent(nil), r.events...)
}

// upperMasker is a hand-written fake Masker: it replaces the word "secret"
// and counts what it replaced. The real engine lives in package mask.
type upperMasker struct{}

func (upperMasker) Detect(text string) []string {
	if strings.Contains(text, "secret") {
		return []string{"SECRET"}
	}
	return nil
}
func (upperMasker) ForCall(profile, tenant string) (CallMasker, error) {
	if profile != "standard" {
		return nil, errors.New("no such profile")
	}
	return &fakeCallMasker{}, nil
}
func (upperMasker) Profiles() []string { return []string{"standard"} }
func (upperMasker) Restore(_ context.Context, _, text string) (string, int, error) {
	n := strings.Count(text, "[SECRET]")
	return strings.ReplaceAll(text, "[SECRET]", "secret"), n, nil
}

type fakeCallMasker struct{ found []MaskFinding }

func (m *fakeCallMasker) Text(loc, s string) string {
	if n := strings.Count(s, "secret"); n > 0 {
		m.found = append(m.found, MaskFinding{Entity: "SECRET", Detector: "fake", Location: loc, Strategy: "redact", Count: n})
	}
	return strings.ReplaceAll(s, "secret", "[SECRET]")
}
func (m *fakeCallMasker) JSON(loc string, doc []byte) ([]byte, error) {
	return []byte(m.Text(loc, string(doc))), nil
}
func (m *fakeCallMasker) Row(cols []string, v []any) []any { return v }
func (m *fakeCallMasker) Stream(loc string) StreamMasker   { return &passStream{} }
func (m *fakeCallMasker) Findings() []MaskFinding          { return m.found }

const guardPolicy = `
roles: [analyst, approver]
default_mask: standard
rules:
  - name: analysts-chat
    roles: [analyst]
    kinds: [llm]
    operations: [chat]
    effect: allow
    restore: true
  - name: hold-sql
    roles: [analyst]
    kinds: [sql]
    operations: [select]
    resources: [patients]
    effect: require_approval
    approval: {timeout: 5s}
  - name: hold-sql-quorum
    roles: [analyst]
    kinds: [sql]
    operations: [select]
    resources: [salaries]
    effect: require_approval
    approval: {quorum: 2, timeout: 5s}
  - name: hold-vector-justified
    roles: [analyst]
    kinds: [vector]
    effect: require_approval
    approval: {justification: true, timeout: 5s}
`

func newTestGuard(t *testing.T, a approval.Approver, opts ...Option) (*Guard, *recordingAuditor) {
	t.Helper()
	p, err := ParsePolicy([]byte(guardPolicy), "yaml")
	require.NoError(t, err)
	rec := &recordingAuditor{}
	g, err := New(append([]Option{WithPolicy(p), WithAuditor(rec), WithApprover(a), WithMasker(upperMasker{})}, opts...)...)
	require.NoError(t, err)
	return g, rec
}

func alice() context.Context {
	return identity.NewContext(context.Background(), analyst())
}

func TestGuardAllowsAndAudits(t *testing.T) {
	g, rec := newTestGuard(t, approval.DenyAll("no"))
	call := &Call{Kind: KindLLM, Operation: "chat", Resources: []string{"gpt-4o"},
		Inputs: []Input{{Location: "messages[0].content", Text: "the secret is out"}}}
	op, err := g.Begin(alice(), call)
	require.NoError(t, err)
	assert.Equal(t, "the [SECRET] is out", op.Input(0), "inputs are masked before they leave")
	assert.Equal(t, "the secret is out", call.Inputs[0].Text, "the caller's call is not modified")
	assert.Equal(t, "analysts-chat", op.Decision().Rule)
	assert.Equal(t, "the [SECRET] answer", op.MaskText("choices[0]", "the secret answer"))
	restored, err := op.Restore("the [SECRET] answer")
	require.NoError(t, err)
	assert.Equal(t, "the secret answer", restored)
	op.SetUsage(Usage{InputTokens: 5, OutputTokens: 3, FinishReason: "stop"})
	op.SetBodies([]byte("req"), []byte("resp"))
	require.NoError(t, op.Finish(nil))
	require.NoError(t, op.Finish(errors.New("late")), "Finish acts once")

	evs := rec.all()
	require.Len(t, evs, 1)
	ev := evs[0]
	assert.Equal(t, CodeOK, ev.Code)
	assert.Equal(t, "alice", ev.Principal.Subject)
	assert.Equal(t, Allow, ev.Decision.Effect)
	assert.Equal(t, int64(3), ev.Usage.OutputTokens)
	assert.Equal(t, 1, ev.Restored)
	require.Len(t, ev.Masking, 2)
	assert.Equal(t, "input:messages[0].content", ev.Masking[0].Location)
	assert.Equal(t, "result:choices[0]", ev.Masking[1].Location)
	assert.Equal(t, []byte("req"), ev.Request)
}

func TestGuardUnauthenticated(t *testing.T) {
	g, rec := newTestGuard(t, approval.AllowAll())
	call := &Call{Kind: KindLLM, Operation: "chat"}
	_, err := g.Begin(context.Background(), call)
	require.ErrorIs(t, err, ErrUnauthenticated)
	assert.Equal(t, CodeUnauthenticated, CodeOf(err))

	expired := analyst()
	expired.ExpiresAt = time.Now().Add(-time.Minute)
	_, err = g.Begin(identity.NewContext(context.Background(), expired), call)
	require.ErrorIs(t, err, ErrUnauthenticated)

	_, err = g.Begin(identity.NewContext(context.Background(), identity.Principal{}), call)
	require.ErrorIs(t, err, ErrUnauthenticated)

	evs := rec.all()
	require.Len(t, evs, 3, "refusals are audited too")
	assert.Nil(t, evs[0].Principal)
	assert.Equal(t, CodeUnauthenticated, evs[0].Code)
}

func TestGuardDeniesByDefault(t *testing.T) {
	g, rec := newTestGuard(t, approval.AllowAll())
	_, err := g.Begin(alice(), &Call{Kind: KindSQL, Operation: "delete", Resources: []string{"patients"}})
	require.ErrorIs(t, err, ErrPermissionDenied)
	assert.Contains(t, err.Error(), "no rule matched")
	require.Len(t, rec.all(), 1)
	assert.Equal(t, CodePermissionDenied, rec.all()[0].Code)
}

func TestGuardInvalidCall(t *testing.T) {
	g, rec := newTestGuard(t, approval.AllowAll())
	for _, c := range []*Call{nil, {Kind: "graph", Operation: "x"}, {Kind: KindLLM, Operation: "select"},
		{Kind: KindLLM, Operation: "chat", Attributes: map[string]any{"x": struct{}{}}},
		{Kind: KindLLM, Operation: "chat", Attributes: map[string]any{"temperature": math.NaN()}},
		{Kind: KindLLM, Operation: "chat", Attributes: map[string]any{"max": math.Inf(1)}}} {
		_, err := g.Begin(alice(), c)
		require.ErrorIs(t, err, ErrInvalidCall)
	}
	// Each refusal is audited, with who asked.
	evs := rec.all()
	require.Len(t, evs, 6)
	for _, ev := range evs {
		assert.Equal(t, CodeInvalidCall, ev.Code)
		require.NotNil(t, ev.Principal)
		assert.Equal(t, "alice", ev.Principal.Subject)
	}
}

func TestGuardApprovalThroughQueue(t *testing.T) {
	q := approval.NewQueue()
	g, rec := newTestGuard(t, q)
	approver := approval.Party{Subject: "carol", Issuer: "https://idp.test"}

	done := make(chan error, 1)
	var op *Op
	go func() {
		var err error
		op, err = g.Begin(alice(), &Call{Kind: KindSQL, Operation: "select", Resources: []string{"patients"},
			Inputs: []Input{{Location: "query", Text: "select secret from patients"}}})
		done <- err
	}()
	req := waitPending(t, q)
	assert.Equal(t, "hold-sql", req.Rule)
	assert.Contains(t, req.Summary, "[SECRET]", "the approver reads the masked call")
	assert.NotContains(t, req.Summary, "select secret")

	// The requester cannot approve its own request.
	_, err := q.Decide(context.Background(), req.ID, partyOf(analyst()), approval.Approved, "me")
	require.ErrorIs(t, err, approval.ErrSelfApproval)

	_, err = q.Decide(context.Background(), req.ID, approver, approval.Approved, "ok")
	require.NoError(t, err)
	require.NoError(t, <-done)
	require.NoError(t, op.Finish(nil))
	evs := rec.all()
	require.Len(t, evs, 1)
	require.NotNil(t, evs[0].Approval)
	assert.Equal(t, req.ID, evs[0].Approval.Request.ID)
	require.NotNil(t, evs[0].Approval.Decision)
	assert.Equal(t, "carol", evs[0].Approval.Decision.Votes[0].Approver.Subject)
}

func waitPending(t *testing.T, q *approval.Queue) approval.Request {
	t.Helper()
	var reqs []approval.Request
	require.Eventually(t, func() bool {
		reqs = q.Pending(context.Background())
		return len(reqs) == 1
	}, 5*time.Second, time.Millisecond)
	return reqs[0]
}

func TestGuardApprovalDenied(t *testing.T) {
	g, rec := newTestGuard(t, approval.DenyAll("not today"))
	_, err := g.Begin(alice(), &Call{Kind: KindSQL, Operation: "select", Resources: []string{"patients"}})
	require.ErrorIs(t, err, ErrApprovalDenied)
	assert.Contains(t, err.Error(), "not today")
	require.Len(t, rec.all(), 1)
	assert.Equal(t, CodeApprovalDenied, rec.all()[0].Code)
	assert.NotNil(t, rec.all()[0].Approval.Decision)
}

func TestGuardRefusesReplayedDecision(t *testing.T) {
	// An approver that answers with a decision it gave for another request.
	var first *approval.Decision
	replay := approval.ApproverFunc(func(ctx context.Context, req *approval.Request) (approval.Decision, error) {
		if first == nil {
			d := approval.Decision{RequestID: req.ID, CallHash: req.CallHash, Verdict: approval.Approved,
				Votes: []approval.Vote{{Approver: approval.Party{Subject: "carol"}, Verdict: approval.Approved}}}
			first = &d
			return d, nil
		}
		return *first, nil
	})
	g, _ := newTestGuard(t, replay)
	op, err := g.Begin(alice(), &Call{Kind: KindSQL, Operation: "select", Resources: []string{"patients"}, Inputs: []Input{{Location: "q", Text: "a"}}})
	require.NoError(t, err)
	require.NoError(t, op.Finish(nil))
	_, err = g.Begin(alice(), &Call{Kind: KindSQL, Operation: "select", Resources: []string{"patients"}, Inputs: []Input{{Location: "q", Text: "b"}}})
	require.ErrorIs(t, err, ErrApprovalDenied)
	require.ErrorIs(t, err, approval.ErrMismatch)
}

func TestGuardRefusesSelfVote(t *testing.T) {
	self := approval.ApproverFunc(func(ctx context.Context, req *approval.Request) (approval.Decision, error) {
		return approval.Decision{RequestID: req.ID, CallHash: req.CallHash, Verdict: approval.Approved,
			Votes: []approval.Vote{{Approver: req.Requester, Verdict: approval.Approved}}}, nil
	})
	g, _ := newTestGuard(t, self)
	_, err := g.Begin(alice(), &Call{Kind: KindSQL, Operation: "select", Resources: []string{"patients"}})
	require.ErrorIs(t, err, ErrApprovalDenied)
	require.ErrorIs(t, err, approval.ErrSelfApproval)
}

// An approver's votes only count when the policy's approver groups allow
// them: two approvals by people outside the groups make no quorum.
func TestGuardRefusesVotesOutsideApproverGroups(t *testing.T) {
	p, err := ParsePolicy([]byte(`
roles: [analyst]
rules:
  - name: hold-sql-security
    roles: [analyst]
    kinds: [sql]
    effect: require_approval
    approval: {groups: [security], quorum: 2, timeout: 5s}
`), "yaml")
	require.NoError(t, err)
	outsiders := approval.ApproverFunc(func(ctx context.Context, req *approval.Request) (approval.Decision, error) {
		at := time.Now()
		return approval.Decision{RequestID: req.ID, CallHash: req.CallHash, Verdict: approval.Approved, DecidedAt: at,
			Votes: []approval.Vote{
				{Approver: approval.Party{Subject: "mallory", Groups: []string{"marketing"}}, Verdict: approval.Approved, At: at},
				{Approver: approval.Party{Subject: "trent", Groups: []string{"sales"}}, Verdict: approval.Approved, At: at},
			}}, nil
	})
	rec := &recordingAuditor{}
	g, err := New(WithPolicy(p), WithAuditor(rec), WithApprover(outsiders))
	require.NoError(t, err)
	_, err = g.Begin(alice(), &Call{Kind: KindSQL, Operation: "select", Resources: []string{"patients"}})
	require.ErrorIs(t, err, ErrApprovalDenied)
	require.ErrorIs(t, err, approval.ErrNotEligible)
	require.Len(t, rec.all(), 1, "the refusal is audited")
	assert.Equal(t, CodeApprovalDenied, rec.all()[0].Code)
}

// The approver's summary of a long input is cut on a rune boundary, so it
// stays valid text wherever it is stored or shown.
func TestGuardApprovalSummaryIsValidUTF8(t *testing.T) {
	var summary string
	capture := approval.ApproverFunc(func(ctx context.Context, req *approval.Request) (approval.Decision, error) {
		summary = req.Summary
		return approval.Decision{RequestID: req.ID, CallHash: req.CallHash, Verdict: approval.Denied}, nil
	})
	g, _ := newTestGuard(t, capture)
	text := strings.Repeat("a", 199) + strings.Repeat("é", 10) // 'é' straddles byte 200
	_, err := g.Begin(alice(), &Call{Kind: KindSQL, Operation: "select", Resources: []string{"patients"},
		Inputs: []Input{{Location: "query", Text: text}}})
	require.ErrorIs(t, err, ErrApprovalDenied)
	require.NotEmpty(t, summary)
	assert.True(t, utf8.ValidString(summary), "summary %q", summary)
	assert.Contains(t, summary, strings.Repeat("a", 199)+"…")
}

// An approver that rewrites the request it was given cannot make its
// decision fit: the Guard checks the decision against its own copy.
func TestGuardIgnoresApproverChangesToRequest(t *testing.T) {
	p, err := ParsePolicy([]byte(`
roles: [analyst]
rules:
  - name: hold-sql-security
    roles: [analyst]
    kinds: [sql]
    effect: require_approval
    approval: {groups: [security], timeout: 5s}
`), "yaml")
	require.NoError(t, err)
	outsider := approval.Vote{Approver: approval.Party{Subject: "mallory", Groups: []string{"marketing"}}, Verdict: approval.Approved}
	for name, tc := range map[string]struct {
		rewrite func(*approval.Request)
		want    error
	}{
		"drops the approver groups": {func(r *approval.Request) { r.ApproverGroups = nil }, approval.ErrNotEligible},
		"empties the groups in place": {func(r *approval.Request) {
			for i := range r.ApproverGroups {
				r.ApproverGroups[i] = "marketing"
			}
		}, approval.ErrNotEligible},
		"swaps the call hash": {func(r *approval.Request) { r.CallHash = strings.Repeat("0", 64) }, approval.ErrMismatch},
	} {
		t.Run(name, func(t *testing.T) {
			rewriter := approval.ApproverFunc(func(ctx context.Context, req *approval.Request) (approval.Decision, error) {
				tc.rewrite(req)
				return approval.Decision{RequestID: req.ID, CallHash: req.CallHash, Verdict: approval.Approved,
					Votes: []approval.Vote{outsider}}, nil
			})
			rec := &recordingAuditor{}
			g, err := New(WithPolicy(p), WithAuditor(rec), WithApprover(rewriter))
			require.NoError(t, err)
			_, err = g.Begin(alice(), &Call{Kind: KindSQL, Operation: "select", Resources: []string{"patients"}})
			require.ErrorIs(t, err, ErrApprovalDenied)
			require.ErrorIs(t, err, tc.want)
			require.Len(t, rec.all(), 1)
			assert.Equal(t, []string{"security"}, rec.all()[0].Approval.Request.ApproverGroups, "the audited request is the Guard's")
		})
	}
}

func TestGuardQuorumEnforced(t *testing.T) {
	one := approval.ApproverFunc(func(ctx context.Context, req *approval.Request) (approval.Decision, error) {
		v := approval.Vote{Approver: approval.Party{Subject: "carol"}, Verdict: approval.Approved}
		return approval.Decision{RequestID: req.ID, CallHash: req.CallHash, Verdict: approval.Approved,
			Votes: []approval.Vote{v, v}}, nil
	})
	g, _ := newTestGuard(t, one)
	_, err := g.Begin(alice(), &Call{Kind: KindSQL, Operation: "select", Resources: []string{"salaries"}})
	require.ErrorIs(t, err, ErrApprovalDenied)
	assert.Contains(t, err.Error(), "quorum is 2")
}

func TestGuardApprovalTimeout(t *testing.T) {
	q := approval.NewQueue()
	g, rec := newTestGuard(t, q)
	ctx, cancel := context.WithTimeout(alice(), 50*time.Millisecond)
	defer cancel()
	_, err := g.Begin(ctx, &Call{Kind: KindSQL, Operation: "select", Resources: []string{"patients"}})
	require.ErrorIs(t, err, ErrApprovalTimeout)
	assert.Equal(t, CodeApprovalTimeout, CodeOf(err))
	assert.Empty(t, q.Pending(context.Background()), "a timed-out request leaves the queue")
	require.Len(t, rec.all(), 1)
	assert.Equal(t, CodeApprovalTimeout, rec.all()[0].Code)
}

func TestGuardApprovalCancel(t *testing.T) {
	q := approval.NewQueue()
	g, rec := newTestGuard(t, q)
	ctx, cancel := context.WithCancel(alice())
	done := make(chan error, 1)
	go func() {
		_, err := g.Begin(ctx, &Call{Kind: KindSQL, Operation: "select", Resources: []string{"patients"}})
		done <- err
	}()
	waitPending(t, q)
	cancel()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, CodeCanceled, CodeOf(err))
	case <-time.After(2 * time.Second):
		t.Fatal("cancellation did not release the waiter")
	}
	require.Len(t, rec.all(), 1)
	assert.Equal(t, CodeCanceled, rec.all()[0].Code)
	// The audit write must not inherit the cancelled context.
	assert.NoError(t, rec.ctxs[0].Err())
}

func TestGuardJustificationRequired(t *testing.T) {
	g, _ := newTestGuard(t, approval.AllowAll())
	_, err := g.Begin(alice(), &Call{Kind: KindVector, Operation: "search", Resources: []string{"docs"}})
	require.ErrorIs(t, err, ErrPermissionDenied)
	assert.Contains(t, err.Error(), "justification")

	var seen string
	a := approval.ApproverFunc(func(ctx context.Context, req *approval.Request) (approval.Decision, error) {
		seen = req.Justification
		return approval.Decision{RequestID: req.ID, CallHash: req.CallHash, Verdict: approval.Approved}, nil
	})
	g, _ = newTestGuard(t, a)
	op, err := g.Begin(WithJustification(alice(), "ticket INC-42"), &Call{Kind: KindVector, Operation: "search", Resources: []string{"docs"}})
	require.NoError(t, err)
	assert.Equal(t, "ticket INC-42", seen)
	require.NoError(t, op.Finish(nil))
}

func TestGuardAuditUnavailable(t *testing.T) {
	g, rec := newTestGuard(t, approval.AllowAll())
	rec.fail = errors.New("disk full")
	op, err := g.Begin(alice(), &Call{Kind: KindLLM, Operation: "chat"})
	require.NoError(t, err)
	err = op.Finish(nil)
	require.ErrorIs(t, err, ErrAuditUnavailable, "no durable event, no result")
	assert.Equal(t, CodeAuditUnavailable, CodeOf(err))

	// A refusal whose audit also fails reports both, the refusal first.
	_, err = g.Begin(context.Background(), &Call{Kind: KindLLM, Operation: "chat"})
	require.ErrorIs(t, err, ErrUnauthenticated)
	require.ErrorIs(t, err, ErrAuditUnavailable)
	assert.Equal(t, CodeUnauthenticated, CodeOf(err))
}

func TestGuardUpstreamErrorPassesThrough(t *testing.T) {
	g, rec := newTestGuard(t, approval.AllowAll())
	op, err := g.Begin(alice(), &Call{Kind: KindLLM, Operation: "chat"})
	require.NoError(t, err)
	upstream := &upstreamErr{status: 429}
	err = op.Finish(upstream)
	var ue *upstreamErr
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, 429, ue.status)
	assert.Equal(t, CodeUnknown, rec.all()[0].Code)
	assert.Equal(t, "upstream 429", rec.all()[0].Error)
}

type upstreamErr struct{ status int }

func (e *upstreamErr) Error() string { return fmt.Sprintf("upstream %d", e.status) }

func TestGuardObserveModeLetsThrough(t *testing.T) {
	p, err := NewPolicy(PolicyConfig{Mode: Observe, Rules: []RuleConfig{{Name: "deny-all", Effect: Deny}}})
	require.NoError(t, err)
	rec := &recordingAuditor{}
	g, err := New(WithPolicy(p), WithAuditor(rec))
	require.NoError(t, err)
	op, err := g.Begin(alice(), &Call{Kind: KindSQL, Operation: "drop"})
	require.ErrorIs(t, err, ErrInvalidCall)
	op, err = g.Begin(alice(), &Call{Kind: KindSQL, Operation: "ddl"})
	require.NoError(t, err)
	require.NoError(t, op.Finish(nil))
	require.Len(t, rec.all(), 2, "the invalid call is audited too")
	assert.Equal(t, CodeInvalidCall, rec.all()[0].Code)
	ev := rec.all()[1]
	assert.True(t, ev.Decision.Observed)
	assert.Equal(t, Deny, ev.Decision.Effect)
	assert.Equal(t, "deny-all", ev.Decision.Rule)
	// Observe mode does not relax authentication.
	_, err = g.Begin(context.Background(), &Call{Kind: KindSQL, Operation: "ddl"})
	require.ErrorIs(t, err, ErrUnauthenticated)
}

func TestNewFailsClosed(t *testing.T) {
	p, err := ParsePolicy([]byte(guardPolicy), "yaml")
	require.NoError(t, err)
	_, err = New(WithAuditor(DiscardAudit()))
	require.ErrorIs(t, err, ErrInvalidPolicy)
	assert.Contains(t, err.Error(), "no policy")
	_, err = New(WithPolicy(p), WithApprover(approval.AllowAll()), WithMasker(upperMasker{}))
	require.ErrorIs(t, err, ErrInvalidPolicy)
	assert.Contains(t, err.Error(), "no auditor")
	_, err = New(WithPolicy(p), WithAuditor(DiscardAudit()), WithMasker(upperMasker{}))
	require.ErrorIs(t, err, ErrInvalidPolicy)
	assert.Contains(t, err.Error(), "no approver")
	_, err = New(WithPolicy(p), WithAuditor(DiscardAudit()), WithApprover(approval.AllowAll()))
	require.ErrorIs(t, err, ErrInvalidPolicy)
	assert.Contains(t, err.Error(), "no masker")
	strict, err := NewPolicy(PolicyConfig{Rules: []RuleConfig{{Name: "r", Effect: Allow, Mask: "strict"}}})
	require.NoError(t, err)
	_, err = New(WithPolicy(strict), WithAuditor(DiscardAudit()), WithMasker(upperMasker{}))
	require.ErrorIs(t, err, ErrInvalidPolicy)
	assert.Contains(t, err.Error(), `"strict"`)
	// nil options are ignored, not fatal
	_, err = New(nil, WithPolicy(nil), WithPolicy(p), WithAuditor(DiscardAudit()), WithApprover(approval.AllowAll()), WithMasker(upperMasker{}))
	require.NoError(t, err)
}

func TestFinishOnceUnderConcurrency(t *testing.T) {
	g, rec := newTestGuard(t, approval.AllowAll())
	op, err := g.Begin(alice(), &Call{Kind: KindLLM, Operation: "chat"})
	require.NoError(t, err)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() { _ = op.Finish(context.Canceled) })
	}
	wg.Wait()
	require.Len(t, rec.all(), 1)
	assert.Equal(t, CodeCanceled, rec.all()[0].Code)
}

func TestCodeOf(t *testing.T) {
	assert.Equal(t, CodeOK, CodeOf(nil))
	assert.Equal(t, CodeUnknown, CodeOf(errors.New("x")))
	assert.Equal(t, CodeCanceled, CodeOf(context.Canceled))
	assert.Equal(t, "approval_timeout", CodeApprovalTimeout.String())
	assert.Equal(t, "unknown", Code(99).String())
}

// BenchmarkGuardOverhead measures identity + policy + audit for one allowed
// call with no masking and a discard auditor.
func BenchmarkGuardOverhead(b *testing.B) {
	p, err := NewPolicy(PolicyConfig{Roles: []string{"analyst"}, Rules: []RuleConfig{
		{Name: "chat", Roles: []string{"analyst"}, Kinds: []Kind{KindLLM}, Operations: []string{"chat"}, Effect: Allow},
	}})
	require.NoError(b, err)
	g, err := New(WithPolicy(p), WithAuditor(DiscardAudit()))
	require.NoError(b, err)
	ctx := alice()
	call := &Call{Kind: KindLLM, Operation: "chat", Resources: []string{"gpt-4o"}, Inputs: []Input{{Location: "m", Text: "hello"}}}
	b.ReportAllocs()
	for b.Loop() {
		op, err := g.Begin(ctx, call)
		if err != nil {
			b.Fatal(err)
		}
		if err := op.Finish(nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGuardOverhead50Rules is the same with the 50-rule policy, whose
// conditions read detections, on a 5-byte clean prompt.
func BenchmarkGuardOverhead50Rules(b *testing.B) {
	// The last rule reads call.detected, so the Guard runs the real
	// detectors on the call's input too.
	eng, err := mask.New()
	require.NoError(b, err)
	g, err := New(WithPolicy(fiftyRulePolicy(b)), WithAuditor(DiscardAudit()), WithMasker(MaskEngine(eng)))
	require.NoError(b, err)
	ctx := alice()
	call := &Call{Kind: KindLLM, Operation: "chat", Resources: []string{"gpt-4o"}, Attributes: map[string]any{"stream": false},
		Inputs: []Input{{Location: "m", Text: "hello"}}}
	b.ReportAllocs()
	for b.Loop() {
		op, err := g.Begin(ctx, call)
		if err != nil {
			b.Fatal(err)
		}
		if err := op.Finish(nil); err != nil {
			b.Fatal(err)
		}
	}
}

func TestGuardRefuseIsAudited(t *testing.T) {
	g, rec := newTestGuard(t, approval.AllowAll())
	cause := fmt.Errorf("%w: body is not JSON", ErrInvalidCall)
	err := g.Refuse(alice(), &Call{Kind: KindLLM, Operation: "chat", Attributes: map[string]any{"path": "/v1/chat/completions"}}, cause)
	require.ErrorIs(t, err, ErrInvalidCall)
	evs := rec.all()
	require.Len(t, evs, 1)
	assert.Equal(t, CodeInvalidCall, evs[0].Code)
	assert.Equal(t, "alice", evs[0].Principal.Subject)
	assert.Equal(t, Deny, evs[0].Decision.Effect)

	// No principal and a nil call: still one event, still the refusal.
	err = g.Refuse(context.Background(), nil, nil)
	require.ErrorIs(t, err, ErrInvalidCall)
	require.Len(t, rec.all(), 2)
	assert.Nil(t, rec.all()[1].Principal)

	rec.fail = errors.New("disk full")
	err = g.Refuse(alice(), &Call{Kind: KindLLM}, cause)
	require.ErrorIs(t, err, ErrInvalidCall)
	require.ErrorIs(t, err, ErrAuditUnavailable)
}
