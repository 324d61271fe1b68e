package cellar_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cellar-go/cellar"
)

// Inputs: States (values of any type, Set, SetUnconditionally and Update,
// and edits deferred while a strongly consistent read is in progress) and
// Invalidators for what the engine cannot see change.

func TestInvalidator(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	var outside atomic.Int64 // a value the engine cannot see change
	outside.Store(1)
	invs := make(chan cellar.Invalidator, 10)
	var runs atomic.Int32
	sample := cellar.NewFunc1(e, "sample", func(ctx context.Context, _ int) (int64, error) {
		runs.Add(1)
		invs <- cellar.InvalidatorFor(ctx)
		return outside.Load() / 10, nil
	})
	var readerRuns atomic.Int32
	reader := cellar.NewFunc1(e, "reader", func(ctx context.Context, _ int) (int64, error) {
		readerRuns.Add(1)
		return sample.Call(ctx, 0).Get(ctx)
	})
	op := reader.CallOperation(ctx, 0)
	v, err := op.ReadStronglyConsistent(ctx)
	if err != nil || v != 0 {
		t.Fatal(v, err)
	}
	inv := <-invs
	outside.Store(5) // still 0 after division: cut off
	inv.Invalidate()
	op.ReadStronglyConsistent(ctx)
	if runs.Load() != 2 || readerRuns.Load() != 1 {
		t.Fatalf("sample ran %d, reader ran %d; want 2, 1", runs.Load(), readerRuns.Load())
	}
	inv = <-invs
	outside.Store(20)
	inv.Invalidate()
	if v, _ := op.ReadStronglyConsistent(ctx); v != 2 {
		t.Fatalf("got %d after invalidation", v)
	}
	cellar.Invalidator{}.Invalidate() // the zero Invalidator does nothing
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
	// The deferred edits were applied when the blocker's read ended, and a
	// strongly consistent read of a task that an edit made dirty returns
	// only once it has run again: the reader ran before this read returned.
	if v, err := op.ReadStronglyConsistent(ctx); err != nil || v != 1 {
		t.Fatal(v, err)
	}
	select {
	case <-ran:
	default:
		t.Fatal("SetUnconditionally made while a strong read was in progress did not re-run the reader")
	}
}

func TestStateUpdate(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	type counters struct{ A, B int }
	s := cellar.NewState(e, "counters", counters{})
	runs := 0
	readA := cellar.NewFunc1(e, "readA", func(ctx context.Context, _ int) (int, error) {
		runs++
		return s.Get(ctx).A, nil
	})
	op := readA.CallOperation(ctx, 0)
	op.ReadStronglyConsistent(ctx)
	s.Update(func(c *counters) bool { return false }) // no change reported: nothing re-runs
	if _, err := op.ReadStronglyConsistent(ctx); err != nil || runs != 1 {
		t.Fatalf("runs = %d, %v", runs, err)
	}

	// Concurrent Updates and Sets of another field: none is lost.
	const n = 200
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n {
				s.Update(func(c *counters) bool { c.A++; return true })
			}
		}()
	}
	wg.Wait()
	if got := s.GetUntracked().A; got != 4*n {
		t.Fatalf("A = %d after %d increments", got, 4*n)
	}
	if v, err := op.ReadStronglyConsistent(ctx); err != nil || v != 4*n {
		t.Fatalf("readA = %d, %v", v, err)
	}
}
