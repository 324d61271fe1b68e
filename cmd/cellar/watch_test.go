package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// ranTasks returns the names of the executions of res, sorted.
func ranTasks(res result) []string {
	var names []string
	for _, x := range res.ran {
		names = append(names, x.Task)
	}
	slices.Sort(names)
	return names
}

func writeFile(t *testing.T, root, rel, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(rel)), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestUpdateReexecutes applies one change at a time, as the watcher does
// after the debounce, and checks exactly which tasks re-ran.
func TestUpdateReexecutes(t *testing.T) {
	root := writeTree(t, smallTree)
	s := newTestSession(t, root)
	ctx := t.Context()
	first, err := s.update(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	// 6 files, 3 directories (listDir, pkg, dirs each), the tree.
	if n := len(first.ran); n != 6+3*3+1 {
		t.Errorf("first run: %d executions, want 16: %v", n, ranTasks(first))
	}
	if err := s.print(first, true); err != nil {
		t.Fatal(err)
	}

	a := smallTree["p/a.go"]
	steps := []struct {
		name    string
		rel     string
		content string // written to rel; "" removes it
		created bool
		want    []string
	}{
		{
			name:    "comment edit stops at the file",
			rel:     "p/a.go",
			content: strings.Replace(a, "says hello", "says hallo", 1),
			want:    []string{`file("p/a.go")`},
		},
		{
			name:    "new export reaches the package and the tree",
			rel:     "p/a.go",
			content: a + "\nfunc A2() {}\n",
			want:    []string{`file("p/a.go")`, `pkg("p")`, `tree(".")`},
		},
		{
			name:    "nothing changed",
			rel:     "p/a.go",
			content: a + "\nfunc A2() {}\n",
			want:    []string{`file("p/a.go")`},
		},
		{
			name:    "new file",
			rel:     "q/new.txt",
			content: "one\ntwo\n",
			created: true,
			want:    []string{`dirs("q")`, `file("q/new.txt")`, `listDir("q")`, `pkg("q")`, `tree(".")`},
		},
	}
	for _, st := range steps {
		writeFile(t, root, st.rel, st.content)
		res, err := s.update(ctx, map[string]bool{st.rel: st.created})
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got := ranTasks(res); !slices.Equal(got, st.want) {
			t.Errorf("%s: re-ran %q, want %q", st.name, got, st.want)
		}
		var out strings.Builder
		if err := writeChanges(&out, s.prev, &res); err != nil {
			t.Fatal(err)
		}
		s.prev = &res.index
		if st.name == "new export reaches the package and the tree" &&
			!strings.Contains(out.String(), "~ p: 3 files (+0), 25 lines (+2), 6 exported (+1)") {
			t.Errorf("%s: changes:\n%s", st.name, out.String())
		}
	}
}

// lineReader hands out the lines a running command writes.
type lineReader struct {
	lines chan string
}

func newLineReader(r io.Reader) *lineReader {
	lr := &lineReader{lines: make(chan string, 100)}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			lr.lines <- sc.Text()
		}
		close(lr.lines)
	}()
	return lr
}

// waitFor returns the lines up to the first that contains want, failing
// the test if none comes within a generous timeout.
func (lr *lineReader) waitFor(t *testing.T, want string) []string {
	t.Helper()
	var seen []string
	timeout := time.After(20 * time.Second)
	for {
		select {
		case l, ok := <-lr.lines:
			if !ok {
				t.Fatalf("output ended before %q; got:\n%s", want, strings.Join(seen, "\n"))
			}
			seen = append(seen, l)
			if strings.Contains(l, want) {
				return seen
			}
		case <-timeout:
			t.Fatalf("no %q within 20s; got:\n%s", want, strings.Join(seen, "\n"))
		}
	}
}

// TestWatchEndToEnd runs the command in watch mode on a temporary tree,
// edits a file, creates a directory with a file in it, and checks what it
// prints.
func TestWatchEndToEnd(t *testing.T) {
	root := writeTree(t, smallTree)
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	lr := newLineReader(pr)
	done := make(chan int, 1)
	var stderr strings.Builder
	go func() {
		done <- run(ctx, []string{"index", "--watch", "--timing", "--debounce", "20ms", root}, pw, &stderr)
		pw.Close()
	}()
	lr.waitFor(t, "watching "+root)

	writeFile(t, root, "p/a.go", smallTree["p/a.go"]+"\nfunc A2() {}\n")
	got := lr.waitFor(t, "after the debounce ended")
	out := strings.Join(got, "\n")
	for _, want := range []string{`re-ran: `, `file("p/a.go")`, `pkg("p")`, `tree(".")`, "~ p: 3 files (+0), 25 lines (+2)"} {
		if !strings.Contains(out, want) {
			t.Errorf("after editing p/a.go, output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, `file("p/b.go")`) {
		t.Errorf("p/b.go re-ran:\n%s", out)
	}

	// A new directory is watched as soon as it appears, so the file
	// written into it right after is seen.
	if err := os.Mkdir(filepath.Join(root, "r"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, root, "r/r.go", "package r\n\nfunc R() {}\n")
	for {
		out := strings.Join(lr.waitFor(t, "after the debounce ended"), "\n")
		if strings.Contains(out, "Go: 3 packages") {
			break
		}
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d, stderr %s", code, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("watch did not stop after cancel")
	}
}

func TestWatchErrorMentionsLimit(t *testing.T) {
	err := watchError(&os.SyscallError{Syscall: "inotify_add_watch", Err: syscallENOSPC})
	if !strings.Contains(err.Error(), "fs.inotify.max_user_watches") {
		t.Errorf("watchError(ENOSPC) = %v", err)
	}
}
