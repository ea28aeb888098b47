package ragguard

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// OpenTelemetry semantic conventions ragguard follows, so that any OTLP
// backend reads its spans and metrics without mapping: GenAI conventions for
// LLM calls, database conventions for vector stores and SQL. Attributes carry
// names, counts and decisions, never a value that was masked.
const (
	attrGenAIOperation    = "gen_ai.operation.name"
	attrGenAIProvider     = "gen_ai.provider.name"
	attrGenAIRequestModel = "gen_ai.request.model"
	attrGenAIInputTokens  = "gen_ai.usage.input_tokens"
	attrGenAIOutputTokens = "gen_ai.usage.output_tokens"
	attrGenAIFinish       = "gen_ai.response.finish_reasons"
	attrGenAITokenType    = "gen_ai.token.type"
	attrDBSystem          = "db.system.name"
	attrDBOperation       = "db.operation.name"
	attrDBCollection      = "db.collection.name"
	attrErrorType         = "error.type"
)

// genAIOperation maps ragguard's LLM operations to GenAI operation names.
func genAIOperation(op string) string {
	switch op {
	case "completion":
		return "text_completion"
	case "responses":
		return "chat"
	default:
		return op
	}
}

// semconvAttributes describes the call per the conventions of its kind.
func semconvAttributes(c *Call) []attribute.KeyValue {
	var first string
	if len(c.Resources) > 0 {
		first = c.Resources[0]
	}
	switch c.Kind {
	case KindLLM:
		kv := []attribute.KeyValue{attribute.String(attrGenAIOperation, genAIOperation(c.Operation))}
		if c.System != "" {
			kv = append(kv, attribute.String(attrGenAIProvider, c.System))
		}
		if first != "" {
			kv = append(kv, attribute.String(attrGenAIRequestModel, first))
		}
		return kv
	default:
		kv := []attribute.KeyValue{attribute.String(attrDBOperation, c.Operation)}
		if c.System != "" {
			kv = append(kv, attribute.String(attrDBSystem, c.System))
		}
		if first != "" {
			kv = append(kv, attribute.String(attrDBCollection, first))
		}
		return kv
	}
}

// instruments are the conventional client metrics, recorded per call.
type instruments struct {
	calls       metric.Int64Counter
	waits       metric.Float64Histogram
	genAIDur    metric.Float64Histogram
	genAITokens metric.Int64Histogram
	dbDur       metric.Float64Histogram
}

func newInstruments(mp metric.MeterProvider) (*instruments, error) {
	meter := mp.Meter(instrumentationName)
	var in instruments
	var err error
	if in.calls, err = meter.Int64Counter("ragguard.calls", metric.WithDescription("Governed calls by kind, decision and outcome.")); err != nil {
		return nil, err
	}
	if in.waits, err = meter.Float64Histogram("ragguard.approval.wait", metric.WithUnit("s"), metric.WithDescription("Time governed calls waited for an approver.")); err != nil {
		return nil, err
	}
	if in.genAIDur, err = meter.Float64Histogram("gen_ai.client.operation.duration", metric.WithUnit("s"), metric.WithDescription("GenAI operation duration.")); err != nil {
		return nil, err
	}
	if in.genAITokens, err = meter.Int64Histogram("gen_ai.client.token.usage", metric.WithUnit("{token}"), metric.WithDescription("Number of input and output tokens used.")); err != nil {
		return nil, err
	}
	if in.dbDur, err = meter.Float64Histogram("db.client.operation.duration", metric.WithUnit("s"), metric.WithDescription("Duration of database client operations.")); err != nil {
		return nil, err
	}
	return &in, nil
}

// record adds the finished call to the conventional metrics and its span.
func (in *instruments) record(ctx context.Context, op *Op, code Code, latency time.Duration, u Usage) {
	base := op.semconv[:len(op.semconv):len(op.semconv)] // appends below copy
	if code != CodeOK {
		base = append(base, attribute.String(attrErrorType, code.String()))
	}
	set := metric.WithAttributes(base...)
	switch op.call.Kind {
	case KindLLM:
		in.genAIDur.Record(ctx, latency.Seconds(), set)
		if u.InputTokens > 0 {
			in.genAITokens.Record(ctx, u.InputTokens, metric.WithAttributes(append(base, attribute.String(attrGenAITokenType, "input"))...))
		}
		if u.OutputTokens > 0 {
			in.genAITokens.Record(ctx, u.OutputTokens, metric.WithAttributes(append(base, attribute.String(attrGenAITokenType, "output"))...))
		}
		kv := []attribute.KeyValue{attribute.Int64(attrGenAIInputTokens, u.InputTokens), attribute.Int64(attrGenAIOutputTokens, u.OutputTokens)}
		if u.FinishReason != "" {
			kv = append(kv, attribute.StringSlice(attrGenAIFinish, []string{u.FinishReason}))
		}
		op.span.SetAttributes(kv...)
	default:
		in.dbDur.Record(ctx, latency.Seconds(), set)
	}
	in.calls.Add(ctx, 1, metric.WithAttributes(
		attribute.String("ragguard.kind", string(op.call.Kind)),
		attribute.String("ragguard.decision", string(op.decision.Effect)),
		attribute.String("ragguard.outcome", code.String()),
	))
}
