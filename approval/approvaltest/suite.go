package approvaltest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/approval"
)

// Harness drives one Approver under test.
type Harness interface {
	// Approver returns the approver under test. Every Harness gets a fresh
	// one holding no requests.
	Approver() approval.Approver
	// Decide records approver's verdict on the pending request id through
	// the implementation's own channel (console, CLI, webhook...), as a
	// person would. Refusals must wrap the approval sentinel errors. While a
	// quorum is not reached, the returned Decision's verdict must not be
	// final.
	Decide(ctx context.Context, id string, approver approval.Party, verdict approval.Verdict, reason string) (approval.Decision, error)
	// Pending lists the requests waiting for a decision.
	Pending(ctx context.Context) ([]approval.Request, error)
	// Close releases what the harness holds. Run calls it when the test
	// that made the harness ends.
	Close()
}

// Bounds used by the suite. They are generous limits on waiting for
// something that must happen, never measurements: a correct approver passes
// however slow the machine.
const (
	// ShortExpiry is the lifetime of the requests the suite lets expire.
	ShortExpiry = 150 * time.Millisecond
	// LongExpiry is the lifetime of every other request.
	LongExpiry = 2 * time.Minute
	waitBound  = 20 * time.Second
	pollEvery  = 2 * time.Millisecond
)

// Parties the suite uses.
var (
	Requester = approval.Party{Subject: "alice", Issuer: "https://idp.test", Groups: []string{"analysts"}}
	Approver1 = approval.Party{Subject: "bob", Issuer: "https://idp.test", Groups: []string{"security"}}
	Approver2 = approval.Party{Subject: "carol", Issuer: "https://idp.test", Groups: []string{"security", "dba"}}
	Outsider  = approval.Party{Subject: "dave", Issuer: "https://idp.test", Groups: []string{"marketing"}}
)

// Run runs the conformance suite, one subtest per guarantee, each with its
// own Harness from newHarness.
func Run(t *testing.T, newHarness func(t *testing.T) Harness) {
	t.Helper()
	cases := []struct {
		name string
		fn   func(*testing.T, Harness)
	}{
		{"ApprovalBindsRequest", testApprovalBindsRequest},
		{"DenialIsADecision", testDenialIsADecision},
		{"DecisionReleasesOnlyItsRequest", testDecisionReleasesOnlyItsRequest},
		{"SelfApprovalRefused", testSelfApprovalRefused},
		{"UnknownRequest", testUnknownRequest},
		{"DecidedOnce", testDecidedOnce},
		{"Timeout", testTimeout},
		{"Cancellation", testCancellation},
		{"Deadline", testDeadline},
		{"ContextAlreadyDone", testContextAlreadyDone},
		{"Quorum", testQuorum},
		{"DenialBeatsQuorum", testDenialBeatsQuorum},
		{"ApproverGroups", testApproverGroups},
		{"InvalidRequest", testInvalidRequest},
		{"InvalidVerdict", testInvalidVerdict},
		{"RequestNotModified", testRequestNotModified},
		{"ConcurrentRequests", testConcurrentRequests},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			require.NotNil(t, h, "newHarness returned nil")
			t.Cleanup(h.Close)
			c.fn(t, h)
		})
	}
}

// NewRequest returns a valid request from Requester with a fresh id, the
// hash of a fresh call, and an expiry LongExpiry from now.
func NewRequest(t testing.TB) *approval.Request {
	t.Helper()
	now := time.Now()
	id := randomID(t)
	sum := sha256.Sum256([]byte("call " + id))
	return &approval.Request{
		ID:        id,
		Requester: Requester,
		Kind:      "sql",
		Operation: "select",
		Resources: []string{"public.patients"},
		CallHash:  hex.EncodeToString(sum[:]),
		Summary:   "SELECT name FROM patients LIMIT 10",
		Rule:      "phi-read",
		CreatedAt: now,
		ExpiresAt: now.Add(LongExpiry),
	}
}

func randomID(t testing.TB) string {
	var b [12]byte
	_, err := rand.Read(b[:])
	require.NoError(t, err)
	return "req-" + hex.EncodeToString(b[:])
}

type result struct {
	d   approval.Decision
	err error
}

// submit calls Approve in a goroutine and delivers its result.
func submit(ctx context.Context, a approval.Approver, req *approval.Request) <-chan result {
	ch := make(chan result, 1)
	go func() {
		d, err := a.Approve(ctx, req)
		ch <- result{d, err}
	}()
	return ch
}

func receive(t *testing.T, ch <-chan result, what string) result {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(waitBound):
		t.Fatalf("Approve did not return (%s) within %s", what, waitBound)
		return result{}
	}
}

// stillWaiting fails t when the waiter behind ch has returned.
func stillWaiting(t *testing.T, ch <-chan result, what string) {
	t.Helper()
	select {
	case r := <-ch:
		t.Fatalf("Approve returned while %s: decision %+v, error %v", what, r.d, r.err)
	default:
	}
}

func pendingIDs(t *testing.T, h Harness) map[string]approval.Request {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitBound)
	defer cancel()
	list, err := h.Pending(ctx)
	require.NoError(t, err, "Pending")
	out := make(map[string]approval.Request, len(list))
	for _, r := range list {
		out[r.ID] = r
	}
	return out
}

// awaitPending waits until id is pending, or fails t.
func awaitPending(t *testing.T, h Harness, id string, ch <-chan result) approval.Request {
	t.Helper()
	deadline := time.Now().Add(waitBound)
	for {
		if r, ok := pendingIDs(t, h)[id]; ok {
			return r
		}
		if ch != nil {
			stillWaiting(t, ch, "its request should be pending")
		}
		if time.Now().After(deadline) {
			t.Fatalf("request %s never became pending", id)
		}
		time.Sleep(pollEvery)
	}
}

// awaitGone waits until id is no longer pending, or fails t.
func awaitGone(t *testing.T, h Harness, id string) {
	t.Helper()
	deadline := time.Now().Add(waitBound)
	for {
		if _, ok := pendingIDs(t, h)[id]; !ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("request %s still pending after its waiter left", id)
		}
		time.Sleep(pollEvery)
	}
}

func decide(t *testing.T, h Harness, id string, p approval.Party, v approval.Verdict, reason string) (approval.Decision, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitBound)
	defer cancel()
	return h.Decide(ctx, id, p, v, reason)
}

// requireFinal checks the decision a waiter received.
func requireFinal(t *testing.T, r result, req *approval.Request, want approval.Verdict) {
	t.Helper()
	require.NoError(t, r.err)
	require.Truef(t, r.d.Binds(req), "decision for %q/%q does not bind request %q/%q",
		r.d.RequestID, r.d.CallHash, req.ID, req.CallHash)
	require.NoError(t, r.d.Check(req))
	require.Equal(t, want, r.d.Verdict)
	require.Equal(t, want == approval.Approved, r.d.Approved())
	require.False(t, r.d.DecidedAt.IsZero(), "DecidedAt not set")
}

func votedBy(d approval.Decision) []string {
	var ids []string
	for _, v := range d.Votes {
		ids = append(ids, v.Approver.ID())
	}
	return ids
}

func testApprovalBindsRequest(t *testing.T, h Harness) {
	req := NewRequest(t)
	ch := submit(t.Context(), h.Approver(), req)
	got := awaitPending(t, h, req.ID, ch)
	assert.Equal(t, req.CallHash, got.CallHash, "pending request lost its call hash")
	assert.Equal(t, req.Requester.ID(), got.Requester.ID(), "pending request lost its requester")

	_, err := decide(t, h, req.ID, Approver1, approval.Approved, "looks fine")
	require.NoError(t, err)
	r := receive(t, ch, "after approval")
	requireFinal(t, r, req, approval.Approved)
	assert.Equal(t, []string{Approver1.ID()}, votedBy(r.d))
	awaitGone(t, h, req.ID)
}

func testDenialIsADecision(t *testing.T, h Harness) {
	req := NewRequest(t)
	ch := submit(t.Context(), h.Approver(), req)
	awaitPending(t, h, req.ID, ch)
	_, err := decide(t, h, req.ID, Approver1, approval.Denied, "not during an incident")
	require.NoError(t, err)
	r := receive(t, ch, "after denial")
	requireFinal(t, r, req, approval.Denied)
	assert.Equal(t, []string{Approver1.ID()}, votedBy(r.d))
}

// Two requests for the very same call (same call hash) by the same
// requester: approving one must release that one only.
func testDecisionReleasesOnlyItsRequest(t *testing.T, h Harness) {
	a := NewRequest(t)
	b := NewRequest(t)
	b.CallHash = a.CallHash
	chA := submit(t.Context(), h.Approver(), a)
	chB := submit(t.Context(), h.Approver(), b)
	awaitPending(t, h, a.ID, chA)
	awaitPending(t, h, b.ID, chB)

	_, err := decide(t, h, a.ID, Approver1, approval.Approved, "")
	require.NoError(t, err)
	requireFinal(t, receive(t, chA, "after approving A"), a, approval.Approved)

	stillWaiting(t, chB, "only A was decided")
	_, ok := pendingIDs(t, h)[b.ID]
	require.True(t, ok, "B left the queue when A was decided")

	// Had A's approval leaked to B, B's waiter would report an approval.
	_, err = decide(t, h, b.ID, Approver1, approval.Denied, "")
	require.NoError(t, err)
	requireFinal(t, receive(t, chB, "after denying B"), b, approval.Denied)
}

func testSelfApprovalRefused(t *testing.T, h Harness) {
	req := NewRequest(t)
	ch := submit(t.Context(), h.Approver(), req)
	awaitPending(t, h, req.ID, ch)

	// The requester's identity is its issuer and subject; other attributes
	// (here: groups) do not make it someone else.
	self := Requester
	self.Groups = []string{"security"}
	for _, v := range []approval.Verdict{approval.Approved, approval.Denied} {
		_, err := decide(t, h, req.ID, self, v, "it's me")
		require.ErrorIsf(t, err, approval.ErrSelfApproval, "requester gave %s", v)
	}
	stillWaiting(t, ch, "only the requester voted")
	awaitPending(t, h, req.ID, ch)

	_, err := decide(t, h, req.ID, Approver1, approval.Approved, "")
	require.NoError(t, err)
	r := receive(t, ch, "after approval")
	requireFinal(t, r, req, approval.Approved)
	assert.Equal(t, []string{Approver1.ID()}, votedBy(r.d), "the refused self-vote was counted")
}

func testUnknownRequest(t *testing.T, h Harness) {
	_, err := decide(t, h, "req-does-not-exist", Approver1, approval.Approved, "")
	require.ErrorIs(t, err, approval.ErrNotFound)
}

func testDecidedOnce(t *testing.T, h Harness) {
	req := NewRequest(t)
	ch := submit(t.Context(), h.Approver(), req)
	awaitPending(t, h, req.ID, ch)
	_, err := decide(t, h, req.ID, Approver1, approval.Denied, "")
	require.NoError(t, err)
	requireFinal(t, receive(t, ch, "after denial"), req, approval.Denied)

	_, err = decide(t, h, req.ID, Approver2, approval.Approved, "overrule")
	require.Error(t, err, "a decided request was decided again")
	require.Truef(t, errors.Is(err, approval.ErrAlreadyDecided) || errors.Is(err, approval.ErrNotFound),
		"want ErrAlreadyDecided or ErrNotFound, got %v", err)
}

func testTimeout(t *testing.T, h Harness) {
	req := NewRequest(t)
	req.ExpiresAt = time.Now().Add(ShortExpiry)
	ch := submit(t.Context(), h.Approver(), req)
	r := receive(t, ch, "after expiry")
	require.ErrorIs(t, r.err, approval.ErrTimeout)
	assert.False(t, r.d.Approved(), "an expired request came with an approval")
	awaitGone(t, h, req.ID)

	_, err := decide(t, h, req.ID, Approver1, approval.Approved, "too late")
	require.Error(t, err, "an expired request was decided")
	require.Truef(t, errors.Is(err, approval.ErrTimeout) || errors.Is(err, approval.ErrNotFound),
		"want ErrTimeout or ErrNotFound, got %v", err)
}

func testCancellation(t *testing.T, h Harness) {
	req := NewRequest(t)
	ctx, cancel := context.WithCancel(t.Context())
	ch := submit(ctx, h.Approver(), req)
	awaitPending(t, h, req.ID, ch)
	cancel()
	r := receive(t, ch, "after cancellation")
	require.ErrorIs(t, r.err, context.Canceled)
	assert.False(t, r.d.Approved())
	awaitGone(t, h, req.ID)

	_, err := decide(t, h, req.ID, Approver1, approval.Approved, "too late")
	require.Error(t, err, "a withdrawn request was decided")
}

func testDeadline(t *testing.T, h Harness) {
	req := NewRequest(t)
	ctx, cancel := context.WithTimeout(t.Context(), ShortExpiry)
	defer cancel()
	r := receive(t, submit(ctx, h.Approver(), req), "after the deadline")
	require.ErrorIs(t, r.err, context.DeadlineExceeded)
	assert.False(t, r.d.Approved())
	awaitGone(t, h, req.ID)
}

func testContextAlreadyDone(t *testing.T, h Harness) {
	req := NewRequest(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	r := receive(t, submit(ctx, h.Approver(), req), "with a cancelled context")
	require.ErrorIs(t, r.err, context.Canceled)
	assert.False(t, r.d.Approved())
	awaitGone(t, h, req.ID)
}

func testQuorum(t *testing.T, h Harness) {
	req := NewRequest(t)
	req.Quorum = 2
	ch := submit(t.Context(), h.Approver(), req)
	awaitPending(t, h, req.ID, ch)

	d, err := decide(t, h, req.ID, Approver1, approval.Approved, "one")
	require.NoError(t, err)
	assert.False(t, d.Verdict.Final(), "one of two approvals gave verdict %q", d.Verdict)
	stillWaiting(t, ch, "one of two approvals is in")

	_, err = decide(t, h, req.ID, Approver1, approval.Approved, "one again")
	require.ErrorIs(t, err, approval.ErrAlreadyDecided, "the same approver counted twice")
	stillWaiting(t, ch, "the same approver voted twice")
	awaitPending(t, h, req.ID, ch)

	_, err = decide(t, h, req.ID, Approver2, approval.Approved, "two")
	require.NoError(t, err)
	r := receive(t, ch, "after the second approval")
	requireFinal(t, r, req, approval.Approved)
	assert.ElementsMatch(t, []string{Approver1.ID(), Approver2.ID()}, votedBy(r.d))
}

func testDenialBeatsQuorum(t *testing.T, h Harness) {
	req := NewRequest(t)
	req.Quorum = 3
	ch := submit(t.Context(), h.Approver(), req)
	awaitPending(t, h, req.ID, ch)
	_, err := decide(t, h, req.ID, Approver1, approval.Approved, "")
	require.NoError(t, err)
	_, err = decide(t, h, req.ID, Approver2, approval.Denied, "no")
	require.NoError(t, err)
	requireFinal(t, receive(t, ch, "after a denial"), req, approval.Denied)
}

func testApproverGroups(t *testing.T, h Harness) {
	req := NewRequest(t)
	req.ApproverGroups = []string{"dba", "security"}
	ch := submit(t.Context(), h.Approver(), req)
	awaitPending(t, h, req.ID, ch)

	for _, v := range []approval.Verdict{approval.Approved, approval.Denied} {
		_, err := decide(t, h, req.ID, Outsider, v, "")
		require.ErrorIsf(t, err, approval.ErrNotEligible, "outsider gave %s", v)
	}
	stillWaiting(t, ch, "only an outsider voted")

	_, err := decide(t, h, req.ID, Approver1, approval.Approved, "")
	require.NoError(t, err)
	r := receive(t, ch, "after an eligible approval")
	requireFinal(t, r, req, approval.Approved)
	assert.Equal(t, []string{Approver1.ID()}, votedBy(r.d))
}

func testInvalidRequest(t *testing.T, h Harness) {
	cases := map[string]func(*approval.Request) *approval.Request{
		"nil":          func(*approval.Request) *approval.Request { return nil },
		"no id":        func(r *approval.Request) *approval.Request { r.ID = ""; return r },
		"no call hash": func(r *approval.Request) *approval.Request { r.CallHash = ""; return r },
		"no requester": func(r *approval.Request) *approval.Request { r.Requester = approval.Party{}; return r },
		"negative quorum": func(r *approval.Request) *approval.Request {
			r.Quorum = -1
			return r
		},
	}
	for name, mutate := range cases {
		req := mutate(NewRequest(t))
		r := receive(t, submit(t.Context(), h.Approver(), req), name)
		require.ErrorIsf(t, r.err, approval.ErrInvalidRequest, "request with %s", name)
		assert.False(t, r.d.Approved(), name)
	}
	assert.Empty(t, pendingIDs(t, h), "an invalid request was queued")
}

func testInvalidVerdict(t *testing.T, h Harness) {
	req := NewRequest(t)
	ch := submit(t.Context(), h.Approver(), req)
	awaitPending(t, h, req.ID, ch)
	for _, v := range []approval.Verdict{"", approval.Pending, "APPROVED", "yes"} {
		_, err := decide(t, h, req.ID, Approver1, v, "")
		require.Errorf(t, err, "verdict %q was accepted", v)
	}
	stillWaiting(t, ch, "only invalid verdicts were given")
	_, err := decide(t, h, req.ID, Approver1, approval.Denied, "")
	require.NoError(t, err, "an invalid verdict counted as a vote")
	requireFinal(t, receive(t, ch, "after denial"), req, approval.Denied)
}

func testRequestNotModified(t *testing.T, h Harness) {
	req := NewRequest(t)
	req.ApproverGroups = []string{"security"}
	req.GrantWindow = time.Minute
	want := deepCopy(req)
	ch := submit(t.Context(), h.Approver(), req)
	awaitPending(t, h, req.ID, ch)
	_, err := decide(t, h, req.ID, Approver2, approval.Approved, "")
	require.NoError(t, err)
	requireFinal(t, receive(t, ch, "after approval"), req, approval.Approved)
	require.True(t, reflect.DeepEqual(want, req), "Approve modified the caller's request:\nwant %+v\n got %+v", want, req)
}

func deepCopy(r *approval.Request) *approval.Request {
	c := *r
	c.Resources = append([]string(nil), r.Resources...)
	c.ApproverGroups = append([]string(nil), r.ApproverGroups...)
	c.Requester.Groups = append([]string(nil), r.Requester.Groups...)
	c.Requester.Roles = append([]string(nil), r.Requester.Roles...)
	return &c
}

func testConcurrentRequests(t *testing.T, h Harness) {
	const n = 24
	reqs := make([]*approval.Request, n)
	chs := make([]<-chan result, n)
	for i := range n {
		reqs[i] = NewRequest(t)
		reqs[i].Resources = []string{fmt.Sprintf("table_%d", i)}
		chs[i] = submit(t.Context(), h.Approver(), reqs[i])
	}
	for i := range n {
		awaitPending(t, h, reqs[i].ID, chs[i])
	}
	verdict := func(i int) approval.Verdict {
		if i%3 == 0 {
			return approval.Denied
		}
		return approval.Approved
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			approver := Approver1
			if i%2 == 1 {
				approver = Approver2
			}
			_, errs[i] = decide(t, h, reqs[i].ID, approver, verdict(i), "")
		})
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i], "deciding request %d", i)
		requireFinal(t, receive(t, chs[i], fmt.Sprintf("request %d", i)), reqs[i], verdict(i))
	}
}
