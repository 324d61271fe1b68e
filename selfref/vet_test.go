package selfref_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestVetReportsCopies checks that go vet's copylocks check reports a
// bundle copied by value, which is what noCopy (and the lock) in every
// bundle are for.
func TestVetReportsCopies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not available")
	}
	out, err := exec.Command(gobin, "vet", "./testdata/copies").CombinedOutput()
	if err == nil {
		t.Fatalf("go vet accepted copies of bundles:\n%s", out)
	}
	for _, want := range []string{
		"copies.go:14:9: return copies lock value",
		"copies.go:20:8: assignment copies lock value",
		"copies.go:25:19: PassChain passes lock by value",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("go vet output lacks %q:\n%s", want, out)
		}
	}
}
