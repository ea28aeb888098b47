package approval

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testRequest(id string, now time.Time) *Request {
	sum := sha256.Sum256([]byte(id))
	return &Request{
		ID:          id,
		Requester:   Party{Subject: "alice"},
		Kind:        "sql",
		Operation:   "select",
		Resources:   []string{"t"},
		CallHash:    hex.EncodeToString(sum[:]),
		GrantWindow: time.Minute,
		ExpiresAt:   now.Add(time.Minute),
	}
}

// Every way a request can end leaves state behind only until the clock
// passes its time; then the Queue holds nothing.
func TestQueueForgets(t *testing.T) {
	var clockMu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time {
		clockMu.Lock()
		defer clockMu.Unlock()
		return now
	}
	advance := func(d time.Duration) {
		clockMu.Lock()
		now = now.Add(d)
		clockMu.Unlock()
	}
	q := NewQueue(WithClock(clock), WithRetention(5*time.Minute))
	bob := Party{Subject: "bob"}
	ctx := t.Context()

	wait := func(req *Request, ctx context.Context) <-chan error {
		ch := make(chan error, 1)
		go func() { _, err := q.Approve(ctx, req); ch <- err }()
		require.Eventually(t, func() bool {
			q.mu.Lock()
			defer q.mu.Unlock()
			_, ok := q.pending[req.ID]
			return ok
		}, 20*time.Second, time.Millisecond)
		return ch
	}

	approved := wait(testRequest("approved", now), ctx)
	_, err := q.Decide(ctx, "approved", bob, Approved, "")
	require.NoError(t, err)
	require.NoError(t, <-approved)

	denied := testRequest("denied", now)
	denied.Resources = []string{"other"}
	deniedCh := wait(denied, ctx)
	_, err = q.Decide(ctx, "denied", bob, Denied, "")
	require.NoError(t, err)
	require.NoError(t, <-deniedCh)

	cctx, cancel := context.WithCancel(ctx)
	cancelled := testRequest("cancelled", now)
	cancelled.GrantWindow = 0
	cancelledCh := wait(cancelled, cctx)
	cancel()
	require.ErrorIs(t, <-cancelledCh, context.Canceled)

	expiring := testRequest("expired", now)
	expiring.GrantWindow = 0
	expiredCh := wait(expiring, ctx)

	_, err = q.Approve(ctx, testRequest("granted", now))
	require.NoError(t, err, "the grant did not cover the same tuple")

	q.mu.Lock()
	assert.Len(t, q.pending, 1)
	assert.Len(t, q.finished, 3, "approved, denied and cancelled are remembered; granted is not")
	assert.Len(t, q.grants, 1)
	q.mu.Unlock()

	advance(time.Minute) // the pending request and the grant end
	assert.Empty(t, q.Pending(ctx))
	require.ErrorIs(t, <-expiredCh, ErrTimeout)
	q.mu.Lock()
	assert.Empty(t, q.grants)
	assert.Len(t, q.finished, 4)
	q.mu.Unlock()

	advance(5 * time.Minute) // past every retention
	assert.Empty(t, q.Pending(ctx))
	q.mu.Lock()
	defer q.mu.Unlock()
	assert.Empty(t, q.pending)
	assert.Empty(t, q.finished)
	assert.Empty(t, q.grants)
	assert.True(t, q.nextSweep.IsZero(), "a sweep is still scheduled for an empty queue")
}

func TestGrantKey(t *testing.T) {
	base := func() *Request {
		return &Request{Requester: Party{Subject: "alice", Issuer: "idp"}, Kind: "sql", Operation: "select", Resources: []string{"a", "b"}}
	}
	k := base().grantKey()

	same := base()
	same.Resources = []string{"b", "a", "b"}
	same.CallHash = "different call"
	same.Justification = "different reason"
	assert.Equal(t, k, same.grantKey(), "order, duplicates, call and justification are not part of the tuple")

	quorumOne := base()
	quorumOne.Quorum = 1
	assert.Equal(t, k, quorumOne.grantKey(), "quorum 0 means 1")

	// Field boundaries cannot be shifted to forge a match.
	shifted := base()
	shifted.Kind, shifted.Operation = "sqls", "elect"
	assert.NotEqual(t, k, shifted.grantKey())
	merged := base()
	merged.Resources = []string{"ab"}
	assert.NotEqual(t, k, merged.grantKey())
	split := base()
	split.Resources = []string{"a", "b", ""}
	assert.NotEqual(t, k, split.grantKey())

	// Party.ID joins issuer and subject with '#'; the key must not.
	joined := base()
	joined.Requester = Party{Issuer: "idp#alice", Subject: "x"}
	other := base()
	other.Requester = Party{Issuer: "idp", Subject: "alice#x"}
	require.Equal(t, joined.Requester.ID(), other.Requester.ID())
	assert.NotEqual(t, joined.grantKey(), other.grantKey())

	for name, mutate := range map[string]func(*Request){
		"tenant":    func(r *Request) { r.Requester.Tenant = "acme" },
		"issuer":    func(r *Request) { r.Requester.Issuer = "other" },
		"rule":      func(r *Request) { r.Rule = "r2" },
		"groups":    func(r *Request) { r.ApproverGroups = []string{"dba"} },
		"quorum":    func(r *Request) { r.Quorum = 2 },
		"resources": func(r *Request) { r.Resources = nil },
	} {
		r := base()
		mutate(r)
		assert.NotEqual(t, k, r.grantKey(), name)
	}
}
