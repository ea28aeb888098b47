package audit

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// Budgets (DESIGN.md): append (hash + Merkle + canonical JSON) >= 50k
// events/s per core; fail-closed durable append, added p99 <= 5 ms with
// group commit; verify >= 500k events/s per core. Run with e.g.
//
//	go test -run '^$' -bench . -benchtime=2s -cpu 1 ./audit/

// BenchmarkEventEncodeHash is the CPU core of an append: canonical JSON,
// leaf hash and Merkle update, without delivery.
func BenchmarkEventEncodeHash(b *testing.B) {
	ev := testEvent(12345)
	ev.Time = time.Now().UTC()
	var f frontier
	buf := ev.AppendCanonical(nil)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		ev.Seq++
		buf = ev.AppendCanonical(buf[:0])
		f.add(tlog.RecordHash(buf))
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func benchAppend(b *testing.B, opts ...Option) {
	_, priv := newKey(b)
	l := newLog(b, priv, DiscardSink(), append(opts, WithHeartbeat(-1))...)
	ev := testEvent(12345)
	b.SetBytes(int64(len(ev.AppendCanonical(nil))))
	b.ReportAllocs()
	ctx := context.Background()
	for b.Loop() {
		if rc, err := l.Append(ctx, ev, nil); err != nil || rc.Dropped {
			b.Fatal(err, rc.Dropped)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.StopTimer()
	l.Close()
}

// BenchmarkAppend is one appender, per mode. fail-open measures the
// Log's own work (the sink is fed by another goroutine); sync includes
// the hand-off to the committer and a (discarding) sink write per batch.
func BenchmarkAppend(b *testing.B) {
	b.Run("fail-open", func(b *testing.B) { benchAppend(b, WithFailOpen(1<<24)) })
	b.Run("sync", func(b *testing.B) { benchAppend(b) })
}

// BenchmarkFailClosedLatency is the latency Append adds in WAL mode with 32
// concurrent appenders sharing fsyncs (group commit); it reports p50 and
// p99 in milliseconds.
func BenchmarkFailClosedLatency(b *testing.B) {
	_, priv := newKey(b)
	l := newLog(b, priv, DiscardSink(), WithWAL(b.TempDir()), WithHeartbeat(-1))
	defer l.Close()
	ev := testEvent(12345)
	b.SetBytes(int64(len(ev.AppendCanonical(nil))))
	var mu sync.Mutex
	var all []time.Duration
	var unavailable int
	b.SetParallelism(16) // x GOMAXPROCS goroutines
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var lat []time.Duration
		n := 0
		ctx := context.Background()
		for pb.Next() {
			t0 := time.Now()
			if _, err := l.Append(ctx, ev, nil); err != nil {
				// A disk stall longer than the append timeout fails closed;
				// counted, as the shared test machine has them.
				if !errors.Is(err, ErrUnavailable) {
					b.Error(err)
					return
				}
				n++
			}
			lat = append(lat, time.Since(t0))
		}
		mu.Lock()
		all = append(all, lat...)
		unavailable += n
		mu.Unlock()
	})
	b.StopTimer()
	if len(all) == 0 {
		return
	}
	slices.Sort(all)
	q := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))]) / 1e6 }
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(float64(len(all))/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(unavailable), "unavailable")
}

var benchLog = sync.OnceValues(func() ([]Record, tamperKeys) {
	pub, priv, _ := ed25519GenerateKey()
	sink := &memSink{}
	l, err := NewLog(WithSigner("k1", priv), WithSink(sink), WithFailOpen(1<<20), WithCheckpoints(1000, time.Hour), WithHeartbeat(-1))
	if err != nil {
		panic(err)
	}
	for i := range 100_000 {
		if rc, err := l.Append(context.Background(), testEvent(i), nil); err != nil || rc.Dropped {
			panic("append failed")
		}
	}
	if err := l.Close(); err != nil {
		panic(err)
	}
	return sink.records(), tamperKeys{pub: pub}
})

// BenchmarkVerify verifies a 100,000-event stream (checkpoint every 1,000).
func BenchmarkVerify(b *testing.B) {
	recs, keys := benchLog()
	var size int64
	for _, r := range recs {
		size += int64(len(r.Data))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	var events uint64
	for b.Loop() {
		res, err := verifyRecs(recs, keys)
		if err != nil {
			b.Fatal(err)
		}
		events += res.Events
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkDiskSyncBaseline is the disk's own latency for what one group
// commit does (write a few KB, fdatasync), to read FailClosedLatency
// against: on a shared machine the disk's tail dominates. "append" grows
// the file; "prepared" overwrites a zero-filled one, as WAL segments do.
func BenchmarkDiskSyncBaseline(b *testing.B) {
	for _, prepared := range []bool{false, true} {
		name := map[bool]string{false: "append", true: "prepared"}[prepared]
		b.Run(name, func(b *testing.B) {
			dir := b.TempDir()
			var pf *preparedFile
			if prepared {
				var err error
				if pf, err = prepareFile(dir, 64<<20, nil); err != nil {
					b.Fatal(err)
				}
			}
			seg, err := createSegment(dir, segmentHeader{Origin: "bench"}, pf)
			if err != nil {
				b.Fatal(err)
			}
			defer func() { seg.f.Close() }()
			buf := make([]byte, 5000)
			b.SetBytes(int64(len(buf)))
			var lat []time.Duration
			for b.Loop() {
				if seg.size > 60<<20 {
					b.StopTimer()
					seg.f.Close()
					if prepared {
						if pf, err = prepareFile(dir, 64<<20, nil); err != nil {
							b.Fatal(err)
						}
					}
					if seg, err = createSegment(dir, segmentHeader{Origin: "bench", FirstSeq: uint64(len(lat))}, pf); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				t0 := time.Now()
				if err := seg.write(buf); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			slices.Sort(lat)
			q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / 1e6 }
			b.ReportMetric(q(0.50), "p50-ms")
			b.ReportMetric(q(0.99), "p99-ms")
		})
	}
}
