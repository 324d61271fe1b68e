package main

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cellar-go/cellar"
	"github.com/cellar-go/cellar/cmd/cellar/internal/analyze"
)

// writeTree creates the files (slash-separated path -> contents) under a
// new temporary directory and returns it.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// smallTree is a tree with two Go packages, a file that does not parse, a
// file that is not Go, and a hidden directory that the index skips.
var smallTree = map[string]string{
	"p/a.go":      "package p\n\nimport \"fmt\"\n\n// A says hello.\nfunc A() { fmt.Println(\"a\") }\n",
	"p/b.go":      "package p\n\nimport (\n\t\"os\"\n\t\"strings\"\n)\n\ntype B struct{}\n\nfunc (B) M() {}\n\nvar X, y = os.Args, strings.ToUpper\n",
	"p/b_test.go": "package p_test\n\nimport \"testing\"\n\nfunc TestB(t *testing.T) {}\n",
	"q/q.go":      "package q\n\nimport \"example.com/p\"\n\nconst C = 1\n\nvar _ = p.A\n",
	"q/bad.go":    "package q\n\nfunc {\n",
	"README.md":   "# tree\n\nfor tests\n",
	".git/config": "ignored\n",
}

// runCmd runs the command with args and returns its exit status, standard
// output and standard error.
func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestIndexJSONMatchesBaseline(t *testing.T) {
	root := writeTree(t, smallTree)
	code, stdout, stderr := runCmd(t, "index", "--json", root)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	var got analyze.Index
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout)
	}
	want := analyze.Walk(root, 1)
	if !got.Summary.Equal(want.Summary) {
		t.Errorf("summary:\n got %+v\nwant %+v", got.Summary, want.Summary)
	}
	if !slices.EqualFunc(got.Packages, want.Packages, analyze.Package.Equal) {
		t.Errorf("packages:\n got %+v\nwant %+v", got.Packages, want.Packages)
	}
	if !slices.Equal(got.Diagnostics, want.Diagnostics) {
		t.Errorf("diagnostics:\n got %v\nwant %v", got.Diagnostics, want.Diagnostics)
	}
	s := got.Summary
	if s.Files != 6 || s.Dirs != 3 || s.Packages != 2 || s.GoFiles != 5 || s.Failed != 1 {
		t.Errorf("summary counts: %+v", s)
	}
	if len(got.Diagnostics) != 1 || got.Diagnostics[0].Path != "q/bad.go" {
		t.Errorf("diagnostics = %v, want one for q/bad.go", got.Diagnostics)
	}
	// Exported identifiers: A in a.go; B, B.M and X in b.go; TestB in
	// b_test.go; C in q.go.
	if s.Exported != 6 {
		t.Errorf("exported = %d, want 6", s.Exported)
	}
	if !strings.HasPrefix(stderr, "cellar: ") || !strings.Contains(stderr, "tasks executed") {
		t.Errorf("final line on stderr = %q", stderr)
	}
}

func TestIndexReport(t *testing.T) {
	root := writeTree(t, smallTree)
	code, stdout, stderr := runCmd(t, "index", root)
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	for _, want := range []string{
		"index of " + root,
		"6 files in 3 directories",
		"Go: 2 packages, 5 files",
		"diagnostics (1):",
		"q/bad.go: line 3:",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, stdout)
		}
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	last := lines[len(lines)-1]
	// file: 6, listDir, pkg and dirs: 3 each, tree: 1.
	if !strings.HasPrefix(last, "cellar: ") || !strings.Contains(last, "tasks executed") || !strings.Contains(last, "wall ") {
		t.Errorf("last line = %q", last)
	}
	// The progress line is for terminals only.
	if strings.Contains(stdout, "\r") {
		t.Errorf("progress written to a non-terminal:\n%q", stdout)
	}
}

func TestUserErrors(t *testing.T) {
	root := writeTree(t, smallTree)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	tests := []struct {
		args []string
		code int
		msg  string // in standard error
	}{
		{nil, 2, "usage: cellar index"},
		{[]string{"frobnicate"}, 2, `cellar: unknown command "frobnicate"`},
		{[]string{"index", "--frob"}, 2, "cellar: flag provided but not defined: -frob"},
		{[]string{"index", "--workers", "x", root}, 2, "cellar: invalid value"},
		{[]string{"index", root, root}, 2, "cellar: too many arguments"},
		{[]string{"index", filepath.Join(root, "nope")}, 1, "cellar: no such directory: " + filepath.Join(root, "nope")},
		{[]string{"index", filepath.Join(root, "p", "a.go")}, 1, "cellar: not a directory: "},
		{[]string{"index", "--serve", busy.Addr().String(), root}, 1, "cellar: cannot serve on " + busy.Addr().String() + ": the port is already in use"},
		{[]string{"index", "--trace", filepath.Join(root, "nope", "t.json"), root}, 1, "cellar: cannot write trace: no such file or directory"},
	}
	for _, tt := range tests {
		code, _, stderr := runCmd(t, tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.msg) {
			t.Errorf("cellar %q: exit %d, stderr %q; want exit %d with %q", tt.args, code, stderr, tt.code, tt.msg)
		}
		if strings.Contains(stderr, "goroutine ") {
			t.Errorf("cellar %q: stack trace in stderr:\n%s", tt.args, stderr)
		}
		if tt.code == 1 && strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("cellar %q: more than one line:\n%s", tt.args, stderr)
		}
	}
	if code, stdout, _ := runCmd(t, "index", "-h"); code != 0 || !strings.Contains(stdout, "usage:") {
		t.Errorf("index -h: exit %d, stdout %q", code, stdout)
	}
}

// TestFlagsAfterDir checks that flags may follow the directory.
func TestFlagsAfterDir(t *testing.T) {
	root := writeTree(t, smallTree)
	code, stdout, stderr := runCmd(t, "index", root, "--json")
	if code != 0 || !json.Valid([]byte(stdout)) {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestUnreadableFileIsReportedAndSkipped(t *testing.T) {
	root := writeTree(t, smallTree)
	if os.Geteuid() != 0 {
		// The file system refuses the read.
		if err := os.Chmod(filepath.Join(root, "p", "b.go"), 0); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := runCmd(t, "index", root)
		if code != 0 || !strings.Contains(stdout, "p/b.go: cannot read: permission denied") {
			t.Errorf("exit %d, stderr %q, report:\n%s", code, stderr, stdout)
		}
	}
	// Whoever runs the test: a file listed and then gone before it is read.
	s := newTestSession(t, root)
	f, err := s.ix.file.CallOperation(t.Context(), "p/gone.go").ReadStronglyConsistent(t.Context())
	if err != nil || !f.Failed {
		t.Fatalf("file(p/gone.go) = %+v, %v; want Failed and no error", f, err)
	}
	diags, err := cellar.Peek[analyze.Diagnostic](t.Context(), s.ix.file.CallOperation(t.Context(), "p/gone.go"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for d := range diags {
		got = append(got, d.String())
	}
	if len(got) != 1 || !strings.HasPrefix(got[0], "p/gone.go: cannot read: ") {
		t.Errorf("diagnostics = %q", got)
	}
}

// newTestSession returns a session on root, writing to buffers, whose
// engine is closed at the end of the test.
func newTestSession(t *testing.T, root string) *session {
	t.Helper()
	var out bytes.Buffer
	s := &session{root: root, stdout: &out, stderr: &out, rec: newRecorder(false)}
	s.ix = newIndexer(root, &cellar.Options{OnExecute: s.rec.onExecute})
	t.Cleanup(func() { s.ix.Close() })
	return s
}

func TestDiffLines(t *testing.T) {
	old := []string{"title", "  a", "  b", "", "  c"}
	new := []string{"title", "  a", "  B", "", "  c", "  d"}
	removed, added := diffLines(old, new)
	if !slices.Equal(removed, []string{"  b"}) || !slices.Equal(added, []string{"  B", "  d"}) {
		t.Errorf("diffLines = %q, %q", removed, added)
	}
}
