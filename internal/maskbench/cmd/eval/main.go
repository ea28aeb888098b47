// Command eval scores ragguard's mask engine and hoophq/alcatraz v0.23.0 on
// the generated corpus and prints per-entity precision, recall and F2 as
// markdown.
//
//	go run ./cmd/eval -n 3000 -seed 20260401 -examples 5
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/ragguard/ragguard/internal/corpus"
	"github.com/ragguard/ragguard/internal/maskbench"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "eval:", err)
		os.Exit(1)
	}
}

func run(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	seed := fs.Int64("seed", 20260401, "corpus seed")
	n := fs.Int("n", 3000, "number of documents")
	examples := fs.Int("examples", 3, "misses and false positives to show per entity type (0: none)")
	threshold := fs.Float64("alcatraz-threshold", -1, "alcatraz score threshold (negative: none, its default)")
	sweep := fs.Bool("sweep", false, "also score alcatraz at thresholds 0.3 to 0.8")
	variants := fs.Bool("variants", false, "print recall per value format where an engine misses some")
	holdout := fs.Bool("holdout", true, "also score both engines on the held-out templates and formats (n/2 documents)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var th *float64
	if *threshold >= 0 {
		th = threshold
	}
	rg, err := maskbench.NewRagguard()
	if err != nil {
		return err
	}
	al := maskbench.NewAlcatraz(th)
	docs := corpus.Generate(*seed, *n)
	size, labels := 0, 0
	for _, d := range docs {
		size += len(d.Text)
		labels += len(d.Labels)
	}
	fmt.Fprintf(w, "corpus: seed %d, %d documents, %d bytes, %d labelled values\n\n", *seed, len(docs), size, labels)

	reports := make([]*maskbench.Report, 0, 2)
	for _, e := range []maskbench.Engine{rg, al} {
		start := time.Now()
		reports = append(reports, maskbench.Evaluate(e, docs, *examples))
		fmt.Fprintf(w, "%s: evaluated in %v\n", e.Name(), time.Since(start).Round(time.Millisecond))
	}

	clean := corpus.CleanDoc(1 << 20)
	fmt.Fprintf(w, "\nfalse positives in 1 MiB of clean text (corpus.Clean): ragguard %s, alcatraz %s\n",
		cleanHits(rg, clean.Text), cleanHits(al, clean.Text))

	shared := maskbench.Shared(rg, al)
	fmt.Fprintf(w, "\n## Shared entity types (%d)\n\n", len(shared))
	maskbench.WriteTable(w, shared, reports...)

	fmt.Fprintf(w, "\nBy document kind (shared types):\n\n")
	maskbench.WriteKinds(w, shared, reports...)

	var only []string
	for _, e := range corpus.Entities {
		if rg.Supports(e.Name) && !slices.Contains(shared, e.Name) {
			only = append(only, e.Name)
		}
	}
	if len(only) > 0 {
		fmt.Fprintf(w, "\n## Types only ragguard detects (%d)\n\n", len(only))
		maskbench.WriteTable(w, only, reports[0])
	}
	var none []string
	for _, e := range corpus.Entities {
		if !rg.Supports(e.Name) && !al.Supports(e.Name) {
			none = append(none, e.Name)
		}
	}
	if len(none) > 0 {
		fmt.Fprintf(w, "\nLabelled but claimed by neither engine: %v\n", none)
	}

	if *variants {
		fmt.Fprintf(w, "\n## Recall by format (formats some engine misses)\n\n")
		maskbench.WriteVariants(w, shared, reports...)
		if len(only) > 0 {
			fmt.Fprintln(w)
			maskbench.WriteVariants(w, only, reports[0])
		}
	}
	if *holdout {
		hdocs := corpus.Generate(*seed, max(*n/2, 1), corpus.WithHoldout())
		hr := []*maskbench.Report{maskbench.Evaluate(rg, hdocs, 0), maskbench.Evaluate(al, hdocs, 0)}
		fmt.Fprintf(w, "\n## Held-out templates and formats (%d documents, same seed)\n\n", len(hdocs))
		maskbench.WriteTable(w, shared, hr...)
		if len(only) > 0 {
			fmt.Fprintln(w)
			maskbench.WriteTable(w, only, hr[0])
		}
		if *variants {
			fmt.Fprintf(w, "\nRecall by format, held-out:\n\n")
			maskbench.WriteVariants(w, shared, hr...)
		}
	}
	if *sweep {
		fmt.Fprintf(w, "\n## alcatraz threshold sweep (shared types, micro)\n\n| threshold | P | R | F2 |\n|---:|---:|---:|---:|\n")
		for _, t := range []float64{0.3, 0.4, 0.5, 0.6, 0.7, 0.8} {
			r := maskbench.Evaluate(maskbench.NewAlcatraz(&t), docs, 0)
			c := r.Total(shared)
			fmt.Fprintf(w, "| %.1f | %.1f | %.1f | %.1f |\n", t, 100*c.Precision(), 100*c.Recall(), 100*c.F2())
		}
	}
	if *examples > 0 {
		all := append(append([]string(nil), shared...), only...)
		for _, r := range reports {
			maskbench.WriteExamples(w, r, all)
		}
	}
	return nil
}

// cleanHits counts detections (in vocabulary types) on text with no values
// and names the most frequent types.
func cleanHits(e maskbench.Engine, text string) string {
	spans := e.Detect(text)
	by := map[string]int{}
	for _, s := range spans {
		by[s.Entity]++
	}
	return fmt.Sprintf("%d %v", len(spans), by)
}
