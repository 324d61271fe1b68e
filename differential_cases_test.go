package cellar_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cellar-go/cellar"
)

// The tests in this file are the failure classes the randomized differential
// test (differential_test.go) found or is meant to find, each reduced to a
// small deterministic shape. Each says what it checks and why.

// dcRead reads op strongly consistently, failing the test with a goroutine
// dump if the read does not return within diffGuard.
func dcRead[T any](t *testing.T, op cellar.OperationVc[T]) (T, error) {
	t.Helper()
	type result struct {
		v   T
		err error
	}
	r := diffGuarded(t, fmt.Sprintf("strongly consistent read of %v", op), func() result {
		v, err := op.ReadStronglyConsistent(context.Background())
		return result{v, err}
	})
	return r.v, r.err
}

// dcIdle waits until e is idle, bounded by diffGuard.
func dcIdle(t *testing.T, e *cellar.Engine) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), diffGuard)
	defer cancel()
	if err := e.WaitIdle(ctx); err != nil {
		t.Fatalf("WaitIdle: %v; goroutines:\n%s", err, goroutines())
	}
}

// dcCheckCycle fails unless err is a cycle whose Tasks() starts and ends
// with the same task and has every consecutive pair in edges (a reads b),
// when edges is given.
func dcCheckCycle(t *testing.T, what string, err error, edges map[[2]string]bool) {
	t.Helper()
	if !errors.Is(err, cellar.ErrCycle) {
		t.Errorf("%s: err = %v, want a cycle (from scratch every member of the cycle fails)", what, err)
		return
	}
	var ce *cellar.CycleError
	if !errors.As(err, &ce) {
		t.Errorf("%s: %v matches ErrCycle but holds no *CycleError", what, err)
		return
	}
	tasks := ce.Tasks()
	if len(tasks) < 2 || tasks[0] != tasks[len(tasks)-1] {
		t.Errorf("%s: CycleError.Tasks() = %q, not a cycle (first and last must be the same task)", what, tasks)
		return
	}
	if edges == nil {
		return
	}
	for i := 0; i+1 < len(tasks); i++ {
		if !edges[[2]string{tasks[i], tasks[i+1]}] {
			t.Errorf("%s: CycleError.Tasks() = %q: %s does not read %s", what, tasks, tasks[i], tasks[i+1])
			return
		}
	}
}

// A cycle that an edit closes must make every member fail, at once and
// for good: ring(0) -> ring(1) -> ring(2) -> ring(3), and ring(3) reads
// base while gate is false and ring(0) once it is true. From scratch, with
// the gate open, every member is a CycleError. The engine returned the
// members' old values, with no error, both right after the edit (during
// propagation) and once idle.
func TestCycleFormedAfterEditIsNotStale(t *testing.T) {
	for _, workers := range []int{1, 4} {
		t.Run(fmt.Sprint("workers=", workers), func(t *testing.T) {
			e := newEngine(t, &cellar.Options{Workers: workers})
			ctx := context.Background()
			gate := cellar.NewState(e, "gate", false)
			base := cellar.NewState(e, "base", 1)
			var ring *cellar.Func1[int, int]
			ring = cellar.NewFunc1(e, "ring", func(ctx context.Context, i int) (int, error) {
				if i == 3 && !gate.Get(ctx) {
					return base.Get(ctx) + 1, nil
				}
				v, err := ring.Call(ctx, (i+1)%4).Get(ctx)
				if err != nil {
					return 0, err
				}
				return v + 1, nil
			})
			edges := map[[2]string]bool{}
			for i := range 4 {
				edges[[2]string{fmt.Sprintf("ring(%d)", i), fmt.Sprintf("ring(%d)", (i+1)%4)}] = true
				if v, err := dcRead(t, ring.CallOperation(ctx, i)); err != nil || v != 5-i {
					t.Fatalf("gate closed: ring(%d) = %d, %v; want %d", i, v, err, 5-i)
				}
			}
			gate.Set(true)
			for i := range 4 {
				v, err := dcRead(t, ring.CallOperation(ctx, i))
				if err == nil {
					t.Errorf("gate open, during propagation: ring(%d) = %d with no error; from scratch it is a cycle", i, v)
					continue
				}
				dcCheckCycle(t, fmt.Sprintf("gate open, during propagation: ring(%d)", i), err, edges)
			}
			dcIdle(t, e)
			for i := range 4 {
				v, err := dcRead(t, ring.CallOperation(ctx, i))
				if err == nil {
					t.Errorf("gate open, idle: ring(%d) = %d with no error; from scratch it is a cycle", i, v)
					continue
				}
				dcCheckCycle(t, fmt.Sprintf("gate open, idle: ring(%d)", i), err, edges)
			}
		})
	}
}

// A cycle that an edit opens again must let its members recover: a reads b
// only while gate is true, b always reads a. Closing the gate after opening
// it gives b a value from scratch (a's constant plus one), but the engine's
// first strong read of b still returned the CycleError.
func TestCycleOpenedAndClosedRecovers(t *testing.T) {
	for _, workers := range []int{1, 4} {
		t.Run(fmt.Sprint("workers=", workers), func(t *testing.T) {
			e := newEngine(t, &cellar.Options{Workers: workers})
			ctx := context.Background()
			gate := cellar.NewState(e, "gate", false)
			var a, b *cellar.Func1[int, int]
			a = cellar.NewFunc1(e, "a", func(ctx context.Context, _ int) (int, error) {
				if gate.Get(ctx) {
					v, err := b.Call(ctx, 0).Get(ctx)
					return v + 1, err
				}
				return 10, nil
			})
			b = cellar.NewFunc1(e, "b", func(ctx context.Context, _ int) (int, error) {
				v, err := a.Call(ctx, 0).Get(ctx)
				return v + 1, err
			})
			if v, err := dcRead(t, b.CallOperation(ctx, 0)); err != nil || v != 11 {
				t.Fatalf("gate closed: b = %d, %v; want 11", v, err)
			}
			gate.Set(true)
			_, err := dcRead(t, b.CallOperation(ctx, 0))
			dcCheckCycle(t, "gate open: b", err, map[[2]string]bool{{"a(0)", "b(0)"}: true, {"b(0)", "a(0)"}: true})
			gate.Set(false)
			if v, err := dcRead(t, b.CallOperation(ctx, 0)); err != nil || v != 11 {
				t.Errorf("gate closed again, first read: b = %d, %v; from scratch 11", v, err)
			}
			dcIdle(t, e)
			if v, err := dcRead(t, b.CallOperation(ctx, 0)); err != nil || v != 11 {
				t.Errorf("gate closed again, idle: b = %d, %v; from scratch 11", v, err)
			}
			if v, err := dcRead(t, a.CallOperation(ctx, 0)); err != nil || v != 10 {
				t.Errorf("gate closed again, idle: a = %d, %v; from scratch 10", v, err)
			}
		})
	}
}

// A change only in the middle of a long chain of failures is a change, and
// the top of the chain must report the new chain. The message of a chain
// longer than nine tasks elides the middle ("... N more ..."), and the
// engine compared failures by message, so switching link(6) from reading
// link(5) to alt(5) counted as no change: the top kept the old chain,
// through link(5), a task no longer on the path.
func TestLongErrorChainChangeInMiddleIsAChange(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	viaAlt := cellar.NewState(e, "viaAlt", false)
	errRoot := errors.New("root failure")
	var link, alt *cellar.Func1[int, int]
	link = cellar.NewFunc1(e, "link", func(ctx context.Context, i int) (int, error) {
		if i == 0 {
			return 0, errRoot
		}
		below := link
		if i == 6 && viaAlt.Get(ctx) {
			below = alt
		}
		return below.Call(ctx, i-1).Get(ctx)
	})
	alt = cellar.NewFunc1(e, "alt", func(ctx context.Context, i int) (int, error) {
		return link.Call(ctx, i-1).Get(ctx)
	})
	const top = 12
	want := func(alt bool) []string {
		var names []string
		for i := top; i >= 0; i-- {
			if i == 5 && alt {
				names = append(names, "alt(5)")
			} else {
				names = append(names, fmt.Sprintf("link(%d)", i))
			}
		}
		return names
	}
	check := func(when string, alt bool) {
		t.Helper()
		_, err := dcRead(t, link.CallOperation(ctx, top))
		var te *cellar.TaskError
		if !errors.As(err, &te) || !errors.Is(err, errRoot) {
			t.Fatalf("%s: err = %v, want a TaskError wrapping the root failure", when, err)
		}
		if got := te.Chain(); !slices.Equal(got, want(alt)) {
			t.Errorf("%s: Chain() = %q\nfrom scratch       %q", when, got, want(alt))
		}
	}
	check("before the edit", false)
	viaAlt.Set(true)
	check("after switching the middle of the chain", true)
	viaAlt.Set(false)
	check("after switching back", false)
}

// A final read drops a value, not its cutoff: the reader of par (the
// parity of n) must not run again when n changes from 1 to 3, since par's
// recomputed value is equal. After par's value was dropped by GetFinal, the
// engine compared the recomputed value with the dropped one, found them
// different, and re-ran the reader.
func TestFinalReadKeepsCutoff(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	n := cellar.NewState(e, "n", 1)
	par := cellar.NewFunc1(e, "par", func(ctx context.Context, _ int) (int, error) {
		return n.Get(ctx) % 2, nil
	})
	var readerRuns atomic.Int32
	reader := cellar.NewFunc1(e, "reader", func(ctx context.Context, _ int) (int, error) {
		readerRuns.Add(1)
		v, err := par.Call(ctx, 0).Get(ctx)
		return v + 100, err
	})
	if v, err := dcRead(t, reader.CallOperation(ctx, 0)); err != nil || v != 101 {
		t.Fatalf("reader = %d, %v", v, err)
	}
	if v, err := par.Call(ctx, 0).GetFinal(ctx); err != nil || v != 1 {
		t.Fatalf("GetFinal(par) = %d, %v", v, err)
	}
	n.Set(3)
	if v, err := dcRead(t, reader.CallOperation(ctx, 0)); err != nil || v != 101 {
		t.Fatalf("after n=3: reader = %d, %v; want 101", v, err)
	}
	dcIdle(t, e)
	if got := readerRuns.Load(); got != 1 {
		t.Errorf("reader ran %d times; want 1: par's value was dropped and recomputed equal, which is no change", got)
	}
}

// Resolving a Vc depends on which cell it ends at, not on the cell's value.
// resolver calls ToResolved on leaf's output, and caller passes leaf's
// output as a Vc argument to par (which reads the value and returns its
// parity). When leaf's value changes from 1 to 3, leaf's output is still
// the same cell, and par's value is unchanged, so neither resolver nor
// caller has anything to do; the engine re-ran both.
func TestResolveDoesNotDependOnValue(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	n := cellar.NewState(e, "n", 1)
	leaf := cellar.NewFunc1(e, "leaf", func(ctx context.Context, _ int) (int, error) {
		return n.Get(ctx), nil
	})
	var resolverRuns, callerRuns atomic.Int32
	resolver := cellar.NewFunc1(e, "resolver", func(ctx context.Context, _ int) (cellar.ResolvedVc[int], error) {
		resolverRuns.Add(1)
		return leaf.Call(ctx, 0).ToResolved(ctx)
	})
	par := cellar.NewFunc1(e, "par", func(ctx context.Context, v cellar.Vc[int]) (int, error) {
		x, err := v.Get(ctx)
		return x % 2, err
	})
	caller := cellar.NewFunc1(e, "caller", func(ctx context.Context, _ int) (int, error) {
		callerRuns.Add(1)
		return par.Call(ctx, leaf.Call(ctx, 0)).Get(ctx)
	})
	rv, err := dcRead(t, resolver.CallOperation(ctx, 0))
	if err != nil {
		t.Fatalf("resolver: %v", err)
	}
	if v, err := dcRead(t, caller.CallOperation(ctx, 0)); err != nil || v != 1 {
		t.Fatalf("caller = %d, %v", v, err)
	}
	n.Set(3)
	if v, err := dcRead(t, leaf.CallOperation(ctx, 0)); err != nil || v != 3 {
		t.Fatalf("leaf = %d, %v", v, err)
	}
	if got, err := dcRead(t, resolver.CallOperation(ctx, 0)); err != nil || got != rv {
		t.Fatalf("resolver = %v, %v; want %v", got, err, rv)
	}
	if v, err := dcRead(t, caller.CallOperation(ctx, 0)); err != nil || v != 1 {
		t.Fatalf("caller = %d, %v", v, err)
	}
	dcIdle(t, e)
	if got := resolverRuns.Load(); got != 1 {
		t.Errorf("resolver (ToResolved) ran %d times; want 1: leaf's output is the same cell, only its value changed", got)
	}
	if got := callerRuns.Load(); got != 1 {
		t.Errorf("caller (Vc argument) ran %d times; want 1: the argument resolves to the same cell and par's value is unchanged", got)
	}
}

// A task that switched from reading a to reading b no longer depends on a:
// a change of a while that run is in progress is no reason to run it a
// third time. x reads cond, then b if cond is true and a otherwise; its
// second run (after cond is set) pauses after reading b while a is set.
func TestSwitchedReadRunsOnce(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	cond := cellar.NewState(e, "cond", false)
	a := cellar.NewState(e, "a", 1)
	b := cellar.NewState(e, "b", 2)
	paused := make(chan struct{})
	resume := make(chan struct{})
	var runs atomic.Int32
	x := cellar.NewFunc1(e, "x", func(ctx context.Context, _ int) (int, error) {
		n := runs.Add(1)
		if !cond.Get(ctx) {
			return a.Get(ctx), nil
		}
		v := b.Get(ctx)
		if n == 2 {
			close(paused)
			<-resume
		}
		return v, nil
	})
	if v, err := dcRead(t, x.CallOperation(ctx, 0)); err != nil || v != 1 {
		t.Fatalf("x = %d, %v", v, err)
	}
	cond.Set(true)
	select {
	case <-paused:
	case <-time.After(diffGuard):
		t.Fatalf("x did not run again after cond changed; goroutines:\n%s", goroutines())
	}
	a.Set(5) // x's running execution has not read a
	close(resume)
	if v, err := dcRead(t, x.CallOperation(ctx, 0)); err != nil || v != 2 {
		t.Fatalf("x = %d, %v; want 2", v, err)
	}
	dcIdle(t, e)
	if got := runs.Load(); got != 2 {
		t.Errorf("x ran %d times; want 2: its second run read cond and b, and only a changed", got)
	}
}

// A read inside a task whose context is cancelled returns ctx.Err() at
// once, even when every worker is busy: it needs no worker to return. With
// two workers, slow and blocker hold both (blocked outside the engine), and
// reader's read of slow, through a context it then cancels, waited for a
// slot instead of returning.
func TestCancelledReadInTaskReturnsPromptly(t *testing.T) {
	e := newEngine(t, &cellar.Options{Workers: 2})
	ctx := context.Background()
	release := make(chan struct{})
	defer close(release)
	slowStarted := make(chan struct{})
	slow := cellar.NewFunc1(e, "slow", func(ctx context.Context, _ int) (int, error) {
		close(slowStarted)
		<-release // blocked outside the engine, holding a worker
		return 1, nil
	})
	blockerStarted := make(chan struct{})
	blocker := cellar.NewFunc1(e, "blocker", func(ctx context.Context, _ int) (int, error) {
		close(blockerStarted)
		<-release
		return 2, nil
	})
	cancelRead := make(chan context.CancelFunc, 1)
	readErr := make(chan error, 1)
	reader := cellar.NewFunc1(e, "reader", func(ctx context.Context, _ int) (int, error) {
		rctx, cancel := context.WithCancel(ctx)
		defer cancel()
		cancelRead <- cancel
		_, err := slow.Call(ctx, 0).Get(rctx)
		readErr <- err
		return 0, err
	})
	reader.Call(ctx, 0)
	cancel := <-cancelRead
	<-slowStarted
	// blocker can start only once reader has given its worker back, that
	// is, once it is blocked in its read of slow.
	blocker.Call(ctx, 0)
	select {
	case <-blockerStarted:
	case <-time.After(diffGuard):
		t.Fatalf("blocker did not start; goroutines:\n%s", goroutines())
	}
	cancel()
	select {
	case err := <-readErr:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled read = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("a cancelled read inside a task did not return within 5s while all workers were busy; goroutines:\n%s", goroutines())
	}
}

// CycleError.Tasks() must be a cycle of the graph the inputs define: each
// task in it reads the next, and the first is the last.
//
// "stale edges": n4 reads n1 and then n3, n3 reads n1, and n1 reads base
// while gate is false and n4 once it is true. With the gate open, n4 fails
// at its first read (of n1), so from scratch the only cycle is n1 -> n4 ->
// n1; the engine reported n1(0) -> n4(0) -> n3(0) -> n1(0), through n4's
// read of n3 in its execution before the edit.
//
// "concurrent first runs": every member of a ring starts on its own worker
// before any reads the next, so the cycle is found through waiting tasks
// rather than recorded edges; a path like ["ring(1)" "ring(2)"], which
// the tester saw, is not a cycle (the test of a cycle through a returned
// Vc below caught one of those: ["one(0)" "five(0)"]).
func TestCycleErrorTasksIsACycle(t *testing.T) {
	t.Run("stale edges", func(t *testing.T) {
		for _, workers := range []int{1, 4} {
			e := newEngine(t, &cellar.Options{Workers: workers})
			ctx := context.Background()
			gate := cellar.NewState(e, "gate", false)
			base := cellar.NewState(e, "base", 1)
			var n1, n3, n4 *cellar.Func1[int, int]
			n1 = cellar.NewFunc1(e, "n1", func(ctx context.Context, _ int) (int, error) {
				if !gate.Get(ctx) {
					return base.Get(ctx), nil
				}
				return n4.Call(ctx, 0).Get(ctx)
			})
			n3 = cellar.NewFunc1(e, "n3", func(ctx context.Context, _ int) (int, error) {
				v, err := n1.Call(ctx, 0).Get(ctx)
				return v + 1, err
			})
			n4 = cellar.NewFunc1(e, "n4", func(ctx context.Context, _ int) (int, error) {
				a, err := n1.Call(ctx, 0).Get(ctx)
				if err != nil {
					return 0, err
				}
				b, err := n3.Call(ctx, 0).Get(ctx)
				return a + b, err
			})
			if v, err := dcRead(t, n4.CallOperation(ctx, 0)); err != nil || v != 3 {
				t.Fatalf("gate closed: n4 = %d, %v; want 3", v, err)
			}
			gate.Set(true)
			edges := map[[2]string]bool{{"n1(0)", "n4(0)"}: true, {"n4(0)", "n1(0)"}: true}
			for _, op := range []cellar.OperationVc[int]{n1.CallOperation(ctx, 0), n4.CallOperation(ctx, 0), n3.CallOperation(ctx, 0)} {
				_, err := dcRead(t, op)
				dcCheckCycle(t, fmt.Sprintf("workers=%d, gate open: %v", workers, op.DebugIdentifier()), err, edges)
			}
		}
	})
	t.Run("concurrent first runs", func(t *testing.T) {
		for _, k := range []int{2, 3, 4} {
			for range 20 {
				e := newEngine(t, &cellar.Options{Workers: k})
				ctx := context.Background()
				var started sync.WaitGroup
				started.Add(k)
				var ring *cellar.Func1[int, int]
				ring = cellar.NewFunc1(e, "ring", func(ctx context.Context, i int) (int, error) {
					started.Done()
					started.Wait() // every member runs before any reads the next
					v, err := ring.Call(ctx, (i+1)%k).Get(ctx)
					return v + 1, err
				})
				edges := map[[2]string]bool{}
				var ops []cellar.OperationVc[int]
				for i := range k {
					edges[[2]string{fmt.Sprintf("ring(%d)", i), fmt.Sprintf("ring(%d)", (i+1)%k)}] = true
					ops = append(ops, ring.CallOperation(ctx, i))
				}
				// Read every member at once, each from its own goroutine.
				errs := make(chan error, k)
				for _, op := range ops {
					go func() {
						_, err := op.ReadStronglyConsistent(ctx)
						errs <- err
					}()
				}
				for range k {
					select {
					case err := <-errs:
						dcCheckCycle(t, fmt.Sprintf("ring of %d", k), err, edges)
					case <-time.After(diffGuard):
						t.Fatalf("ring of %d: a read did not return within %v; goroutines:\n%s", k, diffGuard, goroutines())
					}
				}
				e.Close()
			}
		}
	})
}

// A strongly consistent read with context.Background() returns even when
// a fresh task it needs has its first run abandoned (by the cancelled read
// that started it) while the reader is busy running another task. Here
// the reader runs top, which runs busy inline and then reads fresh; fresh
// started on a worker for a read whose context is then cancelled. The
// independent tester saw such a reader wait forever for a task nobody
// would run again (about once in 100-300 random graphs with 4 or 8
// workers); this shape is the schedule that report describes, and the
// differential test runs abandoned reads alongside strong ones for the
// general case.
func TestStrongReadOfAbandonedFreshTaskReturns(t *testing.T) {
	for _, workers := range []int{2, 4} {
		t.Run(fmt.Sprint("workers=", workers), func(t *testing.T) {
			e := newEngine(t, &cellar.Options{Workers: workers})
			ctx := context.Background()
			freshStarted := make(chan struct{})
			freshCancelled := make(chan struct{})
			busyStarted := make(chan struct{})
			releaseBusy := make(chan struct{})
			var freshRuns atomic.Int32
			fresh := cellar.NewFunc1(e, "fresh", func(ctx context.Context, _ int) (int, error) {
				if freshRuns.Add(1) == 1 {
					close(freshStarted)
					<-ctx.Done() // only its abandonment ends the first run
					close(freshCancelled)
					return 0, ctx.Err()
				}
				return 7, nil
			})
			busy := cellar.NewFunc1(e, "busy", func(ctx context.Context, _ int) (int, error) {
				close(busyStarted)
				<-releaseBusy
				return 1, nil
			})
			top := cellar.NewFunc1(e, "top", func(ctx context.Context, _ int) (int, error) {
				b, err := busy.Call(ctx, 0).Get(ctx)
				if err != nil {
					return 0, err
				}
				f, err := fresh.Call(ctx, 0).Get(ctx)
				return b + f, err
			})
			cctx, cancel := context.WithCancel(ctx)
			abandoned := make(chan error, 1)
			go func() {
				_, err := fresh.Call(cctx, 0).Get(cctx)
				abandoned <- err
			}()
			<-freshStarted
			got := make(chan error, 1)
			var v int
			go func() {
				var err error
				v, err = top.CallOperation(ctx, 0).ReadStronglyConsistent(ctx)
				got <- err
			}()
			<-busyStarted
			cancel() // fresh's first run is abandoned while busy runs
			if err := <-abandoned; !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled read of fresh = %v, want context.Canceled", err)
			}
			// The read returns as soon as its context is done; the engine
			// drops its interest in fresh just after (context.AfterFunc).
			// Waiting for fresh to see its cancellation keeps top from
			// calling fresh first, which would rightly keep that run alive.
			// Whether top then finds fresh still running or back to new
			// is left to the schedule.
			select {
			case <-freshCancelled:
			case <-time.After(diffGuard):
				t.Fatalf("fresh's first run was not cancelled within %v after its only caller gave up; goroutines:\n%s", diffGuard, goroutines())
			}
			close(releaseBusy)
			select {
			case err := <-got:
				if err != nil || v != 8 {
					t.Fatalf("top = %d, %v; want 8", v, err)
				}
			case <-time.After(diffGuard):
				t.Fatalf("strongly consistent read of top did not return within %v; goroutines:\n%s", diffGuard, goroutines())
			}
		})
	}
}

// A cycle that exists neither before nor after an edit costs at most one
// extra execution, and never a wrong value. a reads s while s is even and c
// otherwise; b reads a while s is even and s otherwise; c reads b. When s
// becomes odd, a runs first (it is the lowest) and reads c, which still
// depends on a through b's previous execution: a transient cycle, which a
// cannot tell from a real one without waiting for b, which is above it. a
// fails with it, and runs again once b has run and the cycle is gone: three
// executions in all where two would suffice, the price the package
// documentation states. More than that, or a strongly consistent read of a
// returning the transient CycleError (as an earlier engine did), is a bug.
func TestTransientCycleCostsAtMostOneRun(t *testing.T) {
	for _, workers := range []int{1, 4} {
		t.Run(fmt.Sprint("workers=", workers), func(t *testing.T) {
			e := newEngine(t, &cellar.Options{Workers: workers})
			ctx := context.Background()
			s := cellar.NewState(e, "s", 0)
			var a, b, c *cellar.Func1[int, int]
			var aRuns atomic.Int32
			a = cellar.NewFunc1(e, "a", func(ctx context.Context, _ int) (int, error) {
				aRuns.Add(1)
				if v := s.Get(ctx); v%2 == 0 {
					return v, nil
				}
				return c.Call(ctx, 0).Get(ctx)
			})
			b = cellar.NewFunc1(e, "b", func(ctx context.Context, _ int) (int, error) {
				if v := s.Get(ctx); v%2 == 1 {
					return v, nil
				}
				return a.Call(ctx, 0).Get(ctx)
			})
			c = cellar.NewFunc1(e, "c", func(ctx context.Context, _ int) (int, error) {
				v, err := b.Call(ctx, 0).Get(ctx)
				return v + 1, err
			})
			if v, err := dcRead(t, c.CallOperation(ctx, 0)); err != nil || v != 1 {
				t.Fatalf("s=0: c = %d, %v; want 1", v, err)
			}
			s.Set(1)
			if v, err := dcRead(t, a.CallOperation(ctx, 0)); err != nil || v != 2 {
				t.Fatalf("s=1: a = %d, %v; want 2 (from scratch: a = c = b+1 = s+1)", v, err)
			}
			dcIdle(t, e)
			if got := aRuns.Load(); got > 3 {
				t.Errorf("a ran %d times; want at most 3: one edit, and one run again once the transient cycle is gone", got)
			}
		})
	}
}

// Collectibles must not turn a cycle into a hang. one reads fwd's output,
// fwd returns zero's Vc while s is odd and five's otherwise, five reads
// three, and three reads zero (which fails while s is 3) and then one.
// With collectibles of one and five peeked while s is 3, setting s to 4
// closes the cycle one -> five -> three -> one. One engine never returned
// from WaitIdle (heights were raised forever, collect tasks waiting on one
// another); an earlier one reported the cycle as ["one(0)" "five(0)"],
// which is not a cycle.
func TestCycleThroughReturnedVcWithCollectiblesDoesNotHang(t *testing.T) {
	e := newEngine(t, &cellar.Options{Workers: 1})
	ctx := context.Background()
	s := cellar.NewState(e, "s", 3)
	zero := cellar.NewFunc1(e, "zero", func(ctx context.Context, _ int) (int, error) {
		if v := s.Get(ctx); v != 3 {
			return v, nil
		}
		cellar.Emit(ctx, -1)
		return 0, errors.New("zero fails")
	})
	var one, three *cellar.Func1[int, int]
	five := cellar.NewFunc1(e, "five", func(ctx context.Context, _ int) (int, error) {
		return three.Call(ctx, 0).Get(ctx)
	})
	fwd := cellar.NewVcFunc1(e, "fwd", func(ctx context.Context, _ int) (cellar.Vc[int], error) {
		if s.Get(ctx)%2 == 1 {
			return zero.Call(ctx, 0), nil
		}
		return five.Call(ctx, 0), nil
	})
	one = cellar.NewFunc1(e, "one", func(ctx context.Context, _ int) (int, error) {
		return fwd.Call(ctx, 0).Get(ctx)
	})
	three = cellar.NewFunc1(e, "three", func(ctx context.Context, _ int) (int, error) {
		if _, err := zero.Call(ctx, 0).Get(ctx); err != nil {
			return 0, err
		}
		return one.Call(ctx, 0).Get(ctx)
	})
	for _, op := range []cellar.OperationVc[int]{one.CallOperation(ctx, 0), five.CallOperation(ctx, 0)} {
		_, err := dcRead(t, op)
		if err == nil || !strings.Contains(err.Error(), "zero fails") {
			t.Fatalf("s=3: %v = %v, want the failure of zero", op.DebugIdentifier(), err)
		}
		if got := dcPeek(t, op); !slices.Equal(got, []int{-1}) {
			t.Fatalf("s=3: collectibles of %v = %v, want [-1]", op.DebugIdentifier(), got)
		}
	}
	s.Set(4)
	dcIdle(t, e)
	edges := map[[2]string]bool{{"one(0)", "five(0)"}: true, {"one(0)", "fwd(0)"}: true, {"five(0)", "three(0)"}: true, {"three(0)", "one(0)"}: true, {"three(0)", "zero(0)"}: true}
	for _, op := range []cellar.OperationVc[int]{one.CallOperation(ctx, 0), five.CallOperation(ctx, 0), three.CallOperation(ctx, 0)} {
		_, err := dcRead(t, op)
		dcCheckCycle(t, fmt.Sprintf("s=4: %v", op.DebugIdentifier()), err, edges)
	}
}

// dcPeek returns the collectibles of type int of op, bounded by diffGuard.
func dcPeek(t *testing.T, op cellar.OperationVc[int]) []int {
	t.Helper()
	type result struct {
		col []int
		err error
	}
	ch := make(chan result, 1)
	go func() {
		seq, err := cellar.Peek[int](context.Background(), op)
		if err != nil {
			ch <- result{nil, err}
			return
		}
		ch <- result{slices.Collect(seq), nil}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatalf("Peek(%v): %v", op, r.err)
		}
		return r.col
	case <-time.After(diffGuard):
		t.Fatalf("Peek(%v) did not return within %v; goroutines:\n%s", op, diffGuard, goroutines())
		panic("unreachable")
	}
}

// A task that passes a task's output as a Vc argument reads that output
// (the argument is resolved as a local step of the caller), so the task's
// collectibles reach the caller's: top calls inc(leaf) with leaf's output,
// and leaf emits 100. Peek(top) returned nothing (in an intermediate
// state of the engine; the randomized test caught it at once).
func TestPeekCollectsTheTaskOfAVcArgument(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	leaf := cellar.NewFunc1(e, "leaf", func(ctx context.Context, _ int) (int, error) {
		cellar.Emit(ctx, 100)
		return 1, nil
	})
	inc := cellar.NewFunc1(e, "inc", func(ctx context.Context, vc cellar.Vc[int]) (int, error) {
		v, err := vc.Get(ctx)
		return v + 1, err
	})
	top := cellar.NewFunc1(e, "top", func(ctx context.Context, _ int) (int, error) {
		return inc.Call(ctx, leaf.Call(ctx, 0)).Get(ctx)
	})
	if v, err := dcRead(t, top.CallOperation(ctx, 0)); err != nil || v != 2 {
		t.Fatalf("top = %d, %v; want 2", v, err)
	}
	if got := dcPeek(t, top.CallOperation(ctx, 0)); !slices.Equal(got, []int{100}) {
		t.Errorf("collectibles of top = %v, want [100]: top resolved leaf's output, and inc read its cell", got)
	}
}

// A failure recomputed equal is no change, whatever happened in between:
// p fails while s is odd, r reads p, top reads r. s goes from 1 to 2 (p
// recovers, r runs again) and, while r's run waits before reading p, to 3
// (p fails again, with the same error). r's run then reads that error and
// fails exactly as before, so top has nothing to do; the engine re-ran it
// ("read r(0), which changed"). With values instead of errors it did not.
func TestFailureRecomputedEqualIsNoChange(t *testing.T) {
	e := newEngine(t, &cellar.Options{Workers: 2})
	ctx := context.Background()
	s := cellar.NewState(e, "s", 1)
	p := cellar.NewFunc1(e, "p", func(ctx context.Context, _ int) (int, error) {
		if v := s.Get(ctx); v%2 == 0 {
			return v, nil
		}
		return 0, errors.New("p rejects")
	})
	paused := make(chan struct{})
	resume := make(chan struct{})
	var rRuns, topRuns atomic.Int32
	r := cellar.NewFunc1(e, "r", func(ctx context.Context, _ int) (int, error) {
		if rRuns.Add(1) == 2 {
			close(paused)
			<-resume
		}
		return p.Call(ctx, 0).Get(ctx)
	})
	top := cellar.NewFunc1(e, "top", func(ctx context.Context, _ int) (int, error) {
		topRuns.Add(1)
		return r.Call(ctx, 0).Get(ctx)
	})
	const want = "top(0) -> r(0) -> p(0): p rejects"
	if _, err := dcRead(t, top.CallOperation(ctx, 0)); err == nil || err.Error() != want {
		t.Fatalf("s=1: top fails with %v, want %q", err, want)
	}
	s.Set(2)
	select {
	case <-paused:
	case <-time.After(diffGuard):
		t.Fatalf("r did not run again after p recovered; goroutines:\n%s", goroutines())
	}
	s.Set(3)
	if _, err := dcRead(t, p.CallOperation(ctx, 0)); err == nil {
		t.Fatal("s=3: p did not fail")
	}
	close(resume)
	if _, err := dcRead(t, top.CallOperation(ctx, 0)); err == nil || err.Error() != want {
		t.Fatalf("s=3: top fails with %v, want %q", err, want)
	}
	dcIdle(t, e)
	if got := topRuns.Load(); got != 1 {
		in, _ := top.CallOperation(ctx, 0).Info()
		t.Errorf("top ran %d times (the engine says because it %v); want 1: r failed exactly as before", got, in.Cause)
	}
}
