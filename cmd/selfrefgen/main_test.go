package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cellar-go/cellar/internal/selfrefgen"
)

const input = `package p

import "github.com/cellar-go/cellar/selfref"

//selfref:generate
type S struct {
	life selfref.Lifecycle
	a    int
	b    *int ` + "`borrows:\"a\"`" + `
}
`

func noEnv(string) string { return "" }

func writeInput(t *testing.T, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.go")
	if err := os.WriteFile(path, []byte(src), 0o666); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRunWritesTheGeneratedFile(t *testing.T) {
	in := writeInput(t, input)
	var stderr bytes.Buffer
	if status := run([]string{in}, noEnv, &stderr); status != 0 {
		t.Fatalf("status %d: %s", status, stderr.String())
	}
	got, err := os.ReadFile(strings.TrimSuffix(in, ".go") + "_selfref.go")
	if err != nil {
		t.Fatal(err)
	}
	want, err := selfrefgen.Generate(in, []byte(input))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("the written file is not the generator's output")
	}
}

func TestRunUsesGOFILE(t *testing.T) {
	in := writeInput(t, input)
	getenv := func(k string) string {
		if k == "GOFILE" {
			return in
		}
		return ""
	}
	var stderr bytes.Buffer
	if status := run(nil, getenv, &stderr); status != 0 {
		t.Fatalf("status %d: %s", status, stderr.String())
	}
	if _, err := os.Stat(strings.TrimSuffix(in, ".go") + "_selfref.go"); err != nil {
		t.Error(err)
	}
}

func TestRunCheck(t *testing.T) {
	in := writeInput(t, input)
	out := strings.TrimSuffix(in, ".go") + "_selfref.go"
	var stderr bytes.Buffer
	if status := run([]string{"-check", in}, noEnv, &stderr); status != 1 || !strings.Contains(stderr.String(), "is out of date") {
		t.Errorf("missing file: status %d, %q", status, stderr.String())
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("-check wrote a file")
	}
	run([]string{in}, noEnv, &stderr)
	stderr.Reset()
	if status := run([]string{"-check", in}, noEnv, &stderr); status != 0 {
		t.Errorf("fresh file: status %d, %q", status, stderr.String())
	}
	os.WriteFile(out, []byte("package p\n"), 0o666)
	if status := run([]string{"-check", in}, noEnv, &stderr); status != 1 {
		t.Errorf("stale file: status %d", status)
	}
}

func TestRunReportsRuleViolations(t *testing.T) {
	in := writeInput(t, strings.Replace(input, "`borrows:\"a\"`", "`borrows:\"c\"`", 1))
	var stderr bytes.Buffer
	if status := run([]string{in}, noEnv, &stderr); status != 1 {
		t.Errorf("status %d", status)
	}
	if want := in + ":9:2: field b borrows c, which does not exist"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr %q lacks %q", stderr.String(), want)
	}
}

func TestRunUsage(t *testing.T) {
	var stderr bytes.Buffer
	if status := run(nil, noEnv, &stderr); status != 2 || !strings.Contains(stderr.String(), "usage: selfrefgen") {
		t.Errorf("no files: status %d, %q", status, stderr.String())
	}
	if status := run([]string{"-nosuchflag"}, noEnv, &stderr); status != 2 {
		t.Errorf("bad flag: status %d", status)
	}
	if status := run([]string{filepath.Join(t.TempDir(), "missing.go")}, noEnv, &stderr); status != 1 {
		t.Errorf("missing input: status %d", status)
	}
}

// TestRunRejectsMisplacedArguments checks that a flag after the files,
// which the flag package takes for a file, and a file that is not a .go
// file are usage errors reported before anything is written.
func TestRunRejectsMisplacedArguments(t *testing.T) {
	in := writeInput(t, input)
	out := strings.TrimSuffix(in, ".go") + "_selfref.go"
	for _, args := range [][]string{{in, "-check"}, {in, strings.TrimSuffix(in, ".go") + ".txt"}} {
		var stderr bytes.Buffer
		if status := run(args, noEnv, &stderr); status != 2 || !strings.Contains(stderr.String(), "usage: selfrefgen") {
			t.Errorf("%q: status %d, %q", args, status, stderr.String())
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%q: wrote %s", args, out)
		}
	}
}

// TestRunKeepsBuildConstraints checks that the command writes the
// generated file with its input's build constraints.
func TestRunKeepsBuildConstraints(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s_linux.go")
	if err := os.WriteFile(path, []byte("//go:build cgo\n\n"+input), 0o666); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	if status := run([]string{path}, noEnv, &stderr); status != 0 {
		t.Fatalf("status %d: %s", status, stderr.String())
	}
	got, err := os.ReadFile(strings.TrimSuffix(path, ".go") + "_selfref.go")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), "\n//go:build cgo && linux\n") {
		t.Errorf("no build constraint in\n%s", got)
	}
}
