package cellar_test

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cellar-go/cellar"
)

// Helpers shared by the tests of package cellar: engines that check their
// invariants when the test ends, reads that must succeed, the one bound on
// every wait that would hang if the engine were broken (guard, within), and
// small fixtures used by several files.

// failAfter bounds a test that would otherwise hang when the engine is
// broken; a healthy engine never gets near it.
const failAfter = time.Minute

func newEngine(t *testing.T, opts *cellar.Options) *cellar.Engine {
	t.Helper()
	e := cellar.New(opts)
	t.Cleanup(func() {
		// Whatever the test did, the graph it leaves is well formed.
		if err := cellar.CheckInvariants(e); err != nil {
			t.Errorf("engine invariants after the test:\n%v", err)
		}
		e.Close()
	})
	return e
}

func mustGet[T any](t *testing.T, v cellar.Vc[T]) T {
	t.Helper()
	ctx, cancel := guard(t)
	defer cancel()
	got, err := v.Get(ctx)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	return got
}

// guard returns the context for a wait that only a broken engine makes
// hang: it ends failAfter from now, and then fails the test with every
// goroutine's stack, so that a deadlock shows where everyone is stuck. Call
// cancel once the guarded waits are over. Like any context that can be
// cancelled, it keeps a read from running tasks on the reading goroutine.
func guard(t testing.TB) (ctx context.Context, cancel context.CancelFunc) {
	ctx, cancelCtx := context.WithTimeout(context.Background(), failAfter)
	reported := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(reported)
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			t.Errorf("deadlock guard: still waiting after %v; goroutines:\n%s", failAfter, goroutines())
		}
	})
	return ctx, func() {
		if !stop() {
			<-reported // the report is part of the test
		}
		cancelCtx()
	}
}

// within returns what ch delivers, failing the test with every goroutine's
// stack if nothing comes within failAfter; what names what is awaited.
func within[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	timer := time.NewTimer(failAfter)
	defer timer.Stop()
	select {
	case v := <-ch:
		return v
	case <-timer.C:
		t.Fatalf("waited %v for %s; goroutines:\n%s", failAfter, what, goroutines())
		panic("unreachable")
	}
}

// goroutines returns the stacks of all goroutines, for the message of a
// test that gave up waiting for the engine (cut at a MiB).
func goroutines() string {
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 2); err != nil {
		return err.Error()
	}
	const limit = 1 << 20
	if buf.Len() > limit {
		return buf.String()[:limit] + "\n... (truncated)"
	}
	return buf.String()
}

// engineGoroutines lists the goroutines that run engine code.
//
// Close returns once every engine goroutine has signalled that it is done,
// from a deferred call; the goroutine then still has engine frames until
// it returns (or, after runtime.Goexit, until the runtime ends it). So the
// stacks are taken again, after yielding the processor, while any remain:
// a goroutine that is truly left behind stays.
func engineGoroutines() []string {
	var found []string
	for range 1000 {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		found = found[:0]
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "cellar/internal/engine.") {
				found = append(found, g)
			}
		}
		if len(found) == 0 {
			break
		}
		runtime.Gosched()
	}
	return found
}

func waitIdle(t *testing.T, e *cellar.Engine) {
	t.Helper()
	if err := e.WaitIdle(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func checkCycle(t *testing.T, err error, want string) {
	t.Helper()
	var ce *cellar.CycleError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want a *CycleError", err)
	}
	if got := strings.Join(ce.Tasks(), " -> "); got != want {
		t.Fatalf("cycle = %s, want %s", got, want)
	}
}

// countReruns builds input -> produce -> consume and returns a function that
// sets the input and reports how often consume has run.
func countReruns[T, In any](t *testing.T, initial In, produce func(In) T) func(In) int32 {
	t.Helper()
	e := newEngine(t, nil)
	ctx := context.Background()
	in := cellar.NewState(e, "in", initial)
	p := cellar.NewFunc1(e, "produce", func(ctx context.Context, _ int) (T, error) {
		return produce(in.Get(ctx)), nil
	})
	var runs atomic.Int32
	c := cellar.NewFunc1(e, "consume", func(ctx context.Context, _ int) (T, error) {
		runs.Add(1)
		return p.Call(ctx, 0).Get(ctx)
	})
	op := c.CallOperation(ctx, 0)
	if _, err := op.ReadStronglyConsistent(ctx); err != nil {
		t.Fatal(err)
	}
	return func(v In) int32 {
		in.Set(v)
		if _, err := op.ReadStronglyConsistent(ctx); err != nil {
			t.Fatal(err)
		}
		return runs.Load()
	}
}

func peekAll[T, R any](t *testing.T, ctx context.Context, op cellar.OperationVc[R]) []T {
	t.Helper()
	seq, err := cellar.Peek[T](ctx, op)
	if err != nil {
		t.Fatalf("Peek: %v", err)
	}
	return slices.Collect(seq)
}

// sumAll reads every Vc, in order, and adds up the values.
func sumAll(ctx context.Context, vcs []cellar.Vc[int]) (int, error) {
	total := 0
	for _, vc := range vcs {
		v, err := vc.Get(ctx)
		if err != nil {
			return 0, err
		}
		total += v
	}
	return total, nil
}
