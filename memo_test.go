package cellar_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/cellar-go/cellar"
)

// Memoization: a task function runs once for equal arguments (several of
// them, structs, Vcs resolved to the cell they point at), registration
// mistakes panic, and a bad argument does not break the memo table.

func TestMemoization(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	var runs atomic.Int32
	square := cellar.NewFunc1(e, "square", func(ctx context.Context, n int) (int, error) {
		runs.Add(1)
		return n * n, nil
	})
	for range 3 {
		if got := mustGet(t, square.Call(ctx, 7)); got != 49 {
			t.Fatalf("square(7) = %d", got)
		}
	}
	if got := mustGet(t, square.Call(ctx, 8)); got != 64 {
		t.Fatalf("square(8) = %d", got)
	}
	if n := runs.Load(); n != 2 {
		t.Fatalf("square ran %d times for two distinct arguments", n)
	}
	if s := e.Stats(); s.Reused != 2 {
		t.Fatalf("Stats.Reused = %d, want 2", s.Reused)
	}
}

func TestMultipleArgumentsAndStructs(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	type point struct{ X, Y int }
	var runs atomic.Int32
	dist := cellar.NewFunc3(e, "dist", func(ctx context.Context, a, b point, scale int) (int, error) {
		runs.Add(1)
		return scale * (abs(a.X-b.X) + abs(a.Y-b.Y)), nil
	})
	p, q := point{1, 2}, point{4, 6}
	if got := mustGet(t, dist.Call(ctx, p, q, 2)); got != 14 {
		t.Fatalf("dist = %d", got)
	}
	mustGet(t, dist.Call(ctx, point{1, 2}, point{4, 6}, 2))
	mustGet(t, dist.Call(ctx, q, p, 2))
	if n := runs.Load(); n != 2 {
		t.Fatalf("dist ran %d times, want 2", n)
	}
}

func TestVcArgumentsAreResolved(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	n := cellar.NewState(e, "n", 5)
	// id returns the same cell through its output.
	id := cellar.NewVcFunc1(e, "id", func(ctx context.Context, v cellar.Vc[int]) (cellar.Vc[int], error) { return v, nil })
	var runs atomic.Int32
	plusOne := cellar.NewFunc1(e, "plusOne", func(ctx context.Context, v cellar.Vc[int]) (int, error) {
		runs.Add(1)
		x, err := v.Get(ctx)
		return x + 1, err
	})
	direct := plusOne.Call(ctx, n.Vc())
	viaOutput := plusOne.Call(ctx, id.Call(ctx, n.Vc()))
	if mustGet(t, direct) != 6 || mustGet(t, viaOutput) != 6 {
		t.Fatal("wrong values")
	}
	if r := runs.Load(); r != 1 {
		t.Fatalf("plusOne ran %d times for two handles of one cell, want 1", r)
	}
	n.Set(6)
	if mustGet(t, viaOutput) != 7 || mustGet(t, direct) != 7 {
		t.Fatal("wrong values after the edit")
	}
	if r := runs.Load(); r != 2 {
		t.Fatalf("plusOne ran %d times, want 2", r)
	}
}

func TestRegistrationMistakesPanic(t *testing.T) {
	e := newEngine(t, nil)
	f := func(ctx context.Context, n int) (int, error) { return n, nil }
	cellar.NewFunc1(e, "f", f)
	for name, register := range map[string]func(){
		"duplicate name": func() { cellar.NewFunc1(e, "f", f) },
		"nil function":   func() { cellar.NewFunc1[int, int](e, "g", nil) },
		"empty name":     func() { cellar.NewFunc1(e, "", f) },
		"unexported Vc field": func() {
			//lint:ignore U1000 the unexported field, never used, is what registration must reject
			type hidden struct{ v cellar.Vc[int] }
			cellar.NewFunc1(e, "h", func(ctx context.Context, h hidden) (int, error) { return 0, nil })
		},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("did not panic")
				}
			}()
			register()
		})
	}
	// The same name on another engine is fine.
	cellar.NewFunc1(newEngine(t, nil), "f", f)
}

// A call with an argument whose == panics fails (as a panic, a programming
// error) without leaving the function's memo table locked.
func TestUncomparableArgumentPanicsWithoutLockingTheMemo(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	id := cellar.NewFunc1(e, "id", func(ctx context.Context, a any) (int, error) { return 1, nil })
	caller := cellar.NewFunc1(e, "caller", func(ctx context.Context, _ int) (int, error) {
		return id.Call(ctx, []int{1}).Get(ctx) // panics: the engine recovers it
	})
	if _, err := caller.Call(ctx, 0).Get(ctx); !errors.Is(err, cellar.ErrPanic) {
		t.Fatalf("caller: %v", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		id.Call(ctx, 2)
	}()
	within(t, done, "id.Call(ctx, 2), which hangs if the earlier panic left the memo mutex read-locked")
}
