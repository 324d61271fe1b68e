package cellar_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cellar-go/cellar"
)

// Task names, made by formatting the arguments with %#v, are formatted
// outside the engine's lock: for Info, for the errors of failing tasks, and
// for cycle and missing-cell errors.

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
	within(t, done, "Info, which deadlocks if it formats the task's arguments (user GoString) under the engine's lock")
	e.Close()
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
	err := within(t, done, "a failing task, which deadlocks if it formats its name under the engine's lock")
	e.Close()
	if err == nil || err.Error() != "fails(hookedArg{2}): bad 2" {
		t.Fatalf("err = %v", err)
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
	errs := within(t, done, "a cycle and a missing cell, whose errors deadlock if they format task names under the engine's lock")
	e.Close()
	var ce *cellar.CycleError
	if !errors.As(errs[0], &ce) || !strings.Contains(errs[0].Error(), "self(hookedArg{3}) -> self(hookedArg{3})") {
		t.Errorf("cycle error = %v", errs[0])
	}
	if !errors.Is(errs[1], cellar.ErrCellGone) || !strings.Contains(errs[1].Error(), "prod(hookedArg{4})#1") {
		t.Errorf("missing cell error = %v", errs[1])
	}
}
