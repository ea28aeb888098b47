package audit_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/audit"
	"github.com/ragguard/ragguard/audit/audittest"
)

func newFileSink(t *testing.T, opts ...audit.SinkOption) (*audit.FileSink, func() []audit.Record) {
	t.Helper()
	dir := t.TempDir()
	s, err := audit.NewFileSink(dir, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s, func() []audit.Record {
		recs, errs := readAll(t, dir)
		require.Empty(t, errs)
		return recs
	}
}

var errDown = errors.New("sink down")

func TestMultiConformance(t *testing.T) {
	audittest.TestSink(t, func(t *testing.T) (audit.Sink, func() []audit.Record) {
		a, stored := newFileSink(t)
		b, _ := newFileSink(t)
		down := audit.SinkFunc(func(context.Context, []audit.Record) error { return errDown })
		m, err := audit.Multi(2, 10*time.Second, a, down, b)
		require.NoError(t, err)
		t.Cleanup(func() { m.Close() })
		return m, stored
	})
}

// hungSink never answers until released, whatever its ctx says.
type hungSink struct {
	release chan struct{}
	closed  atomic.Bool
}

func (h *hungSink) Write(context.Context, []audit.Record) error { <-h.release; return nil }
func (h *hungSink) Close() error                                { h.closed.Store(true); return nil }

func TestMultiHungSinkCannotHangCalls(t *testing.T) {
	hung := &hungSink{release: make(chan struct{})}
	defer close(hung.release)
	// No fsync: the healthy sink must answer well within the deadline even
	// on a loaded machine.
	a, stored := newFileSink(t, audit.WithFileSync(audit.SyncNever, 0))
	recs := audittest.Stream("api-1", 0, 4)

	m, err := audit.Multi(1, time.Second, a, hung)
	require.NoError(t, err)
	require.NoError(t, m.Write(t.Context(), recs[:2]), "quorum of 1 met by the file sink")

	m2, err := audit.Multi(2, time.Second, a, hung)
	require.NoError(t, err)
	err = m2.Write(t.Context(), recs[2:])
	require.ErrorIs(t, err, audit.ErrTooFewSinks)
	require.ErrorIs(t, err, context.DeadlineExceeded, "the hung sink is reported as timed out")
	var me *audit.MultiError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, 1, me.Succeeded)
	assert.Equal(t, 2, me.Required)
	assert.NoError(t, me.Errs[0])
	assert.Error(t, me.Errs[1])
	assert.Equal(t, recs, stored(), "the healthy sink stored everything")

	require.NoError(t, m.Close())
	assert.True(t, hung.closed.Load(), "Close closes every sink")
	require.ErrorIs(t, m.Write(t.Context(), recs), audit.ErrSinkClosed)
}

func TestMultiPassesEachSinkItsDeadline(t *testing.T) {
	// The waiter reports what it saw through a channel: on a loaded machine
	// its goroutine may first run after Write has already given up on it.
	sawDeadline := make(chan bool, 1)
	waiter := audit.SinkFunc(func(ctx context.Context, _ []audit.Record) error {
		_, ok := ctx.Deadline()
		sawDeadline <- ok
		<-ctx.Done()
		return ctx.Err()
	})
	a, _ := newFileSink(t)
	m, err := audit.Multi(2, 30*time.Millisecond, a, waiter)
	require.NoError(t, err)
	err = m.Write(t.Context(), audittest.Stream("o", 0, 1))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.True(t, <-sawDeadline)
}

func TestMultiConflictFailsEvenWithQuorum(t *testing.T) {
	a, _ := newFileSink(t)
	b, _ := newFileSink(t)
	recs := audittest.Stream("o", 0, 3)
	require.NoError(t, b.Write(t.Context(), recs))
	forged := recs[2]
	forged.Data = []byte(`{"forged":1}`)
	require.NoError(t, a.Write(t.Context(), []audit.Record{recs[0], recs[1], forged}))
	m, err := audit.Multi(1, time.Second, a, b)
	require.NoError(t, err)
	err = m.Write(t.Context(), recs)
	require.ErrorIs(t, err, audit.ErrConflict)
	require.NotErrorIs(t, err, audit.ErrTooFewSinks)
}

func TestMultiSurvivesPanickingSink(t *testing.T) {
	a, _ := newFileSink(t)
	boom := audit.SinkFunc(func(context.Context, []audit.Record) error { panic("boom") })
	m, err := audit.Multi(2, time.Second, a, boom)
	require.NoError(t, err)
	err = m.Write(t.Context(), audittest.Stream("o", 0, 1))
	require.ErrorIs(t, err, audit.ErrTooFewSinks)
	assert.Contains(t, err.Error(), "panicked: boom")
}

// A sink failing below the quorum does not fail the write, but it is
// counted, so a copy that stopped storing does not go unnoticed.
func TestMultiCountsFailuresBelowQuorum(t *testing.T) {
	a, _ := newFileSink(t)
	down := audit.SinkFunc(func(context.Context, []audit.Record) error { return errors.New("disk full") })
	m, err := audit.Multi(1, time.Minute, a, down)
	require.NoError(t, err)
	require.NoError(t, m.Write(t.Context(), audittest.Stream("o", 0, 2)))
	require.NoError(t, m.Write(t.Context(), audittest.Stream("o", 2, 2)))
	assert.Equal(t, []uint64{0, 2}, m.Failures())
}

func TestMultiRefusesBadConfig(t *testing.T) {
	a, _ := newFileSink(t)
	for name, build := range map[string]func() (*audit.MultiSink, error){
		"no sinks":     func() (*audit.MultiSink, error) { return audit.Multi(1, time.Second) },
		"nil sink":     func() (*audit.MultiSink, error) { return audit.Multi(1, time.Second, a, nil) },
		"required 0":   func() (*audit.MultiSink, error) { return audit.Multi(0, time.Second, a) },
		"required > n": func() (*audit.MultiSink, error) { return audit.Multi(2, time.Second, a) },
		"zero timeout": func() (*audit.MultiSink, error) { return audit.Multi(1, 0, a) },
	} {
		_, err := build()
		require.Error(t, err, name)
	}
}
