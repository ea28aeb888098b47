package ragguard

import (
	"context"
	"errors"
)

// Code classifies ragguard's own outcomes, so callers can branch on the kind
// of refusal without matching strings. See CodeOf.
type Code int

const (
	// CodeOK means no error.
	CodeOK Code = iota
	// CodeUnknown is an error that is none of ragguard's outcomes, such as an
	// error returned by the wrapped client.
	CodeUnknown
	// CodeUnauthenticated: the context carries no valid principal.
	CodeUnauthenticated
	// CodePermissionDenied: the policy denied the call.
	CodePermissionDenied
	// CodeApprovalDenied: an approver refused the call.
	CodeApprovalDenied
	// CodeApprovalTimeout: no decision arrived before the timeout or the
	// context's deadline.
	CodeApprovalTimeout
	// CodeAuditUnavailable: the audit event could not be made durable, so the
	// call was refused (fail-closed).
	CodeAuditUnavailable
	// CodeInvalidPolicy: the policy or a configuration is invalid.
	CodeInvalidPolicy
	// CodeCanceled: the caller's context was cancelled while ragguard waited.
	CodeCanceled
	// CodeInvalidCall: the adapter handed the Guard a malformed call.
	CodeInvalidCall
)

var codeNames = [...]string{
	CodeOK:               "ok",
	CodeUnknown:          "unknown",
	CodeUnauthenticated:  "unauthenticated",
	CodePermissionDenied: "permission_denied",
	CodeApprovalDenied:   "approval_denied",
	CodeApprovalTimeout:  "approval_timeout",
	CodeAuditUnavailable: "audit_unavailable",
	CodeInvalidPolicy:    "invalid_policy",
	CodeCanceled:         "canceled",
	CodeInvalidCall:      "invalid_call",
}

// String returns the code's snake_case name, as written in audit events.
func (c Code) String() string {
	if c >= 0 && int(c) < len(codeNames) {
		return codeNames[c]
	}
	return "unknown"
}

// Sentinel errors for ragguard's own outcomes. Errors returned by ragguard
// wrap one of these; test with errors.Is or CodeOf.
var (
	ErrUnauthenticated  = &codeError{CodeUnauthenticated, "ragguard: unauthenticated"}
	ErrPermissionDenied = &codeError{CodePermissionDenied, "ragguard: permission denied"}
	ErrApprovalDenied   = &codeError{CodeApprovalDenied, "ragguard: approval denied"}
	ErrApprovalTimeout  = &codeError{CodeApprovalTimeout, "ragguard: approval timed out"}
	ErrAuditUnavailable = &codeError{CodeAuditUnavailable, "ragguard: audit unavailable"}
	ErrInvalidPolicy    = &codeError{CodeInvalidPolicy, "ragguard: invalid policy"}
	ErrInvalidCall      = &codeError{CodeInvalidCall, "ragguard: invalid call"}
)

type codeError struct {
	code Code
	msg  string
}

func (e *codeError) Error() string { return e.msg }

// CodeOf returns the Code of err: the code of the ragguard sentinel it wraps,
// CodeCanceled for context cancellation, CodeOK for nil and CodeUnknown for
// anything else (for example an error from the wrapped client).
func CodeOf(err error) Code {
	if err == nil {
		return CodeOK
	}
	var ce *codeError
	if errors.As(err, &ce) {
		return ce.code
	}
	if errors.Is(err, context.Canceled) {
		return CodeCanceled
	}
	return CodeUnknown
}
