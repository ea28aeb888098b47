package audit

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/log/global"
)

// Attribute keys and the event name of the OpenTelemetry log records
// OTelSink emits.
const (
	OTelEventName  = "ragguard.audit.record"
	OTelAttrOrigin = "ragguard.audit.origin"
	OTelAttrSeq    = "ragguard.audit.seq"
	OTelAttrType   = "ragguard.audit.type"
)

// otelScope is the instrumentation scope name of OTelSink's logger.
const otelScope = "github.com/ragguard/ragguard/audit"

// OTelSink emits each record as an OpenTelemetry log record: event name
// ragguard.audit.record, attributes ragguard.audit.origin, .seq and .type,
// and the canonical bytes as the body (a string, or bytes when they are not
// valid UTF-8), so a collector can route audit streams to any log backend.
//
// OpenTelemetry logging is fire-and-forget: Write cannot learn whether the
// backend stored a record. Use it next to a durable sink (Multi). It
// remembers the last records of each origin (WithRedeliveryWindow) so a
// redelivery is not emitted twice and a conflicting record is refused.
type OTelSink struct {
	logger otellog.Logger
	window *redeliveryWindow
	now    func() time.Time
	closed atomic.Bool
}

var _ Sink = (*OTelSink)(nil)

// NewOTelSink returns a sink emitting to the caller's LoggerProvider
// (WithLoggerProvider), the global one by default. Options:
// WithLoggerProvider, WithRedeliveryWindow, WithSinkClock.
func NewOTelSink(opts ...SinkOption) *OTelSink {
	cfg := newSinkConfig(opts)
	lp := cfg.loggerProvider
	if lp == nil {
		lp = global.GetLoggerProvider()
	}
	return &OTelSink{
		logger: lp.Logger(otelScope),
		window: newRedeliveryWindow(cfg.window),
		now:    cfg.now,
	}
}

// Write emits the records not emitted before, in order.
func (s *OTelSink) Write(ctx context.Context, recs []Record) error {
	if s.closed.Load() {
		return ErrSinkClosed
	}
	if err := sinkValidBatch(recs); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("audit: otel sink: %w", err)
	}
	fresh, err := s.window.filter(recs, "otel")
	if err != nil {
		return err
	}
	for i, r := range fresh {
		if err := ctx.Err(); err != nil {
			s.window.add(fresh[:i])
			return fmt.Errorf("audit: otel sink: %w", err)
		}
		var lr otellog.Record
		lr.SetEventName(OTelEventName)
		now := s.now()
		lr.SetTimestamp(now)
		lr.SetObservedTimestamp(now)
		lr.SetSeverity(otellog.SeverityInfo)
		if utf8.Valid(r.Data) {
			lr.SetBody(attribute.StringValue(string(r.Data)))
		} else {
			lr.SetBody(attribute.ByteSliceValue(r.Data))
		}
		lr.AddAttributes(
			attribute.String(OTelAttrOrigin, r.Origin),
			attribute.Int64(OTelAttrSeq, int64(r.Seq)),
			attribute.String(OTelAttrType, string(r.Type)),
		)
		s.logger.Emit(ctx, lr)
	}
	s.window.add(fresh)
	return nil
}

// Close stops the sink; the LoggerProvider stays the caller's to flush and
// shut down.
func (s *OTelSink) Close() error {
	s.closed.Store(true)
	return nil
}
