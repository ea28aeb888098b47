package maskbench

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hoophq/alcatraz/anonymizer"

	"github.com/ragguard/ragguard/internal/corpus"
)

// blobSize is the text each throughput op masks. 64 KiB keeps alcatraz's
// ops short enough for -benchtime=1s to take several samples.
const blobSize = 64 << 10

// maskers are the two engines as "mask this text" functions: ragguard's
// Masker.String with the redact strategy, alcatraz's Analyze followed by
// anonymizer.Anonymize with its Replace operator ("<ENTITY>").
func maskers(b *testing.B) []struct {
	name string
	fn   func(string) string
} {
	b.Helper()
	rg, err := NewRagguard()
	if err != nil {
		b.Fatal(err)
	}
	al := NewAlcatraz(nil)
	out := []struct {
		name string
		fn   func(string) string
	}{}
	if rg.Available() {
		m, err := rg.Masker()
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, struct {
			name string
			fn   func(string) string
		}{"ragguard", m})
	}
	out = append(out, struct {
		name string
		fn   func(string) string
	}{"alcatraz", func(s string) string { return anonymizer.Anonymize(s, al.Analyze(s), anonymizer.Replace()) }})
	return out
}

func benchThroughput(b *testing.B, text string) {
	for _, m := range maskers(b) {
		b.Run(m.name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			for b.Loop() {
				sink = m.fn(text)
			}
		})
	}
}

var sink string

// BenchmarkClean masks 64 KiB of prose, code and log lines with no PII.
func BenchmarkClean(b *testing.B) { benchThroughput(b, string(corpus.Clean(blobSize))) }

// BenchmarkSparse masks 64 KiB with about one value per 2 KiB.
func BenchmarkSparse(b *testing.B) { benchThroughput(b, string(corpus.Sparse(blobSize))) }

// BenchmarkDense masks 64 KiB of log lines and rows, several values a line.
func BenchmarkDense(b *testing.B) { benchThroughput(b, string(corpus.Dense(blobSize))) }

// prompt1KB joins generated chat prompts into one 1 KiB prompt.
func prompt1KB() string {
	var sb strings.Builder
	for _, d := range corpus.Generate(11, 64, corpus.WithKinds(corpus.KindChat)) {
		sb.WriteString(d.Text)
		sb.WriteString("\n")
		if sb.Len() >= 1024 {
			break
		}
	}
	s := sb.String()
	cut := 1024
	for !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// BenchmarkPrompt1KB masks one 1 KiB prompt per op, clean and with PII,
// and reports the median and 99th percentile of the per-op latency.
func BenchmarkPrompt1KB(b *testing.B) {
	inputs := []struct{ name, text string }{
		{"clean", string(corpus.Clean(1024))},
		{"pii", prompt1KB()},
	}
	for _, in := range inputs {
		b.Run(in.name, func(b *testing.B) {
			for _, m := range maskers(b) {
				b.Run(m.name, func(b *testing.B) {
					b.SetBytes(int64(len(in.text)))
					b.ReportAllocs()
					lat := make([]time.Duration, 0, 1<<16)
					for b.Loop() {
						t0 := time.Now()
						sink = m.fn(in.text)
						if len(lat) < cap(lat) {
							lat = append(lat, time.Since(t0))
						}
					}
					slices.Sort(lat)
					b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
					b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
				})
			}
		})
	}
}

// BenchmarkSQLCells masks the cells of generated table rows one by one (the
// way a row masker sees them) and reports cells per second.
func BenchmarkSQLCells(b *testing.B) {
	var cells []string
	size := 0
	for _, r := range corpus.Rows(7, 1000) {
		for _, c := range r.Cells {
			cells = append(cells, c.Text)
			size += len(c.Text)
		}
	}
	for _, m := range maskers(b) {
		b.Run(m.name, func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				for _, c := range cells {
					sink = m.fn(c)
				}
			}
			b.ReportMetric(float64(len(cells)*b.N)/b.Elapsed().Seconds(), "cells/s")
		})
	}
}
