package selfrefgen

import (
	"errors"
	"strings"
	"testing"
)

// TestRuleViolations checks that each rule of the seed, and each input the
// generator cannot handle, is reported at its file:line:column.
func TestRuleViolations(t *testing.T) {
	const head = "package p\n\nimport \"github.com/cellar-go/cellar/selfref\"\n\n//selfref:generate\ntype S struct {\n\tlife selfref.Lifecycle\n"
	// Line 8 is the first field after the Lifecycle; its name is at
	// column 2.
	for _, tc := range []struct {
		name, fields string
		want         []string
	}{
		{"declared after", "\ta *int `borrows:\"b\"`\n\tb int\n",
			[]string{"x.go:8:2: field a borrows b, which is declared after it"}},
		{"does not exist", "\ta int\n\tb *int `borrows:\"c\"`\n",
			[]string{"x.go:9:2: field b borrows c, which does not exist"}},
		{"itself", "\ta int\n\tb *int `borrows:\"b\"`\n",
			[]string{"x.go:9:2: field b borrows itself"}},
		{"mutably twice", "\ta int\n\tb *int `borrows:\"mut a\"`\n\tc *int `borrows:\"mut a\"`\n",
			[]string{"x.go:10:2: field a is borrowed mutably by both b and c"}},
		{"mutably then immutably", "\ta int\n\tb *int `borrows:\"mut a\"`\n\tc *int `borrows:\"a\"`\n",
			[]string{"x.go:10:2: field a is borrowed mutably by b and immutably by c"}},
		{"immutably then mutably", "\ta int\n\tb *int `borrows:\"a\"`\n\tc *int `borrows:\"mut a\"`\n",
			[]string{"x.go:10:2: field a is borrowed mutably by c and immutably by b"}},
		{"twice in one tag", "\ta int\n\tb *int `borrows:\"a, a\"`\n",
			[]string{"x.go:9:2: field b borrows a twice"}},
		{"malformed", "\ta int\n\tb *int `borrows:\"mut a b\"`\n\tc *int `borrows:\"a b\"`\n\td *int `borrows:\"a,\"`\n",
			[]string{`x.go:9:2: field b: malformed borrows item "mut a b"`, `x.go:10:2: field c: malformed borrows item "a b"`, `x.go:11:2: field d: malformed borrows item ""`}},
		{"mut alone", "\ta int\n\tb *int `borrows:\"mut\"`\n",
			[]string{`x.go:9:2: field b borrows mut, which does not exist; a mutable borrow is written "mut" and a field name`}},
		{"fewer than two fields", "\ta int\n",
			[]string{"x.go:6:6: struct S has 1 field besides its Lifecycle; a self-referencing struct needs at least two"}},
		{"exported field", "\tA int\n\tb *int `borrows:\"A\"`\n",
			[]string{"x.go:8:2: field A is exported"}},
		{"embedded field", "\ta int\n\tfmt.Stringer\n\tb int\n",
			[]string{"x.go:9:2: embedded field fmt.Stringer"}},
		{"name of a generated method", "\ta int\n\trent int\n",
			[]string{"x.go:9:2: field rent has the name of a generated method"}},
		{"unknown import", "\ta int\n\tb *yaml.Node `borrows:\"a\"`\n",
			[]string{"x.go:9:2: cannot tell which import provides yaml"}},
		{"several errors", "\ta *int `borrows:\"b, c\"`\n\tb int\n",
			[]string{"x.go:8:2: field a borrows b, which is declared after it", "x.go:8:2: field a borrows c, which does not exist"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Generate("x.go", []byte(head+tc.fields+"}\n"))
			if err == nil {
				t.Fatal("no error")
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tc.want) {
				t.Errorf("got %d errors, want %d:\n%v", len(lines), len(tc.want), err)
			}
			for i, want := range tc.want {
				if i < len(lines) && !strings.HasPrefix(lines[i], want) {
					t.Errorf("error %d = %q, want it to start with %q", i, lines[i], want)
				}
			}
			var pe *PosError
			if !errors.As(err, &pe) || pe.Pos.Filename != "x.go" {
				t.Errorf("the error is not a *PosError: %#v", err)
			}
		})
	}
}

func TestStructErrors(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"no lifecycle", "package p\n\n//selfref:generate\ntype S struct {\n\ta int\n\tb *int `borrows:\"a\"`\n}\n",
			"x.go:4:6: struct S has no selfref.Lifecycle field; add one, such as `life selfref.Lifecycle`"},
		{"two lifecycles", "package p\n\nimport \"github.com/cellar-go/cellar/selfref\"\n\n//selfref:generate\ntype S struct {\n\tl1 selfref.Lifecycle\n\tl2 selfref.Lifecycle\n\ta int\n\tb int\n}\n",
			"x.go:8:2: struct S has more than one selfref.Lifecycle field"},
		{"type alias", "package p\n\nimport \"github.com/cellar-go/cellar/selfref\"\n\n//selfref:generate\ntype S = struct {\n\tlife selfref.Lifecycle\n\ta    int\n\tb    *int `borrows:\"a\"`\n}\n",
			"x.go:6:6: S is marked //selfref:generate but is a type alias; mark a struct type declaration (type S struct {...})"},
		{"blank lifecycle", "package p\n\nimport \"github.com/cellar-go/cellar/selfref\"\n\n//selfref:generate\ntype S struct {\n\t_ selfref.Lifecycle\n\ta int\n\tb *int `borrows:\"a\"`\n}\n",
			"x.go:7:2: the selfref.Lifecycle field of S is blank; the generated methods need to reach it by name"},
		{"tagged lifecycle", "package p\n\nimport \"github.com/cellar-go/cellar/selfref\"\n\n//selfref:generate\ntype S struct {\n\tl selfref.Lifecycle `borrows:\"a\"`\n\ta int\n\tb int\n}\n",
			"x.go:7:22: the selfref.Lifecycle field of S takes no tag"},
		{"duplicate field", "package p\n\nimport \"github.com/cellar-go/cellar/selfref\"\n\n//selfref:generate\ntype S struct {\n\tl selfref.Lifecycle\n\ta int\n\ta int\n}\n",
			"x.go:9:2: field a is declared twice (first at x.go:8:2)"},
		{"lifecycle through a second import name", "package p\n\nimport (\n\tsr \"github.com/cellar-go/cellar/selfref\"\n\t\"github.com/cellar-go/cellar/selfref\"\n)\n\n//selfref:generate\ntype S struct {\n\tl1 sr.Lifecycle\n\tl2 selfref.Lifecycle\n\ta int\n\tb int\n}\n",
			"x.go:11:2: struct S has more than one selfref.Lifecycle field"},
		{"two go:build lines", "//go:build linux\n//go:build amd64\n\npackage p\n\nimport \"github.com/cellar-go/cellar/selfref\"\n\n//selfref:generate\ntype S struct {\n\tl selfref.Lifecycle\n\ta int\n\tb int\n}\n",
			"x.go:2:1: more than one //go:build line (the first is at x.go:1:1)"},
		{"type inside a function", "package p\n\nimport \"github.com/cellar-go/cellar/selfref\"\n\nfunc f() {\n\t//selfref:generate\n\ttype S struct {\n\t\tl selfref.Lifecycle\n\t\ta int\n\t\tb int\n\t}\n\t_ = S{}\n}\n",
			"x.go:6:2: S is declared inside a function: only package-level types can be generated, since only they can have methods"},
		{"type inside a function literal, in a group", "package p\n\nvar f = func() {\n\ttype (\n\t\tA int\n\t\t//selfref:generate debug\n\t\tS struct{ a, b int }\n\t)\n\t_, _ = A(0), S{}\n}\n",
			"x.go:6:3: S is declared inside a function: only package-level types can be generated, since only they can have methods"},
		{"not a struct", "package p\n\n//selfref:generate\ntype S int\n",
			"x.go:4:6: S is marked //selfref:generate but is not a struct"},
		{"unknown option", "package p\n\nimport \"github.com/cellar-go/cellar/selfref\"\n\n//selfref:generate pub_extra\ntype S struct {\n\tl selfref.Lifecycle\n\ta int\n\tb int\n}\n",
			`x.go:5:1: unknown //selfref:generate option "pub_extra" (known: debug, no_doc, pub_extras)`},
		{"dot import", "package p\n\nimport (\n\t. \"strings\"\n\n\t\"github.com/cellar-go/cellar/selfref\"\n)\n\n//selfref:generate\ntype S struct {\n\tl selfref.Lifecycle\n\ta int\n\tb *Builder `borrows:\"a\"`\n}\n",
			"x.go:4:2: dot imports are not supported"},
		{"name taken", "package p\n\nimport (\n\tselfref \"example.com/other\"\n\tsr \"github.com/cellar-go/cellar/selfref\"\n)\n\n//selfref:generate\ntype S struct {\n\tl sr.Lifecycle\n\ta int\n\tb *selfref.T `borrows:\"a\"`\n}\n",
			`x.go:12:2: the field types use selfref for "example.com/other", a name the generated code needs for "github.com/cellar-go/cellar/selfref"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Generate("x.go", []byte(tc.src))
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("err = %v\nwant it to start with %q", err, tc.want)
			}
		})
	}
}

func TestNoMarkedStruct(t *testing.T) {
	_, err := Generate("x.go", []byte("package p\n\ntype S struct{}\n"))
	if !errors.Is(err, ErrNoBundles) {
		t.Errorf("err = %v, want ErrNoBundles", err)
	}
	if _, err := Generate("x.go", []byte("package p\n\ntype S struct{")); err == nil {
		t.Error("no error for a file that does not parse")
	}
}

func TestOutputName(t *testing.T) {
	for in, want := range map[string]string{
		"store.go":          "store_selfref.go",
		"dir/store_test.go": "dir/store_selfref_test.go",
	} {
		if got := OutputName(in); got != want {
			t.Errorf("OutputName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestGuessName(t *testing.T) {
	for in, want := range map[string]string{
		"io":                                  "io",
		"gopkg.in/yaml.v3":                    "yaml",
		"github.com/go-chi/chi/v5":            "chi",
		"github.com/mattn/go-sqlite3":         "sqlite3",
		"github.com/cellar-go/cellar":         "cellar",
		"example.com/pkg/thing-go":            "thing",
		"github.com/x/selfref/v2":             "selfref",
		"github.com/cellar-go/cellar/selfref": "selfref",
	} {
		if got := guessName(in); got != want {
			t.Errorf("guessName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDirectiveInGroupedTypes finds a directive on a spec inside a type
// group, and ignores look-alike comments.
func TestDirectiveInGroupedTypes(t *testing.T) {
	src := "package p\n\nimport \"github.com/cellar-go/cellar/selfref\"\n\ntype (\n\t// A is not marked.\n\t//selfref:generated is not the directive\n\tA struct{ x int }\n\n\t//selfref:generate\n\tB struct {\n\t\tl selfref.Lifecycle\n\t\ta int\n\t\tc *int `borrows:\"a\"`\n\t}\n)\n"
	out, err := Generate("x.go", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "func (s *B) Close() error") || strings.Contains(string(out), "*A)") {
		t.Errorf("wrong bundles generated:\n%s", out)
	}
}

// TestTagSyntax checks that tags are parsed strictly: reflect's Lookup
// skips what it cannot parse, which would make a borrowing field a head
// without a word.
func TestTagSyntax(t *testing.T) {
	const head = "package p\n\nimport \"github.com/cellar-go/cellar/selfref\"\n\n//selfref:generate\ntype S struct {\n\tlife selfref.Lifecycle\n\th    int\n\tb    *int "
	// The tag is at line 9, column 12.
	for _, tc := range []struct{ tag, want string }{
		{"`borrows: \"h\"`", "the value of borrows is not a quoted string right after the colon"},
		{"`borrows:h`", "the value of borrows is not a quoted string right after the colon"},
		{"`borrows \"h\"`", `key "borrows" is not followed by a colon`},
		{"`borrows`", `key "borrows" is not followed by a colon`},
		{"`:\"h\"`", "a key is missing"},
		{"`borrows:\"h`", "the value of borrows is not terminated"},
		{"`borrows:\"\\q\"`", "the value of borrows is not a valid Go string"},
		{"`borrows:\"h\"json:\"x\"`", "the pairs are not separated by a space"},
		{"`borrows:\"h\" borrows:\"h\"`", "key borrows appears twice"},
		{"`json:\"x\"`", `unknown tag key "json"`},
		{"`borrows:\"h\" json:\"x\"`", `unknown tag key "json"`},
		{"`Borrows:\"h\"`", `unknown tag key "Borrows"`},
		{"\"borrows:\\\"h\\\" borrows:\\\"h\\\"\"", "key borrows appears twice"},
	} {
		_, err := Generate("x.go", []byte(head+tc.tag+"\n}\n"))
		if err == nil || !strings.HasPrefix(err.Error(), "x.go:9:12: ") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("tag %s: err = %v, want x.go:9:12: ...%s...", tc.tag, err, tc.want)
		}
	}
	// Well-formed tags, with the spaces reflect allows around pairs.
	for _, tag := range []string{"`borrows:\"h\"`", "` borrows:\"h\" `", "`borrows:\"mut h\"`", "\"borrows:\\\"h\\\"\"", "`borrows:\"\\x68\"`", "``"} {
		if _, err := Generate("x.go", []byte(head+tag+"\n}\n")); err != nil {
			t.Errorf("tag %s: %v", tag, err)
		}
	}
}

// TestFieldNamedMut checks that a field named mut can be borrowed: an
// item of one word is a field name, "mut mut" borrows it mutably.
func TestFieldNamedMut(t *testing.T) {
	src := "package p\n\nimport \"github.com/cellar-go/cellar/selfref\"\n\n//selfref:generate\ntype S struct {\n\tlife selfref.Lifecycle\n\tmut  int\n\tb    *int `borrows:\"mut\"`\n\tc    *int `borrows:\"mut b\"`\n}\n\n//selfref:generate\ntype T struct {\n\tlife selfref.Lifecycle\n\tmut  int\n\tb    *int `borrows:\"mut mut\"`\n}\n"
	out, err := Generate("x.go", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"BBuilder func(mut *int) *int", // S.b borrows mut
		"CBuilder func(b **int) *int",  // S.c borrows b mutably
		"func (s *S) WithMut(fn func(mut *int)) error",
		"func (s *T) WithB(fn func(b **int)) error",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the output lacks %q", want)
		}
	}
	// mut is borrowed mutably by T.b, so T has no view of it.
	if strings.Contains(string(out), "func (s *T) WithMut(fn func(mut *int))") {
		t.Error("T has a view of mut, which b borrows mutably")
	}
}
