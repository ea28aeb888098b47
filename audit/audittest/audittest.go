// Package audittest is a conformance suite for audit.Sink implementations,
// in the manner of testing/slogtest: a third party who writes a Sink runs
// the same checks as the sinks of package audit.
//
//	func TestMySink(t *testing.T) {
//		audittest.TestSink(t, func(t *testing.T) (audit.Sink, func() []audit.Record) {
//			s := NewMySink(...)
//			return s, func() []audit.Record { return readEverything(t) }
//		})
//	}
package audittest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ragguard/ragguard/audit"
)

// NewSinkFunc makes a fresh sink for one subtest and a function that
// returns every record the sink's backend holds, of every origin. The
// second function must keep working after the sink is closed. Use t for
// cleanup.
type NewSinkFunc func(t *testing.T) (audit.Sink, func() []audit.Record)

// TestSink runs the conformance suite against the sinks newSink makes:
//
//   - Order: records written in batches, and in one large batch, come back
//     once each, in Seq order, with their exact bytes (JSON, text with line
//     breaks, binary).
//   - EmptyBatch: writing no records succeeds and stores nothing.
//   - NoRetain: changing a batch's bytes after Write returned does not
//     change what was stored.
//   - Redelivery: writing records again, whole or overlapping, succeeds
//     and stores nothing twice.
//   - Conflict: the same (Origin, Seq) with other bytes or another type
//     fails with audit.ErrConflict and leaves the stored record alone.
//   - Deadline: a Write whose ctx is already done fails with ctx's error,
//     and the sink still works afterwards.
//   - ConcurrentOrigins: Writes of different origins from several
//     goroutines all land.
//   - Close: Close succeeds, Write afterwards fails with
//     audit.ErrSinkClosed, and what was written before stays stored.
func TestSink(t *testing.T, newSink NewSinkFunc) {
	t.Helper()
	t.Run("Order", func(t *testing.T) { testOrder(t, newSink) })
	t.Run("EmptyBatch", func(t *testing.T) { testEmptyBatch(t, newSink) })
	t.Run("NoRetain", func(t *testing.T) { testNoRetain(t, newSink) })
	t.Run("Redelivery", func(t *testing.T) { testRedelivery(t, newSink) })
	t.Run("Conflict", func(t *testing.T) { testConflict(t, newSink) })
	t.Run("Deadline", func(t *testing.T) { testDeadline(t, newSink) })
	t.Run("ConcurrentOrigins", func(t *testing.T) { testConcurrentOrigins(t, newSink) })
	t.Run("Close", func(t *testing.T) { testClose(t, newSink) })
}

// Origin returns an origin name unique to this run, with characters that
// need escaping in file names and URLs.
func Origin(name string) string {
	return fmt.Sprintf("audittest/%s node:%06d", name, rand.IntN(1_000_000))
}

// Stream returns records first..first+n-1 of an origin: a stream key at
// Seq 0, a checkpoint (text with line breaks) every tenth record, a gap
// record with binary data every 17th, events (canonical JSON) otherwise.
func Stream(origin string, first uint64, n int) []audit.Record {
	out := make([]audit.Record, 0, n)
	for seq := first; seq < first+uint64(n); seq++ {
		r := audit.Record{Origin: origin, Seq: seq}
		switch {
		case seq == 0:
			r.Type = audit.TypeStreamKey
			r.Data = fmt.Appendf(nil, `{"key":"ed25519:%s","origin":%q}`, "AAAA", origin)
		case seq%17 == 0:
			r.Type = audit.TypeGap
			r.Data = []byte{0xff, 0x00, 'g', 'a', 'p', byte(seq), '\n', 0xfe}
		case seq%10 == 0:
			r.Type = audit.TypeCheckpoint
			r.Data = fmt.Appendf(nil, "%s\n%d\nQUJD\n\n— %s sig==\n", origin, seq, "ragguard")
		default:
			r.Type = audit.TypeEvent
			r.Data = fmt.Appendf(nil, `{"id":"ev-%d","note":"caf\u00e9 \"q\" <b>","seq":%d}`, seq, seq)
		}
		out = append(out, r)
	}
	return out
}

// Of returns the records of one origin, in the order given.
func Of(recs []audit.Record, origin string) []audit.Record {
	var out []audit.Record
	for _, r := range recs {
		if r.Origin == origin {
			out = append(out, r)
		}
	}
	return out
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func writeBatches(t *testing.T, s audit.Sink, recs []audit.Record, size int) {
	t.Helper()
	for i := 0; i < len(recs); i += size {
		j := min(i+size, len(recs))
		require.NoError(t, s.Write(ctxT(t), recs[i:j]), "write %d..%d", recs[i].Seq, recs[j-1].Seq)
	}
}

func requireStored(t *testing.T, stored func() []audit.Record, origin string, want []audit.Record) {
	t.Helper()
	got := Of(stored(), origin)
	require.Len(t, got, len(want), "records stored for %s", origin)
	for i := range want {
		require.Equal(t, want[i].Seq, got[i].Seq, "record %d: seq", i)
		require.Equal(t, want[i].Type, got[i].Type, "record %d: type", i)
		require.Equal(t, want[i].Data, got[i].Data, "record %d (seq %d): data", i, want[i].Seq)
	}
}

func testOrder(t *testing.T, newSink NewSinkFunc) {
	s, stored := newSink(t)
	origin := Origin("order")
	recs := Stream(origin, 0, 60)
	writeBatches(t, s, recs, 7)
	requireStored(t, stored, origin, recs)

	big := Origin("order-large-batch")
	bigRecs := Stream(big, 0, 2500)
	require.NoError(t, s.Write(ctxT(t), bigRecs), "one batch of 2500 records")
	requireStored(t, stored, big, bigRecs)
}

func testEmptyBatch(t *testing.T, newSink NewSinkFunc) {
	s, stored := newSink(t)
	before := len(stored()) // a backend may be shared between subtests
	require.NoError(t, s.Write(ctxT(t), nil), "nil batch")
	require.NoError(t, s.Write(ctxT(t), []audit.Record{}), "empty batch")
	require.Equal(t, before, len(stored()), "records stored by empty batches")
}

func testNoRetain(t *testing.T, newSink NewSinkFunc) {
	s, stored := newSink(t)
	origin := Origin("no-retain")
	recs := Stream(origin, 0, 12)
	want := make([]audit.Record, len(recs))
	for i, r := range recs {
		want[i] = r
		want[i].Data = slices.Clone(r.Data)
	}
	require.NoError(t, s.Write(ctxT(t), recs))
	for _, r := range recs {
		for j := range r.Data {
			r.Data[j] = 'X'
		}
	}
	requireStored(t, stored, origin, want)
}

func testRedelivery(t *testing.T, newSink NewSinkFunc) {
	s, stored := newSink(t)
	origin := Origin("redelivery")
	recs := Stream(origin, 0, 30)
	writeBatches(t, s, recs[:20], 20)
	require.NoError(t, s.Write(ctxT(t), recs[10:20]), "redeliver the tail")
	require.NoError(t, s.Write(ctxT(t), recs[15:30]), "overlapping batch")
	require.NoError(t, s.Write(ctxT(t), recs), "redeliver everything")
	require.NoError(t, s.Write(ctxT(t), recs[29:30]), "redeliver the last record")
	requireStored(t, stored, origin, recs)
}

func testConflict(t *testing.T, newSink NewSinkFunc) {
	s, stored := newSink(t)
	origin := Origin("conflict")
	recs := Stream(origin, 0, 10)
	writeBatches(t, s, recs, 10)

	forged := recs[5]
	forged.Data = slices.Clone(forged.Data)
	forged.Data[len(forged.Data)-2] ^= 1
	err := s.Write(ctxT(t), []audit.Record{forged})
	require.ErrorIs(t, err, audit.ErrConflict, "same (origin, seq), other bytes")

	retyped := recs[6]
	retyped.Type = audit.TypeGap
	err = s.Write(ctxT(t), []audit.Record{retyped})
	require.ErrorIs(t, err, audit.ErrConflict, "same (origin, seq, bytes), other type")

	requireStored(t, stored, origin, recs)
}

func testDeadline(t *testing.T, newSink NewSinkFunc) {
	s, stored := newSink(t)
	origin := Origin("deadline")
	recs := Stream(origin, 0, 5)

	expired, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	err := s.Write(expired, recs)
	require.Error(t, err, "Write with an expired deadline")
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	canceled, cancel2 := context.WithCancel(t.Context())
	cancel2()
	err = s.Write(canceled, recs)
	require.Error(t, err, "Write with a canceled ctx")
	assert.ErrorIs(t, err, context.Canceled)

	require.NoError(t, s.Write(ctxT(t), recs), "the sink works after a failed Write")
	requireStored(t, stored, origin, recs)
}

func testConcurrentOrigins(t *testing.T, newSink NewSinkFunc) {
	s, stored := newSink(t)
	const writers, n = 6, 40
	origins := make([]string, writers)
	streams := make([][]audit.Record, writers)
	for i := range origins {
		origins[i] = Origin(fmt.Sprintf("concurrent-%d", i))
		streams[i] = Stream(origins[i], 0, n)
	}
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Go(func() {
			for j := 0; j < n; j += 4 {
				if err := s.Write(ctxT(t), streams[i][j:j+4]); err != nil {
					errs[i] = err
					return
				}
			}
		})
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	for i := range origins {
		requireStored(t, stored, origins[i], streams[i])
	}
}

func testClose(t *testing.T, newSink NewSinkFunc) {
	s, stored := newSink(t)
	origin := Origin("close")
	recs := Stream(origin, 0, 8)
	require.NoError(t, s.Write(ctxT(t), recs[:5]))
	require.NoError(t, s.Close(), "Close")
	err := s.Write(ctxT(t), recs[5:])
	require.ErrorIs(t, err, audit.ErrSinkClosed, "Write after Close")
	requireStored(t, stored, origin, recs[:5])
}
