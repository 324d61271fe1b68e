package cellar_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/cellar-go/cellar"
)

// Final reads (GetFinal): a task's value is dropped once read (a State's is
// kept), and a later read recomputes it; readers run again only when an
// input changed meanwhile.

func TestGetFinalDropsTheValueAndALaterReadRecomputesIt(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	input := cellar.NewState(e, "input", 3)
	producerRuns, readerRuns := 0, 0
	producer := cellar.NewFunc1(e, "producer", func(ctx context.Context, _ int) ([]int, error) {
		producerRuns++
		n := input.Get(ctx)
		out := make([]int, n)
		for i := range out {
			out[i] = i * i
		}
		return out, nil
	})
	reader := cellar.NewFunc1(e, "reader", func(ctx context.Context, _ int) (int, error) {
		readerRuns++
		v, err := producer.Call(ctx, 0).Get(ctx)
		return len(v), err
	})
	op := reader.CallOperation(ctx, 0)
	if n, _ := op.ReadStronglyConsistent(ctx); n != 3 {
		t.Fatal(n)
	}
	v, err := producer.Call(ctx, 0).GetFinal(ctx)
	if err != nil || len(v) != 3 || v[2] != 4 {
		t.Fatalf("GetFinal = %v, %v", v, err)
	}
	if got := e.Stats().Evicted; got != 1 {
		t.Fatalf("Evicted = %d after a final read", got)
	}
	if producerRuns != 1 {
		t.Fatalf("producer ran %d times before the value was needed again", producerRuns)
	}
	// Needed again: recomputed from unchanged inputs; its reader is not
	// re-run.
	v, err = producer.Call(ctx, 0).Get(ctx)
	if err != nil || len(v) != 3 || v[2] != 4 {
		t.Fatalf("Get after the final read = %v, %v", v, err)
	}
	if producerRuns != 2 || readerRuns != 1 {
		t.Fatalf("producer ran %d times, reader %d; want 2 and 1", producerRuns, readerRuns)
	}
	in, _ := producer.CallOperation(ctx, 0).Info()
	if in.Cause.Kind != cellar.CauseEvicted {
		t.Fatalf("cause %v", in.Cause)
	}
	if n, _ := op.ReadStronglyConsistent(ctx); n != 3 || readerRuns != 1 {
		t.Fatalf("reader = %d after %d runs", n, readerRuns)
	}

	// Dropped, then an input changes: the recomputed value cannot be
	// compared with the dropped one, so the reader runs again.
	producer.Call(ctx, 0).GetFinal(ctx)
	input.Set(5)
	if n, _ := op.ReadStronglyConsistent(ctx); n != 5 || readerRuns != 2 {
		t.Fatalf("reader = %d after %d runs; want 5 after 2", n, readerRuns)
	}
}

func TestGetFinalInsideATask(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	runs := 0
	big := cellar.NewFunc1(e, "big", func(ctx context.Context, n int) ([]byte, error) {
		runs++
		return make([]byte, n), nil
	})
	sum := cellar.NewFunc1(e, "sum", func(ctx context.Context, n int) (int, error) {
		b, err := big.Call(ctx, n).GetFinal(ctx)
		return len(b), err
	})
	if v, err := sum.CallOperation(ctx, 1<<10).ReadStronglyConsistent(ctx); err != nil || v != 1<<10 {
		t.Fatalf("%d, %v", v, err)
	}
	if e.Stats().Evicted != 1 {
		t.Fatal("the final read inside a task dropped nothing")
	}
	if v := mustGet(t, big.Call(ctx, 1<<10)); len(v) != 1<<10 || runs != 2 {
		t.Fatalf("len %d after %d runs", len(v), runs)
	}
}

func TestGetFinalKeepsStates(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	s := cellar.NewState(e, "s", "kept")
	if v, err := s.Vc().GetFinal(ctx); err != nil || v != "kept" {
		t.Fatal(v, err)
	}
	if e.Stats().Evicted != 0 || s.GetUntracked() != "kept" {
		t.Fatal("a state's value was dropped")
	}
}

// A reader that runs again, for another reason, after a value it reads was
// dropped gets the value recomputed.
func TestGetFinalThenTheReaderRunsAgain(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	input := cellar.NewState(e, "input", 3)
	other := cellar.NewState(e, "other", 0)
	producer := cellar.NewFunc1(e, "producer", func(ctx context.Context, _ int) ([]int, error) {
		return make([]int, input.Get(ctx)), nil
	})
	reader := cellar.NewFunc1(e, "reader", func(ctx context.Context, _ int) (int, error) {
		v, err := producer.Call(ctx, 0).Get(ctx)
		return len(v) + other.Get(ctx), err
	})
	op := reader.CallOperation(ctx, 0)
	if n, err := op.ReadStronglyConsistent(ctx); err != nil || n != 3 {
		t.Fatal(n, err)
	}
	if _, err := producer.Call(ctx, 0).GetFinal(ctx); err != nil {
		t.Fatal(err)
	}
	other.Set(10)
	if n, err := op.ReadStronglyConsistent(ctx); err != nil || n != 13 {
		t.Fatalf("reader = %d, %v after the producer's value was dropped; want 13", n, err)
	}
}

// A dropped cell is being recomputed (evictOnly) when an input of its task
// changes, and the recomputation reads the new input. Its readers saw the
// old value, so they must run again.
func TestRecomputingADroppedCellThatSeesAnEditInvalidatesReaders(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	s := cellar.NewState(e, "s", 1)
	started, release := make(chan struct{}), make(chan struct{})
	var prodRuns atomic.Int32
	prod := cellar.NewFunc1(e, "prod", func(ctx context.Context, _ int) (int, error) {
		if prodRuns.Add(1) == 2 {
			close(started)
			<-release
		}
		return s.Get(ctx) * 10, nil
	})
	reader := cellar.NewFunc1(e, "reader", func(ctx context.Context, _ int) (int, error) {
		return prod.Call(ctx, 0).Get(ctx)
	})
	if got := mustGet(t, reader.Call(ctx, 0)); got != 10 {
		t.Fatalf("reader = %d", got)
	}
	if _, err := prod.Call(ctx, 0).GetFinal(ctx); err != nil {
		t.Fatal(err)
	}
	// A task started from outside without a strong read (so that edits
	// are not deferred) reads the dropped cell: prod is recomputed.
	other := cellar.NewFunc1(e, "other", func(ctx context.Context, _ int) (int, error) {
		return prod.Call(ctx, 0).Get(ctx)
	})
	other.Call(context.Background(), 0)
	<-started
	s.Set(2) // while the recomputation runs, before it reads s
	close(release)
	if got := mustGet(t, prod.Call(ctx, 0)); got != 20 {
		t.Fatalf("prod = %d, want 20", got)
	}
	if got := mustGet(t, reader.Call(ctx, 0)); got != 20 {
		t.Fatalf("reader = %d, want 20 (from scratch); it kept the value from before the edit", got)
	}
}

// A task that reads the outside world (with an Invalidator) has its value
// dropped by a final read; the outside value changes, and the value is read
// again before the invalidation arrives. The recomputation, though it ran
// only because the content was dropped, is compared with the fingerprint of
// the dropped value, so its reader runs again: it never keeps a result of
// the old value.
func TestFinalReadOfATaskThatReadsTheOutsideWorldKeepsItsReadersRight(t *testing.T) {
	e := newEngine(t, &cellar.Options{Workers: 1})
	ctx := context.Background()
	var outside atomic.Int64 // a file, say
	outside.Store(1)
	var inv atomic.Pointer[cellar.Invalidator]
	file := cellar.NewFunc1(e, "file", func(ctx context.Context, _ int) (int64, error) {
		i := cellar.InvalidatorFor(ctx)
		inv.Store(&i)
		return outside.Load(), nil
	})
	reader := cellar.NewFunc1(e, "reader", func(ctx context.Context, _ int) (int64, error) {
		v, err := file.Call(ctx, 0).Get(ctx)
		return v * 10, err
	})
	op := reader.CallOperation(ctx, 0)
	if v, err := op.ReadStronglyConsistent(ctx); err != nil || v != 10 {
		t.Fatalf("reader = %d, %v", v, err)
	}
	if _, err := file.Call(ctx, 0).GetFinal(ctx); err != nil {
		t.Fatal(err)
	}
	outside.Store(2) // the watcher has not reported it yet
	if v, err := file.CallOperation(ctx, 0).ReadStronglyConsistent(ctx); err != nil || v != 2 {
		t.Fatalf("file = %d, %v", v, err) // recomputed: 2
	}
	inv.Load().Invalidate() // the watcher reports the change
	waitIdle(t, e)
	fv, _ := file.CallOperation(ctx, 0).ReadStronglyConsistent(ctx)
	rv, err := op.ReadStronglyConsistent(ctx)
	if err != nil || rv != fv*10 {
		t.Errorf("after the invalidation: file = %d but reader = %d, %v (want %d): the reader never ran again", fv, rv, err, fv*10)
	}
}
