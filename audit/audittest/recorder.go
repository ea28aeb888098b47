package audittest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/ragguard/ragguard/audit"
)

// Recorder is an in-memory audit.Sink for tests of code that writes to
// sinks (a Log, a Multi): it stores records with the contract's semantics
// (idempotent on (Origin, Seq), conflicts refused), counts calls, keeps the
// last ctx it saw, and can be told to fail or to hang.
type Recorder struct {
	mu      sync.Mutex
	recs    map[string][]audit.Record // per origin, in write order
	index   map[string]map[uint64]int
	writes  int
	closes  int
	closed  bool
	lastCtx context.Context
	failErr error
	hang    chan struct{}
}

var _ audit.Sink = (*Recorder)(nil)

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder {
	return &Recorder{recs: map[string][]audit.Record{}, index: map[string]map[uint64]int{}}
}

// FailWith makes every following Write return err (nil heals it).
func (r *Recorder) FailWith(err error) {
	r.mu.Lock()
	r.failErr = err
	r.mu.Unlock()
}

// Hang makes every following Write block until its ctx is done or Release
// is called; it then returns ctx's error (or stores, after Release).
func (r *Recorder) Hang() {
	r.mu.Lock()
	if r.hang == nil {
		r.hang = make(chan struct{})
	}
	r.mu.Unlock()
}

// Release ends Hang.
func (r *Recorder) Release() {
	r.mu.Lock()
	if r.hang != nil {
		close(r.hang)
		r.hang = nil
	}
	r.mu.Unlock()
}

// Write stores recs, or fails as configured.
func (r *Recorder) Write(ctx context.Context, recs []audit.Record) error {
	r.mu.Lock()
	r.writes++
	r.lastCtx = ctx
	hang, failErr, closed := r.hang, r.failErr, r.closed
	r.mu.Unlock()
	if closed {
		return audit.ErrSinkClosed
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("audittest: recorder: %w", err)
	}
	if hang != nil {
		select {
		case <-ctx.Done():
			return fmt.Errorf("audittest: recorder (hung): %w", ctx.Err())
		case <-hang:
		}
	}
	if failErr != nil {
		return failErr
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rec := range recs {
		if i, ok := r.index[rec.Origin][rec.Seq]; ok {
			old := r.recs[rec.Origin][i]
			if old.Type != rec.Type || !bytes.Equal(old.Data, rec.Data) {
				return &audit.ConflictError{Origin: rec.Origin, Seq: rec.Seq, Sink: "audittest.Recorder"}
			}
		}
	}
	for _, rec := range recs {
		if _, ok := r.index[rec.Origin][rec.Seq]; ok {
			continue
		}
		if r.index[rec.Origin] == nil {
			r.index[rec.Origin] = map[uint64]int{}
		}
		rec.Data = bytes.Clone(rec.Data)
		r.index[rec.Origin][rec.Seq] = len(r.recs[rec.Origin])
		r.recs[rec.Origin] = append(r.recs[rec.Origin], rec)
	}
	return nil
}

// Close marks the recorder closed; Write then fails with
// audit.ErrSinkClosed.
func (r *Recorder) Close() error {
	r.mu.Lock()
	r.closed = true
	r.closes++
	r.mu.Unlock()
	return nil
}

// Records returns the stored records, origin by origin (sorted), each in
// write order.
func (r *Recorder) Records() []audit.Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	origins := make([]string, 0, len(r.recs))
	for o := range r.recs {
		origins = append(origins, o)
	}
	slices.Sort(origins)
	var out []audit.Record
	for _, o := range origins {
		out = append(out, r.recs[o]...)
	}
	return out
}

// Writes counts Write calls, failed ones included.
func (r *Recorder) Writes() int { r.mu.Lock(); defer r.mu.Unlock(); return r.writes }

// Closes counts Close calls.
func (r *Recorder) Closes() int { r.mu.Lock(); defer r.mu.Unlock(); return r.closes }

// LastContext returns the ctx of the last Write (nil before any).
func (r *Recorder) LastContext() context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lastCtx
}
