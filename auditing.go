package ragguard

import (
	"context"
	"time"

	"github.com/ragguard/ragguard/approval"
	"github.com/ragguard/ragguard/identity"
)

// Auditor receives one AuditEvent per governed call: allowed, denied, held,
// timed out or failed upstream. Record must return only once the event is
// as durable as the auditor promises; an error makes the Guard refuse the
// call with ErrAuditUnavailable (fail closed). The audit package provides
// the signed, tamper-evident implementation (see AuditLog).
type Auditor interface {
	Record(ctx context.Context, ev *AuditEvent) error
}

// AuditorFunc adapts a function to Auditor.
type AuditorFunc func(ctx context.Context, ev *AuditEvent) error

// Record calls f(ctx, ev).
func (f AuditorFunc) Record(ctx context.Context, ev *AuditEvent) error { return f(ctx, ev) }

// DiscardAudit returns an Auditor that drops every event. A Guard refuses to
// be built without an Auditor; ask for this one by name, in tests only.
func DiscardAudit() Auditor {
	return AuditorFunc(func(context.Context, *AuditEvent) error { return nil })
}

// AuditEvent is what the Guard knows about one governed call when it ends.
// Auditors must not keep references to its slices after Record returns.
type AuditEvent struct {
	Time      time.Time           // when the call began
	Principal *identity.Principal // nil when unauthenticated
	Kind      Kind
	Operation string
	Resources []string
	// Attributes are the adapter facts the policy saw.
	Attributes map[string]any
	Decision   Decision
	// Approval is the held request and its decision, when there was one.
	Approval *ApprovalReceipt
	// Masking lists what was masked in inputs and results.
	Masking []MaskFinding
	// Restored counts tokens restored to original values for this caller.
	Restored int
	// Request and Response are the masked bodies of the call, for the
	// session record; the audit log stores commitments to them.
	Request  []byte
	Response []byte
	Usage    Usage
	Latency  time.Duration
	// Code is CodeOK for success; Error holds the error text otherwise.
	Code    Code
	Error   string
	TraceID string
	SpanID  string
}

// ApprovalReceipt records a held call's approval request and outcome.
type ApprovalReceipt struct {
	Request  approval.Request
	Decision *approval.Decision // nil when no decision arrived
	Wait     time.Duration
}

// Usage is what a call consumed, as reported by the adapter.
type Usage struct {
	InputTokens  int64
	OutputTokens int64
	Rows         int64
	Points       int64
	FinishReason string
}
