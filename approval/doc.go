// Package approval holds calls for a human decision before they run.
//
// When ragguard's policy says a call needs approval, the Guard builds a
// Request and blocks on an Approver until someone decides, the request
// expires, or the caller's context ends:
//
//	d, err := approver.Approve(ctx, req)
//	switch {
//	case errors.Is(err, approval.ErrTimeout):      // nobody decided in time
//	case errors.Is(err, context.Canceled):         // the caller gave up
//	case err != nil:                               // the approver is broken
//	case !d.Binds(req):                            // never act on it
//	case d.Approved():                             // run the call
//	default:                                       // denied
//	}
//
// A denial is a Decision, not an error; an error means no decision was
// reached, and callers fail closed on both.
//
// # Binding
//
// A Request names the requester and carries CallHash, the SHA-256 of the
// exact (masked) call. A Decision repeats RequestID and CallHash, and
// Decision.Binds checks both, so an approval given for one call cannot be
// replayed onto another: not onto another request, and not onto the same
// request id with a different call. Decision.Check adds that the verdict is
// final, that every approving vote came from an eligible approver (not the
// requester, in ApproverGroups when named), and that an approval carries the
// votes of Quorum distinct approvers; Checked wraps an Approver written by
// someone else so that every decision it returns passes Check.
//
// # Approvers
//
// Approver is one method, and ApproverFunc adapts a function, so teams can
// plug in their own ticketing or chat tooling. This package ships:
//
//   - AllowAll and DenyAll, static approvers for tests and examples;
//   - Queue, an in-memory queue: Approve waits, Pending lists what waits,
//     and Decide records a person's verdict.
//
// Queue enforces what the request asks for. The requester can never decide
// its own request (ErrSelfApproval), whatever groups it is in. When
// ApproverGroups is set, only members of one of those groups may decide
// (ErrNotEligible). Quorum distinct approvers must approve, while one denial
// denies. A request is decided once (ErrAlreadyDecided), and not after it
// expired (ErrTimeout). A refused Decide changes nothing.
//
// # Just-in-time grants
//
// A request with a GrantWindow opens a grant when it is approved: for that
// long, a later request from the same requester for the same kind, operation
// and set of resources, held by the same rule under the same approver groups
// and quorum, is approved at once. The Decision then names the request that
// opened the grant (GrantedBy) and when it ends (GrantUntil), and repeats the
// votes that opened it, so the audit trail shows who allowed the call.
//
// # Expiry, cancellation and auditing
//
// Every queued request expires: at its ExpiresAt, or after the Queue's
// default timeout when it has none. Approve then returns an error wrapping
// ErrTimeout. When the caller's context ends, Approve returns at once with an
// error wrapping ctx.Err() and the request leaves the queue. Finished
// requests are remembered for a while, so that a late Decide learns what
// happened, and then forgotten; the Queue starts no goroutines of its own.
//
// WithObserver reports each step (requested, voted, decided, expired,
// cancelled) with its time, for the audit log. WithClock replaces the clock,
// which decides expiry and grant windows, so tests need not sleep.
//
// Package approvaltest holds a conformance suite that any Approver people
// decide through can run, and a recording fake for tests of callers.
package approval
