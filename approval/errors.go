package approval

import "errors"

// Sentinel errors. Every error this package returns wraps one of them (or
// ctx.Err()), so callers test outcomes with errors.Is.
var (
	// ErrTimeout means the request expired before it was decided. Approve
	// returns it when Request.ExpiresAt passes; Decide returns it for a
	// request that has expired.
	ErrTimeout = errors.New("approval: request expired undecided")

	// ErrSelfApproval means the requester tried to decide its own request.
	ErrSelfApproval = errors.New("approval: requester cannot decide its own request")

	// ErrNotFound means no request with that id is pending.
	ErrNotFound = errors.New("approval: request not found")

	// ErrAlreadyDecided means the request was already decided, or the
	// approver already voted on it.
	ErrAlreadyDecided = errors.New("approval: request already decided")

	// ErrNotEligible means the approver belongs to none of the request's
	// ApproverGroups.
	ErrNotEligible = errors.New("approval: approver is not in a required group")

	// ErrMismatch means a decision does not bind the request it was returned
	// for: a different request id or call hash.
	ErrMismatch = errors.New("approval: decision does not bind the request")

	// ErrInvalidRequest means the request is malformed: nil, or missing its
	// id, call hash or requester, or with a negative quorum or grant window.
	ErrInvalidRequest = errors.New("approval: invalid request")

	// ErrInvalidDecision means a decision or vote is malformed: a verdict
	// other than Approved or Denied, or an approver without a subject.
	ErrInvalidDecision = errors.New("approval: invalid decision")

	// ErrQueueFull means a Queue already holds its maximum number of pending
	// requests and refuses new ones rather than grow without bound.
	ErrQueueFull = errors.New("approval: too many pending requests")
)
