package approval

import (
	"context"
	"fmt"
	"time"
)

// AllowAll returns an Approver that approves every valid request at once. It
// is meant for tests and examples: it asks nobody.
func AllowAll() Approver { return static{verdict: Approved, reason: "allow all"} }

// DenyAll returns an Approver that denies every valid request at once with
// the given reason. It is meant for tests, examples, and as a safe stand-in
// where approvals are not wired up yet.
func DenyAll(reason string) Approver { return static{verdict: Denied, reason: reason} }

type static struct {
	verdict Verdict
	reason  string
}

func (s static) Approve(ctx context.Context, req *Request) (Decision, error) {
	if err := req.Validate(); err != nil {
		return Decision{}, err
	}
	if err := ctx.Err(); err != nil {
		return Decision{}, fmt.Errorf("approval: request %s: %w", req.ID, err)
	}
	return Decision{
		RequestID: req.ID,
		CallHash:  req.CallHash,
		Verdict:   s.verdict,
		Reason:    s.reason,
		DecidedAt: time.Now(),
	}, nil
}

// Checked wraps a so that what it returns is checked before anyone acts on
// it. Checked refuses an invalid request without calling a; and it turns a
// decision that does not bind the request (ErrMismatch), whose verdict is not
// final or that approves with fewer distinct approvers than the Quorum
// (ErrInvalidDecision), or that counts an approving vote by the requester
// (ErrSelfApproval) or by someone outside ApproverGroups (ErrNotEligible)
// into an error. Errors from a pass through
// unchanged. Checked(nil) denies everything with ErrInvalidDecision.
//
// Use it around approvers written by others, such as an ApproverFunc that
// calls a ticketing system.
func Checked(a Approver) Approver {
	return ApproverFunc(func(ctx context.Context, req *Request) (Decision, error) {
		if err := req.Validate(); err != nil {
			return Decision{}, err
		}
		if a == nil {
			return Decision{}, fmt.Errorf("%w: no approver", ErrInvalidDecision)
		}
		// a gets a copy, so it cannot rewrite the request to fit its answer.
		ask := req.clone()
		d, err := a.Approve(ctx, &ask)
		if err != nil {
			return Decision{}, err
		}
		if err := d.Check(req); err != nil {
			return Decision{}, err
		}
		return d, nil
	})
}

// Check reports whether d may be acted on for req: it must bind req (same
// request id and call hash), carry a final verdict, and every approving vote
// must come from an approver eligible for req (see Request.Eligible): not
// the requester, and in one of ApproverGroups when req names any. An
// approval of a request with a Quorum above 1 must carry approving votes by
// that many distinct approvers, so a quorum is never made up of votes the
// request's rules exclude, nor claimed without votes. The error wraps
// ErrMismatch, ErrInvalidDecision, ErrSelfApproval or ErrNotEligible.
func (d Decision) Check(req *Request) error {
	if req == nil {
		return fmt.Errorf("%w: nil request", ErrMismatch)
	}
	if !d.Binds(req) {
		return fmt.Errorf("%w: decision for request %q (call %.12s) returned for request %q (call %.12s)",
			ErrMismatch, d.RequestID, d.CallHash, req.ID, req.CallHash)
	}
	if !d.Verdict.Final() {
		return fmt.Errorf("%w: request %s: verdict %q is not final", ErrInvalidDecision, req.ID, d.Verdict)
	}
	approvers := make(map[string]bool, len(d.Votes))
	for _, v := range d.Votes {
		if v.Verdict != Approved {
			continue
		}
		if err := req.Eligible(v.Approver); err != nil {
			return fmt.Errorf("request %s counts an approving vote it must not: %w", req.ID, err)
		}
		approvers[v.Approver.ID()] = true
	}
	if d.Verdict == Approved && req.Quorum > 1 && len(approvers) < req.Quorum {
		return fmt.Errorf("%w: request %s approved by %d distinct approvers, quorum is %d",
			ErrInvalidDecision, req.ID, len(approvers), req.Quorum)
	}
	return nil
}
