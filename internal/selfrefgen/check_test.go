package selfrefgen

import (
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
