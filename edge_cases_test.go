package cellar_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cellar-go/cellar"
)

// A task returns the Vc of a child it called (without reading it); the
// child it returns depends on a state. When the state changes, the returned
// child changes, but the task's reads did not: Peek must follow the new child.
func TestPeekFollowsAReturnedVcToItsNewTask(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	s := cellar.NewState(e, "s", 1)
	child := cellar.NewFunc1(e, "child", func(ctx context.Context, n int) (int, error) {
		cellar.Emit(ctx, fmt.Sprint("child", n))
		return n, nil
	})
	top := cellar.NewVcFunc1(e, "top", func(ctx context.Context, _ int) (cellar.Vc[int], error) {
		return child.Call(ctx, s.Get(ctx)), nil
	})
	op := top.CallOperation(ctx, 0)
	if got := mustGet(t, op.Connect()); got != 1 {
		t.Fatalf("top = %d", got)
	}
	if got := peekAll[string](t, ctx, op); !slices.Equal(got, []string{"child1"}) {
		t.Fatalf("Peek = %v, want [child1]", got)
	}
	s.Set(2)
	if got := mustGet(t, op.Connect()); got != 2 {
		t.Fatalf("top = %d after the edit", got)
	}
	if got := peekAll[string](t, ctx, op); !slices.Equal(got, []string{"child2"}) {
		t.Fatalf("after the edit Peek = %v, want [child2] (as from scratch)", got)
	}
}

// A task makes a cell, passes it to a child and returns the child's Vc (a
// common pattern). The task graph is acyclic, but collectibles flow both
// ways (the child read the parent's cell; the parent returned the child's
// output), so the collect tasks must not form a cycle.
func TestPeekOfATaskThatPassesItsCellToTheChildItReturns(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	child := cellar.NewFunc1(e, "child", func(ctx context.Context, v cellar.Vc[int]) (int, error) {
		cellar.Emit(ctx, "child")
		n, err := v.Get(ctx)
		return n + 1, err
	})
	parent := cellar.NewVcFunc1(e, "parent", func(ctx context.Context, _ int) (cellar.Vc[int], error) {
		cellar.Emit(ctx, "parent")
		return child.Call(ctx, cellar.Cell(ctx, 5)), nil
	})
	op := parent.CallOperation(ctx, 0)
	if got := mustGet(t, op.Connect()); got != 6 {
		t.Fatalf("parent = %d", got)
	}
	seq, err := cellar.Peek[string](ctx, op)
	if err != nil {
		t.Fatalf("Peek: %v (the task graph has no cycle)", err)
	}
	got := slices.Collect(seq)
	sort.Strings(got)
	if !slices.Equal(got, []string{"child", "parent"}) {
		t.Fatalf("Peek = %v, want [child parent]", got)
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

type ptrHolder struct {
	P *cellar.Vc[int]
}

// DebugValue follows a pointer to a Vc like the Vc itself.
func TestDebugValueFollowsAPointerToAVc(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	leaf := cellar.NewFunc1(e, "leaf", func(ctx context.Context, n int) (int, error) { return n, nil })
	holder := cellar.NewFunc1(e, "holder", func(ctx context.Context, n int) (ptrHolder, error) {
		v := leaf.Call(ctx, n)
		return ptrHolder{P: &v}, nil
	})
	v := holder.Call(ctx, 7)
	mustGet(t, v)
	var s string
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("DebugValue panicked: %v", r)
			}
		}()
		s = v.DebugValue(ctx, 3)
	}()
	t.Log(s)
}

// Default[T] for two distinct function-local types with the same name gives
// each its own task.
func TestDefaultOfTwoLocalTypesWithTheSameName(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("Default panicked: %v", r)
		}
	}()
	{
		type local struct{ A int }
		if got := mustGet(t, cellar.Default[local](ctx, e)); got != (local{}) {
			t.Fatal(got)
		}
	}
	{
		type local struct{ B string }
		if got := mustGet(t, cellar.Default[local](ctx, e)); got != (local{}) {
			t.Fatal(got)
		}
	}
}

// DebugValue of a value that refers to itself through a map or a slice
// (no pointer involved) marks the cycle instead of recursing forever.
func TestDebugValueOfASelfReferentialMap(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	f := cellar.NewFunc1(e, "selfmap", func(ctx context.Context, _ int) (map[string]any, error) {
		m := map[string]any{}
		m["self"] = m
		s := []any{nil}
		s[0] = s
		m["slice"] = s
		return m, nil
	})
	v := f.Call(ctx, 0)
	mustGet(t, v)
	got := v.DebugValue(ctx, 2)
	if strings.Count(got, "<cycle>") != 2 {
		t.Fatalf("DebugValue = %s, want two marked cycles", got)
	}
}

type hookedArg struct{ N int }

var argHook atomic.Pointer[func()]

func (a hookedArg) GoString() string {
	if h := argHook.Load(); h != nil {
		(*h)()
	}
	return fmt.Sprintf("hookedArg{%d}", a.N)
}

// Task names are built by formatting the arguments with %#v, which calls
// their GoString methods. Info, Graph and DebugIdentifier format them
// outside the engine's lock, so a GoString that asks the engine something
// works. The timeout only detects a deadlock.
func TestInfoFormatsArgumentsOutsideTheEngineLock(t *testing.T) {
	e := cellar.New(nil) // not closed if it deadlocks: Close would hang too
	ctx := context.Background()
	other := cellar.NewState(e, "other", 0)
	f := cellar.NewFunc1(e, "f", func(ctx context.Context, a hookedArg) (int, error) { return a.N, nil })
	v := f.Call(ctx, hookedArg{1})
	mustGet(t, v)
	hook := func() { _ = other.Vc().DebugIdentifier() }
	argHook.Store(&hook)
	defer argHook.Store(nil)
	done := make(chan struct{})
	go func() {
		v.Info()
		close(done)
	}()
	select {
	case <-done:
		e.Close()
	case <-time.After(failAfter):
		t.Fatal("Info deadlocked: it formats the task's arguments (user GoString) under the engine's lock")
	}
}

// A failing task's name goes into its error; it is formatted outside the
// engine's lock too, so an argument whose GoString asks the engine something
// does not deadlock the failure.
func TestFailureFormatsArgumentsOutsideTheEngineLock(t *testing.T) {
	e := cellar.New(nil) // not closed if it deadlocks: Close would hang too
	ctx := context.Background()
	other := cellar.NewState(e, "other", 0)
	hook := func() { _ = other.Vc().DebugIdentifier() }
	argHook.Store(&hook)
	defer argHook.Store(nil)
	f := cellar.NewFunc1(e, "fails", func(ctx context.Context, a hookedArg) (int, error) {
		return 0, fmt.Errorf("bad %d", a.N)
	})
	done := make(chan error, 1)
	go func() {
		_, err := f.Call(ctx, hookedArg{2}).Get(ctx)
		done <- err
	}()
	select {
	case err := <-done:
		e.Close()
		if err == nil || err.Error() != "fails(hookedArg{2}): bad 2" {
			t.Fatalf("err = %v", err)
		}
	case <-time.After(failAfter):
		t.Fatal("a failing task deadlocked formatting its name under the engine's lock")
	}
}

// Cycles and missing cells are found under the engine's lock; their
// errors name the tasks only when printed, so an argument whose GoString
// asks the engine something does not deadlock them.
func TestCycleAndMissingCellErrorsFormatArgumentsOutsideTheEngineLock(t *testing.T) {
	e := cellar.New(nil) // not closed if it deadlocks: Close would hang too
	ctx := context.Background()
	other := cellar.NewState(e, "other", 0)
	var self *cellar.Func1[hookedArg, int]
	self = cellar.NewFunc1(e, "self", func(ctx context.Context, a hookedArg) (int, error) {
		return self.Call(ctx, a).Get(ctx) // reads itself
	})
	type cells struct{ V []cellar.Vc[int] }
	prod := cellar.NewFunc1(e, "prod", func(ctx context.Context, a hookedArg) (cells, error) {
		if other.Get(ctx) == 0 {
			return cells{V: []cellar.Vc[int]{cellar.Cell(ctx, a.N), cellar.Cell(ctx, a.N)}}, nil
		}
		return cells{}, nil
	})
	second := mustGet(t, prod.Call(ctx, hookedArg{4})).V[1]
	other.Set(1) // prod makes no cells any more
	hook := func() { _ = other.Vc().DebugIdentifier() }
	argHook.Store(&hook)
	defer argHook.Store(nil)
	done := make(chan [2]error, 1)
	go func() {
		_, cycleErr := self.Call(ctx, hookedArg{3}).Get(ctx)
		_, goneErr := second.Get(ctx)
		done <- [2]error{cycleErr, goneErr}
	}()
	select {
	case errs := <-done:
		e.Close()
		var ce *cellar.CycleError
		if !errors.As(errs[0], &ce) || !strings.Contains(errs[0].Error(), "self(hookedArg{3}) -> self(hookedArg{3})") {
			t.Errorf("cycle error = %v", errs[0])
		}
		if !errors.Is(errs[1], cellar.ErrCellGone) || !strings.Contains(errs[1].Error(), "prod(hookedArg{4})#1") {
			t.Errorf("missing cell error = %v", errs[1])
		}
	case <-time.After(failAfter):
		t.Fatal("a cycle or missing-cell error deadlocked formatting task names under the engine's lock")
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
