package audit

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"sync/atomic"
	"unicode/utf8"
)

// SlogSink writes one structured log line per record through a
// *slog.Logger: message "audit record", attributes origin, seq, type and
// data (the canonical bytes as a string), or data_b64 (standard base64)
// when they are not valid UTF-8. It suits development and log pipelines that already ship
// slog output; like OTelSink it cannot tell whether a line was stored, and
// remembers recent records (WithRedeliveryWindow) to skip redeliveries and
// refuse conflicts.
type SlogSink struct {
	logger *slog.Logger
	level  slog.Level
	window *redeliveryWindow
	closed atomic.Bool
}

var _ Sink = (*SlogSink)(nil)

// NewSlogSink returns a sink logging through logger (slog.Default() when
// nil). Options: WithSlogLevel, WithRedeliveryWindow.
func NewSlogSink(logger *slog.Logger, opts ...SinkOption) *SlogSink {
	if logger == nil {
		logger = slog.Default()
	}
	cfg := newSinkConfig(opts)
	return &SlogSink{logger: logger, level: cfg.slogLevel, window: newRedeliveryWindow(cfg.window)}
}

// Write logs the records not logged before, in order.
func (s *SlogSink) Write(ctx context.Context, recs []Record) error {
	if s.closed.Load() {
		return ErrSinkClosed
	}
	if err := sinkValidBatch(recs); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("audit: slog sink: %w", err)
	}
	fresh, err := s.window.filter(recs, "slog")
	if err != nil {
		return err
	}
	for _, r := range fresh {
		data := slog.String("data", string(r.Data))
		if !utf8.Valid(r.Data) {
			data = slog.String("data_b64", base64.StdEncoding.EncodeToString(r.Data))
		}
		s.logger.LogAttrs(ctx, s.level, "audit record",
			slog.String("origin", r.Origin),
			slog.Uint64("seq", r.Seq),
			slog.String("type", string(r.Type)),
			data)
	}
	s.window.add(fresh)
	return nil
}

// Close stops the sink.
func (s *SlogSink) Close() error {
	s.closed.Store(true)
	return nil
}
