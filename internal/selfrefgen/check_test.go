package selfrefgen

import (
	"fmt"
	"strings"
	"testing"
)

// TestCollisions checks that every kind of clash between generated names,
// and between them and the input file, is reported at the input that
// causes it. Each case compiled to broken (or silently different) code
// before the check.
func TestCollisions(t *testing.T) {
	const head = "package p\n\nimport \"github.com/cellar-go/cellar/selfref\"\n\n"
	for _, tc := range []struct{ name, src, want string }{
		{"With<Field>Mut of a is With<Field> of aMut",
			"//selfref:generate\ntype S struct {\n\tlife  selfref.Lifecycle\n\ta     int\n\taMut int\n}\n",
			"x.go:9:2: the generated method WithAMut of S is declared twice (for field a and field aMut); rename one of them"},
		{"head xBuilder beside built x",
			"//selfref:generate\ntype S struct {\n\tlife     selfref.Lifecycle\n\ta        int\n\tx        *int `borrows:\"a\"`\n\txBuilder int\n}\n",
			"x.go:10:2: the generated type sBuilder would have two fields XBuilder (for field x and field xBuilder); rename one of them"},
		{"fields whose titles are equal",
			"//selfref:generate\ntype S struct {\n\tlife selfref.Lifecycle\n\tǆ    int\n\tǅ    int\n}\n",
			"x.go:9:2: the generated type sBuilder would have two fields Ǆ (for field ǆ and field ǅ); rename one of them"},
		{"bundles S and STry",
			"//selfref:generate\ntype S struct {\n\tlife selfref.Lifecycle\n\ta    int\n\tb    int\n}\n\n//selfref:generate\ntype STry struct {\n\tlife selfref.Lifecycle\n\ta    int\n\tb    int\n}\n",
			"x.go:13:6: the generated sTryBuilder is also generated for struct S at x.go:6:6 (for struct STry); rename one of them"},
		{"generated function declared in the file",
			"//selfref:generate pub_extras\ntype S struct {\n\tlife selfref.Lifecycle\n\tx    int\n\ty    int\n}\n\nfunc NewS() {}\n",
			"x.go:6:6: the generated NewS has the name of the declaration at x.go:12:6 (for struct S); rename one of them"},
		{"generated type declared in the file",
			"//selfref:generate\ntype S struct {\n\tlife selfref.Lifecycle\n\tx    int\n\ty    int\n}\n\nvar sHeads int\n",
			"x.go:6:6: the generated sHeads has the name of the declaration at x.go:12:5 (for struct S); rename one of them"},
		{"generated method declared in the file",
			"//selfref:generate\ntype S struct {\n\tlife selfref.Lifecycle\n\tx    int\n\ty    int\n}\n\nfunc (s *S) Close() error { return nil }\n",
			"x.go:6:6: the generated method Close of S is also declared at x.go:12:13 (for struct S); rename one of them"},
		{"field named like a generated method",
			"//selfref:generate\ntype S struct {\n\tlife selfref.Lifecycle\n\tx    int\n\trent int\n}\n",
			"x.go:9:2: field rent has the name of a generated method; rename it"},
		{"Lifecycle named like a generated method",
			"//selfref:generate\ntype S struct {\n\trent selfref.Lifecycle\n\tx    int\n\ty    int\n}\n",
			"x.go:7:2: field rent has the name of a generated method; rename it"},
		{"field whose title is a method of the builders",
			"//selfref:generate\ntype S struct {\n\tlife  selfref.Lifecycle\n\tbuild int\n\ty     int\n}\n",
			"x.go:8:2: the generated type sBuilder would have both a field and a method Build (for field build); rename it"},
		{"builder parameter named like the builder type",
			"//selfref:generate\ntype doc struct {\n\tlife selfref.Lifecycle\n\tx    int\n\tdoc  *int `borrows:\"x\"`\n}\n",
			"x.go:9:2: the parameter docBuilder of the generated newDoc hides the docBuilder that its body uses (for field doc); rename it"},
		{"type parameter context",
			"//selfref:generate\ntype S[context any] struct {\n\tlife selfref.Lifecycle\n\ta    context\n\tb    int\n}\n",
			"x.go:6:8: type parameter context has the name of something the generated sTryBuilder.TryBuild uses; rename it"},
		{"type parameter b, the receiver of the builders",
			"//selfref:generate\ntype S[b any] struct {\n\tlife selfref.Lifecycle\n\tx    b\n\ty    int\n}\n",
			"x.go:6:8: the generated sBuilder.Build would declare b twice (for type parameter b); rename it"},
		{"type parameter s, a local variable",
			"//selfref:generate\ntype S[s any] struct {\n\tlife selfref.Lifecycle\n\tx    s\n\ty    int\n}\n",
			"x.go:6:8: the generated sTryBuilder.TryBuildOrRecover declares s, which hides the input's s (for type parameter s); rename it"},
		{"type parameter error",
			"//selfref:generate\ntype S[error any] struct {\n\tlife selfref.Lifecycle\n\tx    error\n\ty    int\n}\n",
			"x.go:6:8: type parameter error has the name of something the generated sTryBuilder.TryBuild uses; rename it"},
		{"type parameter named like a field",
			"//selfref:generate\ntype S[x any] struct {\n\tx    x\n\tlife selfref.Lifecycle\n\ty    int\n}\n",
			"x.go:7:2: the generated newS would declare x twice (for type parameter x and field x); rename one of them"},
		{"struct b, the receiver of the builders",
			"//selfref:generate\ntype b struct {\n\tlife selfref.Lifecycle\n\tx    int\n\ty    int\n}\n",
			"x.go:6:6: the generated bBuilder.Build declares b, which hides the input's b (for struct b); rename it"},
		{"reserved name",
			"//selfref:generate\ntype S struct {\n\tlife              selfref.Lifecycle\n\tx                 int\n\txselfrefgenFresh0 int\n}\n",
			"x.go:9:2: field xselfrefgenFresh0: names containing selfrefgenFresh are reserved for selfrefgen"},
		{"reserved struct name",
			"//selfref:generate\ntype SselfrefgenFresh struct {\n\tlife selfref.Lifecycle\n\tx    int\n\ty    int\n}\n",
			"x.go:6:6: struct SselfrefgenFresh: names containing selfrefgenFresh are reserved for selfrefgen"},
		{"blank struct",
			"//selfref:generate\ntype _ struct {\n\tlife selfref.Lifecycle\n\tx    int\n\ty    int\n}\n",
			"x.go:6:6: a blank struct type cannot have methods; name it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := head + tc.src
			_, err := Generate("x.go", []byte(src))
			if err == nil {
				t.Fatalf("no error for\n%s", src)
			}
			if first, _, _ := strings.Cut(err.Error(), "\n"); first != tc.want {
				t.Errorf("error\n%v\nwant it to be, first,\n%s", err, tc.want)
			}
		})
	}
}

// TestImportNameCollision checks a generated name that an import of the
// input file takes: package-level names and imported names share one
// name space in each file of a package.
func TestImportNameCollision(t *testing.T) {
	src := "package p\n\nimport (\n\tsHeads \"strings\"\n\n\t\"github.com/cellar-go/cellar/selfref\"\n)\n\nvar _ sHeads.Builder\n\n//selfref:generate\ntype S struct {\n\tlife selfref.Lifecycle\n\tx    int\n\ty    int\n}\n"
	_, err := Generate("x.go", []byte(src))
	want := "x.go:12:6: the generated sHeads has the name of an imported package (for struct S); rename one of them"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}

// TestNoCollisionWhereScopesDiffer checks names that look like clashes
// but are not, since Go scopes keep them apart: the check must not
// reject them (TestGeneratedCodeCompilesAndVets compiles such inputs).
func TestNoCollisionWhereScopesDiffer(t *testing.T) {
	const head = "package p\n\nimport \"github.com/cellar-go/cellar/selfref\"\n\n"
	for _, src := range []string{
		// Parameters named like packages and predeclared types that
		// only the signature uses.
		"//selfref:generate\ntype S struct {\n\tlife    selfref.Lifecycle\n\tcontext int\n\tselfref *int `borrows:\"context\"`\n\terror   int\n}\n",
		// Struct s: the local s of Build is declared after its type is
		// used.
		"//selfref:generate\ntype s struct {\n\tlife selfref.Lifecycle\n\tx    int\n\ty    int\n}\n",
		// A type parameter named like a field's title, which is a field
		// key and no reference.
		"//selfref:generate\ntype S[T any] struct {\n\tlife selfref.Lifecycle\n\tt    T\n\tv    *T `borrows:\"t\"`\n}\n",
		// Package-level names that the generated code does not use.
		"var fields, s, b, fn, err = 1, 2, 3, 4, 5\n\n//selfref:generate\ntype S struct {\n\tlife selfref.Lifecycle\n\tx    int\n\ty    *int `borrows:\"x\"`\n}\n",
	} {
		if _, err := Generate("x.go", []byte(head+src)); err != nil {
			t.Errorf("%v\n%s", err, src)
		}
	}
}

// TestFileScopeCollisions checks the package-level declarations of the
// input that the generated file cannot compile with: the names under
// which it imports packages, and the predeclared names it uses.
func TestFileScopeCollisions(t *testing.T) {
	const bundle = "\n//selfref:generate%s\ntype S struct {\n\tlife %s.Lifecycle\n\ta    int\n\tb    int\n}\n"
	for _, tc := range []struct{ name, imports, decl, opts, want string }{
		{"var context", "", "var context = 1", "", "x.go:5:5: context has the name under which the generated file imports a package; rename it"},
		{"func context", "", "func context() {}", "", "x.go:5:6: context has the name under which the generated file imports a package; rename it"},
		{"var selfref, the runtime imported as sr", "sr ", "var selfref = 2", "", "x.go:5:5: selfref has the name under which the generated file imports a package; rename it"},
		{"type error", "", "type error struct{}", "", "x.go:5:6: error redeclares the predeclared error, which the generated code uses; rename it"},
		{"type bool", "", "type bool int", "", "x.go:5:6: bool redeclares the predeclared bool, which the generated code uses; rename it"},
		{"var nil", "", "var nil = 1", "", "x.go:5:5: nil redeclares the predeclared nil, which the generated code uses; rename it"},
		{"const false", "", "const false = 1", "", "x.go:5:7: false redeclares the predeclared false, which the generated code uses; rename it"},
		{"type any, with debug", "", "type any = int", " debug", "x.go:5:6: any redeclares the predeclared any, which the generated code uses; rename it"},
		{"type string, with debug", "", "type string int", " debug", "x.go:5:6: string redeclares the predeclared string, which the generated code uses; rename it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt := strings.TrimSpace(tc.imports)
			if rt == "" {
				rt = "selfref"
			}
			src := "package p\n\nimport " + tc.imports + "\"github.com/cellar-go/cellar/selfref\"\n\n" + tc.decl + "\n" + fmt.Sprintf(bundle, tc.opts, rt)
			_, err := Generate("x.go", []byte(src))
			if err == nil || err.Error() != tc.want {
				t.Errorf("err = %v\nwant %s\ninput:\n%s", err, tc.want, src)
			}
		})
	}

	// An import name that hides a predeclared name, where the generated
	// file imports it too (a field type uses it).
	src := "package p\n\nimport (\n\terror \"strings\"\n\n\t\"github.com/cellar-go/cellar/selfref\"\n)\n" + fmt.Sprintf(bundle, "", "selfref") + "\nvar _ *error.Builder\n"
	src = strings.Replace(src, "\tb    int\n", "\tb    *error.Builder\n", 1)
	want := "x.go:4:2: the import name error hides the predeclared error, which the generated code uses; import the package under another name"
	if _, err := Generate("x.go", []byte(src)); err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s\ninput:\n%s", err, want, src)
	}

	// What the generated code does not use may be redeclared: string
	// appears only in String, generated with the debug option.
	src = "package p\n\nimport \"github.com/cellar-go/cellar/selfref\"\n\ntype string int\n" + fmt.Sprintf(bundle, "", "selfref")
	if _, err := Generate("x.go", []byte(src)); err != nil {
		t.Errorf("type string without debug: %v", err)
	}
}

// TestFieldTypesInBodies checks that the names a field type refers to may
// be those that generated functions declare, since no field type is
// written where they are in scope (the last field's type was once written
// in the bodies of MaybeRent and TryRent).
func TestFieldTypesInBodies(t *testing.T) {
	for _, typ := range []string{"*fn.Builder", "s.Reader", "*rentOK", "rentErr", "[]field", "map[err]b"} {
		src := "package p\n\nimport (\n\ts \"io\"\n\tfn \"strings\"\n\n\t\"github.com/cellar-go/cellar/selfref\"\n)\n\ntype (\n\trentOK  int\n\trentErr = string\n\tfield   int\n\terr     int\n\tb       int\n)\n\n//selfref:generate debug\ntype S struct {\n\tlife selfref.Lifecycle\n\ta    int\n\tz    " + typ + "\n}\n"
		out, err := Generate("x.go", []byte(src))
		if err != nil {
			t.Errorf("%s: %v", typ, err)
			continue
		}
		if !strings.Contains(string(out), "rentOK = fn(&s.z)") {
			t.Errorf("%s: MaybeRent does not reach the field through s:\n%s", typ, out)
		}
		typeCheck(t, "x.go", src, out)
	}
}
