package cellar_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cellar-go/cellar"
)

// A strongly consistent read of a cell that a running re-execution has
// created waits for the task to finish: an edit may already have made it
// stale.
func TestStrongReadWaitsForARunningCellThatIsStale(t *testing.T) {
	e := newEngine(t, nil)
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
	rctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	got, err := cellVc.Get(rctx)
	close(gate)
	if err == nil && got != 30 {
		t.Fatalf("strongly consistent read with s=3 returned %d, from scratch is 30 (cell %v)", got, cellVc)
	}
	if err != nil {
		t.Logf("read: %v", err)
	}
	if got := mustGet(t, cellVc); got != 30 {
		t.Fatalf("after settling = %d", got)
	}
}

// A read inside a task through a context derived from the task's ends when
// the derived context does.
func TestReadThroughDerivedContextHonoursItsCancellation(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	gate := make(chan struct{})
	defer close(gate)
	slow := cellar.NewFunc1(e, "slow", func(ctx context.Context, _ int) (int, error) {
		<-gate
		return 1, nil
	})
	res := make(chan error, 1)
	reader := cellar.NewFunc1(e, "reader", func(ctx context.Context, _ int) (int, error) {
		dctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		_, err := slow.Call(ctx, 0).Get(dctx)
		res <- err
		return 0, err
	})
	reader.Call(ctx, 0)
	select {
	case err := <-res:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Get through a derived context = %v, want DeadlineExceeded", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Get through a derived context with a 50ms timeout still blocked after 3s")
	}
}

// A State of an interface type may hold nil.
func TestStateOfInterfaceTypeHoldingNil(t *testing.T) {
	e := newEngine(t, nil)
	s := cellar.NewState[error](e, "err", nil)
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("State[error].Get panicked: %v", r)
		}
	}()
	if got := s.Get(context.Background()); got != nil {
		t.Fatalf("got %v", got)
	}
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
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("id.Call(ctx, 2) hangs: memo mutex left read-locked by the earlier panic")
	}
}

// A deferred SetUnconditionally keeps its force when an ordinary Set of the
// same state was deferred before it.
func TestDeferredSetUnconditionallyKeepsItsForce(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	s := cellar.NewState(e, "s", 1)
	ran := make(chan struct{}, 10)
	reader := cellar.NewFunc1(e, "reader", func(ctx context.Context, _ int) (int, error) {
		ran <- struct{}{}
		return s.Get(ctx), nil
	})
	op := reader.CallOperation(ctx, 0)
	if v, err := op.ReadStronglyConsistent(ctx); err != nil || v != 1 {
		t.Fatal(v, err)
	}
	<-ran
	// Keep a strongly consistent read in progress so that edits are deferred.
	gate := make(chan struct{})
	started := make(chan struct{})
	blocker := cellar.NewFunc1(e, "blocker", func(ctx context.Context, _ int) (int, error) {
		close(started)
		<-gate
		return 0, nil
	})
	rdone := make(chan struct{})
	go func() {
		defer close(rdone)
		blocker.CallOperation(ctx, 0).ReadStronglyConsistent(ctx)
	}()
	<-started
	// blocker runs on the reading goroutine (helpLocked) after the read
	// registered itself, so edits are now deferred.
	s.Set(5)
	s.Set(1)                // back to the current value...
	s.SetUnconditionally(1) // ...and force a re-run
	close(gate)
	<-rdone
	if v, err := op.ReadStronglyConsistent(ctx); err != nil || v != 1 {
		t.Fatal(v, err)
	}
	select {
	case <-ran:
	case <-time.After(time.Second):
		t.Fatal("SetUnconditionally made while a strong read was in progress did not re-run the reader")
	}
}

// Tasks called by an execution after it was abandoned are cancelled too:
// nobody needs them.
func TestCallsOfAnAbandonedExecutionAreCancelled(t *testing.T) {
	e := newEngine(t, nil)
	child := cellar.NewFunc1(e, "child", func(ctx context.Context, _ int) (int, error) {
		<-ctx.Done() // only cancellation (or Close) ends it
		return 0, ctx.Err()
	})
	parentStarted := make(chan struct{})
	parentDone := make(chan struct{})
	parent := cellar.NewFunc1(e, "parent", func(ctx context.Context, _ int) (int, error) {
		defer close(parentDone)
		close(parentStarted)
		<-ctx.Done()
		// A function that notices cancellation late still calls what
		// it was going to call.
		child.Call(ctx, 0)
		return 0, ctx.Err()
	})
	ctx, cancel := context.WithCancel(context.Background())
	parent.Call(ctx, 0)
	<-parentStarted
	cancel() // nobody needs parent, hence nothing it calls
	<-parentDone
	wctx, wcancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer wcancel()
	if err := e.WaitIdle(wctx); err != nil {
		t.Fatalf("WaitIdle: %v: child, called by an abandoned execution, was pinned and is never cancelled", err)
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

// A task that failed with a CycleError runs again, and succeeds, once the
// cycle is gone.
func TestCycleErrorIsRecomputedOnceTheCycleIsGone(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	s := cellar.NewState(e, "s", true)
	var a, b *cellar.Func1[int, int]
	a = cellar.NewFunc1(e, "a", func(ctx context.Context, _ int) (int, error) {
		if s.Get(ctx) {
			return b.Call(ctx, 0).Get(ctx)
		}
		return 1, nil
	})
	b = cellar.NewFunc1(e, "b", func(ctx context.Context, _ int) (int, error) {
		v, err := a.Call(ctx, 0).Get(ctx)
		return v + 1, err
	})
	// a runs b inline, b finds a running and waiting for it: b's read
	// fails with the cycle.
	if _, err := a.CallOperation(ctx, 0).ReadStronglyConsistent(ctx); !errors.Is(err, cellar.ErrCycle) {
		t.Fatalf("with the cycle: %v", err)
	}
	s.Set(false) // a no longer reads b: no cycle
	if v, err := a.CallOperation(ctx, 0).ReadStronglyConsistent(ctx); err != nil || v != 1 {
		t.Fatalf("a = %d, %v; want 1", v, err)
	}
	v, err := b.CallOperation(ctx, 0).ReadStronglyConsistent(ctx)
	if err != nil || v != 2 {
		t.Fatalf("b = %d, %v; from scratch b = a+1 = 2", v, err)
	}
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

	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
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
	rctx, rcancel := context.WithTimeout(ctx, 5*time.Second)
	defer rcancel()
	if v, err := r.CallOperation(ctx, 0).ReadStronglyConsistent(rctx); err != nil || v != 0 {
		t.Fatalf("r = %d, %v", v, err)
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

// A dependency that flips direction between edits first looks like a cycle
// (the dirty task's previous edges are still recorded); the read that saw
// it is a back edge, so the reader runs again once the other task has, and
// the result is the from-scratch one.
func TestDependencyThatFlipsDirectionIsNotACycle(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	s := cellar.NewState(e, "s", true)
	var a, b *cellar.Func1[int, int]
	a = cellar.NewFunc1(e, "a", func(ctx context.Context, _ int) (int, error) {
		if s.Get(ctx) {
			v, err := b.Call(ctx, 0).Get(ctx)
			return v + 1, err
		}
		return 1, nil
	})
	b = cellar.NewFunc1(e, "b", func(ctx context.Context, _ int) (int, error) {
		if !s.Get(ctx) {
			v, err := a.Call(ctx, 0).Get(ctx)
			return v + 1, err
		}
		return 0, nil
	})
	if v, err := a.CallOperation(ctx, 0).ReadStronglyConsistent(ctx); err != nil || v != 1 {
		t.Fatalf("a = %d, %v", v, err)
	}
	s.Set(false) // now b reads a, and a reads nothing: no cycle
	v, err := b.CallOperation(ctx, 0).ReadStronglyConsistent(ctx)
	if err != nil || v != 2 {
		t.Fatalf("b = %d, %v; from scratch b = a+1 = 2", v, err)
	}
}

// brokenErr's Error method panics on a nil receiver.
type brokenErr struct{ msg *string }

func (e *brokenErr) Error() string { return *e.msg }

// A task that fails with a typed nil error and runs again: comparing the
// old and the new failure must not call the broken Error method on an
// engine goroutine, which would crash the process.
func TestTypedNilErrorOnRerun(t *testing.T) {
	e := newEngine(t, nil)
	s := cellar.NewState(e, "s", 1)
	f := cellar.NewFunc1(e, "f", func(ctx context.Context, _ struct{}) (int, error) {
		s.Get(ctx)
		var be *brokenErr
		return 0, be
	})
	ctx, cancel := context.WithTimeout(context.Background(), failAfter)
	defer cancel()
	for i := range 3 {
		s.Set(i + 2)
		_, err := f.Call(ctx, struct{}{}).Get(ctx)
		var broken *cellar.BrokenError
		if !errors.As(err, &broken) {
			t.Fatalf("err = %v, want a BrokenError", err)
		}
		var be *brokenErr
		if !errors.As(err, &be) {
			t.Fatalf("err = %v does not unwrap to the task's error", err)
		}
		if !strings.Contains(err.Error(), "brokenErr") {
			t.Fatalf("message %q does not name the error type", err)
		}
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
