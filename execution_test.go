package cellar_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/cellar-go/cellar"
)

// Options.OnExecute reports every execution, with its cause, error and
// thread, and executions on one thread nest like the slices of a trace.

// executions records what Options.OnExecute reports.
type executions struct {
	mu   sync.Mutex
	list []cellar.Execution
}

func (x *executions) add(ex cellar.Execution) {
	x.mu.Lock()
	x.list = append(x.list, ex)
	x.mu.Unlock()
}

func (x *executions) take() []cellar.Execution {
	x.mu.Lock()
	defer x.mu.Unlock()
	l := x.list
	x.list = nil
	return l
}

func TestOnExecuteReportsEveryExecution(t *testing.T) {
	var got executions
	e := newEngine(t, &cellar.Options{OnExecute: got.add})
	in := cellar.NewState(e, "in", 1)
	errOdd := errors.New("odd")
	leaf := cellar.NewFunc1(e, "leaf", func(ctx context.Context, i int) (int, error) {
		v := in.Get(ctx) + i
		if v%2 == 1 {
			return v, errOdd
		}
		return v, nil
	})
	sum := cellar.NewFunc1(e, "sum", func(ctx context.Context, n int) (int, error) {
		total := 0
		for i := range n {
			v, _ := leaf.Call(ctx, i).Get(ctx)
			total += v
		}
		return total, nil
	})
	ctx := context.Background()
	mustGet(t, sum.CallOperation(ctx, 4).Connect())
	waitIdle(t, e) // reports follow completion; WaitIdle waits for them
	first := got.take()
	in.Set(2)
	mustGet(t, sum.CallOperation(ctx, 4).Connect())
	waitIdle(t, e)
	second := got.take()

	for round, list := range [][]cellar.Execution{first, second} {
		var names []string
		for _, ex := range list {
			names = append(names, ex.Task)
			if ex.Count != round+1 {
				t.Errorf("round %d: %s: Count = %d", round, ex.Task, ex.Count)
			}
			switch {
			case round == 0 && ex.Cause.Kind != cellar.CauseFirstRun:
				t.Errorf("round 0: %s: Cause = %v", ex.Task, ex.Cause)
			case round == 1 && ex.Function == "leaf" && ex.Cause != (cellar.Cause{Kind: cellar.CauseChanged, Changed: `State("in")#0`}):
				t.Errorf("round 1: %s: Cause = %v", ex.Task, ex.Cause)
			case round == 1 && ex.Function == "sum" && ex.Cause.Kind != cellar.CauseChanged:
				t.Errorf("round 1: %s: Cause = %v", ex.Task, ex.Cause)
			}
			var i int
			if _, err := fmt.Sscanf(ex.Task, "leaf(%d)", &i); err == nil {
				v := round + 1 + i
				if isErr := errors.Is(ex.Err, errOdd); isErr != (v%2 == 1) {
					t.Errorf("round %d: %s: Err = %v", round, ex.Task, ex.Err)
				}
			}
			if ex.Thread < 1 || ex.Duration < 0 || ex.Start.IsZero() || ex.Internal {
				t.Errorf("round %d: %+v", round, ex)
			}
		}
		slices.Sort(names)
		if want := []string{"leaf(0)", "leaf(1)", "leaf(2)", "leaf(3)", "sum(4)"}; !slices.Equal(names, want) {
			t.Errorf("round %d: executions %q, want %q", round, names, want)
		}
	}
}

// Executions on one Thread nest or follow each other, like the slices of
// a trace.
func TestOnExecuteThreadsNest(t *testing.T) {
	var got executions
	e := newEngine(t, &cellar.Options{OnExecute: got.add, Workers: 2})
	var tree *cellar.Func2[int, int, int]
	tree = cellar.NewFunc2(e, "tree", func(ctx context.Context, depth, idx int) (int, error) {
		if depth == 0 {
			return idx, nil
		}
		a, b := tree.Call(ctx, depth-1, 2*idx), tree.Call(ctx, depth-1, 2*idx+1)
		va, err := a.Get(ctx)
		if err != nil {
			return 0, err
		}
		vb, err := b.Get(ctx)
		return va + vb, err
	})
	mustGet(t, tree.CallOperation(context.Background(), 8, 0).Connect())
	waitIdle(t, e)
	byThread := map[int][]cellar.Execution{}
	for _, ex := range got.take() {
		byThread[ex.Thread] = append(byThread[ex.Thread], ex)
	}
	for th, list := range byThread {
		for i, a := range list {
			for _, b := range list[i+1:] {
				aEnd, bEnd := a.Start.Add(a.Duration), b.Start.Add(b.Duration)
				disjoint := !aEnd.After(b.Start) || !bEnd.After(a.Start)
				aInB := !a.Start.Before(b.Start) && !aEnd.After(bEnd)
				bInA := !b.Start.Before(a.Start) && !bEnd.After(aEnd)
				if !disjoint && !aInB && !bInA {
					t.Fatalf("thread %d: %s and %s overlap without nesting", th, a.Task, b.Task)
				}
			}
		}
	}
}
