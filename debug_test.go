package cellar_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cellar-go/cellar"
)

// DebugValue and the formatting of handles: nested Vcs, pointers to Vcs and
// values that refer to themselves are shown, internals are not.

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

type ptrHolder struct {
	P *cellar.Vc[int]
}

// DebugValue follows a pointer to a Vc like the Vc itself.
func TestDebugValueFollowsAPointerToAVc(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	leaf := cellar.NewFunc1(e, "leaf", func(ctx context.Context, n int) (int, error) { return n, nil })
	holder := cellar.NewFunc1(e, "holder", func(ctx context.Context, n int) (ptrHolder, error) {
		v := leaf.Call(ctx, n)
		return ptrHolder{P: &v}, nil
	})
	v := holder.Call(ctx, 7)
	mustGet(t, v)
	var s string
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("DebugValue panicked: %v", r)
			}
		}()
		s = v.DebugValue(ctx, 3)
	}()
	if want := "leaf(7) -> 7"; !strings.Contains(s, want) {
		t.Fatalf("DebugValue = %s, want it to follow the pointer to %s", s, want)
	}
}

// DebugValue of a value that refers to itself through a map or a slice
// (no pointer involved) marks the cycle instead of recursing forever.
func TestDebugValueOfASelfReferentialMap(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	f := cellar.NewFunc1(e, "selfmap", func(ctx context.Context, _ int) (map[string]any, error) {
		m := map[string]any{}
		m["self"] = m
		s := []any{nil}
		s[0] = s
		m["slice"] = s
		return m, nil
	})
	v := f.Call(ctx, 0)
	mustGet(t, v)
	got := v.DebugValue(ctx, 2)
	if strings.Count(got, "<cycle>") != 2 {
		t.Fatalf("DebugValue = %s, want two marked cycles", got)
	}
}
