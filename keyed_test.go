package cellar_test

import (
	"context"
	"maps"
	"testing"

	"github.com/cellar-go/cellar"
)

func TestKeyedReadDependsOnTheKeyOnly(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	config := cellar.NewState(e, "config", map[string]int{"a": 1, "b": 2})
	runs := 0
	readA := cellar.NewFunc1(e, "readA", func(ctx context.Context, _ int) (int, error) {
		runs++
		v, ok, err := cellar.GetKey(ctx, config.Vc(), "a")
		if !ok {
			return -1, err
		}
		return v, err
	})
	op := readA.CallOperation(ctx, 0)
	read := func() int {
		v, err := op.ReadStronglyConsistent(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := read(); v != 1 || runs != 1 {
		t.Fatalf("%d after %d runs", v, runs)
	}
	set := func(f func(m map[string]int)) {
		m := maps.Clone(config.GetUntracked())
		f(m)
		config.Set(m)
	}
	set(func(m map[string]int) { m["b"] = 20 })
	set(func(m map[string]int) { m["c"] = 3 })
	if v := read(); v != 1 || runs != 1 {
		t.Fatalf("%d after %d runs: other keys changing re-ran the reader", v, runs)
	}
	set(func(m map[string]int) { m["a"] = 10 })
	if v := read(); v != 10 || runs != 2 {
		t.Fatalf("%d after %d runs; want 10 after 2", v, runs)
	}
	set(func(m map[string]int) { delete(m, "a") })
	if v := read(); v != -1 || runs != 3 {
		t.Fatalf("%d after %d runs; want -1 (absent) after 3", v, runs)
	}
	// From outside: a plain strongly consistent lookup.
	if v, ok, err := cellar.GetKey(ctx, config.Vc(), "b"); v != 20 || !ok || err != nil {
		t.Fatalf("GetKey(b) = %d, %v, %v", v, ok, err)
	}
}
