package cellar_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cellar-go/cellar"
)

// Cells: each cell of a task is compared and tracked on its own, a task's
// output may be another task's Vc, and a cell that a re-execution no longer
// makes is gone (ErrCellGone) until it comes back.

func TestCellsAreComparedIndividually(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	a := cellar.NewState(e, "a", 1)
	b := cellar.NewState(e, "b", 10)
	type pair struct {
		A, B cellar.Vc[int]
	}
	split := cellar.NewFunc1(e, "split", func(ctx context.Context, _ int) (pair, error) {
		return pair{cellar.Cell(ctx, a.Get(ctx)), cellar.Cell(ctx, b.Get(ctx))}, nil
	})
	var readsA, readsB atomic.Int32
	useA := cellar.NewFunc1(e, "useA", func(ctx context.Context, _ int) (int, error) {
		readsA.Add(1)
		p, err := split.Call(ctx, 0).Get(ctx)
		if err != nil {
			return 0, err
		}
		return p.A.Get(ctx)
	})
	useB := cellar.NewFunc1(e, "useB", func(ctx context.Context, _ int) (int, error) {
		readsB.Add(1)
		p, err := split.Call(ctx, 0).Get(ctx)
		if err != nil {
			return 0, err
		}
		return p.B.Get(ctx)
	})
	if mustGet(t, useA.Call(ctx, 0)) != 1 || mustGet(t, useB.Call(ctx, 0)) != 10 {
		t.Fatal("wrong initial values")
	}
	b.Set(20)
	if got := mustGet(t, useB.Call(ctx, 0)); got != 20 {
		t.Fatalf("useB = %d", got)
	}
	mustGet(t, useA.Call(ctx, 0))
	if readsA.Load() != 1 || readsB.Load() != 2 {
		t.Fatalf("useA ran %d, useB ran %d; want 1, 2", readsA.Load(), readsB.Load())
	}
}

func TestReturningAVcDoesNotCopy(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	in := cellar.NewState(e, "in", "hello")
	var upperRuns atomic.Int32
	upper := cellar.NewFunc1(e, "upper", func(ctx context.Context, _ int) (string, error) {
		upperRuns.Add(1)
		return strings.ToUpper(in.Get(ctx)), nil
	})
	// pick returns one of two Vcs without reading them.
	pick := cellar.NewVcFunc1(e, "pick", func(ctx context.Context, upperCase bool) (cellar.Vc[string], error) {
		if upperCase {
			return upper.Call(ctx, 0), nil
		}
		return in.Vc(), nil
	})
	if got := mustGet(t, pick.Call(ctx, true)); got != "HELLO" {
		t.Fatalf("got %q", got)
	}
	if got := mustGet(t, pick.Call(ctx, false)); got != "hello" {
		t.Fatalf("got %q", got)
	}
	in.Set("bye")
	if got := mustGet(t, pick.Call(ctx, true)); got != "BYE" {
		t.Fatalf("got %q", got)
	}
	if got := mustGet(t, pick.Call(ctx, false)); got != "bye" {
		t.Fatalf("got %q", got)
	}
	if n := upperRuns.Load(); n != 2 {
		t.Fatalf("upper ran %d times", n)
	}
}

// A task whose output points at one of its own cells that its latest
// execution did not create gives its readers ErrCellGone.
func TestOutputAtAMissingOwnCellIsCellGone(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	s := cellar.NewState(e, "s", 0)
	var saved cellar.Vc[int]
	src := cellar.NewVcFunc1(e, "src", func(ctx context.Context, _ int) (cellar.Vc[int], error) {
		if s.Get(ctx) == 0 {
			cellar.Cell(ctx, 1)
			saved = cellar.Cell(ctx, 2)
			return saved, nil
		}
		return saved, nil // a cell of the previous execution
	})
	reader := cellar.NewFunc1(e, "reader", func(ctx context.Context, _ int) (int, error) {
		s.Get(ctx) // so that the edit re-runs reader too
		return src.Call(ctx, 0).Get(ctx)
	})
	if got := mustGet(t, reader.Call(ctx, 0)); got != 2 {
		t.Fatal(got)
	}
	s.Set(1)
	_, err := reader.Call(ctx, 0).Get(ctx)
	if errors.Is(err, cellar.ErrPanic) {
		t.Fatalf("reader panicked inside the engine: %v", err)
	}
	if !errors.Is(err, cellar.ErrCellGone) {
		t.Fatalf("got %v, want ErrCellGone", err)
	}
}

// A task that read a missing cell runs again when a re-execution creates
// the cell again, even though the output did not change.
func TestReaderOfAMissingCellRunsAgainWhenItReappears(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	k := cellar.NewState(e, "k", 2)
	var captured cellar.Vc[int]
	src := cellar.NewVcFunc1(e, "src", func(ctx context.Context, _ int) (cellar.Vc[int], error) {
		out := cellar.Cell(ctx, 100) // the output is always cell 0
		var last cellar.Vc[int]
		for i := range k.Get(ctx) {
			last = cellar.Cell(ctx, 10*(i+1))
		}
		captured = last
		return out, nil
	})
	reader := cellar.NewFunc1(e, "reader", func(ctx context.Context, v cellar.Vc[int]) (int, error) {
		return v.Get(ctx)
	})
	srcOp := src.CallOperation(ctx, 0)
	if _, err := srcOp.ReadStronglyConsistent(ctx); err != nil {
		t.Fatal(err)
	}
	c2 := captured // cell 2 of src, value 20
	if got := mustGet(t, c2); got != 20 {
		t.Fatal(got)
	}
	k.Set(1) // src now creates cells 0 and 1 only
	srcOp.ReadStronglyConsistent(ctx)
	if _, err := reader.CallOperation(ctx, c2).ReadStronglyConsistent(ctx); !errors.Is(err, cellar.ErrCellGone) {
		t.Fatalf("reader of a missing cell: %v", err)
	}
	k.Set(2) // cell 2 exists again, with value 20
	srcOp.ReadStronglyConsistent(ctx)
	if got, err := c2.Get(ctx); err != nil || got != 20 {
		t.Fatalf("direct read of cell 2: %d, %v", got, err)
	}
	got, err := reader.CallOperation(ctx, c2).ReadStronglyConsistent(ctx)
	if err != nil || got != 20 {
		t.Fatalf("reader(cell 2) = %d, %v; from scratch 20", got, err)
	}
}

// A reader of a cell that does not exist (any more) depends on it through
// a placeholder. While the producer runs again and still makes no such
// cell, the reader does not run again; when the cell comes back, it does.
func TestReaderOfAMissingCellRunsAgainOnlyWhenItComesBack(t *testing.T) {
	e := newEngine(t, nil)
	s := cellar.NewState(e, "s", 2)
	type cells struct{ V []cellar.Vc[int] }
	// prod makes min(s, 2) int cells, then its output cell.
	prod := cellar.NewFunc1(e, "prod", func(ctx context.Context, _ struct{}) (cells, error) {
		n := s.Get(ctx)
		var out cells
		for i := range min(n, 2) {
			out.V = append(out.V, cellar.Cell(ctx, i))
		}
		return out, nil
	})
	var second cellar.Vc[int]
	var readerRuns atomic.Int32
	reader := cellar.NewFunc1(e, "reader", func(ctx context.Context, _ struct{}) (bool, error) {
		readerRuns.Add(1)
		_, err := second.Get(ctx)
		return err == nil, nil
	})
	ctx := context.Background()
	second = mustGet(t, prod.Call(ctx, struct{}{})).V[1]
	for step, n := range []int{2, 1, 0, -1, -2, 2, 1, 0, 2} {
		s.Set(n)
		before := readerRuns.Load()
		if got, want := mustGet(t, reader.Call(ctx, struct{}{})), n >= 2; got != want {
			t.Fatalf("step %d (s=%d): reader sees the cell: %v, want %v", step, n, got, want)
		}
		if ran := readerRuns.Load() - before; n < 0 && ran != 0 {
			t.Fatalf("step %d (s=%d): reader ran %d times, though the cell it read stayed missing", step, n, ran)
		}
	}
}
