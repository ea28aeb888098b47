package ragguard

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/ragguard/ragguard/approval"
)

// Spans and metrics follow the GenAI and database semantic conventions and
// carry no masked value.
func TestTelemetryConventions(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	g, _ := newTestGuard(t, approval.AllowAll(), WithTracerProvider(tp), WithMeterProvider(mp))

	op, err := g.Begin(alice(), &Call{Kind: KindLLM, Operation: "chat", System: "openai", Resources: []string{"gpt-4o"},
		SpanName: "chat gpt-4o", Inputs: []Input{{Location: "m", Text: "the secret word"}}})
	require.NoError(t, err)
	op.SetUsage(Usage{InputTokens: 12, OutputTokens: 7, FinishReason: "stop"})
	require.NoError(t, op.Finish(nil))
	_, err = g.Begin(alice(), &Call{Kind: KindSQL, Operation: "delete", System: "postgresql", Resources: []string{"patients"}})
	require.ErrorIs(t, err, ErrPermissionDenied)

	ended := spans.Ended()
	require.Len(t, ended, 2)
	chat := attrs(ended[0].Attributes())
	assert.Equal(t, "chat gpt-4o", ended[0].Name())
	assert.Equal(t, "chat", chat["gen_ai.operation.name"].AsString())
	assert.Equal(t, "openai", chat["gen_ai.provider.name"].AsString())
	assert.Equal(t, "gpt-4o", chat["gen_ai.request.model"].AsString())
	assert.Equal(t, int64(12), chat["gen_ai.usage.input_tokens"].AsInt64())
	assert.Equal(t, int64(7), chat["gen_ai.usage.output_tokens"].AsInt64())
	assert.Equal(t, []string{"stop"}, chat["gen_ai.response.finish_reasons"].AsStringSlice())
	assert.Equal(t, "allow", chat["ragguard.decision"].AsString())
	assert.Equal(t, int64(1), chat["ragguard.masked.SECRET"].AsInt64())
	for _, kv := range ended[0].Attributes() {
		assert.NotContains(t, kv.Value.Emit(), "secret word", "no masked value in span attributes")
	}
	sql := attrs(ended[1].Attributes())
	assert.Equal(t, "postgresql", sql["db.system.name"].AsString())
	assert.Equal(t, "delete", sql["db.operation.name"].AsString())
	assert.Equal(t, "patients", sql["db.collection.name"].AsString())

	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(context.Background(), &rm))
	got := map[string]bool{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			got[m.Name] = true
			if m.Name == "gen_ai.client.token.usage" {
				h := m.Data.(metricdata.Histogram[int64])
				var sum int64
				for _, dp := range h.DataPoints {
					sum += dp.Sum
				}
				assert.Equal(t, int64(19), sum)
			}
		}
	}
	for _, name := range []string{"gen_ai.client.operation.duration", "gen_ai.client.token.usage", "db.client.operation.duration", "ragguard.calls"} {
		assert.True(t, got[name], "metric %s recorded", name)
	}
}

func attrs(kvs []attribute.KeyValue) map[string]attribute.Value {
	m := map[string]attribute.Value{}
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value
	}
	return m
}
