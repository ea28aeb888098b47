package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/ragguard/ragguard/audit"
)

// BenchmarkVerifyDir runs `ragguard audit verify` over a FileSink
// directory of 20,000 events written by the real Log, with a checkpoint
// every 1,000 events.
func BenchmarkVerifyDir(b *testing.B) {
	tl := writeTestLog(b, 20_000, func(dir string) audit.Sink {
		s, err := audit.NewFileSink(dir, audit.WithFileSync(audit.SyncNever, 0))
		if err != nil {
			b.Fatal(err)
		}
		return s
	}, audit.WithCheckpoints(1000, 0))
	b.ReportAllocs()
	for b.Loop() {
		var out, errb bytes.Buffer
		if code := run(context.Background(), []string{"audit", "verify", "--quiet", "--dir", tl.dir, "--trusted-key", tl.keyFile}, &out, &errb); code != exitOK {
			b.Fatalf("exit %d: %s", code, errb.String())
		}
	}
	b.ReportMetric(float64(b.N*20_000)/b.Elapsed().Seconds(), "events/s")
}
