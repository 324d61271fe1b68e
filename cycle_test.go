package cellar_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/cellar-go/cellar"
)

// Dependency cycles: they are found (directly, indirectly, across
// goroutines, through returned Vcs) and reported as a CycleError, and tasks
// recover once an edit removes the cycle.

func TestCycles(t *testing.T) {
	ctx := context.Background()
	t.Run("direct", func(t *testing.T) {
		e := newEngine(t, nil)
		var self *cellar.Func1[int, int]
		self = cellar.NewFunc1(e, "self", func(ctx context.Context, n int) (int, error) {
			return self.Call(ctx, n).Get(ctx)
		})
		_, err := self.Call(ctx, 1).Get(ctx)
		checkCycle(t, err, "self(1) -> self(1)")
	})
	t.Run("indirect", func(t *testing.T) {
		e := newEngine(t, &cellar.Options{Workers: 1})
		var a, b, c *cellar.Func1[int, int]
		a = cellar.NewFunc1(e, "a", func(ctx context.Context, n int) (int, error) { return b.Call(ctx, n).Get(ctx) })
		b = cellar.NewFunc1(e, "b", func(ctx context.Context, n int) (int, error) { return c.Call(ctx, n).Get(ctx) })
		c = cellar.NewFunc1(e, "c", func(ctx context.Context, n int) (int, error) { return a.Call(ctx, n).Get(ctx) })
		_, err := a.Call(ctx, 1).Get(ctx)
		checkCycle(t, err, "c(1) -> a(1) -> b(1) -> c(1)")
	})
	t.Run("across goroutines", func(t *testing.T) {
		e := newEngine(t, &cellar.Options{Workers: 2})
		var wg sync.WaitGroup
		wg.Add(2)
		// Both tasks start on their own worker before either reads the other.
		var a, b *cellar.Func1[int, int]
		a = cellar.NewFunc1(e, "a", func(ctx context.Context, n int) (int, error) {
			wg.Done()
			wg.Wait()
			return b.Call(ctx, n).Get(ctx)
		})
		b = cellar.NewFunc1(e, "b", func(ctx context.Context, n int) (int, error) {
			wg.Done()
			wg.Wait()
			return a.Call(ctx, n).Get(ctx)
		})
		va, vb := a.Call(ctx, 1), b.Call(ctx, 1)
		_, errA := va.Get(ctx)
		_, errB := vb.Get(ctx)
		if !errors.Is(errA, cellar.ErrCycle) || !errors.Is(errB, cellar.ErrCycle) {
			t.Fatalf("errors %v and %v, want both to be cycles", errA, errB)
		}
	})
	t.Run("through returned Vcs", func(t *testing.T) {
		e := newEngine(t, nil)
		var a, b *cellar.Func1[int, int]
		a = cellar.NewVcFunc1(e, "a", func(ctx context.Context, n int) (cellar.Vc[int], error) { return b.Call(ctx, n), nil })
		b = cellar.NewVcFunc1(e, "b", func(ctx context.Context, n int) (cellar.Vc[int], error) { return a.Call(ctx, n), nil })
		_, err := a.Call(ctx, 1).Get(ctx)
		if !errors.Is(err, cellar.ErrCycle) {
			t.Fatalf("err = %v, want a cycle", err)
		}
	})
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

// An untracked read that would close a cycle fails, but makes no
// dependency, not even one that is re-checked once the cycle is gone.
func TestUntrackedReadInACycleMakesNoDependency(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	s := cellar.NewState(e, "s", false)
	u := cellar.NewState(e, "u", false)
	aRuns := 0
	var a, b *cellar.Func1[int, int]
	a = cellar.NewFunc1(e, "a", func(ctx context.Context, _ int) (int, error) {
		aRuns++
		if s.Get(ctx) {
			b.Call(ctx, 0).GetUntracked(ctx) // b reads a: a cycle, ignored
		}
		return 1, nil
	})
	b = cellar.NewFunc1(e, "b", func(ctx context.Context, _ int) (int, error) {
		if u.Get(ctx) {
			return 0, nil
		}
		v, err := a.Call(ctx, 0).Get(ctx)
		return v + 1, err
	})
	opA, opB := a.CallOperation(ctx, 0), b.CallOperation(ctx, 0)
	if v, err := opB.ReadStronglyConsistent(ctx); err != nil || v != 2 {
		t.Fatalf("b = %d, %v", v, err)
	}
	s.Set(true)
	if v, err := opA.ReadStronglyConsistent(ctx); err != nil || v != 1 {
		t.Fatalf("a = %d, %v", v, err)
	}
	runs := aRuns
	u.Set(true) // b no longer reads a; a read nothing of b's
	if v, err := opB.ReadStronglyConsistent(ctx); err != nil || v != 0 {
		t.Fatalf("b = %d, %v", v, err)
	}
	if err := e.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if aRuns != runs {
		in, _ := opA.Info()
		t.Fatalf("a ran again (%v) although nothing it read changed", in.Cause)
	}
}

// A task that passes a cell it has just made to a task it then reads (which
// runs inline) makes a cycle: the callee reads its caller's cell while the
// caller waits for it. The read fails with a CycleError instead of leaving
// heights that a later raise would chase forever under the engine's lock.
// The scenario runs in a child process with a watchdog, since the failure
// it guards against eats memory without end.
func TestCellOfARunningCallerIsACycle(t *testing.T) {
	if os.Getenv("CELLAR_TEST_CELL_OF_CALLER_CHILD") == "1" {
		cellOfACallerChild()
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCellOfARunningCallerIsACycle$", "-test.v")
	cmd.Env = append(os.Environ(), "CELLAR_TEST_CELL_OF_CALLER_CHILD=1")
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second): // deadlock guard
		cmd.Process.Kill()
		<-done
	}
	s := string(out)
	if err != nil || !strings.Contains(s, "child: f and g finished") {
		i := strings.Index(s, "goroutine ")
		if j := strings.Index(s, "raiseLocked"); j >= 0 {
			i = max(0, j-1500)
		}
		t.Errorf("child: %v; the raise never ended (the engine's lock is held for good):\n%s", err, s[max(0, i):min(len(s), max(0, i)+3000)])
	}
}

func cellOfACallerChild() {
	// Watchdog: the scenario takes microseconds; the endless raise grows
	// its trail by a few hundred MB a second, so stop it early.
	finished := make(chan struct{})
	go func() {
		select {
		case <-finished:
		case <-time.After(2 * time.Second):
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			println("child: still running after 2s; goroutines:")
			println(string(buf))
			os.Exit(3)
		}
	}()
	defer close(finished)

	e := cellar.New(&cellar.Options{Workers: 1})
	ctx := context.Background()
	s := cellar.NewState(e, "s", 0)
	d := cellar.NewFunc1(e, "d", func(ctx context.Context, _ int) (int, error) { return s.Get(ctx), nil })
	if _, err := d.CallOperation(ctx, 0).ReadStronglyConsistent(ctx); err != nil {
		panic(err)
	}
	readCell := make(chan struct{})
	proceed := make(chan struct{})
	z := cellar.NewFunc1(e, "z", func(ctx context.Context, _ int) (int, error) { return 1, nil })
	g := cellar.NewFunc1(e, "g", func(ctx context.Context, c cellar.Vc[int]) (int, error) {
		v, err := c.Get(ctx) // f's cell, f still running
		close(readCell)
		if err != nil {
			return 0, err
		}
		<-proceed
		w, err := z.Call(ctx, 0).Get(ctx) // runs z inline: raiseWaitersLocked(g)
		return v + w, err
	})
	f := cellar.NewFunc1(e, "f", func(ctx context.Context, _ int) (int, error) {
		c := cellar.Cell(ctx, 41)
		return g.Call(ctx, c).Get(ctx) // runs g inline
	})
	op := f.CallOperation(ctx, 0) // scheduled on the worker; no strong read in progress
	<-readCell
	s.Set(1) // d is dirty: now propagatingLocked() is true
	close(proceed)
	if v, err := op.ReadStronglyConsistent(ctx); err != nil {
		println("child: f and g finished:", err.Error())
	} else {
		println("child: f and g finished:", v)
	}
	e.Close()
}
