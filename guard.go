package ragguard

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/ragguard/ragguard/approval"
	"github.com/ragguard/ragguard/identity"
)

const instrumentationName = "github.com/ragguard/ragguard"

// Guard is the one enforcement pipeline every adapter hands its calls to:
// identify → authorize → approve → mask egress → call → mask results →
// audit. Build it once with New and share it; it is safe for concurrent use.
type Guard struct {
	policy   *Policy
	auditor  Auditor
	approver approval.Approver
	masker   Masker
	now      func() time.Time
	tracer   trace.Tracer
	metrics  *instruments
}

// Option configures New.
type Option interface{ apply(*config) }

type config struct {
	policy   *Policy
	auditor  Auditor
	approver approval.Approver
	masker   Masker
	now      func() time.Time
	tp       trace.TracerProvider
	mp       metric.MeterProvider
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// WithPolicy sets the policy. Required.
func WithPolicy(p *Policy) Option {
	return optionFunc(func(c *config) {
		if p != nil {
			c.policy = p
		}
	})
}

// WithAuditor sets where audit events go. Required: use DiscardAudit to
// drop them on purpose.
func WithAuditor(a Auditor) Option {
	return optionFunc(func(c *config) {
		if a != nil {
			c.auditor = a
		}
	})
}

// WithApprover sets the approver for calls the policy holds. Required when
// any rule has the require_approval effect.
func WithApprover(a approval.Approver) Option {
	return optionFunc(func(c *config) {
		if a != nil {
			c.approver = a
		}
	})
}

// WithMasker sets the masking engine. Required when the policy names a
// masking profile.
func WithMasker(m Masker) Option {
	return optionFunc(func(c *config) {
		if m != nil {
			c.masker = m
		}
	})
}

// WithClock replaces time.Now, for tests.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(c *config) {
		if now != nil {
			c.now = now
		}
	})
}

// WithTracerProvider sets the TracerProvider; the global one by default.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return optionFunc(func(c *config) {
		if tp != nil {
			c.tp = tp
		}
	})
}

// WithMeterProvider sets the MeterProvider; the global one by default.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *config) {
		if mp != nil {
			c.mp = mp
		}
	})
}

// New builds a Guard. It fails closed: without a policy or an auditor, with
// a policy that can hold calls but no approver, or with a policy that names
// masking profiles the masker lacks, it returns an error wrapping
// ErrInvalidPolicy instead of a Guard that would let calls through.
func New(opts ...Option) (*Guard, error) {
	c := config{now: time.Now}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	if c.policy == nil {
		return nil, fmt.Errorf("%w: no policy (WithPolicy)", ErrInvalidPolicy)
	}
	if c.auditor == nil {
		return nil, fmt.Errorf("%w: no auditor (WithAuditor; DiscardAudit must be chosen by name)", ErrInvalidPolicy)
	}
	if c.policy.NeedsApproval() && c.approver == nil {
		return nil, fmt.Errorf("%w: the policy holds calls for approval but no approver is configured (WithApprover)", ErrInvalidPolicy)
	}
	if c.policy.UsesDetections() && c.masker == nil {
		return nil, fmt.Errorf("%w: the policy's conditions read call.detected but no masker is configured to detect (WithMasker)", ErrInvalidPolicy)
	}
	if profiles := c.policy.MaskProfiles(); len(profiles) > 0 {
		if c.masker == nil {
			return nil, fmt.Errorf("%w: the policy names masking profiles %v but no masker is configured (WithMasker)", ErrInvalidPolicy, profiles)
		}
		known := c.masker.Profiles()
		for _, p := range profiles {
			if !slices.Contains(known, p) {
				return nil, fmt.Errorf("%w: the policy names masking profile %q, which the masker does not know", ErrInvalidPolicy, p)
			}
		}
	}
	if c.tp == nil {
		c.tp = otel.GetTracerProvider()
	}
	if c.mp == nil {
		c.mp = otel.GetMeterProvider()
	}
	metrics, err := newInstruments(c.mp)
	if err != nil {
		return nil, err
	}
	return &Guard{
		policy:   c.policy,
		auditor:  c.auditor,
		approver: c.approver,
		masker:   c.masker,
		now:      c.now,
		tracer:   c.tp.Tracer(instrumentationName),
		metrics:  metrics,
	}, nil
}

// Policy returns the Guard's policy.
func (g *Guard) Policy() *Policy { return g.policy }

// Begin runs the pipeline up to the call: it identifies the principal in
// ctx, evaluates the policy, waits for an approver when the policy holds the
// call, and masks the call's inputs. On success the adapter sends
// Op.Inputs (never the originals), masks results through the Op, and ends
// with Op.Finish exactly once. On refusal Begin writes the audit event itself
// and returns an error wrapping ErrInvalidCall, ErrUnauthenticated,
// ErrPermissionDenied, ErrApprovalDenied, ErrApprovalTimeout,
// ErrAuditUnavailable or the context's error; nothing may be sent upstream
// then.
func (g *Guard) Begin(ctx context.Context, c *Call) (*Op, error) {
	start := g.now()
	if err := c.validate(); err != nil {
		// A malformed call is a refused call: it is audited like one.
		return nil, g.Refuse(ctx, c, err)
	}
	name := c.Operation
	if len(c.Resources) > 0 {
		name += " " + c.Resources[0]
	}
	op := g.startOp(ctx, c, name, start)
	ctx = op.ctx
	span := op.span

	p, ok := identity.FromContext(ctx)
	if !ok || !p.Valid(start) {
		reason := "no principal in context"
		if ok {
			reason = "principal is empty or expired"
		}
		op.decision = Decision{Effect: Deny, Reason: reason}
		return nil, op.refuse(fmt.Errorf("%w: %s", ErrUnauthenticated, reason))
	}
	op.principal = &p

	var detected []string
	if g.policy.UsesDetections() {
		detected = []string{}
		for _, in := range c.Inputs {
			for _, e := range g.masker.Detect(in.Text) {
				if !slices.Contains(detected, e) {
					detected = append(detected, e)
				}
			}
		}
	}
	d := g.policy.Decide(p, c, detected, start)
	op.decision = d
	span.SetAttributes(attribute.String("ragguard.decision", string(d.Effect)), attribute.String("ragguard.rule", d.Rule), attribute.Bool("ragguard.observed", d.Observed))

	if d.Effect == Deny && !d.Observed {
		msg := "denied by rule " + d.Rule
		if d.Rule == "" {
			msg = d.Reason
		}
		return nil, op.refuse(fmt.Errorf("%w: %s", ErrPermissionDenied, msg))
	}

	// Mask before approval: the approver reads, and the request binds, the
	// call exactly as it will leave the process.
	if d.Mask != "" {
		if g.masker == nil {
			return nil, op.refuse(fmt.Errorf("%w: masking profile %q but no masker", ErrInvalidPolicy, d.Mask))
		}
		m, err := g.masker.ForCall(d.Mask, p.Tenant)
		if err != nil {
			return nil, op.refuse(fmt.Errorf("%w: masking profile %q: %w", ErrInvalidPolicy, d.Mask, err))
		}
		op.masker = m
	}
	op.inputs = make([]Input, len(c.Inputs))
	for i, in := range c.Inputs {
		op.inputs[i] = Input{Location: in.Location, Text: op.masker.Text("input:"+in.Location, in.Text)}
	}

	if d.Effect == RequireApproval && !d.Observed {
		if err := g.approve(ctx, op, d); err != nil {
			return nil, op.refuse(err)
		}
	}
	return op, nil
}

// Refuse records a call that an adapter refused before it could hand it to
// Begin — a request body it cannot parse, an encoding it cannot mask — so
// that the attempt is audited like any other refusal. c describes what is
// known of the call (it is not validated); err is the reason. Refuse returns
// err, joined with ErrAuditUnavailable when the event could not be written.
func (g *Guard) Refuse(ctx context.Context, c *Call, err error) error {
	if err == nil {
		err = ErrInvalidCall
	}
	if c == nil {
		c = &Call{}
	}
	op := g.startOp(ctx, c, "refused "+string(c.Kind), g.now())
	if p, ok := identity.FromContext(ctx); ok {
		op.principal = &p
	}
	op.decision = Decision{Effect: Deny, Reason: "refused by the adapter"}
	return op.refuse(err)
}

// startOp opens the call's span (named c.SpanName, or name) with its
// semantic-convention attributes, which the Op keeps for its metrics.
func (g *Guard) startOp(ctx context.Context, c *Call, name string, start time.Time) *Op {
	if c.SpanName != "" {
		name = c.SpanName
	}
	semconv := semconvAttributes(c)
	ctx, span := g.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(append(semconv, attribute.String("ragguard.kind", string(c.Kind)))...))
	return &Op{g: g, ctx: ctx, call: c, span: span, start: start, masker: noMasking{}, semconv: semconv}
}

func (g *Guard) approve(ctx context.Context, op *Op, d Decision) error {
	p := *op.principal
	a := d.Approval
	if a == nil {
		a = &ApprovalConfig{Quorum: 1, Timeout: Duration(DefaultApprovalTimeout)}
	}
	justification := JustificationFrom(ctx)
	if a.Justification && strings.TrimSpace(justification) == "" {
		return fmt.Errorf("%w: rule %s requires a justification (ragguard.WithJustification)", ErrPermissionDenied, d.Rule)
	}
	now := g.now()
	expires := now.Add(time.Duration(a.Timeout))
	if dl, ok := ctx.Deadline(); ok && dl.Before(expires) {
		expires = dl
	}
	id, err := uuid.NewV7()
	if err != nil {
		return fmt.Errorf("%w: request id: %w", ErrApprovalDenied, err)
	}
	req := approval.Request{
		ID:             id.String(),
		Requester:      partyOf(p),
		Kind:           string(op.call.Kind),
		Operation:      op.call.Operation,
		Resources:      slices.Clone(op.call.Resources),
		CallHash:       op.hash(),
		Summary:        op.summary(),
		Rule:           d.Rule,
		Justification:  justification,
		ApproverGroups: slices.Clone(a.Groups),
		Quorum:         a.Quorum,
		GrantWindow:    time.Duration(a.Grant),
		CreatedAt:      now,
		ExpiresAt:      expires,
	}
	op.receipt = &ApprovalReceipt{Request: req}
	wctx, cancel := context.WithDeadline(ctx, expires)
	defer cancel()
	// The approver gets a copy: whatever it does to it cannot change the
	// request its decision is checked against, nor the audited receipt.
	ask := req
	ask.Requester = partyOf(p)
	ask.Resources = slices.Clone(req.Resources)
	ask.ApproverGroups = slices.Clone(req.ApproverGroups)
	dec, err := g.approver.Approve(wctx, &ask)
	wait := g.now().Sub(now)
	op.receipt.Wait = wait
	g.metrics.waits.Record(ctx, wait.Seconds())
	op.span.SetAttributes(attribute.Float64("ragguard.approval.wait_s", wait.Seconds()), attribute.String("ragguard.approval.request_id", req.ID))
	if err != nil {
		switch {
		case errors.Is(err, approval.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
			return fmt.Errorf("%w: request %s undecided after %s", ErrApprovalTimeout, req.ID, wait.Round(time.Millisecond))
		case errors.Is(err, context.Canceled):
			return fmt.Errorf("ragguard: waiting for approval of %s: %w", req.ID, ctx.Err())
		default:
			return fmt.Errorf("%w: approver failed: %w", ErrApprovalDenied, err)
		}
	}
	op.receipt.Decision = &dec
	// Never trust an approver's word: a decision for another request, one
	// the requester or an ineligible approver voted in, or an approval short
	// of the quorum of distinct approvers is void (approval.Decision.Check).
	if err := dec.Check(&req); err != nil {
		return fmt.Errorf("%w: %w", ErrApprovalDenied, err)
	}
	if !dec.Approved() {
		reason := dec.Reason
		if reason == "" {
			reason = "denied"
		}
		return fmt.Errorf("%w: %s", ErrApprovalDenied, reason)
	}
	return nil
}

func partyOf(p identity.Principal) approval.Party {
	return approval.Party{Subject: p.Subject, Issuer: p.Issuer, Email: p.Email, Groups: slices.Clone(p.Groups), Roles: slices.Clone(p.Roles), Tenant: p.Tenant}
}

// hash binds an approval to the exact masked call and its requester.
func (op *Op) hash() string {
	type input struct {
		L string `json:"l"`
		T string `json:"t"`
	}
	ins := make([]input, len(op.inputs))
	for i, in := range op.inputs {
		ins[i] = input{in.Location, in.Text}
	}
	b, err := json.Marshal(struct {
		P  string         `json:"p"`
		K  Kind           `json:"k"`
		O  string         `json:"o"`
		R  []string       `json:"r"`
		I  []input        `json:"i"`
		At map[string]any `json:"a"`
	}{op.principal.ID(), op.call.Kind, op.call.Operation, op.call.Resources, ins, op.call.Attributes})
	if err != nil {
		// Call.validate admits only JSON-encodable attributes. Should one
		// slip through anyway, the hash must still differ per call: use a
		// fresh random value, which no decision for another call matches.
		b = []byte(uuid.NewString())
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// summary is what an approver reads: the masked call, shortened.
func (op *Op) summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s", op.call.Kind, op.call.Operation, strings.Join(op.call.Resources, ","))
	for _, in := range op.inputs {
		t := in.Text
		if len(t) > 200 {
			// Cut on a rune boundary: the summary is stored and shown as text.
			cut := 200
			for cut > 0 && !utf8.RuneStart(t[cut]) {
				cut--
			}
			t = t[:cut] + "…"
		}
		fmt.Fprintf(&b, "\n%s: %s", in.Location, t)
	}
	return b.String()
}

func setSpanError(span trace.Span, err error) {
	span.RecordError(err)
	span.SetStatus(codes.Error, CodeOf(err).String())
}
