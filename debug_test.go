package cellar_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cellar-go/cellar"
)

type fileInfo struct {
	Name  string
	Lines int
}

type dirInfo struct {
	Name  string
	Files []cellar.Vc[fileInfo]
	Sub   map[string]cellar.Vc[dirInfo]
	next  cellar.Vc[int] // unexported
}

func TestDebugValueFollowsNestedVcs(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	file := cellar.NewFunc1(e, "file", func(ctx context.Context, name string) (fileInfo, error) {
		return fileInfo{name, len(name)}, nil
	})
	failing := cellar.NewFunc1(e, "failing", func(ctx context.Context, _ int) (int, error) {
		return 0, errors.New("no")
	})
	var dir *cellar.Func1[string, dirInfo]
	dir = cellar.NewFunc1(e, "dir", func(ctx context.Context, name string) (dirInfo, error) {
		d := dirInfo{Name: name, Files: []cellar.Vc[fileInfo]{file.Call(ctx, name+"/a.go")}, next: failing.Call(ctx, 0)}
		if name == "src" {
			d.Sub = map[string]cellar.Vc[dirInfo]{"lib": dir.Call(ctx, "src/lib")}
		}
		return d, nil
	})
	root := dir.Call(ctx, "src")
	mustGet(t, root)

	got := root.DebugValue(ctx, 2)
	for _, want := range []string{
		`dir("src") -> cellar_test.dirInfo{Name: "src", Files: [file("src/a.go") -> cellar_test.fileInfo{Name: "src/a.go", Lines: 8}]`,
		`Sub: map["lib": dir("src/lib") -> cellar_test.dirInfo{Name: "src/lib", Files: [file("src/lib/a.go") -> …]`,
		`next: failing(0) -> error(failing(0): no)`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("DebugValue(2) =\n%s\nwant it to contain\n%s", got, want)
		}
	}
	if got := root.DebugValue(ctx, 0); got != `dir("src") -> …` {
		t.Errorf("DebugValue(0) = %s", got)
	}
}

func TestFormattingAHandleShowsTheHandleOnly(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	f := cellar.NewFunc1(e, "f", func(ctx context.Context, n int) (int, error) { return n, nil })
	op := f.CallOperation(ctx, 1)
	v := op.Connect()
	r, err := v.ToResolved(ctx)
	if err != nil {
		t.Fatal(err)
	}
	holder := struct{ V cellar.Vc[int] }{v}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
		for _, arg := range []any{v, op, r, holder} {
			got := fmt.Sprintf(verb, arg)
			if strings.Contains(got, "Eng") || strings.Contains(got, "Slot") || strings.Contains(got, "%!") {
				t.Errorf("Sprintf(%q, %T) = %q shows internals or a bad verb", verb, arg, got)
			}
			if !strings.Contains(got, "Vc(") {
				t.Errorf("Sprintf(%q, %T) = %q, want the handle", verb, arg, got)
			}
		}
	}
}
