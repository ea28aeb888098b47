package maskbench

import (
	"slices"
	"strings"
	"syscall"
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
			cpu := processCPU()
			for b.Loop() {
				sink = m.fn(text)
			}
			reportCPU(b, processCPU()-cpu, len(text))
		})
	}
}

var sink string

// processCPU is the CPU time (user + system) this process has used. The
// machine is shared: wall-clock ns/op moves with other people's load, CPU
// time much less, so every benchmark also reports CPU-based figures.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds cpu-ns/op and, when bytes > 0, cpu-MB/s.
func reportCPU(b *testing.B, cpu time.Duration, bytes int) {
	if b.N == 0 || cpu <= 0 {
		return
	}
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	if bytes > 0 {
		b.ReportMetric(float64(bytes)*float64(b.N)/cpu.Seconds()/1e6, "cpu-MB/s")
	}
}

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
					cpu := processCPU()
					for b.Loop() {
						t0 := time.Now()
						sink = m.fn(in.text)
						if len(lat) < cap(lat) {
							lat = append(lat, time.Since(t0))
						}
					}
					reportCPU(b, processCPU()-cpu, len(in.text))
					slices.Sort(lat)
					b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
					b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
				})
			}
		})
	}
}

// BenchmarkSQLCells masks generated table rows and reports cells per
// second: ragguard through Masker.Row (content detection on every cell, the
// sqlstore path, no column rules), alcatraz cell by cell.
func BenchmarkSQLCells(b *testing.B) {
	rows := corpus.Rows(7, 1000)
	type row struct {
		cols []string
		vals []any
	}
	var rs []row
	cells, size := 0, 0
	for _, r := range rows {
		x := row{cols: r.Columns}
		for _, c := range r.Cells {
			x.vals = append(x.vals, c.Text)
			size += len(c.Text)
		}
		cells += len(r.Cells)
		rs = append(rs, x)
	}
	rg, err := NewRagguard()
	if err != nil {
		b.Fatal(err)
	}
	al := NewAlcatraz(nil)
	b.Run("ragguard", func(b *testing.B) {
		m := rg.DefaultMasker()
		b.SetBytes(int64(size))
		b.ReportAllocs()
		cpu := processCPU()
		for b.Loop() {
			for _, r := range rs {
				rowSink, _ = m.Row(r.cols, r.vals)
			}
		}
		cpu = processCPU() - cpu
		b.ReportMetric(float64(cells*b.N)/b.Elapsed().Seconds(), "cells/s")
		b.ReportMetric(float64(cells*b.N)/cpu.Seconds(), "cpu-cells/s")
	})
	b.Run("alcatraz", func(b *testing.B) {
		b.SetBytes(int64(size))
		b.ReportAllocs()
		cpu := processCPU()
		for b.Loop() {
			for _, r := range rs {
				for _, v := range r.vals {
					s := v.(string)
					sink = anonymizer.Anonymize(s, al.Analyze(s), anonymizer.Replace())
				}
			}
		}
		cpu = processCPU() - cpu
		b.ReportMetric(float64(cells*b.N)/b.Elapsed().Seconds(), "cells/s")
		b.ReportMetric(float64(cells*b.N)/cpu.Seconds(), "cpu-cells/s")
	})
}

var rowSink []any

// streamText is about 4 KiB of LLM answers, split into chunks of 3 to 24
// bytes the way token deltas arrive.
func streamText() (string, []string) {
	var sb strings.Builder
	for _, d := range corpus.Generate(13, 64, corpus.WithKinds(corpus.KindAnswer)) {
		sb.WriteString(d.Text)
		sb.WriteString("\n\n")
		if sb.Len() >= 4096 {
			break
		}
	}
	text := sb.String()
	var chunks []string
	for i, k := 0, 0; i < len(text); k++ {
		n := min(3+(k*7)%22, len(text)-i)
		chunks = append(chunks, text[i:i+n])
		i += n
	}
	return text, chunks
}

// BenchmarkStream feeds a masked stream chunk by chunk (ragguard only:
// alcatraz has no stream masker) and reports the cost per chunk.
func BenchmarkStream(b *testing.B) {
	rg, err := NewRagguard()
	if err != nil {
		b.Fatal(err)
	}
	text, chunks := streamText()
	m := rg.DefaultMasker()
	b.Run("ragguard", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		b.ReportAllocs()
		cpu := processCPU()
		for b.Loop() {
			st := m.Stream("bench")
			for _, c := range chunks {
				byteSink = st.WriteString(c)
			}
			byteSink = st.Flush()
		}
		cpu = processCPU() - cpu
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(chunks)), "ns/chunk")
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*len(chunks)), "cpu-ns/chunk")
		b.ReportMetric(float64(len(chunks)), "chunks/op")
	})
}

var byteSink []byte
