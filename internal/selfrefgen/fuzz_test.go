package selfrefgen

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/build"
	"go/format"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fuzzInput builds a Go file with self-referencing structs from fuzz
// bytes: the bytes choose among names, types, tags, options and type
// parameters, most of them ones the generator must treat with care (names
// the generated code uses, names that give the same generated name,
// malformed tags). The file is valid Go on its own in most cases; the
// generated code must then compile with it, or the generator must reject
// it.
type fuzzInput struct {
	data []byte
	sb   strings.Builder
}

// pick returns a byte of the input modulo n, or 0 once it is used up.
func (in *fuzzInput) pick(n int) int {
	if len(in.data) == 0 {
		return 0
	}
	b := in.data[0]
	in.data = in.data[1:]
	return int(b) % n
}

func (in *fuzzInput) choose(options ...string) string { return options[in.pick(len(options))] }

// rare reports true once in n picks.
func (in *fuzzInput) rare(n int) bool { return in.pick(n) == n-1 }

// name returns a common choice, or once in four picks a tricky one.
func (in *fuzzInput) name(common, tricky []string) string {
	if in.rare(4) {
		return in.choose(tricky...)
	}
	return in.choose(common...)
}

var (
	fuzzFileNames     = []string{"x.go", "x_linux.go", "x_test.go", "x_linux_amd64.go", "x_amd64_linux.go", "x_windows.go"}
	fuzzHeaders       = []string{"//go:build !windows\n\n", "//go:build linux || darwin\n\n", "// +build !plan9\n\n", "//go:build ignore\n\n"}
	fuzzRuntime       = []string{"sr ", "selfref "}
	fuzzBundles       = []string{"S", "T", "Doc", "Scan", "pair"}
	fuzzTrickyBundles = []string{"STry", "s", "SContext", "sHeads", "b", "SFields", "TryNewS"}
	fuzzOptions       = []string{"", "pub_extras", "no_doc", "debug", "pub_extras debug", "no_doc debug pub_extras"}
	fuzzTypeParams    = [][]string{nil, {"K comparable"}, {"T any"}, {"K comparable", "V any"}, {"R io.Reader"}}
	fuzzTrickyTParams = [][]string{{"b any"}, {"context any"}, {"P *int,"}, {"error any"}, {"s any"}, {"a any"}, {"any any"}, {"T interface{ ~int | ~string }"}}
	fuzzFields        = []string{"a", "c", "d", "e", "g", "h", "x", "y", "value", "k"}
	fuzzTrickyFields  = []string{"b", "s", "xBuilder", "aMut", "mut", "ctx", "context", "fn", "err", "build", "rent", "with", "heads", "fields", "selfref", "io", "string", "ǆ", "ǅ", "_x", "sBuilder", "tryBuild", "doc", "t", "close", "p"}
	fuzzTypes         = []string{"int", "string", "*int", "[]byte", "map[string]int", "io.Reader", "*strings.Builder", "func() int", "chan int", "struct{ n int }", "error", "any", "[2]int", "*io.PipeReader", "*fn.Builder", "s.Reader", "sync.Mutex", "*sync.Mutex", "[2]sync.WaitGroup", "[]sync.Mutex", "struct{ mu sync.RWMutex }", "selfref.Cell[int, int]"}
	fuzzExtras        = []string{"func NewS() {}", "type SFields int", "var sBuilder int", "const fields = 1", "type K int", "func newDoc() {}", "var s, b = 1, 2", "type TryNewT struct{}", "func (s *S) With() {}", "func (d *Doc) Close() error { return nil }", "var context = 1", "type error struct{}", "var nil = 1", "type any = int", "type string int", "const false = 1", "type rentOK int", "func local() {\n\t//selfref:generate\n\ttype L struct{}\n\t_ = L{}\n}"}
)

// build returns the file name and the source.
func (in *fuzzInput) build() (filename, src string) {
	filename = "x.go"
	if in.rare(3) {
		filename = in.choose(fuzzFileNames...)
	}
	w := &in.sb
	if in.rare(4) {
		w.WriteString(in.choose(fuzzHeaders...))
	}
	w.WriteString("package p\n\n")
	rt := ""
	if in.rare(4) {
		rt = in.choose(fuzzRuntime...)
	}
	// The packages are also imported as fn and s, names that the
	// generated functions declare.
	fmt.Fprintf(w, "import (\n\t\"io\"\n\ts \"io\"\n\t\"strings\"\n\tfn \"strings\"\n\t\"sync\"\n\n\t%s%q\n)\n\nvar (\n\t_ io.Reader\n\t_ s.Reader\n\t_ strings.Builder\n\t_ fn.Builder\n\t_ sync.Mutex\n)\n", rt, RuntimePath)
	lifeType := strings.TrimSpace(rt)
	if lifeType == "" {
		lifeType = "selfref"
	}
	lifeType += ".Lifecycle"
	used := map[string]bool{}
	var bundles []string
	for range 1 + in.pick(2) {
		name := in.name(fuzzBundles, fuzzTrickyBundles)
		if used[name] {
			continue
		}
		used[name] = true
		bundles = append(bundles, name)
		options := in.choose(fuzzOptions...)
		if in.rare(16) {
			options = "bogus"
		}
		fmt.Fprintf(w, "\n//selfref:generate %s\ntype %s", options, name)
		tps := fuzzTypeParams[in.pick(len(fuzzTypeParams))]
		if in.rare(6) {
			tps = fuzzTrickyTParams[in.pick(len(fuzzTrickyTParams))]
		}
		var tpNames []string
		if tps != nil {
			fmt.Fprintf(w, "[%s]", strings.Join(tps, ", "))
			for _, tp := range tps {
				tpNames = append(tpNames, strings.Fields(tp)[0])
			}
		}
		w.WriteString(" struct {\n")
		n := 2 + in.pick(4)
		if in.rare(16) {
			n = 1
		}
		lifeAt := 0
		if in.rare(4) {
			lifeAt = in.pick(n + 1)
		}
		var fields []string
		for i := 0; i <= n; i++ {
			if i == lifeAt {
				life := "life"
				if in.rare(4) {
					life = in.choose("state", "l", "_", "rent", "s", "b")
				}
				if !used[name+"."+life] && !in.rare(32) {
					used[name+"."+life] = true
					fmt.Fprintf(w, "\t%s %s\n", life, lifeType)
				}
				continue
			}
			f := in.name(fuzzFields, fuzzTrickyFields)
			for try := 0; used[name+"."+f] && try < 3; try++ {
				f = in.name(fuzzFields, fuzzTrickyFields)
			}
			if used[name+"."+f] {
				continue
			}
			used[name+"."+f] = true
			typ := in.choose(fuzzTypes...)
			if len(tpNames) > 0 && in.pick(3) == 0 {
				typ = "*" + tpNames[0]
			}
			fmt.Fprintf(w, "\t%s %s%s\n", f, typ, in.tag(fields))
			fields = append(fields, f)
		}
		w.WriteString("}\n")
	}
	for range in.pick(3) {
		e := in.choose(fuzzExtras...)
		// A method needs its type.
		if strings.HasPrefix(e, "func (") && !slices.Contains(bundles, strings.Trim(strings.Fields(e)[2], "*)")) {
			continue
		}
		if !used[e] {
			used[e] = true
			fmt.Fprintf(w, "\n%s\n", e)
		}
	}
	return filename, w.String()
}

// tag returns a field's tag, given the fields declared before it.
func (in *fuzzInput) tag(before []string) string {
	borrowed := func() string {
		if len(before) == 0 || in.rare(32) {
			return "nope"
		}
		return before[in.pick(len(before))]
	}
	if in.rare(12) {
		switch in.pick(5) {
		case 0:
			return " `borrows: \"" + borrowed() + "\"`"
		case 1:
			return " `json:\"x\"`"
		case 2:
			return " `borrows:\"" + borrowed() + "\" borrows:\"" + borrowed() + "\"`"
		case 3:
			return " `borrows:\"mut\"`"
		default:
			return " `borrows:\"\"`"
		}
	}
	if len(before) == 0 || in.rare(4) {
		return ""
	}
	var items []string
	for range 1 + in.pick(2) {
		item := borrowed()
		if in.rare(3) {
			item = "mut " + item
		}
		items = append(items, item)
	}
	return " `borrows:\"" + strings.Join(items, ", ") + "\"`"
}

// positioned matches an error line that starts with a position in x.go.
var positioned = regexp.MustCompile(`^x(_[a-z0-9]+)*\.go:\d+:\d+: `)

// checkRejection fails unless every line of err starts with a position.
func checkRejection(t *testing.T, src string, err error) {
	t.Helper()
	if errors.Is(err, ErrNoBundles) {
		t.Fatalf("ErrNoBundles for a file with marked structs:\n%s", src)
	}
	for line := range strings.SplitSeq(err.Error(), "\n") {
		if !positioned.MatchString(line) {
			t.Fatalf("error without a position: %q\nall errors: %v\ninput:\n%s", line, err, src)
		}
	}
}

// FuzzGenerate checks that every structured input is either rejected
// with positioned errors, or gives gofmt-formatted code that type-checks
// with the input against the real runtime package.
func FuzzGenerate(f *testing.F) {
	for _, seed := range fixedFuzzSeeds {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &fuzzInput{data: data}
		filename, src := in.build()
		out, err := Generate(filename, []byte(src))
		if err != nil {
			checkRejection(t, src, err)
			return
		}
		if formatted, err := format.Source(out); err != nil || !bytes.Equal(formatted, out) {
			t.Fatalf("the output is not gofmt-formatted (%v):\n%s", err, out)
		}
		typeCheck(t, filename, src, out)
	})
}

// fixedFuzzSeeds are seeds that reach the interesting parts of the input
// space: each byte picks one choice of fuzzInput.build in turn. The seed
// corpus in testdata/fuzz/FuzzGenerate holds more.
var fixedFuzzSeeds = [][]byte{
	{},
	{0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1, 3, 0, 1, 1, 9, 2},
	{2, 3, 1, 5, 3, 2, 4, 4, 2, 7, 10, 1, 8, 8, 11, 3, 11},
	{1, 4, 2, 0, 1, 5, 3, 1, 5, 2, 12, 0, 6, 5, 9, 9, 11, 11, 11, 4, 10},
}

var (
	typesImporterOnce sync.Once
	typesImporter     types.Importer
	typesImporterErr  error
	typesImporterMu   sync.Mutex
)

// runtimeImporter returns an importer of the packages that fuzz inputs
// use, from the export data the go command builds for them.
func runtimeImporter() (types.Importer, error) {
	typesImporterOnce.Do(func() {
		gobin, err := exec.LookPath("go")
		if err != nil {
			typesImporterErr = err
			return
		}
		out, err := exec.Command(gobin, "list", "-export", "-deps", "-f", "{{.ImportPath}}={{.Export}}", RuntimePath, "io", "strings", "sync", "sync/atomic", "context").Output()
		if err != nil {
			typesImporterErr = fmt.Errorf("go list -export: %v (does the runtime package build?)", err)
			return
		}
		exports := map[string]string{}
		for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
			if path, file, ok := strings.Cut(line, "="); ok && file != "" {
				exports[path] = file
			}
		}
		typesImporter = importer.ForCompiler(token.NewFileSet(), "gc", func(path string) (io.ReadCloser, error) {
			file, ok := exports[path]
			if !ok {
				return nil, fmt.Errorf("no export data for %s", path)
			}
			return os.Open(file)
		})
	})
	return typesImporter, typesImporterErr
}

// typeCheck type-checks the generated code with its input; it skips the
// check if the input alone does not type-check or the runtime package
// cannot be loaded.
func typeCheck(t *testing.T, filename, src string, out []byte) {
	t.Helper()
	if _, err := runtimeImporter(); err != nil {
		t.Skip(err)
	}
	if checkTypes(filename, src, "", nil) != nil {
		return // not the generator's concern
	}
	if err := checkTypes(filename, src, OutputName(filename), out); err != nil {
		t.Fatalf("the output does not type-check: %v\ninput:\n%s\noutput:\n%s", err, src, numbered(out))
	}
}

// checkTypes type-checks the input, with the output if it is not nil.
func checkTypes(filename, src, outName string, out []byte) error {
	imp, err := runtimeImporter()
	if err != nil {
		return err
	}
	typesImporterMu.Lock()
	defer typesImporterMu.Unlock()
	fset := token.NewFileSet()
	input, err := parser.ParseFile(fset, filename, src, 0)
	if err != nil {
		return err
	}
	files := []*ast.File{input}
	if out != nil {
		gen, err := parser.ParseFile(fset, outName, out, 0)
		if err != nil {
			return err
		}
		files = append(files, gen)
	}
	conf := types.Config{Importer: imp}
	_, err = conf.Check("p", fset, files, nil)
	return err
}

func numbered(src []byte) string {
	var b strings.Builder
	for i, line := range strings.Split(string(src), "\n") {
		fmt.Fprintf(&b, "%4d %s\n", i+1, line)
	}
	return b.String()
}

// readSeedCorpus returns the inputs of the seed corpus of a fuzz target,
// stored in the go test fuzz v1 format with one []byte value.
func readSeedCorpus(t *testing.T, target string) [][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "fuzz", target, "*"))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, file := range files {
		content, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		_, rest, ok := strings.Cut(strings.TrimSpace(string(content)), "\n")
		lit, ok2 := strings.CutPrefix(rest, "[]byte(")
		lit, ok3 := strings.CutSuffix(lit, ")")
		s, err := strconv.Unquote(lit)
		if !ok || !ok2 || !ok3 || err != nil {
			t.Fatalf("%s: not a go test fuzz v1 file with one []byte", file)
		}
		out = append(out, []byte(s))
	}
	return out
}

// moduleRoot returns the directory of this module's go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if mod, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.HasPrefix(mod, []byte("module github.com/cellar-go/cellar\n")) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("the module root is not above the working directory")
		}
		dir = parent
	}
}

// TestGeneratedCodeCompilesAndVets generates code for the inputs of
// acceptedInputs and rejectedInputs, the seed corpus of FuzzGenerate and a fixed
// number of random structured inputs, checks that each rejection is
// positioned, and runs go vet, which compiles, over all the accepted ones
// at once, in a module that uses this one through a replace directive.
func TestGeneratedCodeCompilesAndVets(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not available")
	}
	root := moduleRoot(t)
	mod := t.TempDir()
	gomod := "module selfrefgentest\n\ngo 1.26\n\nrequire github.com/cellar-go/cellar v0.0.0\n\nreplace github.com/cellar-go/cellar => " + root + "\n"
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte(gomod), 0o666); err != nil {
		t.Fatal(err)
	}
	if sum, err := os.ReadFile(filepath.Join(root, "go.sum")); err == nil {
		if err := os.WriteFile(filepath.Join(mod, "go.sum"), sum, 0o666); err != nil {
			t.Fatal(err)
		}
	}

	type tcase struct{ name, filename, src string }
	var cases []tcase
	for i, src := range acceptedInputs {
		cases = append(cases, tcase{fmt.Sprintf("accepted%d", i), "x.go", src})
	}
	for i, src := range rejectedInputs {
		cases = append(cases, tcase{fmt.Sprintf("rejected%d", i), "x.go", src})
	}
	var inputs [][]byte
	inputs = append(inputs, fixedFuzzSeeds...)
	inputs = append(inputs, readSeedCorpus(t, "FuzzGenerate")...)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		data := make([]byte, 60)
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		inputs = append(inputs, data)
	}
	for i, data := range inputs {
		filename, src := (&fuzzInput{data: data}).build()
		cases = append(cases, tcase{fmt.Sprintf("fuzz%d", i), filename, src})
	}

	if _, err := runtimeImporter(); err != nil {
		t.Fatal(err)
	}
	generated, rejected := 0, 0
	var clashes []string
	var vetOnly []tcase
	for _, c := range cases {
		if err := checkTypes(c.filename, c.src, "", nil); err != nil {
			if strings.HasPrefix(c.name, "accepted") {
				t.Errorf("%s does not type-check: %v", c.name, err)
			}
			continue
		}
		out, err := Generate(c.filename, []byte(c.src))
		if err != nil {
			if strings.HasPrefix(c.name, "accepted") {
				t.Errorf("%s was rejected: %v\n%s", c.name, err, c.src)
				continue
			}
			checkRejection(t, c.src, err)
			rejected++
			// What only the checks of the generated code reject must
			// not compile or pass go vet (where go vet sees it).
			// Those that compile go apart, since go vet does not analyse
			// the packages beside one that does not compile.
			if out, err := generate(c.filename, []byte(c.src), false); err == nil && buildsHere(c.filename, c.src) {
				if checkTypes(c.filename, c.src, OutputName(c.filename), out) == nil {
					writePackage(t, filepath.Join(mod, "vetonly", c.name), c.filename, c.src, out)
					vetOnly = append(vetOnly, c)
				} else {
					writePackage(t, filepath.Join(mod, "clash", c.name), c.filename, c.src, out)
					clashes = append(clashes, c.name)
				}
			} else if strings.HasPrefix(c.name, "rejected") {
				t.Errorf("%s is rejected without the checks of the generated code: %v", c.name, err)
			}
			continue
		}
		if strings.HasPrefix(c.name, "rejected") {
			t.Errorf("%s was accepted:\n%s", c.name, c.src)
			continue
		}
		generated++
		writePackage(t, filepath.Join(mod, "ok", c.name), c.filename, c.src, out)
	}
	t.Logf("%d inputs generated code, %d were rejected, %d of them by the checks of the generated code (%d of those for go vet alone)", generated, rejected, len(clashes)+len(vetOnly), len(vetOnly))
	if generated == 0 || len(clashes) == 0 || len(vetOnly) == 0 {
		t.Fatal("too few cases")
	}
	inputOf := func(name string) string {
		for _, c := range cases {
			if c.name == name {
				return c.filename + ":\n" + c.src
			}
		}
		return ""
	}
	goVet := func(dir string) (string, error) {
		cmd := exec.Command(gobin, "vet", "./...")
		cmd.Dir = filepath.Join(mod, dir)
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "GOPROXY=off")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := goVet("ok"); err != nil {
		t.Errorf("go vet: %v\n%s", err, out)
		for _, m := range regexp.MustCompile(`(?m)^# selfrefgentest/ok/(\w+)`).FindAllStringSubmatch(out, -1) {
			t.Logf("%s: %s", m[1], inputOf(m[1]))
		}
	}
	out, _ := goVet("clash")
	for _, name := range clashes {
		if !regexp.MustCompile(`(?m)^# selfrefgentest/clash/` + name + `( \[.*\])?$`).MatchString(out) {
			t.Errorf("%s was rejected by the checks of the generated code, but compiles without them: %s", name, inputOf(name))
		}
	}
	if len(vetOnly) > 0 {
		out, _ := goVet("vetonly")
		for _, c := range vetOnly {
			// go vet reports a package that compiles by its findings
			// alone, named by their paths.
			if !strings.Contains(out, "\n"+c.name+"/"+OutputName(c.filename)+":") && !strings.HasPrefix(out, c.name+"/"+OutputName(c.filename)+":") {
				t.Errorf("%s was rejected by the checks of the generated code, but passes go vet without them: %s", c.name, inputOf(c.name))
			}
		}
	}
}

// buildsHere reports whether the go command builds the file here.
func buildsHere(filename, src string) bool {
	ctx := build.Default
	ctx.OpenFile = func(string) (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(src)), nil }
	ok, err := ctx.MatchFile(".", filename)
	return ok && err == nil
}

// writePackage writes a package of the test module: the input, the
// generated file, and a doc.go so that it is not a package of tests
// alone.
func writePackage(t *testing.T, dir, filename, src string, out []byte) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{
		"doc.go":             "// Package p is a generated test case.\npackage p\n",
		filename:             src,
		OutputName(filename): string(out),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o666); err != nil {
			t.Fatal(err)
		}
	}
}

// acceptedInputs are inputs near the edges of what is accepted, which
// must generate code that compiles.
var acceptedInputs = []string{
	// A field named mut, borrowed both ways.
	"package p\n\nimport \"github.com/cellar-go/cellar/selfref\"\n\n//selfref:generate\ntype S struct {\n\tlife selfref.Lifecycle\n\tmut  int\n\tb    *int `borrows:\"mut\"`\n}\n\n//selfref:generate\ntype T struct {\n\tlife selfref.Lifecycle\n\tmut  int\n\tb    *int `borrows:\"mut mut\"`\n}\n",
	// Fields named like the packages and predeclared names that the
	// generated code uses, in a signature only.
	"package p\n\nimport \"github.com/cellar-go/cellar/selfref\"\n\n//selfref:generate\ntype S struct {\n\tlife    selfref.Lifecycle\n\tcontext int\n\tselfref *int `borrows:\"context\"`\n\terror   int\n\tstring  *int `borrows:\"error\"`\n}\n",
	// A lone type parameter whose constraint would make the declaration
	// an array type without a trailing comma, and a type parameter named
	// like a field's title.
	"package p\n\nimport \"github.com/cellar-go/cellar/selfref\"\n\n//selfref:generate debug\ntype S[P *int,] struct {\n\tlife selfref.Lifecycle\n\tp    P\n\tq    *P `borrows:\"p\"`\n}\n\n//selfref:generate\ntype U[T any] struct {\n\tlife selfref.Lifecycle\n\tt    T\n\tv    *T `borrows:\"mut t\"`\n}\n",
	// A build constraint and names that other declarations of the file
	// leave free.
	"//go:build !plan9\n\npackage p\n\nimport \"github.com/cellar-go/cellar/selfref\"\n\nvar fields, s, b = 1, 2, 3\n\n//selfref:generate pub_extras\ntype S struct {\n\tlife selfref.Lifecycle\n\ta    int\n\tb    *int `borrows:\"a\" `\n}\n\nfunc (s *S) Other() {}\n",
	// Last fields whose types use names that the generated functions
	// declare (fn, s, rentOK, rentErr), as packages and as types.
	"package p\n\nimport (\n\ts \"io\"\n\tfn \"strings\"\n\n\t\"github.com/cellar-go/cellar/selfref\"\n)\n\ntype (\n\trentOK  int\n\trentErr = string\n)\n\n//selfref:generate debug\ntype A struct {\n\tlife selfref.Lifecycle\n\ta    int\n\tz    *fn.Builder\n}\n\n//selfref:generate\ntype B struct {\n\tlife selfref.Lifecycle\n\ta    int\n\tz    s.Reader `borrows:\"a\"`\n}\n\n//selfref:generate\ntype C struct {\n\tlife selfref.Lifecycle\n\ta    int\n\tb    map[rentOK]*rentErr `borrows:\"mut a\"`\n}\n",
	// Locks held where the generated code does not copy them: by
	// pointer, in a slice or map, as a built field's value, or as a type
	// parameter. A predeclared name that only debug's String uses.
	"package p\n\nimport (\n\t\"sync\"\n\n\t\"github.com/cellar-go/cellar/selfref\"\n)\n\ntype string int\n\n//selfref:generate\ntype S[T any] struct {\n\tlife selfref.Lifecycle\n\tmu   *sync.Mutex\n\tmus  []sync.Mutex\n\tm    map[int]sync.WaitGroup\n\tt    T\n\tbuilt sync.Mutex `borrows:\"mu\"`\n\tcell  selfref.Cell[int, int] `borrows:\"mus\"`\n}\n",
	// A type inside a function, not marked, beside a marked one.
	"package p\n\nimport \"github.com/cellar-go/cellar/selfref\"\n\nfunc f() {\n\t// L is local.\n\ttype L struct{}\n\t_ = L{}\n}\n\n//selfref:generate\ntype S struct {\n\tlife selfref.Lifecycle\n\ta    int\n\tb    int\n}\n",
}

// rejectedInputs are inputs that compile alone and that only the checks
// of the generated code reject: generated without them, the code fails to
// compile or go vet.
var rejectedInputs = []string{
	// Package-level names of the packages that the generated file
	// imports.
	"package p\n\nimport \"github.com/cellar-go/cellar/selfref\"\n\nvar context = 1\n\n//selfref:generate\ntype S struct {\n\tlife selfref.Lifecycle\n\ta    int\n\tb    int\n}\n",
	"package p\n\nimport sr \"github.com/cellar-go/cellar/selfref\"\n\nvar selfref = 2\n\n//selfref:generate\ntype S struct {\n\tlife sr.Lifecycle\n\ta    int\n\tb    int\n}\n",
	"package p\n\nimport \"github.com/cellar-go/cellar/selfref\"\n\nfunc context() {}\n\n//selfref:generate\ntype S struct {\n\tlife selfref.Lifecycle\n\ta    int\n\tb    int\n}\n",
	// Predeclared names that the generated code uses, redeclared.
	"package p\n\nimport \"github.com/cellar-go/cellar/selfref\"\n\ntype error struct{}\n\n//selfref:generate\ntype S struct {\n\tlife selfref.Lifecycle\n\ta    int\n\tb    int\n}\n",
	"package p\n\nimport \"github.com/cellar-go/cellar/selfref\"\n\ntype bool int\n\n//selfref:generate\ntype S struct {\n\tlife selfref.Lifecycle\n\ta    int\n\tb    int\n}\n",
	"package p\n\nimport \"github.com/cellar-go/cellar/selfref\"\n\ntype any = int\n\n//selfref:generate debug\ntype S struct {\n\tlife selfref.Lifecycle\n\ta    int\n\tb    int\n}\n",
	"package p\n\nimport \"github.com/cellar-go/cellar/selfref\"\n\ntype string int\n\n//selfref:generate debug\ntype S struct {\n\tlife selfref.Lifecycle\n\ta    int\n\tb    int\n}\n",
	"package p\n\nimport \"github.com/cellar-go/cellar/selfref\"\n\nvar nil = 1\n\n//selfref:generate\ntype S struct {\n\tlife selfref.Lifecycle\n\ta    int\n\tb    int\n}\n",
	"package p\n\nimport \"github.com/cellar-go/cellar/selfref\"\n\nconst false = 1\n\n//selfref:generate\ntype S struct {\n\tlife selfref.Lifecycle\n\ta    int\n\tb    int\n}\n",
	"package p\n\nimport (\n\terror \"strings\"\n\n\t\"github.com/cellar-go/cellar/selfref\"\n)\n\n//selfref:generate\ntype S struct {\n\tlife selfref.Lifecycle\n\ta    int\n\tb    *error.Builder\n}\n",
	// Fields that hold a lock by value, where the generated code copies
	// them.
	"package p\n\nimport (\n\t\"sync\"\n\n\t\"github.com/cellar-go/cellar/selfref\"\n)\n\n//selfref:generate\ntype S struct {\n\tlife selfref.Lifecycle\n\tmu   sync.Mutex\n\tb    *int `borrows:\"mu\"`\n}\n",
	"package p\n\nimport (\n\t\"sync\"\n\n\t\"github.com/cellar-go/cellar/selfref\"\n)\n\n//selfref:generate\ntype S struct {\n\tlife selfref.Lifecycle\n\ta    int\n\twg   [2]sync.WaitGroup `borrows:\"\"`\n}\n",
	"package p\n\nimport \"github.com/cellar-go/cellar/selfref\"\n\n//selfref:generate\ntype S struct {\n\tlife selfref.Lifecycle\n\ta    int\n\tcell selfref.Cell[int, int]\n}\n",
	"package p\n\nimport \"github.com/cellar-go/cellar/selfref\"\n\n//selfref:generate\ntype Inner struct {\n\tlife selfref.Lifecycle\n\ta    int\n\tb    int\n}\n\n//selfref:generate\ntype Outer struct {\n\tlife  selfref.Lifecycle\n\tinner Inner\n\tb     int\n}\n",
	"package p\n\nimport (\n\t\"sync/atomic\"\n\n\t\"github.com/cellar-go/cellar/selfref\"\n)\n\ntype box[T any] struct{ v T }\n\ntype counter struct{ n box[atomic.Int64] }\n\n//selfref:generate\ntype S struct {\n\tlife selfref.Lifecycle\n\tc    counter\n\tb    int\n}\n",
	"package p\n\nimport \"github.com/cellar-go/cellar/selfref\"\n\ntype noCopy struct{}\n\nfunc (*noCopy) Lock()   {}\nfunc (*noCopy) Unlock() {}\n\n//selfref:generate\ntype S struct {\n\tlife selfref.Lifecycle\n\tnc   struct{ _ noCopy }\n\tb    int\n}\n",
	"package p\n\nimport (\n\t\"sync\"\n\n\t\"github.com/cellar-go/cellar/selfref\"\n)\n\n//selfref:generate debug\ntype S struct {\n\tlife selfref.Lifecycle\n\ta    int\n\tmu   sync.RWMutex `borrows:\"a\"`\n}\n",
}
