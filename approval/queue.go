package approval

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Queue is an in-memory Approver: Approve holds each request until people
// decide it through Decide, it expires, or the caller gives up. It serves
// tests, examples and single-process services; replicas that share approvals
// need a shared queue.
//
// A Queue enforces the rules a Request carries: the requester never decides
// its own request, approvers must belong to one of ApproverGroups when the
// request names any, Quorum distinct approvers must approve while one denial
// denies, and a request is decided once. An approval with a GrantWindow opens
// a just-in-time grant that approves later requests for the same requester,
// kind, operation and resources at once until the window ends.
//
// The zero Queue is not usable; call NewQueue. A Queue is safe for
// concurrent use and starts no goroutines: finished requests and ended
// grants are swept as the Queue is used.
type Queue struct {
	cfg config

	mu        sync.Mutex
	pending   map[string]*entry
	finished  map[string]tombstone
	grants    map[string]grant
	nextSweep time.Time // zero when nothing is due
}

var _ Approver = (*Queue)(nil)

type state uint8

const (
	statePending state = iota
	stateDecided
	stateExpired
	stateCancelled
)

// entry is one pending request. done is closed, under Queue.mu, when the
// request leaves the pending state; decision is final from then on.
type entry struct {
	req      Request
	votes    []Vote
	state    state
	decision Decision
	done     chan struct{}
}

// tombstone remembers how a request ended, until forget.
type tombstone struct {
	state  state
	forget time.Time
}

type grant struct {
	until time.Time
	from  string // request id whose approval opened the grant
	votes []Vote
}

// NewQueue returns an empty Queue.
func NewQueue(opts ...Option) *Queue {
	return &Queue{
		cfg:      newConfig(opts),
		pending:  make(map[string]*entry),
		finished: make(map[string]tombstone),
		grants:   make(map[string]grant),
	}
}

// Approve enqueues req and blocks until it is decided, it expires
// (ErrTimeout), or ctx is done (an error wrapping ctx.Err()); in the last two
// cases the request leaves the queue at once. A request whose requester
// holds a matching just-in-time grant is approved without waiting. A request
// without ExpiresAt expires after the default timeout. Approve never modifies
// *req.
func (q *Queue) Approve(ctx context.Context, req *Request) (Decision, error) {
	if err := req.Validate(); err != nil {
		return Decision{}, err
	}
	if err := ctx.Err(); err != nil {
		return Decision{}, fmt.Errorf("approval: request %s: %w", req.ID, err)
	}
	e, d, err := q.enqueue(req)
	if e == nil {
		return d, err
	}
	return q.wait(ctx, req, e)
}

// enqueue adds req to the queue and returns its entry, or, when req needs no
// waiting, its decision or error.
func (q *Queue) enqueue(req *Request) (*entry, Decision, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.cfg.now()
	q.sweepLocked(now)

	if _, dup := q.pending[req.ID]; dup {
		return nil, Decision{}, fmt.Errorf("%w: request id %s is already pending", ErrInvalidRequest, req.ID)
	}
	if _, dup := q.finished[req.ID]; dup {
		return nil, Decision{}, fmt.Errorf("%w: request id %s was already used", ErrInvalidRequest, req.ID)
	}
	r := req.clone()
	if r.CreatedAt.IsZero() {
		r.CreatedAt = now
	}
	if r.ExpiresAt.IsZero() {
		r.ExpiresAt = now.Add(q.cfg.defaultTimeout)
	}

	if !now.Before(r.ExpiresAt) {
		q.emit(Event{Type: EventRequested, Request: r.clone(), At: now})
		q.retire(r.ID, stateExpired, now)
		q.emit(Event{Type: EventExpired, Request: r.clone(), Err: ErrTimeout, At: now})
		return nil, Decision{}, fmt.Errorf("%w: request %s expired at %s, before it was queued",
			ErrTimeout, r.ID, r.ExpiresAt.Format(time.RFC3339Nano))
	}
	if g, ok := q.grants[r.grantKey()]; ok && r.GrantWindow > 0 && now.Before(g.until) {
		d := Decision{
			RequestID:  r.ID,
			CallHash:   r.CallHash,
			Verdict:    Approved,
			Votes:      g.votes,
			Reason:     "covered by the just-in-time grant opened by request " + g.from,
			DecidedAt:  now,
			GrantUntil: g.until,
			GrantedBy:  g.from,
		}.clone()
		// No tombstone: nobody decides a granted request, and remembering
		// every call a grant covers would grow with the call rate.
		q.emit(Event{Type: EventRequested, Request: r.clone(), At: now})
		dc := d.clone()
		q.emit(Event{Type: EventDecided, Request: r.clone(), Decision: &dc, At: now})
		return nil, d, nil
	}
	if len(q.pending) >= q.cfg.maxPending {
		return nil, Decision{}, fmt.Errorf("%w: %d pending", ErrQueueFull, len(q.pending))
	}
	e := &entry{req: r, done: make(chan struct{})}
	q.pending[r.ID] = e
	q.due(r.ExpiresAt)
	q.emit(Event{Type: EventRequested, Request: r.clone(), At: now})
	return e, Decision{}, nil
}

// wait blocks until e leaves the pending state or ctx is done.
func (q *Queue) wait(ctx context.Context, req *Request, e *entry) (Decision, error) {
	timer := time.NewTimer(e.req.ExpiresAt.Sub(q.cfg.now()))
	defer timer.Stop()
	for {
		select {
		case <-e.done:
			return q.outcome(req, e)
		case <-ctx.Done():
			q.cancel(e, ctx.Err())
			return Decision{}, fmt.Errorf("approval: request %s: %w", req.ID, ctx.Err())
		case <-timer.C:
			// The clock, not the timer, decides expiry: re-arm if the
			// clock says there is time left.
			q.mu.Lock()
			now := q.cfg.now()
			if e.state == statePending && !now.Before(e.req.ExpiresAt) {
				q.expireLocked(e, now)
			}
			left := e.req.ExpiresAt.Sub(now)
			q.mu.Unlock()
			if left > 0 {
				timer.Reset(left)
			}
		}
	}
}

func (q *Queue) outcome(req *Request, e *entry) (Decision, error) {
	q.mu.Lock()
	st, d := e.state, e.decision
	q.mu.Unlock()
	switch st {
	case stateDecided:
		// The decision was made for e, which holds a copy of req; check the
		// binding anyway, so a bug here can never release another call.
		if err := d.Check(req); err != nil {
			return Decision{}, err
		}
		return d.clone(), nil
	case stateExpired:
		return Decision{}, fmt.Errorf("%w: request %s expired at %s",
			ErrTimeout, req.ID, e.req.ExpiresAt.Format(time.RFC3339Nano))
	default:
		return Decision{}, fmt.Errorf("approval: request %s left the queue undecided", req.ID)
	}
}

// cancel withdraws e after its waiter gave up.
func (q *Queue) cancel(e *entry, cause error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if e.state != statePending {
		return
	}
	now := q.cfg.now()
	q.leaveLocked(e, stateCancelled, now)
	q.emit(Event{Type: EventCancelled, Request: e.req.clone(), Err: cause, At: now})
}

func (q *Queue) expireLocked(e *entry, now time.Time) {
	q.leaveLocked(e, stateExpired, now)
	q.emit(Event{Type: EventExpired, Request: e.req.clone(), Err: ErrTimeout, At: now})
}

// leaveLocked moves e out of the pending set and wakes its waiter.
func (q *Queue) leaveLocked(e *entry, st state, now time.Time) {
	e.state = st
	delete(q.pending, e.req.ID)
	q.retire(e.req.ID, st, now)
	close(e.done)
}

func (q *Queue) retire(id string, st state, now time.Time) {
	forget := now.Add(q.cfg.retention)
	q.finished[id] = tombstone{state: st, forget: forget}
	q.due(forget)
}

// Decide records approver's verdict on the pending request id and returns
// the resulting decision: final once a denial arrives or Quorum distinct
// approvers approved, with Verdict Pending and the votes so far otherwise.
// It refuses, with an error wrapping the matching sentinel, a request that is
// unknown or withdrawn (ErrNotFound), expired (ErrTimeout) or already decided
// (ErrAlreadyDecided); an approver that is the requester (ErrSelfApproval),
// is in none of ApproverGroups (ErrNotEligible) or already voted
// (ErrAlreadyDecided); and a verdict other than Approved or Denied
// (ErrInvalidDecision). A refused Decide changes nothing.
func (q *Queue) Decide(ctx context.Context, id string, approver Party, verdict Verdict, reason string) (Decision, error) {
	if err := ctx.Err(); err != nil {
		return Decision{}, fmt.Errorf("approval: deciding request %s: %w", id, err)
	}
	if !verdict.Final() {
		return Decision{}, fmt.Errorf("%w: verdict %q is neither %q nor %q", ErrInvalidDecision, verdict, Approved, Denied)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.cfg.now()
	q.sweepLocked(now)

	e, ok := q.pending[id]
	if !ok {
		return Decision{}, q.goneLocked(id)
	}
	if !now.Before(e.req.ExpiresAt) {
		q.expireLocked(e, now)
		return Decision{}, q.goneLocked(id)
	}
	if err := e.req.Eligible(approver); err != nil {
		return Decision{}, err
	}
	aid := approver.ID()
	for _, v := range e.votes {
		if v.Approver.ID() == aid {
			return Decision{}, fmt.Errorf("%w: %s already voted on request %s", ErrAlreadyDecided, aid, id)
		}
	}
	vote := Vote{Approver: approver.clone(), Verdict: verdict, Reason: reason, At: now}
	e.votes = append(e.votes, vote)

	approvals := 0
	for _, v := range e.votes {
		if v.Verdict == Approved {
			approvals++
		}
	}
	if verdict == Approved && approvals < e.req.quorum() {
		q.emit(Event{Type: EventVoted, Request: e.req.clone(), Vote: &vote, At: now})
		return Decision{
			RequestID: id,
			CallHash:  e.req.CallHash,
			Verdict:   Pending,
			Votes:     e.votes,
			Reason:    fmt.Sprintf("%d of %d approvals", approvals, e.req.quorum()),
		}.clone(), nil
	}

	d := Decision{
		RequestID: id,
		CallHash:  e.req.CallHash,
		Verdict:   verdict,
		Votes:     e.votes,
		Reason:    reason,
		DecidedAt: now,
	}.clone()
	if verdict == Approved && e.req.GrantWindow > 0 {
		d.GrantUntil = now.Add(e.req.GrantWindow)
		q.grants[e.req.grantKey()] = grant{until: d.GrantUntil, from: id, votes: d.clone().Votes}
		q.due(d.GrantUntil)
	}
	e.decision = d
	q.leaveLocked(e, stateDecided, now)
	dc := d.clone()
	q.emit(Event{Type: EventDecided, Request: e.req.clone(), Vote: &vote, Decision: &dc, At: now})
	return d.clone(), nil
}

// goneLocked explains why id is not pending.
func (q *Queue) goneLocked(id string) error {
	t, ok := q.finished[id]
	switch {
	case !ok:
		return fmt.Errorf("%w: %s", ErrNotFound, id)
	case t.state == stateDecided:
		return fmt.Errorf("%w: %s", ErrAlreadyDecided, id)
	case t.state == stateExpired:
		return fmt.Errorf("%w: %s", ErrTimeout, id)
	default:
		return fmt.Errorf("%w: %s was withdrawn by its requester", ErrNotFound, id)
	}
}

// Pending returns a copy of every pending request, oldest first. It returns
// nil when ctx is done.
func (q *Queue) Pending(ctx context.Context) []Request {
	if ctx.Err() != nil {
		return nil
	}
	q.mu.Lock()
	q.sweepLocked(q.cfg.now())
	out := make([]Request, 0, len(q.pending))
	for _, e := range q.pending {
		out = append(out, e.req.clone())
	}
	q.mu.Unlock()
	slices.SortFunc(out, func(a, b Request) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// Get returns a copy of the pending request id, or an error saying why it is
// not pending (as Decide would).
func (q *Queue) Get(id string) (Request, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.sweepLocked(q.cfg.now())
	if e, ok := q.pending[id]; ok {
		return e.req.clone(), nil
	}
	return Request{}, q.goneLocked(id)
}

// due notes that something expires at t, so a sweep is needed then.
func (q *Queue) due(t time.Time) {
	if q.nextSweep.IsZero() || t.Before(q.nextSweep) {
		q.nextSweep = t
	}
}

// sweepLocked expires pending requests, forgets finished ones and drops
// ended grants once the clock passes their time. It does work only when
// something is due.
func (q *Queue) sweepLocked(now time.Time) {
	if q.nextSweep.IsZero() || now.Before(q.nextSweep) {
		return
	}
	q.nextSweep = time.Time{}
	for _, e := range q.pending {
		if !now.Before(e.req.ExpiresAt) {
			q.expireLocked(e, now)
		} else {
			q.due(e.req.ExpiresAt)
		}
	}
	for id, t := range q.finished {
		if !now.Before(t.forget) {
			delete(q.finished, id)
		} else {
			q.due(t.forget)
		}
	}
	for k, g := range q.grants {
		if !now.Before(g.until) {
			delete(q.grants, k)
		} else {
			q.due(g.until)
		}
	}
}

func (q *Queue) emit(ev Event) {
	for _, o := range q.cfg.observers {
		o.Observe(ev)
	}
}
