package cellar_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cellar-go/cellar"
)

// The task-function family, Func1 to Func4, is tested once for all
// funcArities: each arity is an arityCase whose adapters call the arity's own
// constructors and methods with int arguments, taken from a slice.

// taskFunc is one registered FuncN, its methods taking the arguments as a
// slice of length N.
type taskFunc struct {
	call   func(ctx context.Context, args []int) cellar.Vc[string]
	callOp func(ctx context.Context, args []int) cellar.OperationVc[string]
	lookup func(args []int) (cellar.OperationVc[string], bool)
	name   func() string
}

type (
	valueFn = func(ctx context.Context, args []int) (string, error)
	vcFn    = func(ctx context.Context, args []int) (cellar.Vc[string], error)
)

type arityCase struct {
	n int
	// newFunc and newVcFunc register fn with NewFuncN and NewVcFuncN; a
	// nil fn is passed on as a nil function.
	newFunc   func(e *cellar.Engine, name string, fn valueFn) taskFunc
	newVcFunc func(e *cellar.Engine, name string, fn vcFn) taskFunc
}

func wrap1(f *cellar.Func1[int, string]) taskFunc {
	return taskFunc{
		call:   func(ctx context.Context, a []int) cellar.Vc[string] { return f.Call(ctx, a[0]) },
		callOp: func(ctx context.Context, a []int) cellar.OperationVc[string] { return f.CallOperation(ctx, a[0]) },
		lookup: func(a []int) (cellar.OperationVc[string], bool) { return f.Lookup(a[0]) },
		name:   f.Name,
	}
}

func wrap2(f *cellar.Func2[int, int, string]) taskFunc {
	return taskFunc{
		call:   func(ctx context.Context, a []int) cellar.Vc[string] { return f.Call(ctx, a[0], a[1]) },
		callOp: func(ctx context.Context, a []int) cellar.OperationVc[string] { return f.CallOperation(ctx, a[0], a[1]) },
		lookup: func(a []int) (cellar.OperationVc[string], bool) { return f.Lookup(a[0], a[1]) },
		name:   f.Name,
	}
}

func wrap3(f *cellar.Func3[int, int, int, string]) taskFunc {
	return taskFunc{
		call: func(ctx context.Context, a []int) cellar.Vc[string] { return f.Call(ctx, a[0], a[1], a[2]) },
		callOp: func(ctx context.Context, a []int) cellar.OperationVc[string] {
			return f.CallOperation(ctx, a[0], a[1], a[2])
		},
		lookup: func(a []int) (cellar.OperationVc[string], bool) { return f.Lookup(a[0], a[1], a[2]) },
		name:   f.Name,
	}
}

func wrap4(f *cellar.Func4[int, int, int, int, string]) taskFunc {
	return taskFunc{
		call: func(ctx context.Context, a []int) cellar.Vc[string] { return f.Call(ctx, a[0], a[1], a[2], a[3]) },
		callOp: func(ctx context.Context, a []int) cellar.OperationVc[string] {
			return f.CallOperation(ctx, a[0], a[1], a[2], a[3])
		},
		lookup: func(a []int) (cellar.OperationVc[string], bool) { return f.Lookup(a[0], a[1], a[2], a[3]) },
		name:   f.Name,
	}
}

var funcArities = []arityCase{
	{
		n: 1,
		newFunc: func(e *cellar.Engine, name string, fn valueFn) taskFunc {
			if fn == nil {
				return wrap1(cellar.NewFunc1[int, string](e, name, nil))
			}
			return wrap1(cellar.NewFunc1(e, name, func(ctx context.Context, a int) (string, error) {
				return fn(ctx, []int{a})
			}))
		},
		newVcFunc: func(e *cellar.Engine, name string, fn vcFn) taskFunc {
			if fn == nil {
				return wrap1(cellar.NewVcFunc1[int, string](e, name, nil))
			}
			return wrap1(cellar.NewVcFunc1(e, name, func(ctx context.Context, a int) (cellar.Vc[string], error) {
				return fn(ctx, []int{a})
			}))
		},
	},
	{
		n: 2,
		newFunc: func(e *cellar.Engine, name string, fn valueFn) taskFunc {
			if fn == nil {
				return wrap2(cellar.NewFunc2[int, int, string](e, name, nil))
			}
			return wrap2(cellar.NewFunc2(e, name, func(ctx context.Context, a, b int) (string, error) {
				return fn(ctx, []int{a, b})
			}))
		},
		newVcFunc: func(e *cellar.Engine, name string, fn vcFn) taskFunc {
			if fn == nil {
				return wrap2(cellar.NewVcFunc2[int, int, string](e, name, nil))
			}
			return wrap2(cellar.NewVcFunc2(e, name, func(ctx context.Context, a, b int) (cellar.Vc[string], error) {
				return fn(ctx, []int{a, b})
			}))
		},
	},
	{
		n: 3,
		newFunc: func(e *cellar.Engine, name string, fn valueFn) taskFunc {
			if fn == nil {
				return wrap3(cellar.NewFunc3[int, int, int, string](e, name, nil))
			}
			return wrap3(cellar.NewFunc3(e, name, func(ctx context.Context, a, b, c int) (string, error) {
				return fn(ctx, []int{a, b, c})
			}))
		},
		newVcFunc: func(e *cellar.Engine, name string, fn vcFn) taskFunc {
			if fn == nil {
				return wrap3(cellar.NewVcFunc3[int, int, int, string](e, name, nil))
			}
			return wrap3(cellar.NewVcFunc3(e, name, func(ctx context.Context, a, b, c int) (cellar.Vc[string], error) {
				return fn(ctx, []int{a, b, c})
			}))
		},
	},
	{
		n: 4,
		newFunc: func(e *cellar.Engine, name string, fn valueFn) taskFunc {
			if fn == nil {
				return wrap4(cellar.NewFunc4[int, int, int, int, string](e, name, nil))
			}
			return wrap4(cellar.NewFunc4(e, name, func(ctx context.Context, a, b, c, d int) (string, error) {
				return fn(ctx, []int{a, b, c, d})
			}))
		},
		newVcFunc: func(e *cellar.Engine, name string, fn vcFn) taskFunc {
			if fn == nil {
				return wrap4(cellar.NewVcFunc4[int, int, int, int, string](e, name, nil))
			}
			return wrap4(cellar.NewVcFunc4(e, name, func(ctx context.Context, a, b, c, d int) (cellar.Vc[string], error) {
				return fn(ctx, []int{a, b, c, d})
			}))
		},
	},
}

func forEachFuncArity(t *testing.T, test func(t *testing.T, ac arityCase)) {
	for _, ac := range funcArities {
		t.Run(fmt.Sprintf("Func%d", ac.n), func(t *testing.T) { test(t, ac) })
	}
}

// funcArgs returns the arguments 1, 2, ..., n.
func funcArgs(n int) []int {
	args := make([]int, n)
	for i := range args {
		args[i] = i + 1
	}
	return args
}

// withArg returns a copy of args with the i-th replaced by v.
func withArg(args []int, i, v int) []int {
	out := append([]int(nil), args...)
	out[i] = v
	return out
}

// funcDebugName is the debug name of the task of the function name for args,
// such as f(1, 2).
func funcDebugName(name string, args []int) string {
	s := make([]string, len(args))
	for i, a := range args {
		s[i] = fmt.Sprint(a)
	}
	return name + "(" + strings.Join(s, ", ") + ")"
}

// argsRecorder is the body of a value task function: it records the calls,
// and returns the arguments it got, in order, as "[1 2 3]".
type argsRecorder struct {
	runs atomic.Int32
}

func (r *argsRecorder) fn(ctx context.Context, args []int) (string, error) {
	r.runs.Add(1)
	return fmt.Sprint(args), nil
}

func TestFuncCallMemoizesAndPassesArgumentsInOrder(t *testing.T) {
	forEachFuncArity(t, func(t *testing.T, ac arityCase) {
		e := newEngine(t, nil)
		ctx := context.Background()
		var rec argsRecorder
		f := ac.newFunc(e, "f", rec.fn)
		if got := f.name(); got != "f" {
			t.Fatalf("Name() = %q, want %q", got, "f")
		}
		args := funcArgs(ac.n)
		v := f.call(ctx, args)
		if got, want := mustGet(t, v), fmt.Sprint(args); got != want {
			t.Fatalf("Call%v = %q, want %q", args, got, want)
		}
		if in := mustInfo(t, v.Info); in.Name != funcDebugName("f", args) || in.Executions != 1 {
			t.Fatalf("Info of Call%v: %+v, want name %s and one execution", args, in, funcDebugName("f", args))
		}

		// Equal arguments, through Call or CallOperation: the same task.
		reused := e.Stats().Reused
		for range 3 {
			if got := mustGet(t, f.call(ctx, funcArgs(ac.n))); got != fmt.Sprint(args) {
				t.Fatalf("Call%v again = %q", args, got)
			}
		}
		op := f.callOp(ctx, funcArgs(ac.n))
		if got, err := op.ReadStronglyConsistent(ctx); err != nil || got != fmt.Sprint(args) {
			t.Fatalf("CallOperation%v = %q, %v", args, got, err)
		}
		if got := mustGet(t, op.Connect()); got != fmt.Sprint(args) {
			t.Fatalf("CallOperation%v.Connect() = %q", args, got)
		}
		if n := rec.runs.Load(); n != 1 {
			t.Fatalf("f ran %d times for one set of arguments", n)
		}
		if got := e.Stats().Reused - reused; got != 4 {
			t.Fatalf("Stats.Reused grew by %d over 4 calls with equal arguments, want 4", got)
		}
		if got, want := op.DebugIdentifier(), funcDebugName("f", args); got != want {
			t.Fatalf("DebugIdentifier = %q, want %q", got, want)
		}

		// Changing any one argument makes a new task, which runs once.
		for i := range ac.n {
			other := withArg(args, i, 10+i)
			for range 2 {
				if got := mustGet(t, f.callOp(ctx, other).Connect()); got != fmt.Sprint(other) {
					t.Fatalf("CallOperation%v = %q", other, got)
				}
			}
			if n, want := rec.runs.Load(), int32(2+i); n != want {
				t.Fatalf("after calling f%v twice: f ran %d times, want %d", other, n, want)
			}
		}
	})
}

func TestFuncCallFromATaskIsMemoized(t *testing.T) {
	forEachFuncArity(t, func(t *testing.T, ac arityCase) {
		e := newEngine(t, nil)
		ctx := context.Background()
		var rec argsRecorder
		f := ac.newFunc(e, "f", rec.fn)
		bump := cellar.NewState(e, "bump", 0)
		outer := cellar.NewFunc1(e, "outer", func(ctx context.Context, _ int) (string, error) {
			// Equal arguments twice in one execution, and again in the next.
			first, err := f.call(ctx, funcArgs(ac.n)).Get(ctx)
			if err != nil {
				return "", err
			}
			second, err := f.callOp(ctx, funcArgs(ac.n)).Connect().Get(ctx)
			if err != nil {
				return "", err
			}
			return fmt.Sprint(first, second, bump.Get(ctx)), nil
		})
		want := fmt.Sprint(funcArgs(ac.n))
		if got := mustGet(t, outer.Call(ctx, 0)); got != want+want+"0" {
			t.Fatalf("outer = %q", got)
		}
		bump.Set(1)
		if got := mustGet(t, outer.Call(ctx, 0)); got != want+want+"1" {
			t.Fatalf("outer after the edit = %q", got)
		}
		if in := mustInfo(t, outer.CallOperation(ctx, 0).Info); in.Executions != 2 {
			t.Fatalf("outer ran %d times, want 2", in.Executions)
		}
		if n := rec.runs.Load(); n != 1 {
			t.Fatalf("f ran %d times, called with equal arguments from two executions of outer", n)
		}
	})
}

func TestFuncErrors(t *testing.T) {
	forEachFuncArity(t, func(t *testing.T, ac arityCase) {
		e := newEngine(t, nil)
		ctx := context.Background()
		errBad := errors.New("bad arguments")
		fail := func(ctx context.Context, args []int) (string, error) {
			if args[len(args)-1] < 0 {
				return "", errBad
			}
			return fmt.Sprint(args), nil
		}
		f := ac.newFunc(e, "f", fail)
		g := ac.newVcFunc(e, "g", func(ctx context.Context, args []int) (cellar.Vc[string], error) {
			s, err := fail(ctx, args)
			if err != nil {
				return cellar.Vc[string]{}, err
			}
			return cellar.Cell(ctx, s), nil
		})
		bad := withArg(funcArgs(ac.n), ac.n-1, -1)
		for _, fn := range []taskFunc{f, g} {
			if _, err := fn.call(ctx, bad).Get(ctx); !errors.Is(err, errBad) {
				t.Errorf("%s%v: err = %v, want %v", fn.name(), bad, err, errBad)
			}
			if _, err := fn.callOp(ctx, bad).ReadStronglyConsistent(ctx); !errors.Is(err, errBad) {
				t.Errorf("%s%v through CallOperation: err = %v, want %v", fn.name(), bad, err, errBad)
			}
			if got := mustGet(t, fn.call(ctx, funcArgs(ac.n))); got != fmt.Sprint(funcArgs(ac.n)) {
				t.Errorf("%s%v = %q", fn.name(), funcArgs(ac.n), got)
			}
		}
	})
}

func TestVcFuncReturnsTheVcItGot(t *testing.T) {
	forEachFuncArity(t, func(t *testing.T, ac arityCase) {
		e := newEngine(t, nil)
		ctx := context.Background()
		text := cellar.NewState(e, "text", "old")
		var rec argsRecorder
		upper := ac.newFunc(e, "upper", func(ctx context.Context, args []int) (string, error) {
			rec.runs.Add(1)
			return strings.ToUpper(text.Get(ctx)) + fmt.Sprint(args), nil
		})
		var runs atomic.Int32
		var got atomic.Value // the arguments of the last run
		// pick returns the state's own Vc when the first argument is odd,
		// and upper's for the same arguments otherwise.
		pick := ac.newVcFunc(e, "pick", func(ctx context.Context, args []int) (cellar.Vc[string], error) {
			runs.Add(1)
			got.Store(fmt.Sprint(args))
			if args[0]%2 == 1 {
				return text.Vc(), nil
			}
			return upper.call(ctx, args), nil
		})
		if got := pick.name(); got != "pick" {
			t.Fatalf("Name() = %q", got)
		}
		odd, even := funcArgs(ac.n), withArg(funcArgs(ac.n), 0, 2)
		if s := mustGet(t, pick.call(ctx, odd)); s != "old" {
			t.Fatalf("pick%v = %q, want the state's value", odd, s)
		}
		if s, want := got.Load(), fmt.Sprint(odd); s != want {
			t.Fatalf("pick ran with %v, want %v", s, want)
		}
		op := pick.callOp(ctx, even)
		if s, want := mustGet(t, op.Connect()), "OLD"+fmt.Sprint(even); s != want {
			t.Fatalf("pick%v = %q, want %q", even, s, want)
		}
		if s, want := got.Load(), fmt.Sprint(even); s != want {
			t.Fatalf("pick ran with %v, want %v", s, want)
		}

		// The Vc is not copied: the state's new value shows through
		// without running pick again, which read nothing.
		text.Set("new")
		if s := mustGet(t, pick.call(ctx, odd)); s != "new" {
			t.Fatalf("pick%v after the edit = %q, want the state's new value", odd, s)
		}
		if s, err := op.ReadStronglyConsistent(ctx); err != nil || s != "NEW"+fmt.Sprint(even) {
			t.Fatalf("pick%v after the edit = %q, %v", even, s, err)
		}
		for range 2 {
			mustGet(t, pick.callOp(ctx, odd).Connect())
			mustGet(t, pick.call(ctx, even))
		}
		if n := runs.Load(); n != 2 {
			t.Fatalf("pick ran %d times for two sets of arguments", n)
		}
		if n := rec.runs.Load(); n != 2 {
			t.Fatalf("upper ran %d times, want 2 (before and after the edit)", n)
		}
		if in := mustInfo(t, op.Info); in.Name != funcDebugName("pick", even) || in.Executions != 1 {
			t.Fatalf("Info of pick%v: %+v", even, in)
		}
	})
}

func TestFuncLookup(t *testing.T) {
	forEachFuncArity(t, func(t *testing.T, ac arityCase) {
		for _, vc := range []bool{false, true} {
			ctor := "NewFunc"
			if vc {
				ctor = "NewVcFunc"
			}
			t.Run(ctor, func(t *testing.T) {
				e := newEngine(t, nil)
				ctx := context.Background()
				bump := cellar.NewState(e, "bump", 0)
				var rec argsRecorder
				body := func(ctx context.Context, args []int) (string, error) {
					s, _ := rec.fn(ctx, args)
					return fmt.Sprint(s, bump.Get(ctx)), nil
				}
				var f taskFunc
				if vc {
					f = ac.newVcFunc(e, "f", func(ctx context.Context, args []int) (cellar.Vc[string], error) {
						s, err := body(ctx, args)
						return cellar.Cell(ctx, s), err
					})
				} else {
					f = ac.newFunc(e, "f", body)
				}
				args, other := funcArgs(ac.n), withArg(funcArgs(ac.n), ac.n-1, 9)
				before := e.Stats()
				if _, ok := f.lookup(args); ok {
					t.Fatalf("Lookup%v found a task before any call", args)
				}
				if after := e.Stats(); after != before {
					t.Fatalf("Lookup%v changed the engine's counters: %+v, then %+v", args, before, after)
				}

				called := f.callOp(ctx, args)
				want := fmt.Sprint(args) + "0"
				if got := mustGet(t, called.Connect()); got != want {
					t.Fatalf("f%v = %q, want %q", args, got, want)
				}
				before = e.Stats()
				op, ok := f.lookup(funcArgs(ac.n)) // equal, not the same slice
				if !ok {
					t.Fatalf("Lookup%v did not find the task that ran", args)
				}
				if _, ok := f.lookup(other); ok {
					t.Fatalf("Lookup%v found a task; f was never called with those arguments", other)
				}
				if after := e.Stats(); after != before {
					t.Fatalf("Lookup changed the engine's counters: %+v, then %+v", before, after)
				}
				if op != called {
					t.Fatalf("Lookup%v = %v, CallOperation returned %v", args, op, called)
				}
				in := mustInfo(t, op.Info)
				if in.Name != funcDebugName("f", args) || in.State != "done" || in.Executions != 1 || in.Cause.Kind != cellar.CauseFirstRun {
					t.Fatalf("Info of the looked-up task: %+v", in)
				}
				if got := op.DebugIdentifier(); got != funcDebugName("f", args) {
					t.Fatalf("DebugIdentifier of the looked-up task = %q", got)
				}

				// Nothing was scheduled for the arguments not found.
				if err := e.WaitIdle(ctx); err != nil {
					t.Fatal(err)
				}
				if n := rec.runs.Load(); n != 1 {
					t.Fatalf("f ran %d times, called once and looked up twice", n)
				}
				if s := e.Stats(); s.Tasks != before.Tasks || s.Executions != before.Executions {
					t.Fatalf("after the lookups: %+v, before: %+v", s, before)
				}

				// Info of a looked-up task reports its later runs, and
				// reading its result is an ordinary read.
				bump.Set(1)
				if got, err := op.ReadStronglyConsistent(ctx); err != nil || got != fmt.Sprint(args)+"1" {
					t.Fatalf("reading the looked-up task after the edit: %q, %v", got, err)
				}
				again, ok := f.lookup(args)
				if !ok || again != op {
					t.Fatalf("Lookup%v after the re-run = %v, %v; want %v", args, again, ok, op)
				}
				in = mustInfo(t, again.Info)
				if in.Executions != 2 || in.Cause.Kind != cellar.CauseChanged || in.Cause.Changed != `State("bump")#0` {
					t.Fatalf("Info of the looked-up task after the edit: %+v", in)
				}

				// The arguments not found get a task of their own when called.
				if got := mustGet(t, f.call(ctx, other)); got != fmt.Sprint(other)+"1" {
					t.Fatalf("f%v = %q", other, got)
				}
				if _, ok := f.lookup(other); !ok {
					t.Fatalf("Lookup%v after calling it found nothing", other)
				}
				if n := rec.runs.Load(); n != 3 {
					t.Fatalf("f ran %d times, want 3", n)
				}
			})
		}
	})
}

func TestLookupWithArgumentsNotEqualToThemselves(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	var runs atomic.Int32
	isNaN := cellar.NewFunc2(e, "isNaN", func(ctx context.Context, x float64, label string) (bool, error) {
		runs.Add(1)
		return math.IsNaN(x), nil
	})
	nan := math.NaN()
	if _, ok := isNaN.Lookup(nan, "a"); ok {
		t.Fatal("Lookup(NaN) found a task before any call")
	}
	op := isNaN.CallOperation(ctx, nan, "a")
	if !mustGet(t, op.Connect()) {
		t.Fatal("isNaN(NaN) = false")
	}
	// A NaN is not == to itself; its task is found by its encoding.
	mustGet(t, isNaN.Call(ctx, math.NaN(), "a"))
	if n := runs.Load(); n != 1 {
		t.Fatalf("isNaN ran %d times for equal arguments", n)
	}
	tasks := e.Stats().Tasks
	got, ok := isNaN.Lookup(math.NaN(), "a")
	if !ok || got != op {
		t.Fatalf("Lookup(NaN, a) = %v, %v; want %v", got, ok, op)
	}
	if _, ok := isNaN.Lookup(math.NaN(), "b"); ok {
		t.Fatal("Lookup(NaN, b) found a task; isNaN was never called with b")
	}
	if _, ok := isNaN.Lookup(1, "a"); ok {
		t.Fatal("Lookup(1, a) found a task; isNaN was never called with 1")
	}
	if n := e.Stats().Tasks; n != tasks {
		t.Fatalf("Lookup created %d tasks", n-tasks)
	}
	if in := mustInfo(t, got.Info); in.Executions != 1 || in.State != "done" {
		t.Fatalf("Info of isNaN(NaN, a): %+v", in)
	}
}

func TestLookupWithVcArguments(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	base := cellar.NewState(e, "base", 20)
	seven := cellar.NewFunc1(e, "seven", func(ctx context.Context, _ struct{}) (int, error) { return 7, nil })
	var runs atomic.Int32
	add := cellar.NewFunc2(e, "add", func(ctx context.Context, x cellar.Vc[int], y int) (int, error) {
		runs.Add(1)
		v, err := x.Get(ctx)
		return v + y, err
	})

	// A Vc of a cell: looked up as it is.
	if got := mustGet(t, add.Call(ctx, base.Vc(), 1)); got != 21 {
		t.Fatalf("add(base, 1) = %d", got)
	}
	if op, ok := add.Lookup(base.Vc(), 1); !ok {
		t.Fatal("Lookup(base, 1) found nothing after the call")
	} else if in := mustInfo(t, op.Info); in.Executions != 1 {
		t.Fatalf("Info of add(base, 1): %+v", in)
	}

	// A Vc of a task's output: the call resolves it, Lookup does not.
	out := seven.Call(ctx, struct{}{})
	if got := mustGet(t, add.Call(ctx, out, 1)); got != 8 {
		t.Fatalf("add(seven(), 1) = %d", got)
	}
	tasks := e.Stats().Tasks
	if _, ok := add.Lookup(out, 1); ok {
		t.Fatal("Lookup found a task for a Vc of a task's output, which it cannot resolve")
	}
	if n := e.Stats().Tasks; n != tasks {
		t.Fatalf("Lookup created %d tasks", n-tasks)
	}
	cell, err := out.Resolve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	op, ok := add.Lookup(cell, 1)
	if !ok {
		t.Fatal("Lookup with the resolved Vc found nothing")
	}
	if got, err := op.ReadStronglyConsistent(ctx); err != nil || got != 8 {
		t.Fatalf("the looked-up add(seven()#0, 1) = %d, %v", got, err)
	}
	if n := runs.Load(); n != 2 {
		t.Fatalf("add ran %d times for two sets of arguments", n)
	}
}

func TestLookupPanicsOnUncomparableArguments(t *testing.T) {
	e := newEngine(t, nil)
	f := cellar.NewFunc1(e, "f", func(ctx context.Context, x any) (int, error) { return 0, nil })
	defer func() {
		r := recover()
		if msg, _ := r.(string); !strings.Contains(msg, "f called with arguments that are not comparable") {
			t.Fatalf("Lookup([]int) panicked with %v", r)
		}
	}()
	f.Lookup([]int{1})
	t.Fatal("Lookup with an uncomparable argument did not panic")
}

func TestFuncRegistrationPanics(t *testing.T) {
	mustPanic := func(t *testing.T, what, want string, register func()) {
		t.Helper()
		defer func() {
			t.Helper()
			r := recover()
			if msg, _ := r.(string); !strings.Contains(msg, want) {
				t.Errorf("%s: panicked with %v, want a message containing %q", what, r, want)
			}
		}()
		register()
		t.Errorf("%s did not panic", what)
	}
	forEachFuncArity(t, func(t *testing.T, ac arityCase) {
		e := newEngine(t, nil)
		var rec argsRecorder
		vcBody := func(ctx context.Context, args []int) (cellar.Vc[string], error) {
			return cellar.Cell(ctx, fmt.Sprint(args)), nil
		}
		ctors := []struct {
			name     string
			register func(name string, nilFn bool) taskFunc
		}{
			{fmt.Sprintf("NewFunc%d", ac.n), func(name string, nilFn bool) taskFunc {
				if nilFn {
					return ac.newFunc(e, name, nil)
				}
				return ac.newFunc(e, name, rec.fn)
			}},
			{fmt.Sprintf("NewVcFunc%d", ac.n), func(name string, nilFn bool) taskFunc {
				if nilFn {
					return ac.newVcFunc(e, name, nil)
				}
				return ac.newVcFunc(e, name, vcBody)
			}},
		}
		for _, c := range ctors {
			mustPanic(t, c.name+" with a nil function", "task function "+c.name+"-nil is nil", func() { c.register(c.name+"-nil", true) })
			mustPanic(t, c.name+" with an empty name", "registered with an empty name", func() { c.register("", false) })
			c.register(c.name, false)
			mustPanic(t, c.name+" twice", "task function "+c.name+" registered twice", func() { c.register(c.name, false) })
			for _, other := range ctors {
				mustPanic(t, other.name+" with the name of a "+c.name, "registered twice", func() { other.register(c.name, false) })
			}
		}
		// A failed registration reserves nothing, and what was registered
		// still works.
		f := ac.newFunc(e, ctors[0].name+"-nil", rec.fn)
		if got := mustGet(t, f.call(context.Background(), funcArgs(ac.n))); got != fmt.Sprint(funcArgs(ac.n)) {
			t.Fatalf("f = %q", got)
		}
	})
}

var generatedHeader = regexp.MustCompile(`(?m)^// Code generated .* DO NOT EDIT\.$`)

// TestGeneratedFuncsAreFresh fails when func_gen.go is not what
// internal/gen/funcs writes today, or when func.go lost the
// //go:generate line that writes it. Run go generate to fix it.
func TestGeneratedFuncsAreFresh(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not available")
	}
	src, err := os.ReadFile("func.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(src, []byte("\n//go:generate go run ./internal/gen/funcs\n")) {
		t.Error("func.go has no //go:generate go run ./internal/gen/funcs line")
	}
	out := filepath.Join(t.TempDir(), "func_gen.go")
	cmd := exec.Command(gobin, "run", "./internal/gen/funcs", "-o", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./internal/gen/funcs: %v\n%s", err, msg)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if loc := generatedHeader.FindIndex(want); loc == nil || loc[0] != 0 {
		t.Error("the generator's output does not start with the generated-code header")
	}
	committed, err := os.ReadFile("func_gen.go")
	if err != nil {
		t.Fatalf("%v (run go generate)", err)
	}
	if !bytes.Equal(committed, want) {
		t.Errorf("func_gen.go is stale: it differs from what internal/gen/funcs generates (run go generate)")
	}
}
