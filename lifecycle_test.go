package cellar_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/cellar-go/cellar"
)

// The engine's lifecycle: Close ends reads and tasks and leaves no goroutine
// behind, and reads that cannot be served (after Close, of another engine's
// or the zero Vc, after the task returned, WaitIdle inside a task) fail.

func TestClosedEngine(t *testing.T) {
	e := cellar.New(nil)
	ctx := context.Background()
	id := cellar.NewFunc1(e, "id", func(ctx context.Context, n int) (int, error) { return n, nil })
	op := id.CallOperation(ctx, 1)
	if v, err := op.ReadStronglyConsistent(ctx); err != nil || v != 1 {
		t.Fatal(v, err)
	}
	s := cellar.NewState(e, "s", 3)
	e.Close()
	e.Close() // idempotent

	if _, err := op.ReadStronglyConsistent(ctx); !errors.Is(err, cellar.ErrClosed) {
		t.Fatalf("read of a computed Vc after Close: %v", err)
	}
	if _, err := id.Call(ctx, 2).Get(ctx); !errors.Is(err, cellar.ErrClosed) {
		t.Fatalf("read of a new call after Close: %v", err)
	}
	s.Set(4) // harmless
	if got := s.Get(ctx); got != 3 {
		t.Fatalf("state after Close = %d", got)
	}
}

func TestCloseEndsWaitingReadsAndRunningTasks(t *testing.T) {
	e := cellar.New(nil)
	ctx := context.Background()
	started := make(chan struct{})
	stuck := cellar.NewFunc1(e, "stuck", func(ctx context.Context, n int) (int, error) {
		close(started)
		<-ctx.Done()
		return 0, ctx.Err()
	})
	done := make(chan error, 1)
	go func() {
		_, err := stuck.Call(ctx, 1).Get(ctx)
		done <- err
	}()
	<-started
	e.Close()
	if err := <-done; !errors.Is(err, cellar.ErrClosed) {
		t.Fatalf("waiting read ended with %v, want ErrClosed", err)
	}
}

func TestForeignAndZeroVcs(t *testing.T) {
	ctx := context.Background()
	e1 := newEngine(t, nil)
	e2 := newEngine(t, nil)
	other := cellar.NewState(e2, "other", 1)
	reader := cellar.NewFunc1(e1, "reader", func(ctx context.Context, _ int) (int, error) {
		return other.Vc().Get(ctx) // a Vc of e2 read in a task of e1
	})
	if _, err := reader.Call(ctx, 0).Get(ctx); !errors.Is(err, cellar.ErrForeign) {
		t.Fatalf("got %v, want ErrForeign", err)
	}
	var zero cellar.Vc[int]
	if _, err := zero.Get(ctx); !errors.Is(err, cellar.ErrNullVc) {
		t.Fatalf("zero Vc: %v", err)
	}
	zeroInTask := cellar.NewFunc1(e1, "zeroInTask", func(ctx context.Context, _ int) (int, error) {
		return zero.Get(ctx)
	})
	if _, err := zeroInTask.Call(ctx, 0).Get(ctx); !errors.Is(err, cellar.ErrNullVc) {
		t.Fatalf("zero Vc in a task: %v", err)
	}
	if got := zero.String(); got != "Vc(nil)" {
		t.Fatalf("zero Vc prints as %q", got)
	}
}

func TestReadAfterTheTaskReturned(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	s := cellar.NewState(e, "s", 1)
	kept := make(chan context.Context, 1)
	leak := cellar.NewFunc1(e, "leak", func(ctx context.Context, _ int) (int, error) {
		kept <- ctx
		return 0, nil
	})
	mustGet(t, leak.Call(ctx, 0))
	if _, err := s.Vc().Get(<-kept); !errors.Is(err, cellar.ErrTaskReturned) {
		t.Fatalf("got %v, want ErrTaskReturned", err)
	}
}

func TestCloseLeavesNoGoroutine(t *testing.T) {
	ctx := context.Background()
	e := cellar.New(&cellar.Options{Workers: 4})
	in := cellar.NewState(e, "in", 0)
	var tree *cellar.Func2[int, int, int]
	tree = cellar.NewFunc2(e, "tree", func(ctx context.Context, depth, idx int) (int, error) {
		if depth == 0 {
			return in.Get(ctx) + idx, nil
		}
		// Call both halves first so that they run on several workers.
		a, b := tree.Call(ctx, depth-1, 2*idx), tree.Call(ctx, depth-1, 2*idx+1)
		va, err := a.Get(ctx)
		if err != nil {
			return 0, err
		}
		vb, err := b.Get(ctx)
		return va + vb, err
	})
	for n := range 20 {
		in.Set(n)
		mustGet(t, tree.Call(ctx, 8, 0))
	}
	// Leave work in flight: a blocked task, a waiting read, pending edits.
	block := cellar.NewFunc1(e, "block", func(ctx context.Context, _ int) (int, error) {
		<-ctx.Done()
		return 0, ctx.Err()
	})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		block.Call(ctx, 0).Get(ctx)
	}()
	in.Set(100)
	e.Close()
	wg.Wait()
	if gs := engineGoroutines(); len(gs) > 0 {
		t.Fatalf("%d goroutines still run engine code after Close:\n%s", len(gs), strings.Join(gs, "\n\n"))
	}
}

// WaitIdle inside a task function would wait for that task: it fails at
// once instead.
func TestWaitIdleInsideATaskFails(t *testing.T) {
	e := newEngine(t, nil)
	f := cellar.NewFunc1(e, "f", func(ctx context.Context, _ struct{}) (int, error) {
		return 1, e.WaitIdle(ctx)
	})
	ctx, cancel := guard(t)
	defer cancel()
	if _, err := f.Call(ctx, struct{}{}).Get(ctx); !errors.Is(err, cellar.ErrIdleInTask) {
		t.Fatalf("err = %v, want ErrIdleInTask", err)
	}
}

// A blocked read woken by Close takes no slot, and its thread gives none
// back: the engine never reports more free slots than it has (the
// invariant checker may be called at any time, after Close too).
func TestCloseLeavesTheSlotsCounted(t *testing.T) {
	e := cellar.New(&cellar.Options{Workers: 2})
	ctx := context.Background()
	running := make(chan struct{})
	waiting := make(chan struct{})
	x := cellar.NewFunc1(e, "x", func(ctx context.Context, _ int) (int, error) {
		close(running)
		<-ctx.Done() // until Close cancels it
		return 0, ctx.Err()
	})
	a := cellar.NewFunc1(e, "a", func(ctx context.Context, _ int) (int, error) {
		rctx, cancel := context.WithCancel(ctx) // not inline: x goes to a worker
		defer cancel()
		vx := x.Call(ctx, 0)
		go func() { <-running; close(waiting) }()
		return vx.Get(rctx)
	})
	a.Call(ctx, 0)
	<-waiting
	// a is blocked in its read of x (or about to be); x runs.
	e.Close()
	if err := cellar.CheckInvariants(e); err != nil {
		t.Errorf("after Close: %v", err)
	}
}
