package approval

import (
	"context"
	"time"
)

// Approver decides whether a held call may proceed. Approve blocks until a
// decision is reached, the request expires, or ctx is done. Implementations
// must return the Decision bound to req (same RequestID and CallHash); the
// Guard checks the binding and refuses a decision that does not match.
//
// An Approver returns an error only when it could not decide: ErrTimeout when
// the request expired undecided, ctx.Err() when the caller gave up, or an
// infrastructure error. A denial is a Decision with Verdict Denied, not an error.
type Approver interface {
	Approve(ctx context.Context, req *Request) (Decision, error)
}

// ApproverFunc adapts a function to the Approver interface.
type ApproverFunc func(ctx context.Context, req *Request) (Decision, error)

// Approve calls f(ctx, req).
func (f ApproverFunc) Approve(ctx context.Context, req *Request) (Decision, error) {
	return f(ctx, req)
}

// Party identifies a requester or an approver. It is approval's own copy of
// the caller's identity, so this package depends on no other ragguard package.
type Party struct {
	Subject string   `json:"subject"`
	Issuer  string   `json:"issuer,omitempty"`
	Email   string   `json:"email,omitempty"`
	Groups  []string `json:"groups,omitempty"`
	Roles   []string `json:"roles,omitempty"`
	Tenant  string   `json:"tenant,omitempty"`
}

// ID is the party's globally unique name: issuer and subject together.
func (p Party) ID() string {
	if p.Issuer == "" {
		return p.Subject
	}
	return p.Issuer + "#" + p.Subject
}

// Request is one held call waiting for a decision. It binds the requester
// and a hash of the exact (masked) call, so that a decision given for it
// cannot release any other call.
type Request struct {
	ID        string   `json:"id"`
	Requester Party    `json:"requester"`
	Kind      string   `json:"kind"`      // llm, vector or sql
	Operation string   `json:"operation"` // chat, search, select, ...
	Resources []string `json:"resources,omitempty"`
	// CallHash is the hex SHA-256 of the canonical, masked call.
	CallHash string `json:"call_hash"`
	// Summary is a short, masked description for the approver to read.
	Summary string `json:"summary,omitempty"`
	// Rule is the policy rule that held the call.
	Rule string `json:"rule,omitempty"`
	// Justification is the requester's reason, when the policy asks for one.
	Justification string `json:"justification,omitempty"`
	// ApproverGroups lists the groups an approver must belong to (any of);
	// empty means anyone but the requester.
	ApproverGroups []string `json:"approver_groups,omitempty"`
	// Quorum is how many distinct approvers must approve; 0 means 1.
	Quorum int `json:"quorum,omitempty"`
	// GrantWindow, when positive, lets one approval cover later calls by the
	// same requester on the same kind, operation and resources for that long.
	GrantWindow time.Duration `json:"grant_window,omitempty"`
	CreatedAt   time.Time     `json:"created_at"`
	// ExpiresAt is when the request times out undecided.
	ExpiresAt time.Time `json:"expires_at"`
}

// Verdict is the outcome of a decision.
type Verdict string

const (
	// Approved lets the call proceed.
	Approved Verdict = "approved"
	// Denied refuses the call.
	Denied Verdict = "denied"
	// Pending is never a final verdict: Queue.Decide reports it when a vote
	// was recorded but the quorum is not reached yet.
	Pending Verdict = "pending"
)

// Final reports whether v is a final verdict (Approved or Denied).
func (v Verdict) Final() bool { return v == Approved || v == Denied }

// Vote is one approver's verdict on a request.
type Vote struct {
	Approver Party     `json:"approver"`
	Verdict  Verdict   `json:"verdict"`
	Reason   string    `json:"reason,omitempty"`
	At       time.Time `json:"at"`
}

// Decision is the final outcome for a Request.
type Decision struct {
	RequestID string    `json:"request_id"`
	CallHash  string    `json:"call_hash"`
	Verdict   Verdict   `json:"verdict"`
	Votes     []Vote    `json:"votes,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	DecidedAt time.Time `json:"decided_at"`
	// GrantUntil is set when the approval opened a just-in-time grant, or
	// when the decision was given by such a grant.
	GrantUntil time.Time `json:"grant_until,omitzero"`
	// GrantedBy is the id of the earlier request whose approval opened the
	// grant that approved this one; empty when a person decided this request.
	GrantedBy string `json:"granted_by,omitempty"`
}

// Approved reports whether the decision lets the call proceed.
func (d Decision) Approved() bool { return d.Verdict == Approved }

// Binds reports whether d is the decision for req: same request and same call.
func (d Decision) Binds(req *Request) bool {
	return req != nil && d.RequestID == req.ID && d.CallHash == req.CallHash
}
