package audit_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/ragguard/ragguard/audit"
)

// benchRecords returns n event records of about 600 bytes of canonical
// JSON each.
func benchRecords(origin string, first uint64, n int) []audit.Record {
	out := make([]audit.Record, n)
	for i := range out {
		seq := first + uint64(i)
		out[i] = audit.Record{Origin: origin, Seq: seq, Type: audit.TypeEvent, Data: fmt.Appendf(nil,
			`{"call":{"kind":"llm","operation":"chat","resources":["gpt-4o"]},"decision":{"effect":"allow","rule":"analysts-chat"},`+
				`"id":"0193a1b2-c3d4-7e5f-8a9b-%012d","latency_ns":182000000,"masking":[{"count":2,"detector":"email","entity":"email","location":"prompt","strategy":"pseudonym"}],`+
				`"origin":"%s","outcome":"ok","principal":{"auth_method":"oidc","groups":["analysts","eu"],"issuer":"https://idp.example.test","kind":"user","subject":"user-%d","tenant":"acme"},`+
				`"request_commitment":"sha256:5f3c0e4e1b2a9d8c7f6e5d4c3b2a19080706050403020100ffeeddccbbaa9988","seq":%d,"time":"2026-11-28T18:00:00.000000001Z","usage":{"input_tokens":412,"output_tokens":96}}`,
			seq, origin, seq%1000, seq)}
	}
	return out
}

func recordBytes(recs []audit.Record) int64 {
	var n int64
	for _, r := range recs {
		n += int64(len(r.Data))
	}
	return n
}

// benchSinkWrite writes batches of 64 records to s, one stream in seq
// order, and reports bytes, allocations and records per second.
func benchSinkWrite(b *testing.B, s audit.Sink) {
	const batch = 64
	recs := benchRecords("bench", 0, batch)
	b.SetBytes(recordBytes(recs))
	b.ReportAllocs()
	seq := uint64(0)
	for b.Loop() {
		for i := range recs {
			recs[i].Seq = seq
			seq++
		}
		if err := s.Write(b.Context(), recs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkFileSinkWrite writes batches of 64 records; sub-benchmarks by
// fsync policy.
func BenchmarkFileSinkWrite(b *testing.B) {
	for _, pol := range []struct {
		name string
		opt  audit.SinkOption
	}{
		{"SyncEveryWrite", audit.WithFileSync(audit.SyncEveryWrite, 0)},
		{"SyncNever", audit.WithFileSync(audit.SyncNever, 0)},
	} {
		b.Run(pol.name, func(b *testing.B) {
			s, err := audit.NewFileSink(b.TempDir(), pol.opt)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			benchSinkWrite(b, s)
		})
	}
}

// BenchmarkReadDir reads back 20,000 records.
func BenchmarkReadDir(b *testing.B) {
	dir := b.TempDir()
	s, err := audit.NewFileSink(dir, audit.WithFileSync(audit.SyncNever, 0), audit.WithSegmentMaxBytes(4<<20))
	if err != nil {
		b.Fatal(err)
	}
	const n = 20_000
	recs := benchRecords("bench", 0, n)
	for i := 0; i < n; i += 1000 {
		if err := s.Write(b.Context(), recs[i:i+1000]); err != nil {
			b.Fatal(err)
		}
	}
	s.Close()
	b.SetBytes(recordBytes(recs))
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		got := 0
		for _, err := range audit.ReadDir(dir) {
			if err != nil {
				b.Fatal(err)
			}
			got++
		}
		if got != n {
			b.Fatalf("read %d records, want %d", got, n)
		}
	}
	b.ReportMetric(float64(b.N*n)/time.Since(start).Seconds(), "records/s")
}
