package selfrefgen

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// goldenCases returns the input files of the golden cases: one package
// per directory under testdata/golden, its generated file next to it.
func goldenCases(t *testing.T) []string {
	t.Helper()
	inputs, err := filepath.Glob("testdata/golden/*/*.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, in := range inputs {
		if !bytes.HasSuffix([]byte(in), []byte("_selfref.go")) {
			out = append(out, in)
		}
	}
	if len(out) == 0 {
		t.Fatal("no golden cases")
	}
	return out
}

var header = regexp.MustCompile(`(?m)^// Code generated .* DO NOT EDIT\.$`)

// TestGolden compares the generator's output with the committed golden
// files. go test -run Golden -update rewrites them.
func TestGolden(t *testing.T) {
	for _, in := range goldenCases(t) {
		t.Run(filepath.Base(filepath.Dir(in)), func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Generate(filepath.Base(in), src)
			if err != nil {
				t.Fatal(err)
			}
			if loc := header.FindIndex(got); loc == nil || loc[0] != 0 {
				t.Error("the output does not start with the generated-code header")
			}
			golden := OutputName(in)
			if *update {
				if err := os.WriteFile(golden, got, 0o666); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run Golden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the output (run go test -run Golden -update and review the diff)", golden)
			}
		})
	}
}

// TestGoldenCompilesAndVets runs go vet, which type-checks, on each
// golden package: the generated code must compile and pass vet.
func TestGoldenCompilesAndVets(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not available")
	}
	args := []string{"vet"}
	for _, in := range goldenCases(t) {
		args = append(args, "./"+filepath.Dir(in))
	}
	if out, err := exec.Command(gobin, args...).CombinedOutput(); err != nil {
		t.Fatalf("go %v: %v\n%s", args, err, out)
	}
}

// TestNoDocHasNoComments checks that the no_doc case leaves the generated
// declarations without doc comments, and that the others have them.
func TestNoDocHasNoComments(t *testing.T) {
	for _, in := range goldenCases(t) {
		src, _ := os.ReadFile(in)
		out, err := Generate(filepath.Base(in), src)
		if err != nil {
			t.Fatal(err)
		}
		comments := bytes.Count(out, []byte("\n//"))
		if nodoc := filepath.Base(in) == "nodoc.go"; nodoc != (comments == 0) {
			t.Errorf("%s: %d comment lines", in, comments)
		}
	}
}
