package cellar_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
)

// The layering of the module, enforced in two parts:
//
//   - depsRules: which of the module's packages may import which, the graph
//     that ARCHITECTURE.md draws;
//   - coreAllowed and confined: the engine depends on the standard library
//     plus at most a codec and a hash; heavy dependencies live only in the
//     packages that need them.
//
// Only the imports of the packages proper are checked, not those of their
// tests.

const module = "github.com/cellar-go/cellar"

// depsRules is the policy for imports between the module's own packages. It
// is written in the notation of Go's go/build/deps_test.go:
//
//	a, b < c, d;  c and d may import a and b, and what a and b may import
//	a < b < c;    short for a < b; b < c;
//	NONE < a;     a imports no package of the module
//	a !< b;       b must not be able to import a (a double-check of the
//	              rules above, for what ARCHITECTURE.md states in words)
//
// Names are module-relative package paths; "cellar" is the module root.
// Every package of the module is defined exactly once, on the right of a
// "<", after the definitions of everything it may import; a rule that names
// a package that does not exist is an error, and so is a package that no
// rule defines: a new package joins the policy deliberately, in the place
// ARCHITECTURE.md gives it. (The store packages, store/..., join it when they
// are created.)
//
// Change the rules together with ARCHITECTURE.md, not to make a build pass.
const depsRules = `
	# The engine and the deterministic encoding: independent of each other.
	# The engine does not use handle yet; when it does, handle moves below it.
	NONE < internal/codec, internal/engine;

	# The typed API over both.
	internal/codec, internal/engine < cellar;

	# The main job. Its parsing and adding up are shared with the baseline,
	# the same index without the engine.
	NONE < cmd/cellar/internal/analyze;
	cmd/cellar/internal/analyze < cmd/cellar/baseline;
	cellar, cmd/cellar/internal/analyze < cmd/cellar;

	cellar < examples/linecount;

	# Generational handles and the reference kinds built on them.
	NONE < handle;
	handle < weakref;
	handle < externref < externref/wazeroref;

	# Self-referencing bundles and their generator.
	NONE < selfref < selfref/internal/genexample;
	NONE < internal/selfrefgen < cmd/selfrefgen;

	# The generator of func_gen.go: the task functions of each arity.
	NONE < internal/gen/funcs;

	# Test data of internal/codec: two packages with the same name.
	NONE < internal/codec/internal/a/geom, internal/codec/internal/b/geom;

	# The baseline measures the index without the engine.
	internal/engine, cellar !< cmd/cellar/baseline;

	# The reference kinds and selfref are independent of the engine.
	internal/engine, cellar
	!< handle, weakref, externref, externref/wazeroref,
	   selfref, selfref/internal/genexample;
`

// coreAllowed are the non-standard packages the module root and its internal
// packages may depend on.
var coreAllowed = []string{
	"github.com/fxamacker/cbor/v2", // codec (candidate)
	"github.com/zeebo/xxh3",        // hash (candidate)
}

// confined maps a dependency to the only packages (module-relative path
// prefixes) allowed to import it. Both must exist: a dependency that no
// package of the module uses and an owner that is not a package are errors.
// go.etcd.io/bbolt joins, confined to store/bolt, when that package is
// created.
var confined = map[string][]string{
	"github.com/tetratelabs/wazero": {"externref/wazeroref"},
	"github.com/fsnotify/fsnotify":  {"cmd/cellar"},
	"golang.org/x/term":             {"cmd/cellar"},
}

type listedPackage struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

var errNoGo = errors.New("the go command is not available")

// goList lists the module's packages, once for all the tests.
var goList = sync.OnceValues(func() ([]listedPackage, error) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return nil, errNoGo
	}
	out, err := exec.Command(gobin, "list", "-json=ImportPath,Imports,Deps", module+"/...").Output()
	if err != nil {
		if ee, ok := errors.AsType[*exec.ExitError](err); ok {
			return nil, fmt.Errorf("go list: %v\n%s", err, ee.Stderr)
		}
		return nil, fmt.Errorf("go list: %v", err)
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
})

func listPackages(t *testing.T) []listedPackage {
	t.Helper()
	pkgs, err := goList()
	if errors.Is(err, errNoGo) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
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

// relName is the name of a module package in depsRules and confined.
func relName(importPath string) string {
	if importPath == module {
		return "cellar"
	}
	return strings.TrimPrefix(importPath, module+"/")
}

func TestDependencyLayering(t *testing.T) {
	pkgs := listPackages(t)
	exists := make(map[string]bool)
	for _, p := range pkgs {
		exists[relName(p.ImportPath)] = true
	}
	used := make(map[string]bool) // confined dependencies that some package depends on
	for _, p := range pkgs {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		core := rel == "" || strings.HasPrefix(rel, "internal/")
		for _, d := range p.Deps {
			if standard(d) || inModule(d) {
				continue
			}
			for dep := range confined {
				if d == dep || strings.HasPrefix(d, dep+"/") {
					used[dep] = true
				}
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
	for _, dep := range slices.Sorted(maps.Keys(confined)) {
		if !used[dep] {
			t.Errorf("confined lists %s, which no package of the module depends on; remove the entry", dep)
		}
		for _, o := range confined[dep] {
			if !exists[o] {
				t.Errorf("confined lets %s import %s, but there is no package %s/%s; remove it, or add it when the package exists", o, dep, module, o)
			}
		}
	}
}

func TestDependencyPolicy(t *testing.T) {
	for _, msg := range checkDeps(depsRules, listPackages(t)) {
		t.Error(msg)
	}
}

// checkDeps checks the module packages pkgs against the rules and returns
// what is wrong, one message per problem.
func checkDeps(rules string, pkgs []listedPackage) []string {
	policy, errs := parseDepsRules(rules)
	if len(errs) > 0 {
		return errs
	}
	var msgs []string
	exists := make(map[string]bool)
	for _, p := range pkgs {
		exists[relName(p.ImportPath)] = true
	}
	for _, name := range policy.order {
		if !exists[name] {
			msgs = append(msgs, fmt.Sprintf("depsRules: rule %q names %s, which is not a package of the module (%s/%s); remove it, or add it when the package exists", policy.rule[name], name, module, name))
		}
	}
	for _, p := range pkgs {
		name := relName(p.ImportPath)
		allowed, ok := policy.allowed[name]
		if !ok {
			msgs = append(msgs, fmt.Sprintf("depsRules: package %s is not in the policy; add a rule \"... < %s\" that says what it may import, following ARCHITECTURE.md", p.ImportPath, name))
			continue
		}
		for _, imp := range p.Imports {
			if !inModule(imp) || allowed[relName(imp)] {
				continue
			}
			may := "no package of the module"
			if len(allowed) > 0 {
				may = "only " + strings.Join(slices.Sorted(maps.Keys(allowed)), ", ")
			}
			msgs = append(msgs, fmt.Sprintf("%s imports %s, which depsRules does not allow (rule %q; %s may import %s)", name, relName(imp), policy.rule[name], name, may))
		}
	}
	return msgs
}

// depsPolicy is the meaning of depsRules.
type depsPolicy struct {
	order   []string                   // every package the rules name, in order of appearance
	allowed map[string]map[string]bool // allowed[p][q]: p may import q (q is p's descendant)
	rule    map[string]string          // the rule that defines (or first names) a package
}

// parseDepsRules parses rules in the notation of depsRules. It returns the
// syntax errors, uses before definition, double definitions and violated
// negative assertions it finds.
func parseDepsRules(rules string) (*depsPolicy, []string) {
	p := &depsPolicy{allowed: make(map[string]map[string]bool), rule: make(map[string]string)}
	var errs []string
	bad := func(rule, format string, args ...any) {
		errs = append(errs, fmt.Sprintf("depsRules: rule %q: %s", rule, fmt.Sprintf(format, args...)))
	}
	mention := func(name, rule string) {
		if _, ok := p.rule[name]; !ok && name != "NONE" {
			p.rule[name] = rule
			p.order = append(p.order, name)
		}
	}
	type negative struct {
		rule        string
		below, over []string
	}
	var negatives []negative

	var lines []string
	for line := range strings.SplitSeq(rules, "\n") {
		line, _, _ = strings.Cut(line, "#")
		lines = append(lines, line)
	}
	for rule := range strings.SplitSeq(strings.Join(lines, "\n"), ";") {
		rule = strings.Join(strings.Fields(rule), " ")
		if rule == "" {
			continue
		}
		if below, over, ok := strings.Cut(rule, "!<"); ok {
			l, r := splitNames(below), splitNames(over)
			if l == nil || r == nil || strings.Contains(over, "<") {
				bad(rule, "want \"a, b !< c, d\"")
				continue
			}
			negatives = append(negatives, negative{rule, l, r})
			continue
		}
		var groups [][]string
		for g := range strings.SplitSeq(rule, "<") {
			names := splitNames(g)
			if names == nil {
				bad(rule, "empty or malformed list of packages between '<'")
				groups = nil
				break
			}
			groups = append(groups, names)
		}
		if len(groups) < 2 {
			if groups != nil {
				bad(rule, "no '<'")
			}
			continue
		}
		for i := 1; i < len(groups); i++ {
			for _, below := range groups[i-1] {
				if _, ok := p.allowed[below]; !ok && below != "NONE" {
					bad(rule, "%s is used before the rule that defines it (put its definition first)", below)
				}
			}
			for _, name := range groups[i] {
				if name == "NONE" {
					bad(rule, "NONE can only be on the left of '<'")
					continue
				}
				if _, ok := p.allowed[name]; ok {
					bad(rule, "%s is defined twice (first by %q)", name, p.rule[name])
					continue
				}
				mention(name, rule)
				allowed := make(map[string]bool)
				for _, below := range groups[i-1] {
					if below == "NONE" {
						continue
					}
					allowed[below] = true
					maps.Copy(allowed, p.allowed[below])
				}
				p.allowed[name] = allowed
			}
		}
	}
	for _, n := range negatives {
		for _, name := range slices.Concat(n.below, n.over) {
			mention(name, n.rule)
			if _, ok := p.allowed[name]; !ok {
				bad(n.rule, "%s is not defined by any rule", name)
			}
		}
		for _, over := range n.over {
			for _, below := range n.below {
				if p.allowed[over][below] {
					bad(n.rule, "the rules let %s import %s", over, below)
				}
			}
		}
	}
	return p, errs
}

// splitNames splits a comma-separated list of package names, or returns nil
// if an element is empty or is not a single word.
func splitNames(list string) []string {
	var names []string
	for name := range strings.SplitSeq(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" || strings.ContainsAny(name, " \t\n") {
			return nil
		}
		names = append(names, name)
	}
	return names
}

// TestDependencyPolicyChecks checks checkDeps itself, on made-up packages.
func TestDependencyPolicyChecks(t *testing.T) {
	pkg := func(name string, imports ...string) listedPackage {
		path := func(n string) string {
			if n == "cellar" {
				return module
			}
			return module + "/" + n
		}
		p := listedPackage{ImportPath: path(name), Imports: []string{"fmt"}}
		for _, imp := range imports {
			p.Imports = append(p.Imports, path(imp))
		}
		return p
	}
	pkgs := []listedPackage{
		pkg("internal/engine"),
		pkg("cellar", "internal/engine"),
		pkg("cmd/cellar", "cellar", "internal/engine"),
	}
	for _, tc := range []struct {
		name  string
		rules string
		pkgs  []listedPackage
		want  []string // substrings of the messages, one per message
	}{
		{
			name:  "negative assertion about an undefined package",
			rules: "NONE < internal/engine < cellar < cmd/cellar; internal/engine !< cmd/selfrefgen; ",
			pkgs:  pkgs,
			want:  []string{"cmd/selfrefgen is not defined by any rule"},
		},
		{
			name:  "ok, transitively",
			rules: "# comment\nNONE < internal/engine < cellar < cmd/cellar; cellar !< internal/engine;",
			pkgs:  pkgs,
		},
		{
			name:  "import not allowed",
			rules: "NONE < internal/engine; NONE < cellar; cellar < cmd/cellar;",
			pkgs:  pkgs,
			want: []string{
				"cellar imports internal/engine, which depsRules does not allow (rule \"NONE < cellar\"; cellar may import no package of the module)",
				"cmd/cellar imports internal/engine, which depsRules does not allow (rule \"cellar < cmd/cellar\"; cmd/cellar may import only cellar)",
			},
		},
		{
			name:  "package not in the policy",
			rules: "NONE < internal/engine < cellar;",
			pkgs:  pkgs,
			want:  []string{"package " + module + "/cmd/cellar is not in the policy"},
		},
		{
			name:  "package that does not exist",
			rules: "NONE < internal/engine < cellar < cmd/cellar, store/bolt;",
			pkgs:  pkgs,
			want:  []string{"names store/bolt, which is not a package of the module"},
		},
		{
			name:  "negative assertion",
			rules: "NONE < internal/engine < cellar < cmd/cellar; internal/engine !< cmd/cellar;",
			pkgs:  pkgs,
			want:  []string{"the rules let cmd/cellar import internal/engine"},
		},
		{
			name:  "defined twice, used before definition",
			rules: "NONE < internal/engine; cellar < cmd/cellar; internal/engine < cellar; NONE < cellar;",
			pkgs:  pkgs,
			want:  []string{"cellar is used before", "cellar is defined twice"},
		},
		{
			name:  "syntax",
			rules: "NONE < internal/engine < ; cellar; a b < c; NONE !< d < e; x < NONE",
			pkgs:  pkgs,
			want:  []string{"malformed", "no '<'", "malformed", "want", "x is used before", "NONE can only be on the left"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := checkDeps(tc.rules, tc.pkgs)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d messages, want %d:\n%s", len(got), len(tc.want), strings.Join(got, "\n"))
			}
			for i, w := range tc.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("message %d = %q, want it to contain %q", i, got[i], w)
				}
			}
		})
	}
}
