package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cellar-go/cellar/cmd/cellar/internal/analyze"
)

// cancelOnWrite is a writer that cancels ctx once what was written
// contains want.
type cancelOnWrite struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	want   string
	cancel context.CancelFunc
}

func (w *cancelOnWrite) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.want) {
		w.cancel()
	}
	return n, err
}

type lockedBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuf) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuf) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// With --json, standard output must stay JSON (doc.go), in watch and serve
// modes too.
func TestJSONOutputStaysJSONWithWatchAndServe(t *testing.T) {
	for _, mode := range [][]string{{"--watch"}, {"--serve", "127.0.0.1:0"}} {
		root := writeTree(t, smallTree)
		ctx, cancel := context.WithCancel(t.Context())
		stderr := &cancelOnWrite{want: "tasks executed", cancel: cancel}
		var stdout lockedBuf
		done := make(chan int, 1)
		args := append([]string{"index", "--json"}, mode...)
		args = append(args, root)
		go func() { done <- run(ctx, args, &stdout, stderr) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("hang")
		}
		cancel()
		dec := json.NewDecoder(strings.NewReader(stdout.String()))
		var err error
		for err == nil {
			var v any
			err = dec.Decode(&v)
		}
		if err != io.EOF {
			t.Errorf("cellar %q: standard output is not a JSON stream (%v):\n%.300s", mode, err, stdout.String())
		}
	}
}

// watchRun runs the command in watch mode on root.
func watchRun(t *testing.T, root string) (*lineReader, func()) {
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	lr := newLineReader(pr)
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"index", "--watch", "--debounce", "20ms", root}, pw, io.Discard)
		pw.Close()
	}()
	lr.waitFor(t, "watching "+root)
	return lr, func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("watch did not stop")
		}
	}
}

// summaryLine is the report's line of totals for the tree at root.
func summaryLine(root string) string {
	return reportLines(root, analyze.Walk(root, 1))[1]
}

// lastSummary returns the last "files in" line among lines, as the report
// prints it (without the diff marker).
func lastSummary(lines []string) string {
	s := ""
	for _, l := range lines {
		if strings.Contains(l, " files in ") && strings.HasPrefix(l, "  + ") {
			s = "  " + l[4:]
		}
	}
	return s
}

// An edit to a hidden file, which the index counts, must be seen in watch
// mode.
func TestWatchSeesEditsOfHiddenFiles(t *testing.T) {
	tree := map[string]string{"p/a.go": "package p\n", ".env": "A=1\n"}
	root := writeTree(t, tree)
	lr, stop := watchRun(t, root)
	defer stop()
	writeFile(t, root, ".env", "A=1\nB=2\nC=3\nD=4\n")
	// A visible change after it, to get an update.
	writeFile(t, root, "p/s.txt", "x\n")
	for {
		got := lr.waitFor(t, "cellar: ")
		if strings.Contains(strings.Join(got, "\n"), "~ p:") {
			if s, want := lastSummary(got), summaryLine(root); s != want {
				t.Fatalf("after editing .env and adding p/s.txt, totals are\n%q\nwant\n%q\noutput:\n%s", s, want, strings.Join(got, "\n"))
			}
			return
		}
	}
}

// A directory renamed away and another one renamed in under the same name
// must be indexed as the new one, not from the listings cached for the old.
func TestWatchDirectoryReplacedByRename(t *testing.T) {
	root := writeTree(t, map[string]string{"p/a.go": "package p\n", "a/b/x.go": "package b\n"})
	outside := t.TempDir()
	lr, stop := watchRun(t, root)
	defer stop()
	if err := os.Rename(filepath.Join(root, "a"), filepath.Join(outside, "gone")); err != nil {
		t.Fatal(err)
	}
	lr.waitFor(t, "- a/b: directory gone")
	lr.waitFor(t, "cellar: ")
	if err := os.MkdirAll(filepath.Join(outside, "new", "a", "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "new", "a", "b", "y.txt"), []byte("1\n2\n3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(outside, "new", "a"), filepath.Join(root, "a")); err != nil {
		t.Fatal(err)
	}
	got := lr.waitFor(t, "cellar: ")
	if s, want := lastSummary(got), summaryLine(root); s != want {
		t.Fatalf("after renaming a new a/ in, totals are\n%q\nwant\n%q\noutput:\n%s", s, want, strings.Join(got, "\n"))
	}
}
