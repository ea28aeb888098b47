package audit_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log/global"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/ragguard/ragguard/audit"
	"github.com/ragguard/ragguard/audit/audittest"
)

// memExporter keeps exported log records, as the SDK hands them over.
type memExporter struct {
	mu   sync.Mutex
	recs []sdklog.Record
}

func (e *memExporter) Export(ctx context.Context, recs []sdklog.Record) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, r := range recs {
		e.recs = append(e.recs, r.Clone())
	}
	return nil
}
func (e *memExporter) Shutdown(context.Context) error   { return nil }
func (e *memExporter) ForceFlush(context.Context) error { return nil }

// auditRecords turns exported log records back into audit records.
func (e *memExporter) auditRecords(t *testing.T) []audit.Record {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []audit.Record
	for _, lr := range e.recs {
		require.Equal(t, audit.OTelEventName, lr.EventName())
		var r audit.Record
		lr.WalkAttributes(func(kv attribute.KeyValue) bool {
			switch kv.Key {
			case audit.OTelAttrOrigin:
				r.Origin = kv.Value.AsString()
			case audit.OTelAttrSeq:
				r.Seq = uint64(kv.Value.AsInt64())
			case audit.OTelAttrType:
				r.Type = audit.RecordType(kv.Value.AsString())
			}
			return true
		})
		switch b := lr.Body(); b.Type() {
		case attribute.STRING:
			r.Data = []byte(b.AsString())
		case attribute.BYTESLICE:
			r.Data = b.AsByteSlice()
		default:
			t.Fatalf("body of type %v", b.Type())
		}
		out = append(out, r)
	}
	return out
}

func newOTelProvider(t *testing.T) (*sdklog.LoggerProvider, *memExporter) {
	exp := &memExporter{}
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(exp)))
	t.Cleanup(func() { lp.Shutdown(context.Background()) })
	return lp, exp
}

func TestOTelSinkConformance(t *testing.T) {
	audittest.TestSink(t, func(t *testing.T) (audit.Sink, func() []audit.Record) {
		lp, exp := newOTelProvider(t)
		s := audit.NewOTelSink(audit.WithLoggerProvider(lp))
		t.Cleanup(func() { s.Close() })
		return s, func() []audit.Record { return exp.auditRecords(t) }
	})
}

func TestOTelSinkUsesGlobalProviderByDefault(t *testing.T) {
	lp, exp := newOTelProvider(t)
	prev := global.GetLoggerProvider()
	global.SetLoggerProvider(lp)
	t.Cleanup(func() { global.SetLoggerProvider(prev) })

	s := audit.NewOTelSink()
	recs := audittest.Stream("api-1", 0, 3)
	require.NoError(t, s.Write(t.Context(), recs))
	require.Equal(t, recs, exp.auditRecords(t))
	exp.mu.Lock()
	defer exp.mu.Unlock()
	assert.Equal(t, "github.com/ragguard/ragguard/audit", exp.recs[0].InstrumentationScope().Name)
	assert.False(t, exp.recs[0].Timestamp().IsZero())
}

func TestOTelSinkRedeliveryWindow(t *testing.T) {
	lp, exp := newOTelProvider(t)
	s := audit.NewOTelSink(audit.WithLoggerProvider(lp), audit.WithRedeliveryWindow(4))
	recs := audittest.Stream("api-1", 0, 10)
	require.NoError(t, s.Write(t.Context(), recs))
	require.NoError(t, s.Write(t.Context(), recs[6:]), "within the window: not emitted again")
	assert.Len(t, exp.auditRecords(t), 10)
	require.NoError(t, s.Write(t.Context(), recs[:2]), "beyond the window: emitted again")
	assert.Len(t, exp.auditRecords(t), 12)
}

// lockedBuffer is a bytes.Buffer safe for concurrent slog handlers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) records(t *testing.T) []audit.Record {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []audit.Record
	for line := range bytes.Lines(b.buf.Bytes()) {
		var l struct {
			Level   string `json:"level"`
			Msg     string `json:"msg"`
			Origin  string `json:"origin"`
			Seq     uint64 `json:"seq"`
			Type    string `json:"type"`
			Data    *string
			DataB64 *string `json:"data_b64"`
		}
		require.NoError(t, json.Unmarshal(line, &l))
		require.Equal(t, "audit record", l.Msg)
		r := audit.Record{Origin: l.Origin, Seq: l.Seq, Type: audit.RecordType(l.Type)}
		if l.Data != nil {
			r.Data = []byte(*l.Data)
		} else {
			require.NotNil(t, l.DataB64)
			d, err := base64.StdEncoding.DecodeString(*l.DataB64)
			require.NoError(t, err)
			r.Data = d
		}
		out = append(out, r)
	}
	return out
}

func TestSlogSinkConformance(t *testing.T) {
	audittest.TestSink(t, func(t *testing.T) (audit.Sink, func() []audit.Record) {
		buf := &lockedBuffer{}
		s := audit.NewSlogSink(slog.New(slog.NewJSONHandler(buf, nil)))
		t.Cleanup(func() { s.Close() })
		return s, func() []audit.Record { return buf.records(t) }
	})
}

func TestSlogSinkLevel(t *testing.T) {
	buf := &lockedBuffer{}
	s := audit.NewSlogSink(slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelWarn})))
	require.NoError(t, s.Write(t.Context(), audittest.Stream("a", 0, 2)))
	assert.Empty(t, buf.records(t), "Info lines filtered by a Warn handler")
	s = audit.NewSlogSink(slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelWarn})),
		audit.WithSlogLevel(slog.LevelWarn))
	require.NoError(t, s.Write(t.Context(), audittest.Stream("a", 0, 2)))
	assert.Len(t, buf.records(t), 2)
	assert.Contains(t, buf.buf.String(), `"level":"WARN"`)
}

// printExporter prints what it exports.
type printExporter struct{}

func (printExporter) Export(_ context.Context, recs []sdklog.Record) error {
	for _, r := range recs {
		fmt.Printf("%s body=%s", r.EventName(), r.Body().AsString())
		r.WalkAttributes(func(kv attribute.KeyValue) bool {
			fmt.Printf(" %s=%s", kv.Key, kv.Value.Emit())
			return true
		})
		fmt.Println()
	}
	return nil
}
func (printExporter) Shutdown(context.Context) error   { return nil }
func (printExporter) ForceFlush(context.Context) error { return nil }

func ExampleOTelSink() {
	// Any LoggerProvider works: an OTLP exporter to a collector in
	// production; here one that prints.
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(printExporter{})))
	defer lp.Shutdown(context.Background())

	sink := audit.NewOTelSink(audit.WithLoggerProvider(lp))
	sink.Write(context.Background(), []audit.Record{
		{Origin: "api-1", Seq: 1, Type: audit.TypeEvent, Data: []byte(`{"id":"e1"}`)},
	})
	// Output:
	// ragguard.audit.record body={"id":"e1"} ragguard.audit.origin=api-1 ragguard.audit.seq=1 ragguard.audit.type=event
}
