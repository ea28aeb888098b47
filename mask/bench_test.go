package mask

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ragguard/ragguard/internal/corpus"
)

func benchMasker(b *testing.B) *Masker {
	e, err := New()
	if err != nil {
		b.Fatal(err)
	}
	m, err := e.Masker(DefaultProfile, "bench")
	if err != nil {
		b.Fatal(err)
	}
	return m
}

func benchText(b *testing.B, text string) {
	m := benchMasker(b)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		m.String(text, "bench")
	}
}

// BenchmarkMaskClean: prose without sensitive values (64 KiB).
func BenchmarkMaskClean(b *testing.B) { benchText(b, string(corpus.Clean(64<<10))) }

// BenchmarkMaskSparse: a value every few hundred bytes (64 KiB).
func BenchmarkMaskSparse(b *testing.B) { benchText(b, string(corpus.Sparse(64<<10))) }

// BenchmarkMaskDense: values packed closely (64 KiB).
func BenchmarkMaskDense(b *testing.B) { benchText(b, string(corpus.Dense(64<<10))) }

// BenchmarkPrompt1KB masks a clean 1 KB prompt and reports p50/p99 latency.
func BenchmarkPrompt1KB(b *testing.B) {
	text := string(corpus.Clean(1 << 10))
	m := benchMasker(b)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	lat := make([]time.Duration, 0, 1<<16)
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		m.String(text, "prompt")
		if len(lat) < cap(lat) {
			lat = append(lat, time.Since(t0))
		}
	}
	b.StopTimer()
	reportPercentiles(b, lat)
}

// BenchmarkPrompt1KBWithPII is the same with a few values in the prompt.
func BenchmarkPrompt1KBWithPII(b *testing.B) {
	var sb strings.Builder
	for _, d := range corpus.Generate(7, 200, corpus.WithKinds(corpus.KindChat)) {
		if len(d.Labels) > 0 && sb.Len()+len(d.Text) <= 1<<10 {
			sb.WriteString(d.Text)
			sb.WriteString("\n")
		}
	}
	text := sb.String()
	m := benchMasker(b)
	if _, sum := m.String(text, "prompt"); sum.Total() == 0 {
		b.Fatal("the prompt holds no value")
	}
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	lat := make([]time.Duration, 0, 1<<16)
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		m.String(text, "prompt")
		if len(lat) < cap(lat) {
			lat = append(lat, time.Since(t0))
		}
	}
	b.StopTimer()
	reportPercentiles(b, lat)
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
}

// BenchmarkStreamChunk streams an LLM-like answer in ~8-byte deltas and
// reports the cost per chunk.
func BenchmarkStreamChunk(b *testing.B) {
	text := string(corpus.Sparse(16 << 10))
	var chunks [][]byte
	for i := 0; i < len(text); i += 8 {
		chunks = append(chunks, []byte(text[i:min(i+8, len(text))]))
	}
	m := benchMasker(b)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		st := m.Stream("answer")
		for _, c := range chunks {
			st.Write(c)
		}
		st.Flush()
		n += len(chunks)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/chunk")
}

// BenchmarkRows masks SQL rows cell by cell and reports cells per second.
func BenchmarkRows(b *testing.B) {
	var rows [][]any
	var cols [][]string
	for _, r := range corpus.Rows(1, 1000) {
		vals := make([]any, len(r.Cells))
		for i, c := range r.Cells {
			vals[i] = c.Text
		}
		rows = append(rows, vals)
		cols = append(cols, r.Columns)
	}
	m := benchMasker(b)
	cells := 0
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i, r := range rows {
			m.Row(cols[i], r)
			cells += len(r)
		}
	}
	b.ReportMetric(float64(cells)/b.Elapsed().Seconds(), "cells/s")
}
