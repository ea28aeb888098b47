package approval_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/approval"
	"github.com/ragguard/ragguard/approval/approvaltest"
)

var (
	requester = approvaltest.Requester
	bob       = approvaltest.Approver1
	carol     = approvaltest.Approver2
)

// fakeClock is a clock that moves only when told to.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// events is an Observer that keeps what it is told.
type events struct {
	mu   sync.Mutex
	list []approval.Event
}

func (e *events) Observe(ev approval.Event) {
	e.mu.Lock()
	e.list = append(e.list, ev)
	e.mu.Unlock()
}

func (e *events) of(id string) []approval.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []approval.Event
	for _, ev := range e.list {
		if ev.Request.ID == id {
			out = append(out, ev)
		}
	}
	return out
}

func (e *events) types(id string) []approval.EventType {
	var out []approval.EventType
	for _, ev := range e.of(id) {
		out = append(out, ev.Type)
	}
	return out
}

type outcome struct {
	d   approval.Decision
	err error
}

func start(ctx context.Context, a approval.Approver, req *approval.Request) <-chan outcome {
	ch := make(chan outcome, 1)
	go func() {
		d, err := a.Approve(ctx, req)
		ch <- outcome{d, err}
	}()
	return ch
}

// awaitPending waits (bounded) until id is pending in q.
func awaitPending(t *testing.T, q *approval.Queue, id string) {
	t.Helper()
	require.Eventually(t, func() bool {
		_, err := q.Get(id)
		return err == nil
	}, 20*time.Second, time.Millisecond, "request %s never became pending", id)
}

func await(t *testing.T, ch <-chan outcome) outcome {
	t.Helper()
	select {
	case o := <-ch:
		return o
	case <-time.After(20 * time.Second):
		t.Fatal("Approve did not return")
		return outcome{}
	}
}

func waiting(ch <-chan outcome) bool {
	select {
	case <-ch:
		return false
	default:
		return true
	}
}

func TestQueueSelfApprovalRefused(t *testing.T) {
	ev := &events{}
	q := approval.NewQueue(approval.WithObserver(ev))
	req := approvaltest.NewRequest(t)
	ch := start(t.Context(), q, req)
	awaitPending(t, q, req.ID)

	d, err := q.Decide(t.Context(), req.ID, requester, approval.Approved, "trust me")
	require.ErrorIs(t, err, approval.ErrSelfApproval)
	assert.False(t, d.Approved())
	assert.True(t, waiting(ch), "a self-approval released the waiter")
	_, err = q.Get(req.ID)
	require.NoError(t, err, "a refused self-approval removed the request")
	assert.Equal(t, []approval.EventType{approval.EventRequested}, ev.types(req.ID),
		"a refused vote was recorded")

	_, err = q.Decide(t.Context(), req.ID, bob, approval.Approved, "")
	require.NoError(t, err)
	o := await(t, ch)
	require.NoError(t, o.err)
	assert.True(t, o.d.Approved())
}

// Many requests for the same call wait at once; each decision releases
// exactly its own request, and every waiter gets a decision bound to it.
func TestQueueDecisionNeverReleasesAnother(t *testing.T) {
	q := approval.NewQueue()
	const n = 8
	reqs := make([]*approval.Request, n)
	chs := make([]<-chan outcome, n)
	for i := range n {
		reqs[i] = approvaltest.NewRequest(t)
		reqs[i].CallHash = reqs[0].CallHash // the very same call
		chs[i] = start(t.Context(), q, reqs[i])
	}
	for i := range n {
		awaitPending(t, q, reqs[i].ID)
	}
	for i := range n {
		_, err := q.Decide(t.Context(), reqs[i].ID, bob, approval.Approved, "")
		require.NoError(t, err)
		o := await(t, chs[i])
		require.NoError(t, o.err)
		require.True(t, o.d.Binds(reqs[i]))
		assert.Equal(t, reqs[i].ID, o.d.RequestID)
		for j := i + 1; j < n; j++ {
			assert.Truef(t, waiting(chs[j]), "deciding request %d released request %d", i, j)
		}
		assert.Len(t, q.Pending(t.Context()), n-1-i)
	}
}

func TestQueueTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ev := &events{}
		q := approval.NewQueue(approval.WithObserver(ev))
		req := approvaltest.NewRequest(t)
		req.ExpiresAt = time.Now().Add(time.Hour)
		ch := start(t.Context(), q, req)
		synctest.Wait()
		require.Len(t, q.Pending(t.Context()), 1)
		require.True(t, waiting(ch))

		time.Sleep(time.Hour - time.Nanosecond)
		synctest.Wait()
		require.True(t, waiting(ch), "released before its expiry")

		time.Sleep(time.Nanosecond)
		synctest.Wait()
		o := <-ch
		require.ErrorIs(t, o.err, approval.ErrTimeout)
		assert.False(t, o.d.Approved())
		assert.Empty(t, q.Pending(t.Context()))

		_, err := q.Decide(t.Context(), req.ID, bob, approval.Approved, "too late")
		require.ErrorIs(t, err, approval.ErrTimeout)
		assert.Equal(t, []approval.EventType{approval.EventRequested, approval.EventExpired}, ev.types(req.ID))
		expired := ev.of(req.ID)[1]
		assert.ErrorIs(t, expired.Err, approval.ErrTimeout)
		assert.True(t, expired.At.Equal(req.ExpiresAt), "expired at %s, want %s", expired.At, req.ExpiresAt)
	})
}

func TestQueueCancellationReleasesAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ev := &events{}
		q := approval.NewQueue(approval.WithObserver(ev))
		req := approvaltest.NewRequest(t)
		ctx, cancel := context.WithCancel(t.Context())
		ch := start(ctx, q, req)
		synctest.Wait()
		require.Len(t, q.Pending(t.Context()), 1)

		before := time.Now()
		cancel()
		synctest.Wait() // every goroutine is blocked again: no fake time passed
		var o outcome
		select {
		case o = <-ch:
		default:
			t.Fatal("the waiter was not released by cancellation")
		}
		assert.Equal(t, before, time.Now(), "release needed time to pass")
		require.ErrorIs(t, o.err, context.Canceled)
		assert.False(t, o.d.Approved())

		assert.Empty(t, q.Pending(t.Context()), "the cancelled request is still pending")
		_, err := q.Get(req.ID)
		require.ErrorIs(t, err, approval.ErrNotFound)
		assert.Contains(t, err.Error(), "withdrawn")
		_, err = q.Decide(t.Context(), req.ID, bob, approval.Approved, "")
		require.ErrorIs(t, err, approval.ErrNotFound)

		assert.Equal(t, []approval.EventType{approval.EventRequested, approval.EventCancelled}, ev.types(req.ID))
		assert.ErrorIs(t, ev.of(req.ID)[1].Err, context.Canceled)
	})
}

func TestQueueDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := approval.NewQueue()
		req := approvaltest.NewRequest(t)
		req.ExpiresAt = time.Now().Add(time.Hour)
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		startAt := time.Now()
		_, err := q.Approve(ctx, req)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.NotErrorIs(t, err, approval.ErrTimeout, "the caller's deadline is not the request's expiry")
		assert.Equal(t, 5*time.Second, time.Since(startAt))
		assert.Empty(t, q.Pending(t.Context()))
	})
}

func TestQueueDefaultTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := approval.NewQueue(approval.WithDefaultTimeout(time.Minute), approval.WithDefaultTimeout(0))
		req := approvaltest.NewRequest(t)
		req.ExpiresAt = time.Time{}
		req.CreatedAt = time.Time{}
		ch := start(t.Context(), q, req)
		synctest.Wait()
		p := q.Pending(t.Context())
		require.Len(t, p, 1)
		assert.Equal(t, time.Now(), p[0].CreatedAt)
		assert.Equal(t, time.Now().Add(time.Minute), p[0].ExpiresAt)
		assert.True(t, req.ExpiresAt.IsZero(), "the caller's request was modified")

		time.Sleep(time.Minute)
		synctest.Wait()
		require.ErrorIs(t, (<-ch).err, approval.ErrTimeout)
	})
}

func TestQueueAlreadyExpired(t *testing.T) {
	ev := &events{}
	q := approval.NewQueue(approval.WithObserver(ev))
	req := approvaltest.NewRequest(t)
	req.ExpiresAt = time.Now().Add(-time.Second)
	_, err := q.Approve(t.Context(), req)
	require.ErrorIs(t, err, approval.ErrTimeout)
	assert.Empty(t, q.Pending(t.Context()))
	assert.Equal(t, []approval.EventType{approval.EventRequested, approval.EventExpired}, ev.types(req.ID))
}

// With WithClock the clock decides expiry: the waiter is released when the
// clock passes ExpiresAt, however much real time went by.
func TestQueueClockDecidesExpiry(t *testing.T) {
	clk := newFakeClock()
	q := approval.NewQueue(approval.WithClock(clk.Now), approval.WithClock(nil))
	req := approvaltest.NewRequest(t)
	req.CreatedAt = clk.Now()
	req.ExpiresAt = clk.Now().Add(10 * time.Minute)
	ch := start(t.Context(), q, req)
	awaitPending(t, q, req.ID)

	clk.Advance(10*time.Minute - time.Second)
	require.Len(t, q.Pending(t.Context()), 1)
	assert.True(t, waiting(ch))

	clk.Advance(time.Second)
	// The next use of the queue sweeps the expired request.
	assert.Empty(t, q.Pending(t.Context()))
	o := await(t, ch)
	require.ErrorIs(t, o.err, approval.ErrTimeout)
}

func TestQueueDecideAfterExpiryRefused(t *testing.T) {
	clk := newFakeClock()
	q := approval.NewQueue(approval.WithClock(clk.Now))
	req := approvaltest.NewRequest(t)
	req.ExpiresAt = clk.Now().Add(time.Minute)
	ch := start(t.Context(), q, req)
	awaitPending(t, q, req.ID)

	clk.Advance(time.Minute)
	d, err := q.Decide(t.Context(), req.ID, bob, approval.Approved, "late")
	require.ErrorIs(t, err, approval.ErrTimeout)
	assert.False(t, d.Approved())
	o := await(t, ch)
	require.ErrorIs(t, o.err, approval.ErrTimeout, "a late approval reached the waiter")
	assert.False(t, o.d.Approved())
}

func TestQueueQuorum(t *testing.T) {
	ev := &events{}
	q := approval.NewQueue(approval.WithObserver(ev))
	req := approvaltest.NewRequest(t)
	req.Quorum = 2
	req.ApproverGroups = []string{"security"}
	ch := start(t.Context(), q, req)
	awaitPending(t, q, req.ID)

	d, err := q.Decide(t.Context(), req.ID, bob, approval.Approved, "ok by me")
	require.NoError(t, err)
	assert.Equal(t, approval.Pending, d.Verdict)
	assert.False(t, d.Approved())
	assert.True(t, d.DecidedAt.IsZero())
	require.Len(t, d.Votes, 1)
	assert.Equal(t, bob.ID(), d.Votes[0].Approver.ID())
	assert.Equal(t, "1 of 2 approvals", d.Reason)

	// The same person under another group list is still the same approver.
	bobAgain := bob
	bobAgain.Groups = []string{"security", "dba"}
	_, err = q.Decide(t.Context(), req.ID, bobAgain, approval.Approved, "again")
	require.ErrorIs(t, err, approval.ErrAlreadyDecided)
	assert.True(t, waiting(ch))

	d, err = q.Decide(t.Context(), req.ID, carol, approval.Approved, "")
	require.NoError(t, err)
	assert.True(t, d.Approved())
	o := await(t, ch)
	require.NoError(t, o.err)
	assert.True(t, o.d.Approved())
	assert.Len(t, o.d.Votes, 2)
	assert.Equal(t, []approval.EventType{approval.EventRequested, approval.EventVoted, approval.EventDecided}, ev.types(req.ID))
}

func TestQueueDecidedOnce(t *testing.T) {
	clk := newFakeClock()
	q := approval.NewQueue(approval.WithClock(clk.Now), approval.WithRetention(time.Hour))
	req := approvaltest.NewRequest(t)
	req.ExpiresAt = clk.Now().Add(time.Minute)
	ch := start(t.Context(), q, req)
	awaitPending(t, q, req.ID)
	_, err := q.Decide(t.Context(), req.ID, bob, approval.Denied, "no")
	require.NoError(t, err)
	assert.False(t, await(t, ch).d.Approved())

	_, err = q.Decide(t.Context(), req.ID, carol, approval.Approved, "overrule")
	require.ErrorIs(t, err, approval.ErrAlreadyDecided)
	_, err = q.Get(req.ID)
	require.ErrorIs(t, err, approval.ErrAlreadyDecided)

	// The id stays spent while it is remembered.
	_, err = q.Approve(t.Context(), req)
	require.ErrorIs(t, err, approval.ErrInvalidRequest)

	clk.Advance(time.Hour)
	_, err = q.Decide(t.Context(), req.ID, carol, approval.Approved, "")
	require.ErrorIs(t, err, approval.ErrNotFound, "a finished request was remembered past the retention")
}

func TestQueueRefusals(t *testing.T) {
	q := approval.NewQueue(approval.WithMaxPending(1))
	req := approvaltest.NewRequest(t)
	ch := start(t.Context(), q, req)
	awaitPending(t, q, req.ID)

	dup := *req
	_, err := q.Approve(t.Context(), &dup)
	require.ErrorIs(t, err, approval.ErrInvalidRequest, "a second request with a pending id was queued")

	_, err = q.Approve(t.Context(), approvaltest.NewRequest(t))
	require.ErrorIs(t, err, approval.ErrQueueFull)

	_, err = q.Decide(t.Context(), req.ID, bob, "maybe", "")
	require.ErrorIs(t, err, approval.ErrInvalidDecision)
	_, err = q.Decide(t.Context(), req.ID, approval.Party{}, approval.Approved, "")
	require.ErrorIs(t, err, approval.ErrInvalidDecision)

	done, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = q.Decide(done, req.ID, bob, approval.Approved, "")
	require.ErrorIs(t, err, context.Canceled)
	assert.Nil(t, q.Pending(done))

	assert.True(t, waiting(ch), "a refused call released the waiter")
	_, err = q.Decide(t.Context(), req.ID, bob, approval.Approved, "")
	require.NoError(t, err)
	assert.True(t, await(t, ch).d.Approved())
}

func TestQueueGrantWindow(t *testing.T) {
	clk := newFakeClock()
	ev := &events{}
	q := approval.NewQueue(approval.WithClock(clk.Now), approval.WithObserver(ev))
	held := func(mutate func(*approval.Request)) *approval.Request {
		r := approvaltest.NewRequest(t)
		r.Resources = []string{"public.patients", "public.visits"}
		r.GrantWindow = 30 * time.Minute
		r.CreatedAt = clk.Now()
		r.ExpiresAt = clk.Now().Add(time.Hour)
		if mutate != nil {
			mutate(r)
		}
		return r
	}
	// mustWait checks that r is held for a person, then withdraws it.
	mustWait := func(t *testing.T, r *approval.Request, why string) {
		t.Helper()
		ctx, cancel := context.WithCancel(t.Context())
		ch := start(ctx, q, r)
		awaitPending(t, q, r.ID)
		require.Truef(t, waiting(ch), "%s: approved by the grant", why)
		cancel()
		require.ErrorIs(t, await(t, ch).err, context.Canceled)
	}

	// Before any approval, the request waits.
	first := held(nil)
	ch := start(t.Context(), q, first)
	awaitPending(t, q, first.ID)
	d, err := q.Decide(t.Context(), first.ID, bob, approval.Approved, "for the audit prep")
	require.NoError(t, err)
	assert.Equal(t, clk.Now().Add(30*time.Minute), d.GrantUntil)
	require.True(t, await(t, ch).d.Approved())

	// The same tuple (another call, resources in another order) is
	// approved at once, and the decision says so.
	clk.Advance(10 * time.Minute)
	again := held(func(r *approval.Request) {
		r.Resources = []string{"public.visits", "public.patients", "public.visits"}
		r.Justification = "follow-up query"
	})
	d, err = q.Approve(t.Context(), again)
	require.NoError(t, err)
	assert.True(t, d.Approved())
	assert.True(t, d.Binds(again), "a granted decision must bind the new request")
	assert.Equal(t, first.ID, d.GrantedBy)
	assert.Equal(t, first.ExpiresAt.Add(-time.Hour).Add(30*time.Minute), d.GrantUntil)
	assert.Contains(t, d.Reason, first.ID)
	require.Len(t, d.Votes, 1)
	assert.Equal(t, bob.ID(), d.Votes[0].Approver.ID())
	assert.Equal(t, []approval.EventType{approval.EventRequested, approval.EventDecided}, ev.types(again.ID))
	assert.Equal(t, first.ID, ev.of(again.ID)[1].Decision.GrantedBy)

	// Anything else still waits for a person.
	mustWait(t, held(func(r *approval.Request) { r.Resources = []string{"public.patients"} }), "fewer resources")
	mustWait(t, held(func(r *approval.Request) { r.Resources = append(r.Resources, "public.billing") }), "more resources")
	mustWait(t, held(func(r *approval.Request) { r.Requester = approvaltest.Outsider }), "another requester")
	mustWait(t, held(func(r *approval.Request) { r.Requester.Issuer = "https://other-idp.test" }), "same subject, other issuer")
	mustWait(t, held(func(r *approval.Request) { r.Operation = "delete" }), "another operation")
	mustWait(t, held(func(r *approval.Request) { r.Kind = "vector" }), "another kind")
	mustWait(t, held(func(r *approval.Request) { r.Quorum = 2 }), "a stricter quorum")
	mustWait(t, held(func(r *approval.Request) { r.ApproverGroups = []string{"security"} }), "other approver groups")
	mustWait(t, held(func(r *approval.Request) { r.GrantWindow = 0 }), "a rule that allows no grant")

	// The window ends 30 minutes after the approval.
	clk.Advance(20*time.Minute - time.Second)
	d, err = q.Approve(t.Context(), held(nil))
	require.NoError(t, err)
	assert.True(t, d.Approved(), "grant ended early")
	clk.Advance(time.Second)
	mustWait(t, held(nil), "after the window")
}

func TestQueueNoGrantFromDenial(t *testing.T) {
	q := approval.NewQueue()
	req := approvaltest.NewRequest(t)
	req.GrantWindow = time.Hour
	ch := start(t.Context(), q, req)
	awaitPending(t, q, req.ID)
	d, err := q.Decide(t.Context(), req.ID, bob, approval.Denied, "no")
	require.NoError(t, err)
	assert.True(t, d.GrantUntil.IsZero())
	assert.False(t, await(t, ch).d.Approved())

	next := approvaltest.NewRequest(t)
	next.GrantWindow = time.Hour
	ctx, cancel := context.WithCancel(t.Context())
	ch = start(ctx, q, next)
	awaitPending(t, q, next.ID)
	cancel()
	require.ErrorIs(t, await(t, ch).err, context.Canceled)
}

func TestQueueObserverGetsCopies(t *testing.T) {
	q := approval.NewQueue(approval.WithObserver(approval.ObserverFunc(func(e approval.Event) {
		// A careless observer scribbles over what it is given.
		e.Request.Requester.Subject = "mallory"
		if len(e.Request.ApproverGroups) > 0 {
			e.Request.ApproverGroups[0] = "everyone"
		}
		if e.Decision != nil && len(e.Decision.Votes) > 0 {
			e.Decision.Votes[0].Verdict = approval.Denied
		}
	})), approval.WithObserver(nil))
	req := approvaltest.NewRequest(t)
	req.ApproverGroups = []string{"security"}
	ch := start(t.Context(), q, req)
	awaitPending(t, q, req.ID)
	got, err := q.Get(req.ID)
	require.NoError(t, err)
	assert.Equal(t, requester.Subject, got.Requester.Subject)
	assert.Equal(t, []string{"security"}, got.ApproverGroups)

	_, err = q.Decide(t.Context(), req.ID, approvaltest.Outsider, approval.Approved, "")
	require.ErrorIs(t, err, approval.ErrNotEligible, "the observer widened the approver groups")
	_, err = q.Decide(t.Context(), req.ID, bob, approval.Approved, "")
	require.NoError(t, err)
	o := await(t, ch)
	require.NoError(t, o.err)
	assert.Equal(t, approval.Approved, o.d.Votes[0].Verdict)
}

// Many waiters, deciders and cancellations at once; every waiter gets the
// outcome meant for it and nothing is left behind.
func TestQueueStress(t *testing.T) {
	q := approval.NewQueue()
	const n = 300
	var wg sync.WaitGroup
	var approved, denied, cancelled, expired atomic.Int32
	for i := range n {
		req := approvaltest.NewRequest(t)
		req.Resources = []string{fmt.Sprintf("t%d", i)}
		if i%4 == 0 {
			req.Quorum = 2
		}
		wantExpiry := i%10 == 9
		wantCancel := i%7 == 5 && !wantExpiry
		if wantExpiry {
			req.ExpiresAt = time.Now().Add(20 * time.Millisecond)
		}
		ctx, cancel := context.WithCancel(t.Context())
		wg.Go(func() {
			defer cancel()
			d, err := q.Approve(ctx, req)
			switch {
			case err == nil:
				if !assert.True(t, d.Binds(req), "request %d got a foreign decision", i) {
					return
				}
				want := approval.Approved
				if i%3 == 0 {
					want = approval.Denied
				}
				assert.Equal(t, want, d.Verdict, "request %d", i)
				if d.Approved() {
					approved.Add(1)
				} else {
					denied.Add(1)
				}
			case wantCancel && assert.ErrorIs(t, err, context.Canceled, "request %d", i):
				cancelled.Add(1)
			case wantExpiry && assert.ErrorIs(t, err, approval.ErrTimeout, "request %d", i):
				expired.Add(1)
			case !wantCancel && !wantExpiry:
				t.Errorf("request %d: %v", i, err)
			}
		})
		wg.Go(func() {
			if wantExpiry {
				return
			}
			if wantCancel {
				for {
					if _, err := q.Get(req.ID); err == nil {
						break
					}
					time.Sleep(time.Millisecond)
				}
				cancel()
				return
			}
			verdict := approval.Approved
			if i%3 == 0 {
				verdict = approval.Denied
			}
			for _, p := range []approval.Party{bob, carol} {
				for {
					d, err := q.Decide(context.Background(), req.ID, p, verdict, "")
					if err == nil {
						if d.Verdict.Final() {
							return
						}
						break
					}
					if !assert.ErrorIs(t, err, approval.ErrNotFound) {
						return
					}
					time.Sleep(time.Millisecond) // not queued yet
				}
			}
		})
	}
	wg.Wait()
	assert.Empty(t, q.Pending(t.Context()))
	assert.Equal(t, int32(n), approved.Load()+denied.Load()+cancelled.Load()+expired.Load())
	t.Logf("approved %d, denied %d, cancelled %d, expired %d",
		approved.Load(), denied.Load(), cancelled.Load(), expired.Load())
}

func TestQueuePendingOldestFirstAndCopies(t *testing.T) {
	clk := newFakeClock()
	q := approval.NewQueue(approval.WithClock(clk.Now))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var ids []string
	var chs []<-chan outcome
	for i := range 3 {
		r := approvaltest.NewRequest(t)
		r.CreatedAt = time.Time{} // stamped by the queue's clock
		r.ExpiresAt = clk.Now().Add(time.Hour)
		ids = append(ids, r.ID)
		chs = append(chs, start(ctx, q, r))
		awaitPending(t, q, r.ID)
		clk.Advance(time.Duration(i+1) * time.Second)
	}
	p := q.Pending(t.Context())
	require.Len(t, p, 3)
	for i := range p {
		assert.Equal(t, ids[i], p[i].ID, "position %d", i)
	}
	p[0].Resources[0] = "changed"
	p[0].Requester.Subject = "mallory"
	again, err := q.Get(ids[0])
	require.NoError(t, err)
	assert.Equal(t, "public.patients", again.Resources[0], "Pending handed out the queue's own slice")
	assert.Equal(t, requester.Subject, again.Requester.Subject)

	cancel()
	for _, ch := range chs {
		require.ErrorIs(t, await(t, ch).err, context.Canceled)
	}
	assert.Empty(t, q.Pending(t.Context()))
}

// The waiter's own timer only prompts a look at the clock: with a clock
// that stands still, the request stays pending however long the timer ran.
func TestQueueTimerDefersToClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := newFakeClock()
		q := approval.NewQueue(approval.WithClock(clk.Now))
		req := approvaltest.NewRequest(t)
		req.ExpiresAt = clk.Now().Add(time.Minute)
		ch := start(t.Context(), q, req)
		synctest.Wait()

		time.Sleep(time.Hour) // the timer fires, and re-arms, many times
		synctest.Wait()
		require.True(t, waiting(ch), "released although the clock did not reach ExpiresAt")
		require.Len(t, q.Pending(t.Context()), 1)

		clk.Advance(time.Minute)
		time.Sleep(time.Minute) // the next firing finds the clock past ExpiresAt
		synctest.Wait()
		require.ErrorIs(t, (<-ch).err, approval.ErrTimeout)
	})
}
