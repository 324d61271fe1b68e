package cellar_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/cellar-go/cellar"
)

// Dependency tracking: a task depends on what its latest execution read
// with Get, not on what an earlier execution read nor on untracked reads.

func TestDynamicDependencies(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	useA := cellar.NewState(e, "useA", true)
	a := cellar.NewState(e, "a", 1)
	b := cellar.NewState(e, "b", 2)
	var runs atomic.Int32
	choose := cellar.NewFunc1(e, "choose", func(ctx context.Context, _ int) (int, error) {
		runs.Add(1)
		if useA.Get(ctx) {
			return a.Get(ctx), nil
		}
		return b.Get(ctx), nil
	})
	get := func() int { return mustGet(t, choose.Call(ctx, 0)) }
	if get() != 1 {
		t.Fatal("want a")
	}
	b.Set(3) // not read: no re-run
	if get() != 1 || runs.Load() != 1 {
		t.Fatalf("re-ran on a change of something not read (runs=%d)", runs.Load())
	}
	useA.Set(false)
	if get() != 3 || runs.Load() != 2 {
		t.Fatal("did not switch to b")
	}
	a.Set(7) // no longer read
	if get() != 3 || runs.Load() != 2 {
		t.Fatalf("re-ran on a change of something read only in an earlier run (runs=%d)", runs.Load())
	}
	b.Set(4)
	if get() != 4 || runs.Load() != 3 {
		t.Fatal("did not re-run on a change of b")
	}
}

func TestGetUntrackedDoesNotMakeADependency(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	tracked := cellar.NewState(e, "tracked", 1)
	untracked := cellar.NewState(e, "untracked", 100)
	runs := 0
	f := cellar.NewFunc1(e, "f", func(ctx context.Context, _ int) (int, error) {
		runs++
		u, err := untracked.Vc().GetUntracked(ctx)
		if err != nil {
			return 0, err
		}
		return tracked.Get(ctx) + u + untracked.GetUntracked(), nil
	})
	op := f.CallOperation(ctx, 0)
	if v, _ := op.ReadStronglyConsistent(ctx); v != 201 || runs != 1 {
		t.Fatalf("%d after %d runs", v, runs)
	}
	untracked.Set(200)
	if v, _ := op.ReadStronglyConsistent(ctx); v != 201 || runs != 1 {
		t.Fatalf("%d after %d runs; an untracked read re-ran the task", v, runs)
	}
	tracked.Set(2)
	if v, _ := op.ReadStronglyConsistent(ctx); v != 402 || runs != 2 {
		t.Fatalf("%d after %d runs; want 402 after 2", v, runs)
	}
}

func TestGetUntrackedStillSeesErrors(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	failing := cellar.NewFunc1(e, "failing", func(ctx context.Context, _ int) (int, error) {
		return 0, errors.New("broken")
	})
	reader := cellar.NewFunc1(e, "reader", func(ctx context.Context, _ int) (int, error) {
		return failing.Call(ctx, 0).GetUntracked(ctx)
	})
	_, err := reader.CallOperation(ctx, 0).ReadStronglyConsistent(ctx)
	var te *cellar.TaskError
	if !errors.As(err, &te) || te.Error() != "reader(0) -> failing(0): broken" {
		t.Fatalf("err = %v", err)
	}
}
