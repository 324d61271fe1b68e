package cellar_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cellar-go/cellar"
)

// Failures: errors are memoized with their TaskError chain, panics and
// runtime.Goexit in a task function fail the task, and an error value whose
// methods are broken cannot crash the engine.

func TestErrorsAreMemoizedWithTheirChain(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	errMissing := errors.New("missing")
	path := cellar.NewState(e, "path", "a.txt")
	var readRuns, countRuns atomic.Int32
	readFile := cellar.NewFunc1(e, "readFile", func(ctx context.Context, _ int) (string, error) {
		readRuns.Add(1)
		p := path.Get(ctx)
		if p == "a.txt" {
			return "", fmt.Errorf("open %s: %w", p, errMissing)
		}
		return "one two three", nil
	})
	wordCount := cellar.NewFunc1(e, "wordCount", func(ctx context.Context, _ int) (int, error) {
		countRuns.Add(1)
		s, err := readFile.Call(ctx, 0).Get(ctx)
		if err != nil {
			return 0, err
		}
		return len(strings.Fields(s)), nil
	})
	for range 2 {
		_, err := wordCount.Call(ctx, 0).Get(ctx)
		if !errors.Is(err, errMissing) {
			t.Fatalf("err = %v, want it to wrap errMissing", err)
		}
		var te *cellar.TaskError
		if !errors.As(err, &te) {
			t.Fatalf("err = %T, want *TaskError", err)
		}
		if got, want := strings.Join(te.Chain(), " | "), "wordCount(0) | readFile(0)"; got != want {
			t.Fatalf("chain = %q, want %q", got, want)
		}
		if got, want := err.Error(), "wordCount(0) -> readFile(0): open a.txt: missing"; got != want {
			t.Fatalf("message = %q, want %q", got, want)
		}
	}
	if readRuns.Load() != 1 || countRuns.Load() != 1 {
		t.Fatalf("failed tasks re-ran: readFile %d, wordCount %d", readRuns.Load(), countRuns.Load())
	}
	path.Set("b.txt")
	if got := mustGet(t, wordCount.Call(ctx, 0)); got != 3 {
		t.Fatalf("after fixing the input: %d", got)
	}
}

func TestPanicsBecomeErrors(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	var runs atomic.Int32
	boom := cellar.NewFunc1(e, "boom", func(ctx context.Context, n int) (int, error) {
		runs.Add(1)
		var m map[string]int
		//lint:ignore SA5000 the task panics on purpose, with a runtime error
		m["x"] = n // assignment to entry in nil map
		return 0, nil
	})
	caller := cellar.NewFunc1(e, "caller", func(ctx context.Context, n int) (int, error) {
		return boom.Call(ctx, n).Get(ctx)
	})
	for range 2 {
		_, err := caller.Call(ctx, 1).Get(ctx)
		if !errors.Is(err, cellar.ErrPanic) {
			t.Fatalf("err = %v, want ErrPanic", err)
		}
		var pe *cellar.PanicError
		if !errors.As(err, &pe) || !strings.Contains(string(pe.Stack), "TestPanicsBecomeErrors") {
			t.Fatalf("no stack of the panicking function in %v", err)
		}
		var re runtime.Error
		if !errors.As(err, &re) {
			t.Fatalf("the runtime error is not reachable: %v", err)
		}
		if !strings.HasPrefix(err.Error(), "caller(1) -> boom(1): panic: ") {
			t.Fatalf("message %q", err.Error())
		}
	}
	if runs.Load() != 1 {
		t.Fatalf("panicking task ran %d times, want 1 (memoized)", runs.Load())
	}
	// The engine keeps working.
	ok := cellar.NewFunc1(e, "ok", func(ctx context.Context, n int) (int, error) { return n, nil })
	if mustGet(t, ok.Call(ctx, 3)) != 3 {
		t.Fatal("engine broken after a panic")
	}
}

// A task function that ends its goroutine with runtime.Goexit, as
// t.FailNow does, fails with ErrGoexit: on a worker, inline inside the
// task that read it (whose goroutine ends with it), and on the goroutine
// of a strongly consistent read. The engine goes on working, and Close
// leaves nothing behind.
func TestGoexitInATaskFailsTheTask(t *testing.T) {
	e := cellar.New(&cellar.Options{Workers: 2})
	s := cellar.NewState(e, "s", 0)
	exit := cellar.NewFunc1(e, "exit", func(ctx context.Context, n int) (int, error) {
		if s.Get(ctx) == n {
			runtime.Goexit()
		}
		return n, nil
	})
	parent := cellar.NewFunc1(e, "parent", func(ctx context.Context, n int) (int, error) {
		return exit.Call(ctx, n).Get(ctx) // may run exit inline
	})
	ctx, cancel := guard(t)
	defer cancel()
	for n := range 3 {
		s.Set(n)
		// A cancellable ctx: the read waits for a worker.
		if _, err := exit.Call(ctx, n).Get(ctx); !errors.Is(err, cellar.ErrGoexit) {
			t.Fatalf("exit(%d): err = %v, want ErrGoexit", n, err)
		}
		if _, err := parent.Call(ctx, n).Get(ctx); !errors.Is(err, cellar.ErrGoexit) {
			t.Fatalf("parent(%d): err = %v, want ErrGoexit", n, err)
		}
		if got := mustGet(t, parent.Call(ctx, n+10)); got != n+10 {
			t.Fatalf("parent(%d) = %d", n+10, got)
		}
	}
	// A read with a context that cannot be cancelled may run the task on
	// the reading goroutine, which Goexit then ends.
	s.Set(20)
	done := make(chan struct{})
	go func() {
		defer close(done)
		exit.Call(context.Background(), 20).Get(context.Background())
	}()
	<-done
	if _, err := exit.Call(ctx, 20).Get(ctx); !errors.Is(err, cellar.ErrGoexit) {
		t.Fatalf("exit(20): err = %v, want ErrGoexit", err)
	}
	if err := e.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	e.Close()
	if gs := engineGoroutines(); len(gs) > 0 {
		t.Fatalf("%d goroutines still run engine code after Close:\n%s", len(gs), strings.Join(gs, "\n\n"))
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
	ctx, cancel := guard(t)
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

// Two sentinels that print alike, and an error type whose message does not
// show its code.
var (
	errNotFoundA = errors.New("not found")
	errNotFoundB = errors.New("not found") // another sentinel, printed alike
)

type codeError struct {
	Code int
}

func (e *codeError) Error() string { return "request failed" } // the code is not printed

// Two failures of one type and message count as the same for cutoff (their
// readers are not re-run), but a read of the failing task itself returns the
// latest error value: errors.Is and errors.As see what a from-scratch run
// returns, not the previous execution's error.
func TestErrorsThatPrintAlikeAreReadAsTheyAre(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	s := cellar.NewState(e, "s", 0)
	f := cellar.NewFunc1(e, "f", func(ctx context.Context, _ int) (int, error) {
		switch s.Get(ctx) {
		case 0:
			return 0, errNotFoundA
		case 1:
			return 0, errNotFoundB
		case 2:
			return 0, &codeError{Code: 404}
		default:
			return 0, &codeError{Code: 500}
		}
	})
	op := f.CallOperation(ctx, 0)
	if _, err := op.ReadStronglyConsistent(ctx); !errors.Is(err, errNotFoundA) {
		t.Fatalf("s=0: %v", err)
	}
	s.Set(1)
	if _, err := op.ReadStronglyConsistent(ctx); !errors.Is(err, errNotFoundB) {
		t.Errorf("s=1: errors.Is(err, errNotFoundB) is false: the read returned the previous execution's error (errors.Is(err, errNotFoundA) = %v)", errors.Is(err, errNotFoundA))
	}
	s.Set(2)
	op.ReadStronglyConsistent(ctx)
	s.Set(3)
	_, err := op.ReadStronglyConsistent(ctx)
	var ce *codeError
	if !errors.As(err, &ce) || ce.Code != 500 {
		t.Errorf("s=3: the error's code is %d, want 500 (from scratch)", ce.Code)
	}
}
