package cellar_test

import (
	"context"
	"errors"
	"testing"

	"github.com/cellar-go/cellar"
)

// Resolved Vcs: ToResolved and Resolve name the cell a Vc points at, and
// inside a task they track where the Vc points, not the value.

func TestResolvedVcNamesTheCell(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	var cell cellar.Vc[int]
	make3 := cellar.NewVcFunc1(e, "make", func(ctx context.Context, n int) (cellar.Vc[int], error) {
		cell = cellar.Cell(ctx, n)
		return cell, nil
	})
	forward := cellar.NewVcFunc1(e, "forward", func(ctx context.Context, n int) (cellar.Vc[int], error) {
		return make3.Call(ctx, n), nil
	})
	out := forward.Call(ctx, 3)
	mustGet(t, out)
	if out.IsResolved() || !cell.IsResolved() {
		t.Fatalf("IsResolved: output %v, cell %v", out.IsResolved(), cell.IsResolved())
	}
	if out == cell {
		t.Fatal("a task's output and its cell are different handles")
	}
	a, err := out.ToResolved(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := cell.ToResolved(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Fatalf("two routes to one cell resolve to %v and %v", a, b)
	}
	if v, err := a.Get(ctx); err != nil || v != 3 {
		t.Fatalf("Get = %d, %v", v, err)
	}
	if r, _ := out.Resolve(ctx); r != a.Vc() || !r.IsResolved() {
		t.Fatalf("Resolve = %v", r)
	}
	if got := a.DebugIdentifier(); got != `make(3)#0` {
		t.Fatalf("DebugIdentifier = %q", got)
	}
	if _, err := (cellar.Vc[int]{}).ToResolved(ctx); !errors.Is(err, cellar.ErrNullVc) {
		t.Fatalf("zero Vc: %v", err)
	}
}

// Resolving inside a task depends on where the Vc points, not on the value.
func TestToResolvedInsideATaskTracksTheRouteOnly(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	which := cellar.NewState(e, "which", 0)
	values := []*cellar.State[int]{cellar.NewState(e, "v0", 10), cellar.NewState(e, "v1", 20)}
	pick := cellar.NewVcFunc1(e, "pick", func(ctx context.Context, _ int) (cellar.Vc[int], error) {
		return values[which.Get(ctx)].Vc(), nil
	})
	runs := 0
	resolver := cellar.NewFunc1(e, "resolver", func(ctx context.Context, _ int) (cellar.ResolvedVc[int], error) {
		runs++
		return pick.Call(ctx, 0).ToResolved(ctx)
	})
	op := resolver.CallOperation(ctx, 0)
	read := func() int {
		r, err := op.ReadStronglyConsistent(ctx)
		if err != nil {
			t.Fatal(err)
		}
		v, err := r.Get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := read(); v != 10 || runs != 1 {
		t.Fatalf("%d after %d runs", v, runs)
	}
	values[0].Set(11) // same cell, new value: the resolver does not re-run
	if v := read(); v != 11 || runs != 1 {
		t.Fatalf("%d after %d runs; want 11 after 1", v, runs)
	}
	which.Set(1) // another cell
	if v := read(); v != 20 || runs != 2 {
		t.Fatalf("%d after %d runs; want 20 after 2", v, runs)
	}
}
