package cellar

import (
	"context"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestTaskKeysAreStable pins the identity of tasks, the function name plus
// the deterministic encoding of the arguments, to a golden file: it must
// not change between runs, processes or versions, since persisted results
// are found by it.
func TestTaskKeysAreStable(t *testing.T) {
	e := New(nil)
	defer e.Close()
	type point struct {
		X, Y  int
		label string
	}
	f1 := NewFunc1(e, "wordCount", func(ctx context.Context, s string) (int, error) { return 0, nil })
	f2 := NewFunc2(e, "dist", func(ctx context.Context, a, b point) (int, error) { return 0, nil })
	f3 := NewFunc3(e, "mix", func(ctx context.Context, a int64, b float64, c bool) (int, error) { return 0, nil })
	f4 := NewFunc4(e, "iface", func(ctx context.Context, a any, b [2]uint8, c string, d int) (int, error) { return 0, nil })

	var lines []string
	add := func(name string, key []byte, err error) {
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		lines = append(lines, fmt.Sprintf("%s %s", name, hex.EncodeToString(key)))
	}
	k, err := f1.m.key("a.txt")
	add("wordCount(a.txt)", k, err)
	k, err = f2.m.key(args2[point, point]{point{1, 2, "p"}, point{-3, 4, ""}})
	add("dist(p,q)", k, err)
	k, err = f3.m.key(args3[int64, float64, bool]{-1 << 40, 0.5, true})
	add("mix", k, err)
	k, err = f4.m.key(args4[any, [2]uint8, string, int]{"s", [2]uint8{1, 2}, "", 0})
	add("iface", k, err)

	got := strings.Join(lines, "\n") + "\n"
	const golden = "testdata/taskkeys.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Fatalf("task keys changed:\ngot:\n%swant:\n%s", got, want)
	}

	// Equal arguments have equal keys; different ones differ, even when
	// they differ only in an unexported field.
	a, _ := f2.m.key(args2[point, point]{point{1, 2, "p"}, point{}})
	b, _ := f2.m.key(args2[point, point]{point{1, 2, "q"}, point{}})
	c, _ := f2.m.key(args2[point, point]{point{1, 2, "p"}, point{}})
	if string(a) == string(b) || string(a) != string(c) {
		t.Fatal("keys do not follow ==")
	}
	// Pointers have no identity outside the process.
	fp := NewFunc1(e, "ptr", func(ctx context.Context, p *int) (int, error) { return 0, nil })
	if _, err := fp.m.key(new(int)); err == nil {
		t.Fatal("a pointer argument got a stable key")
	}
}
