package genexample

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cellar-go/cellar/internal/selfrefgen"
)

// TestGeneratedFilesAreFresh fails when a committed *_selfref.go file is
// not what the generator makes of its source today, or has no source.
// Run go generate to fix it.
func TestGeneratedFilesAreFresh(t *testing.T) {
	sources, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, name := range sources {
		if strings.HasSuffix(name, "_selfref.go") || strings.HasSuffix(name, "_selfref_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(src, []byte("\n"+selfrefgen.Directive)) {
			continue
		}
		out, err := selfrefgen.Generate(name, src)
		if err != nil {
			t.Errorf("generating from %s: %v", name, err)
			continue
		}
		gen := selfrefgen.OutputName(name)
		want[gen] = true
		committed, err := os.ReadFile(gen)
		if err != nil {
			t.Errorf("%s: %v (run go generate)", gen, err)
			continue
		}
		if !bytes.Equal(committed, out) {
			t.Errorf("%s is stale: it differs from what selfrefgen generates from %s (run go generate)", gen, name)
		}
	}
	generated, _ := filepath.Glob("*_selfref*.go")
	for _, gen := range generated {
		if !want[gen] {
			t.Errorf("%s has no source marked %s", gen, selfrefgen.Directive)
		}
	}
	if len(want) == 0 {
		t.Fatal("no marked sources found")
	}
}
