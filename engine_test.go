package cellar_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cellar-go/cellar"
)

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
	ctx, cancel := context.WithTimeout(context.Background(), failAfter)
	defer cancel()
	got, err := v.Get(ctx)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	return got
}

func TestMemoization(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	var runs atomic.Int32
	square := cellar.NewFunc1(e, "square", func(ctx context.Context, n int) (int, error) {
		runs.Add(1)
		return n * n, nil
	})
	for range 3 {
		if got := mustGet(t, square.Call(ctx, 7)); got != 49 {
			t.Fatalf("square(7) = %d", got)
		}
	}
	if got := mustGet(t, square.Call(ctx, 8)); got != 64 {
		t.Fatalf("square(8) = %d", got)
	}
	if n := runs.Load(); n != 2 {
		t.Fatalf("square ran %d times for two distinct arguments", n)
	}
	if s := e.Stats(); s.Reused != 2 {
		t.Fatalf("Stats.Reused = %d, want 2", s.Reused)
	}
}

func TestMultipleArgumentsAndStructs(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	type point struct{ X, Y int }
	var runs atomic.Int32
	dist := cellar.NewFunc3(e, "dist", func(ctx context.Context, a, b point, scale int) (int, error) {
		runs.Add(1)
		return scale * (abs(a.X-b.X) + abs(a.Y-b.Y)), nil
	})
	p, q := point{1, 2}, point{4, 6}
	if got := mustGet(t, dist.Call(ctx, p, q, 2)); got != 14 {
		t.Fatalf("dist = %d", got)
	}
	mustGet(t, dist.Call(ctx, point{1, 2}, point{4, 6}, 2))
	mustGet(t, dist.Call(ctx, q, p, 2))
	if n := runs.Load(); n != 2 {
		t.Fatalf("dist ran %d times, want 2", n)
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func TestEarlyCutoff(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	input := cellar.NewState(e, "input", 2)
	var parityRuns, labelRuns atomic.Int32
	parity := cellar.NewFunc1(e, "parity", func(ctx context.Context, _ struct{}) (int, error) {
		parityRuns.Add(1)
		return input.Get(ctx) % 2, nil
	})
	label := cellar.NewFunc1(e, "label", func(ctx context.Context, _ struct{}) (string, error) {
		labelRuns.Add(1)
		p, err := parity.Call(ctx, struct{}{}).Get(ctx)
		return fmt.Sprint("parity ", p), err
	})
	op := label.CallOperation(ctx, struct{}{})
	read := func() string {
		t.Helper()
		s, err := op.ReadStronglyConsistent(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if got := read(); got != "parity 0" {
		t.Fatalf("got %q", got)
	}
	input.Set(4) // same parity: label must not re-run
	if got := read(); got != "parity 0" {
		t.Fatalf("got %q", got)
	}
	if parityRuns.Load() != 2 || labelRuns.Load() != 1 {
		t.Fatalf("after an equal result: parity ran %d, label ran %d; want 2, 1", parityRuns.Load(), labelRuns.Load())
	}
	input.Set(5)
	if got := read(); got != "parity 1" {
		t.Fatalf("got %q", got)
	}
	if parityRuns.Load() != 3 || labelRuns.Load() != 2 {
		t.Fatalf("after a changed result: parity ran %d, label ran %d; want 3, 2", parityRuns.Load(), labelRuns.Load())
	}
	input.Set(5) // equal value: nothing runs
	read()
	if parityRuns.Load() != 3 {
		t.Fatalf("setting an equal value re-ran parity")
	}
	if s := e.Stats(); s.CutOff != 1 {
		t.Fatalf("Stats.CutOff = %d, want 1", s.CutOff)
	}
}

func TestCellsAreComparedIndividually(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	a := cellar.NewState(e, "a", 1)
	b := cellar.NewState(e, "b", 10)
	type pair struct {
		A, B cellar.Vc[int]
	}
	split := cellar.NewFunc1(e, "split", func(ctx context.Context, _ int) (pair, error) {
		return pair{cellar.Cell(ctx, a.Get(ctx)), cellar.Cell(ctx, b.Get(ctx))}, nil
	})
	var readsA, readsB atomic.Int32
	useA := cellar.NewFunc1(e, "useA", func(ctx context.Context, _ int) (int, error) {
		readsA.Add(1)
		p, err := split.Call(ctx, 0).Get(ctx)
		if err != nil {
			return 0, err
		}
		return p.A.Get(ctx)
	})
	useB := cellar.NewFunc1(e, "useB", func(ctx context.Context, _ int) (int, error) {
		readsB.Add(1)
		p, err := split.Call(ctx, 0).Get(ctx)
		if err != nil {
			return 0, err
		}
		return p.B.Get(ctx)
	})
	if mustGet(t, useA.Call(ctx, 0)) != 1 || mustGet(t, useB.Call(ctx, 0)) != 10 {
		t.Fatal("wrong initial values")
	}
	b.Set(20)
	if got := mustGet(t, useB.Call(ctx, 0)); got != 20 {
		t.Fatalf("useB = %d", got)
	}
	mustGet(t, useA.Call(ctx, 0))
	if readsA.Load() != 1 || readsB.Load() != 2 {
		t.Fatalf("useA ran %d, useB ran %d; want 1, 2", readsA.Load(), readsB.Load())
	}
}

func TestReturningAVcDoesNotCopy(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	in := cellar.NewState(e, "in", "hello")
	var upperRuns atomic.Int32
	upper := cellar.NewFunc1(e, "upper", func(ctx context.Context, _ int) (string, error) {
		upperRuns.Add(1)
		return strings.ToUpper(in.Get(ctx)), nil
	})
	// pick returns one of two Vcs without reading them.
	pick := cellar.NewVcFunc1(e, "pick", func(ctx context.Context, upperCase bool) (cellar.Vc[string], error) {
		if upperCase {
			return upper.Call(ctx, 0), nil
		}
		return in.Vc(), nil
	})
	if got := mustGet(t, pick.Call(ctx, true)); got != "HELLO" {
		t.Fatalf("got %q", got)
	}
	if got := mustGet(t, pick.Call(ctx, false)); got != "hello" {
		t.Fatalf("got %q", got)
	}
	in.Set("bye")
	if got := mustGet(t, pick.Call(ctx, true)); got != "BYE" {
		t.Fatalf("got %q", got)
	}
	if got := mustGet(t, pick.Call(ctx, false)); got != "bye" {
		t.Fatalf("got %q", got)
	}
	if n := upperRuns.Load(); n != 2 {
		t.Fatalf("upper ran %d times", n)
	}
}

func TestDynamicDependencies(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	useA := cellar.NewState(e, "useA", true)
	a := cellar.NewState(e, "a", 1)
	b := cellar.NewState(e, "b", 2)
	var runs atomic.Int32
	choose := cellar.NewFunc1(e, "choose", func(ctx context.Context, _ int) (int, error) {
		runs.Add(1)
		if useA.Get(ctx) {
			return a.Get(ctx), nil
		}
		return b.Get(ctx), nil
	})
	get := func() int { return mustGet(t, choose.Call(ctx, 0)) }
	if get() != 1 {
		t.Fatal("want a")
	}
	b.Set(3) // not read: no re-run
	if get() != 1 || runs.Load() != 1 {
		t.Fatalf("re-ran on a change of something not read (runs=%d)", runs.Load())
	}
	useA.Set(false)
	if get() != 3 || runs.Load() != 2 {
		t.Fatal("did not switch to b")
	}
	a.Set(7) // no longer read
	if get() != 3 || runs.Load() != 2 {
		t.Fatalf("re-ran on a change of something read only in an earlier run (runs=%d)", runs.Load())
	}
	b.Set(4)
	if get() != 4 || runs.Load() != 3 {
		t.Fatal("did not re-run on a change of b")
	}
}

func TestVcArgumentsAreResolved(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	n := cellar.NewState(e, "n", 5)
	// id returns the same cell through its output.
	id := cellar.NewVcFunc1(e, "id", func(ctx context.Context, v cellar.Vc[int]) (cellar.Vc[int], error) { return v, nil })
	var runs atomic.Int32
	plusOne := cellar.NewFunc1(e, "plusOne", func(ctx context.Context, v cellar.Vc[int]) (int, error) {
		runs.Add(1)
		x, err := v.Get(ctx)
		return x + 1, err
	})
	direct := plusOne.Call(ctx, n.Vc())
	viaOutput := plusOne.Call(ctx, id.Call(ctx, n.Vc()))
	if mustGet(t, direct) != 6 || mustGet(t, viaOutput) != 6 {
		t.Fatal("wrong values")
	}
	if r := runs.Load(); r != 1 {
		t.Fatalf("plusOne ran %d times for two handles of one cell, want 1", r)
	}
	n.Set(6)
	if mustGet(t, viaOutput) != 7 || mustGet(t, direct) != 7 {
		t.Fatal("wrong values after the edit")
	}
	if r := runs.Load(); r != 2 {
		t.Fatalf("plusOne ran %d times, want 2", r)
	}
}

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

func TestRegistrationMistakesPanic(t *testing.T) {
	e := newEngine(t, nil)
	f := func(ctx context.Context, n int) (int, error) { return n, nil }
	cellar.NewFunc1(e, "f", f)
	for name, register := range map[string]func(){
		"duplicate name": func() { cellar.NewFunc1(e, "f", f) },
		"nil function":   func() { cellar.NewFunc1[int, int](e, "g", nil) },
		"empty name":     func() { cellar.NewFunc1(e, "", f) },
		"unexported Vc field": func() {
			type hidden struct{ v cellar.Vc[int] }
			cellar.NewFunc1(e, "h", func(ctx context.Context, h hidden) (int, error) { return 0, nil })
		},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("did not panic")
				}
			}()
			register()
		})
	}
	// The same name on another engine is fine.
	cellar.NewFunc1(newEngine(t, nil), "f", f)
}

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
	ctx2, cancel2 := context.WithTimeout(context.Background(), failAfter)
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
