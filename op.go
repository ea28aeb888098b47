package ragguard

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/ragguard/ragguard/identity"
)

// Op is one governed call between Guard.Begin and Op.Finish. Adapters send
// Inputs instead of the caller's texts, pass every result through the Mask
// methods, and call Finish exactly once (further calls are no-ops), also
// when the call failed or a stream was abandoned. An Op's methods are safe
// for concurrent use.
type Op struct {
	g         *Guard
	ctx       context.Context
	call      *Call
	span      trace.Span
	start     time.Time
	principal *identity.Principal
	decision  Decision
	inputs    []Input
	receipt   *ApprovalReceipt
	semconv   []attribute.KeyValue // the call's semantic-convention attributes

	mu       sync.Mutex
	masker   CallMasker
	usage    Usage
	request  []byte
	response []byte
	restored int

	finished atomic.Bool
}

// Context returns the call's context, carrying its span.
func (op *Op) Context() context.Context { return op.ctx }

// Principal returns the authenticated caller.
func (op *Op) Principal() identity.Principal { return *op.principal }

// Decision returns the policy's decision for the call.
func (op *Op) Decision() Decision { return op.decision }

// Filter returns the retrieval filter the policy set for this caller;
// vector and SQL adapters must apply it.
func (op *Op) Filter() []FilterCondition { return op.decision.Filter }

// Inputs returns the masked inputs, in the order of Call.Inputs. Send these
// upstream, never the originals.
func (op *Op) Inputs() []Input { return slices.Clone(op.inputs) }

// Input returns the masked text of input i.
func (op *Op) Input(i int) string { return op.inputs[i].Text }

// MaskText masks a result text, e.g. an LLM answer.
func (op *Op) MaskText(location, s string) string {
	op.mu.Lock()
	defer op.mu.Unlock()
	return op.masker.Text("result:"+location, s)
}

// MaskJSON masks a JSON result document, e.g. a vector payload. Malformed
// JSON is an error: the adapter must not return the unmasked document.
func (op *Op) MaskJSON(location string, doc []byte) ([]byte, error) {
	op.mu.Lock()
	defer op.mu.Unlock()
	return op.masker.JSON("result:"+location, doc)
}

// MaskRow masks one result row in place of a copy and returns the copy.
func (op *Op) MaskRow(columns []string, values []any) []any {
	op.mu.Lock()
	defer op.mu.Unlock()
	return op.masker.Row(columns, values)
}

// MaskStream returns a stream masker for a streamed result.
func (op *Op) MaskStream(location string) StreamMasker {
	op.mu.Lock()
	defer op.mu.Unlock()
	return &lockedStream{op: op, s: op.masker.Stream("result:" + location)}
}

type lockedStream struct {
	op *Op
	s  StreamMasker
}

func (l *lockedStream) Write(p []byte) []byte {
	l.op.mu.Lock()
	defer l.op.mu.Unlock()
	return l.s.Write(p)
}

func (l *lockedStream) Flush() []byte {
	l.op.mu.Lock()
	defer l.op.mu.Unlock()
	return l.s.Flush()
}

// Restore replaces reversible tokens in a result with the original values,
// when the policy allows it for this caller (rule field restore). Otherwise
// it returns text unchanged. Every restore is counted in the audit event.
func (op *Op) Restore(text string) (string, error) {
	if !op.decision.Restore || op.decision.Observed || op.g.masker == nil {
		return text, nil
	}
	out, n, err := op.g.masker.Restore(op.ctx, op.principal.Tenant, text)
	if err != nil {
		return text, err
	}
	op.mu.Lock()
	op.restored += n
	op.mu.Unlock()
	return out, nil
}

// SetUsage records what the call consumed.
func (op *Op) SetUsage(u Usage) {
	op.mu.Lock()
	op.usage = u
	op.mu.Unlock()
}

// AddUsage adds to what the call consumed (streams report as they go).
func (op *Op) AddUsage(u Usage) {
	op.mu.Lock()
	op.usage.InputTokens += u.InputTokens
	op.usage.OutputTokens += u.OutputTokens
	op.usage.Rows += u.Rows
	op.usage.Points += u.Points
	if u.FinishReason != "" {
		op.usage.FinishReason = u.FinishReason
	}
	op.mu.Unlock()
}

// SetBodies records the masked request and response bodies for the session
// record. Pass only masked bytes.
func (op *Op) SetBodies(request, response []byte) {
	op.mu.Lock()
	if request != nil {
		op.request = request
	}
	if response != nil {
		op.response = response
	}
	op.mu.Unlock()
}

// AppendResponse appends masked bytes to the response body (streams).
func (op *Op) AppendResponse(p []byte) {
	op.mu.Lock()
	op.response = append(op.response, p...)
	op.mu.Unlock()
}

// Finish ends the call: callErr is the wrapped client's error (nil on
// success, context.Canceled when the caller gave up). It writes the audit
// event and ends the span. When the event cannot be made durable it returns
// an error wrapping ErrAuditUnavailable and the adapter must not return the
// result. Otherwise it returns callErr unchanged. Only the first call acts;
// later calls return nil.
func (op *Op) Finish(callErr error) error {
	if !op.finished.CompareAndSwap(false, true) {
		return nil
	}
	code := CodeOf(callErr)
	if callErr != nil && code == CodeUnknown && errors.Is(callErr, context.DeadlineExceeded) {
		code = CodeCanceled
	}
	if err := op.audit(code, callErr); err != nil {
		return err
	}
	return callErr
}

// refuse finishes an Op that Begin refused, and returns the refusal.
func (op *Op) refuse(refusal error) error {
	op.finished.Store(true)
	if err := op.audit(CodeOf(refusal), refusal); err != nil {
		return errors.Join(refusal, err)
	}
	return refusal
}

func (op *Op) audit(code Code, callErr error) error {
	g := op.g
	end := g.now()
	op.mu.Lock()
	ev := &AuditEvent{
		Time:       op.start,
		Principal:  op.principal,
		Kind:       op.call.Kind,
		Operation:  op.call.Operation,
		Resources:  op.call.Resources,
		Attributes: op.call.Attributes,
		Decision:   op.decision,
		Approval:   op.receipt,
		Masking:    op.masker.Findings(),
		Restored:   op.restored,
		Request:    op.request,
		Response:   op.response,
		Usage:      op.usage,
		Latency:    end.Sub(op.start),
		Code:       code,
	}
	op.mu.Unlock()
	if callErr != nil {
		ev.Error = callErr.Error()
	}
	if sc := op.span.SpanContext(); sc.IsValid() {
		ev.TraceID = sc.TraceID().String()
		ev.SpanID = sc.SpanID().String()
	}
	if len(ev.Masking) > 0 {
		byEntity := map[string]int{}
		for _, f := range ev.Masking {
			byEntity[f.Entity] += f.Count
		}
		for e, n := range byEntity {
			op.span.SetAttributes(attribute.Int("ragguard.masked."+e, n))
		}
	}
	// The event is written even when the caller's ctx is done: a cancelled
	// call is still a call, and its record must not be lost.
	err := g.auditor.Record(context.WithoutCancel(op.ctx), ev)
	if err != nil {
		err = fmt.Errorf("%w: %w", ErrAuditUnavailable, err)
		code = CodeAuditUnavailable
	}
	g.metrics.record(op.ctx, op, code, ev.Latency, ev.Usage)
	switch {
	case err != nil:
		setSpanError(op.span, err)
	case callErr != nil:
		setSpanError(op.span, callErr)
	}
	op.span.End()
	return err
}
