package cellar_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cellar-go/cellar"
)

// localFixture has a task function double(v Vc[int]) and a Vc of a task
// output, base(), to call it with.
type localFixture struct {
	e       *cellar.Engine
	in      *cellar.State[int]
	base    *cellar.Func1[struct{}, int]
	double  *cellar.Func1[cellar.Vc[int], int]
	doubled atomic.Int32 // executions of double
}

func newLocalFixture(t *testing.T) *localFixture {
	f := &localFixture{e: newEngine(t, nil)}
	f.in = cellar.NewState(f.e, "in", 3)
	f.base = cellar.NewFunc1(f.e, "base", func(ctx context.Context, _ struct{}) (int, error) {
		return f.in.Get(ctx), nil
	})
	f.double = cellar.NewFunc1(f.e, "double", func(ctx context.Context, v cellar.Vc[int]) (int, error) {
		f.doubled.Add(1)
		n, err := v.Get(ctx)
		return 2 * n, err
	})
	return f
}

// runTask runs body as a task function and returns its result.
func runTask[R any](t *testing.T, e *cellar.Engine, name string, body func(ctx context.Context) (R, error)) (R, error) {
	t.Helper()
	fn := cellar.NewFunc1(e, name, func(ctx context.Context, _ struct{}) (R, error) { return body(ctx) })
	ctx, cancel := guard(t)
	defer cancel()
	return fn.CallOperation(ctx, struct{}{}).ReadStronglyConsistent(ctx)
}

func TestCallWithUnresolvedArgumentsInsideATaskIsLocal(t *testing.T) {
	f := newLocalFixture(t)
	type flags struct{ Local, Resolved, ResolvedArgLocal, PassedOnLocal bool }
	got, err := runTask(t, f.e, "caller", func(ctx context.Context) (string, error) {
		vc := f.double.Call(ctx, f.base.Call(ctx, struct{}{}))
		cell, err := f.base.Call(ctx, struct{}{}).ToResolved(ctx)
		if err != nil {
			return "", err
		}
		direct := f.double.Call(ctx, cell.Vc()) // resolved argument: an ordinary call
		twice := f.double.Call(ctx, vc)         // a local Vc as an argument
		v1, err := vc.Get(ctx)
		if err != nil {
			return "", err
		}
		v2, err := twice.Get(ctx)
		if err != nil {
			return "", err
		}
		res, err := vc.ToResolved(ctx)
		if err != nil {
			return "", err
		}
		fl := flags{vc.IsLocal(), vc.IsResolved(), direct.IsLocal(), twice.IsLocal()}
		return fmt.Sprintf("%+v %d %d %v %v", fl, v1, v2, res.Vc().IsLocal(), res.Vc() == mustResolve(ctx, direct)), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "{Local:true Resolved:false ResolvedArgLocal:false PassedOnLocal:true} 6 12 false true"; got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func mustResolve(ctx context.Context, v cellar.Vc[int]) cellar.Vc[int] {
	r, err := v.Resolve(ctx)
	if err != nil {
		panic(err)
	}
	return r
}

// Outside any task a call cannot be a step of a caller: it is never local.
func TestCallOutsideATaskIsNotLocal(t *testing.T) {
	f := newLocalFixture(t)
	ctx := context.Background()
	vc := f.double.Call(ctx, f.base.Call(ctx, struct{}{}))
	if vc.IsLocal() {
		t.Fatal("a call outside any task returned a local Vc")
	}
	if got := mustGet(t, vc); got != 6 {
		t.Fatalf("got %d, want 6", got)
	}
	if op := f.double.CallOperation(ctx, f.base.Call(ctx, struct{}{})); op.Connect().IsLocal() {
		t.Fatal("CallOperation returned a local Vc")
	}
}

// A local call is a step of its caller, not a task: calls inside tasks make
// no resolver tasks, and the task the step finds is shared with a direct
// call of the same cell.
func TestLocalCallsMakeNoTaskOfTheirOwn(t *testing.T) {
	f := newLocalFixture(t)
	for round := range 3 {
		f.in.Set(10 + round)
		got, err := runTask(t, f.e, fmt.Sprint("caller", round), func(ctx context.Context) (int, error) {
			return f.double.Call(ctx, f.base.Call(ctx, struct{}{})).Get(ctx)
		})
		if err != nil || got != 2*(10+round) {
			t.Fatalf("round %d: got %d, %v", round, got, err)
		}
	}
	var fns []string
	for _, task := range f.e.Graph().Tasks {
		fns = append(fns, task.Function)
	}
	if slices.ContainsFunc(fns, func(fn string) bool { return strings.HasSuffix(fn, "/resolve") }) {
		t.Fatalf("tasks made for local calls: %v", fns)
	}
	// One double task for the one cell, run for the first caller and
	// re-run for each later value of in.
	if n := strings.Count(strings.Join(fns, " "), "double"); n != 1 {
		t.Fatalf("%d double tasks, want 1: %v", n, fns)
	}
	if n := f.doubled.Load(); n != 3 {
		t.Fatalf("double ran %d times, want 3", n)
	}
}

// A local call whose result is never read still finds and runs its task
// before the caller's result is final.
func TestUnreadLocalCallRuns(t *testing.T) {
	f := newLocalFixture(t)
	_, err := runTask(t, f.e, "caller", func(ctx context.Context) (int, error) {
		if vc := f.double.Call(ctx, f.base.Call(ctx, struct{}{})); !vc.IsLocal() {
			return 0, errors.New("not local")
		}
		return 0, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.e.WaitIdle(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := f.doubled.Load(); n != 1 {
		t.Fatalf("double ran %d times, want 1", n)
	}
}

// Every way a local Vc can leave its execution fails with ErrNonLocalValue.
func TestLocalVcEscapes(t *testing.T) {
	f := newLocalFixture(t)
	local := func(ctx context.Context) cellar.Vc[int] {
		return f.double.Call(ctx, f.base.Call(ctx, struct{}{}))
	}
	other := cellar.NewFunc1(f.e, "other", func(ctx context.Context, h holder) (int, error) {
		v, _ := h.Any.(cellar.Vc[int])
		return v.Get(ctx)
	})
	stateOfVcs := cellar.NewState(f.e, "vcs", []cellar.Vc[int](nil))
	var leaked cellar.Vc[int]
	var stale cellar.Vc[int]
	staleRead := cellar.NewFunc1(f.e, "stale", func(ctx context.Context, _ struct{}) (int, error) {
		// The local Vc of the previous execution of this very task.
		if n := f.in.Get(ctx); n == 3 {
			stale = local(ctx)
			return 0, nil
		}
		return stale.Get(ctx)
	})

	cases := []struct {
		name string
		run  func(t *testing.T) error
	}{
		{"returned", func(t *testing.T) error {
			fn := cellar.NewVcFunc1(f.e, "returns", func(ctx context.Context, _ struct{}) (cellar.Vc[int], error) {
				return local(ctx), nil
			})
			_, err := fn.CallOperation(context.Background(), struct{}{}).ReadStronglyConsistent(context.Background())
			return err
		}},
		{"in a returned struct", func(t *testing.T) error {
			_, err := runTask(t, f.e, "struct", func(ctx context.Context) (holder, error) {
				return holder{V: local(ctx)}, nil
			})
			return err
		}},
		{"in a returned slice", func(t *testing.T) error {
			_, err := runTask(t, f.e, "slice", func(ctx context.Context) ([]cellar.Vc[int], error) {
				return []cellar.Vc[int]{f.base.Call(ctx, struct{}{}), local(ctx)}, nil
			})
			return err
		}},
		{"in a returned map", func(t *testing.T) error {
			_, err := runTask(t, f.e, "map", func(ctx context.Context) (map[string]holder, error) {
				return map[string]holder{"a": {V: local(ctx)}}, nil
			})
			return err
		}},
		{"in a cell", func(t *testing.T) error {
			_, err := runTask(t, f.e, "cell", func(ctx context.Context) (int, error) {
				_, err := cellar.Cell(ctx, local(ctx)).Get(ctx)
				return 0, err
			})
			return err
		}},
		{"in a state", func(t *testing.T) error {
			_, err := runTask(t, f.e, "state", func(ctx context.Context) (int, error) {
				stateOfVcs.Set([]cellar.Vc[int]{local(ctx)})
				return 0, nil
			})
			return err
		}},
		{"read outside any task", func(t *testing.T) error {
			if _, err := runTask(t, f.e, "leak", func(ctx context.Context) (int, error) {
				leaked = local(ctx)
				return 0, nil
			}); err != nil {
				t.Fatal(err)
			}
			_, err := leaked.Get(context.Background())
			return err
		}},
		{"read by another task", func(t *testing.T) error {
			_, err := runTask(t, f.e, "reads-leaked", func(ctx context.Context) (int, error) {
				return leaked.Get(ctx)
			})
			return err
		}},
		{"hidden in an argument", func(t *testing.T) error {
			_, err := runTask(t, f.e, "passes", func(ctx context.Context) (int, error) {
				return other.Call(ctx, holder{Any: local(ctx)}).Get(ctx)
			})
			return err
		}},
		{"read by a later execution of its task", func(t *testing.T) error {
			op := staleRead.CallOperation(context.Background(), struct{}{})
			if _, err := op.ReadStronglyConsistent(context.Background()); err != nil {
				t.Fatal(err)
			}
			f.in.Set(4)
			_, err := op.ReadStronglyConsistent(context.Background())
			return err
		}},
		{"marshaled", func(t *testing.T) error {
			_, err := runTask(t, f.e, "marshals", func(ctx context.Context) (int, error) {
				_, err := local(ctx).MarshalText()
				if err == nil {
					_, err = local(ctx).MarshalBinary()
				}
				return 0, err
			})
			return err
		}},
		{"resolved outside any task", func(t *testing.T) error {
			_, err := leaked.ToResolved(context.Background())
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.run(t)
			if !errors.Is(err, cellar.ErrNonLocalValue) {
				t.Fatalf("err = %v, want ErrNonLocalValue", err)
			}
		})
	}
}

// holder carries a Vc in a field, and one hidden in an interface, where
// argument resolution does not look.
type holder struct {
	V   cellar.Vc[int]
	Any any
}

// A handle with the local bit set that no execution made is rejected when
// unmarshaled.
func TestUnmarshalRejectsLocalHandles(t *testing.T) {
	var v cellar.Vc[int]
	if err := v.UnmarshalText([]byte("vc/1/1/1/2147483648")); !errors.Is(err, cellar.ErrBadHandle) {
		t.Fatalf("err = %v, want ErrBadHandle", err)
	}
}
