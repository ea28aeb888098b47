package approvaltest

import (
	"context"
	"sync"

	"github.com/ragguard/ragguard/approval"
)

// Call is one call a Recorder received.
type Call struct {
	// Ctx is the context the caller passed.
	Ctx context.Context
	// Request is a copy of the request as it was when Approve was called.
	Request approval.Request
}

// Recorder is an approval.Approver for tests of code that calls one. It
// records every call and delegates to Next; with a nil Next it denies every
// request with the reason "recorder". A Recorder is safe for concurrent use;
// do not copy one after first use.
type Recorder struct {
	Next approval.Approver

	mu    sync.Mutex
	calls []Call
}

var _ approval.Approver = (*Recorder)(nil)

// Approve records the call and returns what Next returns.
func (r *Recorder) Approve(ctx context.Context, req *approval.Request) (approval.Decision, error) {
	c := Call{Ctx: ctx}
	if req != nil {
		c.Request = *req
		c.Request.Resources = append([]string(nil), req.Resources...)
		c.Request.ApproverGroups = append([]string(nil), req.ApproverGroups...)
		c.Request.Requester.Groups = append([]string(nil), req.Requester.Groups...)
		c.Request.Requester.Roles = append([]string(nil), req.Requester.Roles...)
	}
	r.mu.Lock()
	r.calls = append(r.calls, c)
	next := r.Next
	r.mu.Unlock()
	if next == nil {
		next = approval.DenyAll("recorder")
	}
	return next.Approve(ctx, req)
}

// Count returns how many times Approve was called.
func (r *Recorder) Count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls)
}

// Calls returns the calls received so far, oldest first.
func (r *Recorder) Calls() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Call(nil), r.calls...)
}

// Last returns the most recent call, and false when there was none.
func (r *Recorder) Last() (Call, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.calls) == 0 {
		return Call{}, false
	}
	return r.calls[len(r.calls)-1], true
}
