package selfref_test

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestSharedViewsInline checks that the compiler inlines every shared view
// into a caller that passes a function literal, and the literal into the
// view: what makes a view cost about as much as a field read (see
// BenchmarkWithDependent).
func TestSharedViewsInline(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the compiler")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not available")
	}
	out, err := exec.Command(gobin, "build", "-o", "/dev/null", "-gcflags=-m", "./testdata/inline").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, view := range []string{
		"Cell).WithDependent", "Cell).WithOwner", "Cell).With",
		"Chain3).WithHead", "Chain3).WithMiddle", "Chain3).WithTail", "Chain3).With",
		"RentMutex).With", "RentRWMutex).With",
	} {
		typ, method, _ := strings.Cut(view, ")")
		re := regexp.MustCompile(`inline.go:\d+:\d+: inlining call to selfref\.\(\*` + typ + `\[[^\]]*\]\)` + regexp.QuoteMeta(method) + `\n`)
		if !re.Match(out) {
			t.Errorf("the call of %s is not inlined", view)
		}
	}
	lits := regexp.MustCompile(`inline.go:\d+:\d+: inlining call to Views\.func\d+\n`).FindAll(out, -1)
	if len(lits) != 9 {
		t.Errorf("%d of the 9 function literals are inlined into the views:\n%s", len(lits), out)
	}
}
