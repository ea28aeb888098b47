// Package maskbench compares ragguard's mask engine with hoophq/alcatraz
// v0.23.0 on the labelled corpus of internal/corpus: speed (the benchmarks
// in bench_test.go) and detection quality (Evaluate, and the cmd/eval
// command that prints the tables).
//
// It is a module of its own so that the SDK never depends on alcatraz; see
// README.md for how to run it and the latest figures.
//
// Both engines are wrapped as an Engine that reports spans in the corpus
// vocabulary (corpus.Entities). Evaluate scores an engine per entity type:
// a prediction matches a label when the types are equal and the byte spans
// overlap (Counts documents the rule); Shared lists the types every engine
// claims, which is what the side-by-side F2 is computed on.
package maskbench
