package audit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
)

// MultiSink writes every batch to several sinks at once and succeeds when
// enough of them stored it. Build one with Multi.
type MultiSink struct {
	sinks    []Sink
	required int
	timeout  time.Duration
	closed   atomic.Bool
	failures []atomic.Uint64 // per sink, see Failures
}

var _ Sink = (*MultiSink)(nil)

// MultiError reports a Multi write that failed: fewer than Required sinks
// succeeded, or some sink found a conflict. Errs has one entry per sink, in
// the order given to Multi, nil for those that succeeded. It matches
// ErrTooFewSinks when the quorum was missed, and each sink's error
// (errors.Is(err, ErrConflict), context.DeadlineExceeded, …).
type MultiError struct {
	Required  int
	Succeeded int
	Errs      []error
}

// Error says how many sinks stored the records and why the others did not.
func (e *MultiError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "audit: %d of %d sinks stored the records, %d required", e.Succeeded, len(e.Errs), e.Required)
	for i, err := range e.Errs {
		if err != nil {
			fmt.Fprintf(&b, "; sink %d: %v", i, err)
		}
	}
	return b.String()
}

// Unwrap returns the sinks' errors, and ErrTooFewSinks when the quorum was
// missed.
func (e *MultiError) Unwrap() []error {
	var out []error
	if e.Succeeded < e.Required {
		out = append(out, ErrTooFewSinks)
	}
	for _, err := range e.Errs {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}

// Multi returns a sink that writes each batch to all sinks in parallel,
// each under its own deadline of perSinkTimeout (or ctx's, if sooner), and
// succeeds when at least required of them succeeded. Write returns when
// every sink has answered or its deadline has passed, so a hung sink costs
// at most perSinkTimeout and cannot hang the caller, even if it ignores its
// ctx (its goroutine is then left behind until it returns).
//
// A conflict reported by any sink fails the write even when the quorum is
// met: it means forged or reused records, not an outage. Failures below
// the quorum do not fail the write; Failures counts them per sink, so a
// copy that silently stopped storing can be noticed (or wrap a sink in a
// SinkFunc to log them). Close closes every sink.
func Multi(required int, perSinkTimeout time.Duration, sinks ...Sink) (*MultiSink, error) {
	if len(sinks) == 0 {
		return nil, errors.New("audit: Multi: no sinks")
	}
	for i, s := range sinks {
		if s == nil {
			return nil, fmt.Errorf("audit: Multi: sink %d is nil", i)
		}
	}
	if required < 1 || required > len(sinks) {
		return nil, fmt.Errorf("audit: Multi: required %d of %d sinks: must be 1..%d", required, len(sinks), len(sinks))
	}
	if perSinkTimeout <= 0 {
		return nil, fmt.Errorf("audit: Multi: per-sink timeout %v must be positive", perSinkTimeout)
	}
	return &MultiSink{sinks: append([]Sink(nil), sinks...), required: required, timeout: perSinkTimeout,
		failures: make([]atomic.Uint64, len(sinks))}, nil
}

// Write writes recs to every sink; see Multi. The sinks share recs and must
// not modify it.
func (m *MultiSink) Write(ctx context.Context, recs []Record) error {
	if m.closed.Load() {
		return ErrSinkClosed
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("audit: multi sink: %w", err)
	}
	type result struct {
		i   int
		err error
	}
	// Buffered, so a sink that answers after we gave up does not block.
	results := make(chan result, len(m.sinks))
	cancels := make([]context.CancelFunc, len(m.sinks))
	for i, s := range m.sinks {
		sctx, cancel := context.WithTimeout(ctx, m.timeout)
		cancels[i] = cancel
		go func() {
			defer func() {
				if p := recover(); p != nil {
					results <- result{i, fmt.Errorf("audit: sink panicked: %v", p)}
				}
			}()
			results <- result{i, s.Write(sctx, recs)}
		}()
	}
	defer func() {
		for _, c := range cancels {
			c()
		}
	}()

	errs := make([]error, len(m.sinks))
	answered := make([]bool, len(m.sinks))
	timer := time.NewTimer(m.timeout)
	defer timer.Stop()
	pending := len(m.sinks)
wait:
	for pending > 0 {
		select {
		case r := <-results:
			errs[r.i], answered[r.i] = r.err, true
			pending--
		case <-timer.C:
			break wait
		case <-ctx.Done():
			break wait
		}
	}
	succeeded, conflict := 0, false
	for i := range errs {
		if !answered[i] {
			cause := ctx.Err()
			if cause == nil {
				cause = context.DeadlineExceeded
			}
			errs[i] = fmt.Errorf("audit: no answer within %v: %w", m.timeout, cause)
			m.failures[i].Add(1)
			continue
		}
		if errs[i] == nil {
			succeeded++
			continue
		}
		m.failures[i].Add(1)
		if errors.Is(errs[i], ErrConflict) {
			conflict = true
		}
	}
	if succeeded >= m.required && !conflict {
		return nil
	}
	return &MultiError{Required: m.required, Succeeded: succeeded, Errs: errs}
}

// Failures returns, per sink in the order given to Multi, how many Write
// calls that sink failed or did not answer in time, whether or not the
// quorum was met.
func (m *MultiSink) Failures() []uint64 {
	out := make([]uint64, len(m.failures))
	for i := range m.failures {
		out[i] = m.failures[i].Load()
	}
	return out
}

// Close closes every sink and joins their errors. Write fails with
// ErrSinkClosed afterwards.
func (m *MultiSink) Close() error {
	if m.closed.Swap(true) {
		return nil
	}
	var errs []error
	for i, s := range m.sinks {
		if err := s.Close(); err != nil {
			errs = append(errs, fmt.Errorf("audit: close sink %d: %w", i, err))
		}
	}
	return errors.Join(errs...)
}
