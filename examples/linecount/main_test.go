package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// buildTree writes a small tree and returns its root. The first Go file of
// a sorted walk is a/b/deep.go, two directories below the root.
func buildTree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"README":        "a tree to count\n",
		"a/b/deep.go":   "// Package b is two levels down.\npackage b\n\nfunc One() int { return 1 }\n\n// Two returns 2.\nfunc Two() int { return 2 }\n",
		"a/b/notes.txt": "func is not counted outside Go files\nno final newline",
		"a/x.go":        "package a\n\n// X does nothing.\nfunc X() {}\n\tfunc indented() {}\n",
		"main.go":       "package main\n\nfunc main() {}\n",
		"zz/empty.go":   "",
	}
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(root, "a", "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	// Followed, this link would count a twice.
	if err := os.Symlink("a", filepath.Join(root, "link")); err != nil {
		t.Logf("no symbolic link in the tree: %v", err)
	}
	// Root reads every file whatever its mode.
	if os.Geteuid() != 0 {
		locked := filepath.Join(root, "zz", "locked.go")
		if err := os.WriteFile(locked, []byte("func hidden() {}\n"), 0o000); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// walkTotals counts the tree the plain way.
func walkTotals(t *testing.T, root string) DirStats {
	t.Helper()
	var s DirStats
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			s.Dirs++
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			s.Errors++
			return nil
		}
		s.Files++
		s.Bytes += len(data)
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			s.Lines++
			if strings.HasSuffix(p, ".go") && strings.HasPrefix(sc.Text(), "func ") {
				s.Funcs++
			}
		}
		return sc.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// snapshot describes every file and directory of the tree, so that any
// write shows as a difference.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	m := make(map[string]string)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		m[p] = fmt.Sprintf("%v %d %v", info.Mode(), info.Size(), info.ModTime())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSequence(t *testing.T) {
	for _, workers := range []int{0, 1} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			root := buildTree(t)
			want := walkTotals(t, root)
			if os.Geteuid() != 0 && want.Errors != 1 {
				t.Fatalf("walk found %d unreadable files, want 1", want.Errors)
			}
			before := snapshot(t, root)
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)

			var out bytes.Buffer
			res, err := run(context.Background(), root, workers, false, &out)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("output:\n%s", &out)

			const file = "a/b/deep.go"
			if res.file != file {
				t.Fatalf("edited %q, want %q", res.file, file)
			}
			if len(res.steps) != 5 {
				t.Fatalf("got %d steps, want 5", len(res.steps))
			}
			full, again, appended, changed, undone := res.steps[0], res.steps[1], res.steps[2], res.steps[3], res.steps[4]
			for _, s := range res.steps {
				if s.executed != uint64(len(s.ran)) {
					t.Errorf("%s: the engine counted %d executions, the tasks recorded %d", s.title, s.executed, len(s.ran))
				}
			}

			if full.totals != want {
				t.Errorf("full run: got %+v, want %+v", full.totals, want)
			}
			if again.executed != 0 || again.totals != want {
				t.Errorf("again: executed %d tasks, totals %+v; want 0 and %+v", again.executed, again.totals, want)
			}

			upToRoot := []string{"fileStats(a/b/deep.go)", "dirStats(a/b)", "dirStats(a)", "dirStats(.)"}
			if !sameSet(appended.ran, upToRoot) {
				t.Errorf("append: ran %v, want %v", appended.ran, upToRoot)
			}
			wantAppended := want
			wantAppended.Lines += 2
			wantAppended.Funcs++
			if appended.totals.Lines != wantAppended.Lines || appended.totals.Funcs != wantAppended.Funcs {
				t.Errorf("append: got %+v, want 2 more lines and 1 more func than %+v", appended.totals, want)
			}

			if !slices.Equal(changed.ran, []string{"fileStats(a/b/deep.go)"}) {
				t.Errorf("change a letter: ran %v, want only fileStats(a/b/deep.go)", changed.ran)
			}
			if changed.totals != appended.totals {
				t.Errorf("change a letter: got %+v, want %+v", changed.totals, appended.totals)
			}
			if !strings.Contains(out.String(), "cut off: dirStats not re-run") {
				t.Error("the output does not report the cutoff")
			}

			if !sameSet(undone.ran, upToRoot) {
				t.Errorf("undo: ran %v, want %v", undone.ran, upToRoot)
			}
			if undone.totals != want {
				t.Errorf("undo: got %+v, want %+v", undone.totals, want)
			}

			after := snapshot(t, root)
			for p, b := range before {
				if a, ok := after[p]; !ok || a != b {
					t.Errorf("%s changed: was %q, now %q", p, b, a)
				}
			}
			for p := range after {
				if _, ok := before[p]; !ok {
					t.Errorf("%s was created", p)
				}
			}
			if left, err := os.ReadDir(tmp); err != nil || len(left) > 0 {
				t.Errorf("temporary directory holds %v after the run (%v)", left, err)
			}
		})
	}
}

func TestQuiet(t *testing.T) {
	var out bytes.Buffer
	if _, err := run(context.Background(), buildTree(t), 0, true, &out); err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(out.String()) {
		if strings.HasPrefix(line, " ") {
			t.Errorf("quiet output has a detail line: %q", line)
		}
	}
}

func TestMissingRoot(t *testing.T) {
	var out bytes.Buffer
	_, err := run(context.Background(), filepath.Join(t.TempDir(), "missing"), 0, false, &out)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("got error %v, want one matching fs.ErrNotExist", err)
	}
	if out.Len() > 0 {
		t.Errorf("printed %q before failing", &out)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
