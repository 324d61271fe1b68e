// Baseline indexes a source tree exactly as "cellar index" does, but in a
// plain loop with no engine: it lists the tree, reads and parses every file
// once (on -j goroutines), adds up each directory and the tree, and prints
// the totals and the wall time. It is the yardstick for the cost of the
// engine in a full run of the cellar command.
//
// Usage:
//
//	go run ./cmd/cellar/baseline [-j N] [DIR]
//
// DIR defaults to $(go env GOROOT)/src; -j defaults to GOMAXPROCS, the
// number of task functions the engine runs at once by default.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/cellar-go/cellar/cmd/cellar/internal/analyze"
)

func main() {
	workers := flag.Int("j", runtime.GOMAXPROCS(0), "number of goroutines reading and parsing files")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: baseline [-j N] [DIR]")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 1 || *workers < 1 {
		flag.Usage()
		os.Exit(2)
	}
	root := flag.Arg(0)
	if root == "" {
		out, err := exec.Command("go", "env", "GOROOT").Output()
		if err != nil {
			fmt.Fprintln(os.Stderr, "baseline: cannot find the Go installation; pass the directory to index")
			os.Exit(1)
		}
		root = filepath.Join(strings.TrimSpace(string(out)), "src")
	}
	if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
		fmt.Fprintln(os.Stderr, "baseline: no such directory:", root)
		os.Exit(1)
	}
	start := time.Now()
	idx := analyze.Walk(root, *workers)
	wall := time.Since(start)
	s := idx.Summary
	fmt.Printf("%d files, %d dirs, %d Go packages, %d lines, %d Go files, %d exported, %d diagnostics\n",
		s.Files, s.Dirs, s.Packages, s.Lines, s.GoFiles, s.Exported, len(idx.Diagnostics))
	fmt.Printf("baseline: wall %v\n", wall.Round(time.Millisecond))
}
