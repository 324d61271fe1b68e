package main

import (
	"os"
	"runtime"
	"testing"

	"github.com/cellar-go/cellar"
	"github.com/cellar-go/cellar/cmd/cellar/internal/analyze"
)

// benchRoot returns the tree the benchmarks index: $CELLAR_BENCH_DIR, or
// the Go distribution's source tree. Compare the two benchmarks with
//
//	go test -run '^$' -bench 'FullRun|Baseline' -count 5 ./cmd/cellar
func benchRoot(b *testing.B) string {
	if dir := os.Getenv("CELLAR_BENCH_DIR"); dir != "" {
		return dir
	}
	dir, err := goSource()
	if err != nil {
		b.Skip(err)
	}
	return dir
}

// BenchmarkFullRun indexes the tree with a new engine each time, as
// "cellar index" does.
func BenchmarkFullRun(b *testing.B) {
	root := benchRoot(b)
	for b.Loop() {
		rec := newRecorder(false)
		ix := newIndexer(root, &cellar.Options{OnExecute: rec.onExecute})
		if _, err := ix.read(b.Context()); err != nil {
			b.Fatal(err)
		}
		ix.Close()
	}
}

// BenchmarkBaseline indexes the tree without the engine.
func BenchmarkBaseline(b *testing.B) {
	root := benchRoot(b)
	for b.Loop() {
		analyze.Walk(root, runtime.GOMAXPROCS(0))
	}
}
