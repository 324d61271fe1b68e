package cellar_test

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/cellar-go/cellar"
)

// Strongly consistent reads from outside any task: they wait for a task
// that is running with stale inputs, and the height order in which edits are
// propagated does not leave them waiting for themselves.

// A strongly consistent read of a cell that a running re-execution has
// created waits for the task to finish: an edit may already have made it
// stale. The test runs in a synctest bubble, so that "the read still waits"
// means that it waits while everything else is blocked, not that it has not
// returned after some real time.
func TestStrongReadWaitsForARunningCellThatIsStale(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, nil) // in the bubble, with all its goroutines
		ctx := context.Background()
		s := cellar.NewState(e, "s", 1)
		created := make(chan struct{}, 10)
		gate := make(chan struct{})
		inner := cellar.NewVcFunc1(e, "inner", func(ctx context.Context, _ int) (cellar.Vc[int], error) {
			v := s.Get(ctx)
			c := cellar.Cell(ctx, v*10)
			if v == 2 {
				created <- struct{}{}
				<-gate
			}
			return c, nil
		})
		// Get the cell Vc itself: a Vc argument is resolved to the cell it
		// points at before the task runs.
		resolve := cellar.NewFunc1(e, "resolve", func(ctx context.Context, v cellar.Vc[int]) (cellar.Vc[int], error) {
			return v, nil // v has been resolved to the cell by the engine
		})
		cellVc := mustGet(t, resolve.Call(ctx, inner.Call(ctx, 0)))
		if got := mustGet(t, cellVc); got != 10 {
			t.Fatalf("initial = %d", got)
		}
		s.Set(2) // inner re-executes and blocks after creating its cell (20)
		<-created
		s.Set(3) // inner is running with a stale input: dirty again
		type result struct {
			v   int
			err error
		}
		read := make(chan result, 1)
		go func() {
			rctx, cancel := guard(t)
			defer cancel()
			v, err := cellVc.Get(rctx)
			read <- result{v, err}
		}()
		synctest.Wait() // everyone has done what they can while inner waits at the gate
		var r result
		early := false
		select {
		case r = <-read:
			early = true // right only with the from-scratch value
		default: // still waiting for inner, as it should
		}
		close(gate)
		if !early {
			r = <-read
		}
		if r.err != nil || r.v != 30 {
			t.Fatalf("strongly consistent read with s=3 returned %d, %v (before inner finished: %v); from scratch is 30 (cell %v)", r.v, r.err, early, cellVc)
		}
		if got := mustGet(t, cellVc); got != 30 {
			t.Fatalf("after settling = %d", got)
		}
	})
}

// Tasks that started waiting for a fresh task before any edit are raised
// once propagation starts, so that a re-execution that waits for them does
// not hold the level a task below it waits for.
func TestWaitersOfFreshTasksAreRaisedWhenPropagationStarts(t *testing.T) {
	e := newEngine(t, &cellar.Options{Workers: 1})
	ctx := context.Background()
	a := cellar.NewState(e, "a", 0)
	b := cellar.NewState(e, "b", 0)
	started := make(chan struct{})
	gate := make(chan struct{})
	var y *cellar.Func1[int, int]
	d := cellar.NewFunc1(e, "d", func(ctx context.Context, _ int) (int, error) {
		if a.Get(ctx) == 1 {
			return y.Call(ctx, 0).Get(ctx)
		}
		return 0, nil
	})
	var tt *cellar.Func1[int, int] // t(n) has height n+1
	tt = cellar.NewFunc1(e, "t", func(ctx context.Context, n int) (int, error) {
		if n == 0 {
			return b.Get(ctx), nil
		}
		return tt.Call(ctx, n-1).Get(ctx)
	})
	x := cellar.NewFunc1(e, "x", func(ctx context.Context, _ int) (int, error) { return tt.Call(ctx, 2).Get(ctx) })
	y = cellar.NewFunc1(e, "y", func(ctx context.Context, _ int) (int, error) {
		close(started)
		<-gate // holds the only worker slot
		return x.Call(ctx, 0).Get(ctx)
	})
	mustGet(t, d.Call(ctx, 0))
	mustGet(t, tt.Call(ctx, 2)) // height 3

	y.Call(ctx, 0) // runs on the only worker and waits at the gate
	<-started
	a.Set(1) // d is dirty; it will read y
	close(gate)

	rctx, cancel := guard(t)
	defer cancel()
	v, err := d.CallOperation(ctx, 0).ReadStronglyConsistent(rctx)
	if err != nil {
		t.Fatalf("d: %v (d waits for y, y runs x inline, x waits for the level to pass t, and d holds the level)", err)
	}
	if v != 0 {
		t.Fatalf("d = %d", v)
	}
}

// Running a task inline raises the reader above it. Here a fresh task keeps
// a raised height from an abandoned run; a re-execution runs it inline, and a
// task below waits for the level, which the re-execution would otherwise
// hold.
func TestInlineRunRaisesTheReaderAboveTheTask(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	a := cellar.NewState(e, "a", 0)
	b := cellar.NewState(e, "b", 0)
	// c3 has height 3.
	var chain *cellar.Func1[int, int]
	chain = cellar.NewFunc1(e, "chain", func(ctx context.Context, n int) (int, error) {
		if n == 0 {
			return b.Get(ctx), nil
		}
		return chain.Call(ctx, n-1).Get(ctx)
	})
	tt := cellar.NewFunc1(e, "t", func(ctx context.Context, _ int) (int, error) { return b.Get(ctx), nil }) // height 1
	g := cellar.NewFunc1(e, "g", func(ctx context.Context, _ int) (int, error) { return tt.Call(ctx, 0).Get(ctx) })
	var fRuns int
	fStarted := make(chan struct{})
	f := cellar.NewFunc1(e, "f", func(ctx context.Context, _ int) (int, error) {
		fRuns++
		if fRuns == 1 {
			chain.Call(ctx, 3).Get(ctx) // raises f above chain(3)
			close(fStarted)
			<-ctx.Done()
			return 0, ctx.Err()
		}
		return g.Call(ctx, 0).Get(ctx)
	})
	r := cellar.NewFunc1(e, "r", func(ctx context.Context, _ int) (int, error) {
		if a.Get(ctx) == 1 {
			return f.Call(ctx, 0).Get(ctx)
		}
		return 0, nil
	})
	mustGet(t, tt.Call(ctx, 0))
	mustGet(t, r.Call(ctx, 0))

	// Run f once and abandon it: it stays new, with its raised height.
	cctx, cancel := context.WithCancel(ctx)
	f.Call(cctx, 0)
	<-fStarted
	cancel()
	if err := e.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}

	a.Set(1) // r re-executes (height 1) and runs f inline; f runs g inline; g waits for the level to pass t
	rctx, rcancel := guard(t)
	defer rcancel()
	if v, err := r.CallOperation(ctx, 0).ReadStronglyConsistent(rctx); err != nil || v != 0 {
		t.Fatalf("r = %d, %v", v, err)
	}
}
