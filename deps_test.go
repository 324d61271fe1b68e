package cellar_test

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The layering of the module, enforced: the engine depends on the standard
// library plus at most a codec and a hash; heavy dependencies live only in
// the packages that need them.

const module = "github.com/cellar-go/cellar"

// coreAllowed are the non-standard packages the module root and its internal
// packages may depend on.
var coreAllowed = []string{
	"github.com/fxamacker/cbor/v2", // codec (candidate)
	"github.com/zeebo/xxh3",        // hash (candidate)
}

// confined maps a dependency to the only packages (module-relative path
// prefixes) allowed to import it.
var confined = map[string][]string{
	"github.com/tetratelabs/wazero": {"externref/wazeroref"},
	"go.etcd.io/bbolt":              {"store/bolt"},
	"github.com/fsnotify/fsnotify":  {"cmd/cellar"},
	"golang.org/x/term":             {"cmd/cellar"},
}

type listedPackage struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

func listPackages(t *testing.T) []listedPackage {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not available")
	}
	out, err := exec.Command(gobin, "list", "-json", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// standard reports whether path is in the standard library (no dot in its
// first element).
func standard(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

func inModule(path string) bool { return path == module || strings.HasPrefix(path, module+"/") }

func TestDependencyLayering(t *testing.T) {
	for _, p := range listPackages(t) {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		core := rel == "" || strings.HasPrefix(rel, "internal/")
		for _, d := range p.Deps {
			if standard(d) || inModule(d) {
				continue
			}
			if core && !slices.ContainsFunc(coreAllowed, func(a string) bool { return d == a || strings.HasPrefix(d, a+"/") }) {
				t.Errorf("%s depends on %s; the engine may depend only on the standard library and %v", p.ImportPath, d, coreAllowed)
			}
		}
		for _, imp := range p.Imports {
			for dep, owners := range confined {
				if imp != dep && !strings.HasPrefix(imp, dep+"/") {
					continue
				}
				if !slices.ContainsFunc(owners, func(o string) bool { return rel == o || strings.HasPrefix(rel, o+"/") }) {
					t.Errorf("%s imports %s, which only %v may import", p.ImportPath, imp, owners)
				}
			}
			if core && (imp == "unsafe" || imp == "runtime/cgo") {
				t.Errorf("%s imports %s", p.ImportPath, imp)
			}
		}
	}
}
