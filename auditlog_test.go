package ragguard

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/approval"
	"github.com/ragguard/ragguard/audit"
)

// TestAuditLogEveryOutcome runs allowed, denied, unauthenticated, approved
// and failed calls through a Guard writing to a real signed audit log with a
// WAL and a file sink, then verifies the log offline: one event per call,
// each with its outcome.
func TestAuditLogEveryOutcome(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	dir := t.TempDir()
	sink, err := audit.NewFileSink(dir)
	require.NoError(t, err)
	sessions, err := audit.NewDirSessionStore(t.TempDir())
	require.NoError(t, err)
	log, err := audit.NewLog(audit.WithSigner("root-2026", priv), audit.WithSink(sink),
		audit.WithWAL(t.TempDir()), audit.WithSessionStore(sessions))
	require.NoError(t, err)

	p, err := ParsePolicy([]byte(guardPolicy), "yaml")
	require.NoError(t, err)
	g, err := New(WithPolicy(p), WithAuditor(AuditLog(log)), WithApprover(approval.AllowAll()), WithMasker(upperMasker{}))
	require.NoError(t, err)

	op, err := g.Begin(alice(), &Call{Kind: KindLLM, Operation: "chat", Resources: []string{"gpt-4o"},
		Inputs: []Input{{Location: "messages[0].content", Text: "a secret prompt"}}, Attributes: map[string]any{"stream": true}})
	require.NoError(t, err)
	op.SetBodies([]byte(op.Input(0)), []byte("answer"))
	op.SetUsage(Usage{InputTokens: 3, OutputTokens: 1, FinishReason: "stop"})
	require.NoError(t, op.Finish(nil))

	_, err = g.Begin(alice(), &Call{Kind: KindSQL, Operation: "delete", Resources: []string{"patients"}})
	require.ErrorIs(t, err, ErrPermissionDenied)
	_, err = g.Begin(context.Background(), &Call{Kind: KindLLM, Operation: "chat"})
	require.ErrorIs(t, err, ErrUnauthenticated)
	op, err = g.Begin(alice(), &Call{Kind: KindSQL, Operation: "select", Resources: []string{"patients"}})
	require.NoError(t, err)
	require.Error(t, op.Finish(errors.New("connection reset")))
	require.NoError(t, log.Close())
	require.NoError(t, sink.Close())

	res, err := audit.Verify(context.Background(), audit.ReadDir(dir), audit.WithTrustedKey("root-2026", pub))
	require.NoError(t, err)
	assert.Equal(t, uint64(4), res.Events, "one event per call")

	var events []*audit.Event
	for rec, err := range audit.ReadDir(dir) {
		require.NoError(t, err)
		if rec.Type == audit.TypeEvent {
			ev, err := audit.ParseEvent(rec.Data)
			require.NoError(t, err)
			events = append(events, ev)
		}
	}
	require.Len(t, events, 4)
	ok := events[0]
	assert.Equal(t, audit.OutcomeOK, ok.Outcome)
	assert.Equal(t, "alice", ok.Principal.Subject)
	assert.Equal(t, "analysts-chat", ok.Decision.Rule)
	assert.Equal(t, "true", ok.Call.Attributes["stream"])
	assert.Equal(t, "stop", ok.Call.Attributes["result.finish_reason"])
	assert.Equal(t, int64(3), ok.Usage.InputTokens)
	require.Len(t, ok.Masking, 1)
	assert.Equal(t, "SECRET", ok.Masking[0].Entity)
	assert.NotEmpty(t, ok.RequestCommitment)

	rec, err := sessions.Get(context.Background(), ok.ID)
	require.NoError(t, err)
	require.NoError(t, audit.CheckSession(ok, rec))
	assert.Equal(t, "a [SECRET] prompt", string(rec.Request), "the session holds the masked prompt")

	assert.Equal(t, "permission_denied", events[1].ErrorCode)
	assert.Equal(t, "no rule matched", events[1].Call.Attributes["decision.reason"])
	assert.Equal(t, "unauthenticated", events[2].ErrorCode)
	assert.Empty(t, events[2].Principal.Subject)
	require.NotNil(t, events[3].Approval, "the approval receipt is in the event")
	assert.Equal(t, audit.OutcomeError, events[3].Outcome)
	assert.Equal(t, "unknown", events[3].ErrorCode)
}

// A log whose only sink hangs makes fail-closed calls fail with
// ErrAuditUnavailable within the append timeout, and returns no result.
func TestAuditLogUnavailableFailsClosed(t *testing.T) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	var hang atomic.Bool
	release := make(chan struct{})
	hung := audit.SinkFunc(func(ctx context.Context, recs []audit.Record) error {
		if !hang.Load() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-release:
			return nil
		}
	})
	// Only the append timeout is short: the log's start-up write gets the
	// generous sink timeout, so a loaded machine cannot fail it.
	log, err := audit.NewLog(audit.WithSigner("k", priv), audit.WithSink(hung),
		audit.WithAppendTimeout(100*time.Millisecond), audit.WithSinkTimeout(time.Minute))
	require.NoError(t, err)
	defer log.Close()
	defer close(release)
	hang.Store(true)
	g, err := New(WithPolicy(mustPolicy(t)), WithAuditor(AuditLog(log)))
	require.NoError(t, err)
	op, err := g.Begin(alice(), &Call{Kind: KindLLM, Operation: "chat"})
	require.NoError(t, err)
	err = op.Finish(nil)
	require.ErrorIs(t, err, ErrAuditUnavailable)
	require.ErrorIs(t, err, audit.ErrUnavailable)
}

func mustPolicy(t *testing.T) *Policy {
	p, err := NewPolicy(PolicyConfig{Rules: []RuleConfig{{Name: "all", Effect: Allow}}})
	require.NoError(t, err)
	return p
}

// A call approved by a just-in-time grant says so in its audit event, and
// names the request whose approval opened the grant.
func TestAuditEventRecordsGrant(t *testing.T) {
	p, err := ParsePolicy([]byte(`
roles: [analyst]
rules:
  - name: hold-with-grant
    roles: [analyst]
    kinds: [sql]
    effect: require_approval
    approval: {timeout: 1m, grant: 10m}
`), "yaml")
	require.NoError(t, err)
	q := approval.NewQueue()
	rec := &recordingAuditor{}
	g, err := New(WithPolicy(p), WithAuditor(rec), WithApprover(q))
	require.NoError(t, err)
	call := func() *Call { return &Call{Kind: KindSQL, Operation: "select", Resources: []string{"patients"}} }

	done := make(chan error, 1)
	go func() {
		op, err := g.Begin(alice(), call())
		if err == nil {
			err = op.Finish(nil)
		}
		done <- err
	}()
	first := waitPending(t, q)
	_, err = q.Decide(context.Background(), first.ID, approval.Party{Subject: "bob"}, approval.Approved, "looks fine")
	require.NoError(t, err)
	require.NoError(t, <-done)

	op, err := g.Begin(alice(), call())
	require.NoError(t, err, "the grant covers the second call")
	require.NoError(t, op.Finish(nil))

	evs := rec.all()
	require.Len(t, evs, 2)
	a1, a2 := toAuditEvent(evs[0]).Approval, toAuditEvent(evs[1]).Approval
	require.NotNil(t, a1)
	require.NotNil(t, a2)
	assert.Empty(t, a1.GrantedBy, "bob decided the first request himself")
	assert.Equal(t, "looks fine", a1.Reason)
	assert.Equal(t, first.ID, a2.GrantedBy)
	assert.NotEqual(t, first.ID, a2.RequestID)
	require.Len(t, a2.Verdicts, 1)
	assert.Equal(t, "bob", a2.Verdicts[0].Approver)
}

// BenchmarkGuardOverheadAuditLog measures identity + policy + a real signed
// audit append (canonical JSON, hash, Merkle tree, checkpoints) per call,
// delivered synchronously to a discarding sink: the Guard's CPU cost
// without disk or network.
func BenchmarkGuardOverheadAuditLog(b *testing.B) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(b, err)
	log, err := audit.NewLog(audit.WithSigner("k", priv), audit.WithSink(audit.DiscardSink()))
	require.NoError(b, err)
	defer log.Close()
	p, err := NewPolicy(PolicyConfig{Roles: []string{"analyst"}, Rules: []RuleConfig{
		{Name: "chat", Roles: []string{"analyst"}, Kinds: []Kind{KindLLM}, Operations: []string{"chat"}, Effect: Allow},
	}})
	require.NoError(b, err)
	g, err := New(WithPolicy(p), WithAuditor(AuditLog(log)))
	require.NoError(b, err)
	ctx := alice()
	call := &Call{Kind: KindLLM, Operation: "chat", System: "openai", Resources: []string{"gpt-4o"}, Inputs: []Input{{Location: "m", Text: "hello"}}}
	b.ReportAllocs()
	for b.Loop() {
		op, err := g.Begin(ctx, call)
		if err != nil {
			b.Fatal(err)
		}
		op.SetBodies([]byte(`{"messages":[{"role":"user","content":"hello"}]}`), []byte(`{"choices":[{"message":{"content":"hi"}}]}`))
		if err := op.Finish(nil); err != nil {
			b.Fatal(err)
		}
	}
}
