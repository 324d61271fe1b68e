package cellar_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/cellar-go/cellar"
)

// Cancellation: a read returns when its context ends, work that nobody
// waits for any more is abandoned (its context is cancelled, and so are the
// calls it makes), and work that someone still waits for is kept.

func TestCancelledReadReturnsAndAbandonsWork(t *testing.T) {
	e := newEngine(t, nil)
	started := make(chan struct{}, 1)
	abandoned := make(chan error, 1)
	var runs atomic.Int32
	slow := cellar.NewFunc1(e, "slow", func(ctx context.Context, n int) (int, error) {
		if runs.Add(1) == 1 {
			started <- struct{}{}
			<-ctx.Done() // only cancellation ends the first run
			abandoned <- ctx.Err()
			return 0, ctx.Err()
		}
		return n, nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	vc := slow.Call(ctx, 42)
	go func() {
		<-started
		cancel()
	}()
	if _, err := vc.Get(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Get = %v, want context.Canceled", err)
	}
	if err := <-abandoned; !errors.Is(err, context.Canceled) {
		t.Fatalf("the task's context ended with %v", err)
	}
	// The abandoned run left nothing behind: the next read runs it again.
	if got := mustGet(t, slow.Call(context.Background(), 42)); got != 42 {
		t.Fatalf("got %d", got)
	}
	if s := e.Stats(); s.Executions != 1 {
		t.Fatalf("Stats.Executions = %d, want 1 (the abandoned run does not count)", s.Executions)
	}
}

func TestSharedWorkIsKeptWhileSomeoneWaits(t *testing.T) {
	e := newEngine(t, nil)
	release := make(chan struct{})
	started := make(chan struct{})
	var cancelled atomic.Bool
	work := cellar.NewFunc1(e, "work", func(ctx context.Context, n int) (int, error) {
		close(started)
		select {
		case <-release:
			return n * 2, nil
		case <-ctx.Done():
			cancelled.Store(true)
			return 0, ctx.Err()
		}
	})
	ctx1, cancel1 := context.WithCancel(context.Background())
	ctx2, cancel2 := guard(t)
	defer cancel2()
	first := make(chan error, 1)
	go func() {
		_, err := work.Call(ctx1, 21).Get(ctx1)
		first <- err
	}()
	<-started
	second := make(chan int, 1)
	registered := make(chan struct{})
	go func() {
		vc := work.Call(ctx2, 21) // from here on, ctx2 keeps the task alive
		close(registered)
		v, _ := vc.Get(ctx2)
		second <- v
	}()
	<-registered
	cancel1()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Fatalf("first reader: %v", err)
	}
	close(release)
	if v := <-second; v != 42 {
		t.Fatalf("second reader got %d", v)
	}
	if cancelled.Load() {
		t.Fatal("work was cancelled although a reader still waited for it")
	}
}

// A read inside a task through a context derived from the task's ends when
// the derived context does. It runs in a synctest bubble, where the derived
// context's 50ms pass as soon as everyone waits, without a real wait.
func TestReadThroughDerivedContextHonoursItsCancellation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEngine(t, nil) // in the bubble, with all its goroutines
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
		err := within(t, res, "Get through a derived context with a 50ms timeout")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Get through a derived context = %v, want DeadlineExceeded", err)
		}
	})
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
	wctx, wcancel := guard(t)
	defer wcancel()
	if err := e.WaitIdle(wctx); err != nil {
		t.Fatalf("WaitIdle: %v: child, called by an abandoned execution, was pinned and is never cancelled", err)
	}
}

// A read through a derived context, cancelled while every slot is held,
// returns at once and leaves its task computing without a slot. When that
// task completes and makes work runnable, a worker is started for it:
// propagation, WaitIdle and strong reads go on. (A synctest bubble turns a
// stall into DeadlineExceeded as soon as nothing can make progress.)
func TestCancelledReadWithoutASlotDoesNotStallPropagation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := cellar.New(&cellar.Options{Workers: 1})
		defer e.Close()
		ctx := context.Background()
		s := cellar.NewState(e, "s", 0)
		xGate := make(chan struct{})
		aGate := make(chan struct{})
		cancels := make(chan context.CancelFunc, 1)
		x := cellar.NewFunc1(e, "x", func(ctx context.Context, _ int) (int, error) {
			<-xGate // holds the only slot, outside the engine
			return 1, nil
		})
		a := cellar.NewFunc1(e, "a", func(ctx context.Context, _ int) (int, error) {
			v := s.Get(ctx)
			if v == 0 {
				return 0, nil
			}
			// Read x through a context of our own: x goes to a worker
			// (the only slot, which a gives back while it waits).
			rctx, cancel := context.WithCancel(ctx)
			vx := x.Call(ctx, 0)
			cancels <- cancel
			if xv, err := vx.Get(rctx); !errors.Is(err, context.Canceled) {
				t.Errorf("read of x: %d, %v, want context.Canceled", xv, err)
			}
			<-aGate // a computes on, without a slot (x holds it)
			return v, nil
		})
		c := cellar.NewFunc1(e, "c", func(ctx context.Context, _ int) (int, error) {
			v, err := a.Call(ctx, 0).Get(ctx)
			return v + 100, err
		})
		d := cellar.NewFunc1(e, "d", func(ctx context.Context, _ int) (int, error) {
			v, err := c.Call(ctx, 0).Get(ctx)
			return v + 1000, err
		})
		op := d.CallOperation(ctx, 0)
		if v, err := op.ReadStronglyConsistent(ctx); err != nil || v != 1100 {
			t.Fatalf("initial d = %d, %v", v, err)
		}
		s.Set(1)        // a re-executes and reads x
		synctest.Wait() // x runs and waits at xGate with the slot; a waits for x
		(<-cancels)()   // a's read is cancelled
		synctest.Wait() // a waits at aGate without a slot
		close(xGate)    // x completes; its worker finds nothing runnable and gives the slot back
		synctest.Wait()
		close(aGate) // a completes: c becomes dirty and runnable, and a worker must start for it
		synctest.Wait()
		// d is done and above the level: the read waits for the level,
		// which only a worker can move (a read through a cancellable
		// context does not run tasks itself).
		rctx, cancel := context.WithTimeout(ctx, time.Hour)
		defer cancel()
		if v, err := op.ReadStronglyConsistent(rctx); err != nil || v != 1101 {
			t.Errorf("d = %d, %v; want 1101: c is dirty and runnable, a slot is free, and no worker runs it", v, err)
		}
		wctx, cancel2 := context.WithTimeout(ctx, time.Hour)
		defer cancel2()
		if err := e.WaitIdle(wctx); err != nil {
			t.Errorf("WaitIdle: %v (with context.Background() it would never return)", err)
		}
		// A read that may run tasks itself gets the graph moving again.
		if v, err := op.ReadStronglyConsistent(ctx); err != nil || v != 1101 {
			t.Errorf("d = %d, %v; want 1101", v, err)
		}
	})
}
