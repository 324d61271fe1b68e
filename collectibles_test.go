package cellar_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"testing"

	"github.com/cellar-go/cellar"
)

// Collectibles: Emit, Peek and Take gather values along reads,
// deduplicated, tracked when peeked inside a task, and following returned
// Vcs and cells handed down to other tasks.

type diag struct {
	File string
	Msg  string
}

// files emits one diagnostic per "bad" file; the root reads every file task.
func diagGraph(e *cellar.Engine, contents []*cellar.State[string]) (*cellar.Func1[int, int], *cellar.Func1[int, int]) {
	check := cellar.NewFunc1(e, "check", func(ctx context.Context, i int) (int, error) {
		s := contents[i].Get(ctx)
		if s == "bad" {
			cellar.Emit(ctx, diag{File: fmt.Sprint("f", i), Msg: "bad content"})
		}
		// Every file also emits the same note, which deduplicates.
		cellar.Emit(ctx, diag{Msg: "note"})
		return len(s), nil
	})
	total := cellar.NewFunc1(e, "total", func(ctx context.Context, n int) (int, error) {
		sum := 0
		for i := range n {
			v, err := check.Call(ctx, i).Get(ctx)
			if err != nil {
				return 0, err
			}
			sum += v
		}
		return sum, nil
	})
	return check, total
}

func TestPeekCollectsTransitivelyDeduplicatedInOrder(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	contents := []*cellar.State[string]{
		cellar.NewState(e, "c0", "ok"), cellar.NewState(e, "c1", "bad"),
		cellar.NewState(e, "c2", "ok"), cellar.NewState(e, "c3", "bad"),
	}
	_, total := diagGraph(e, contents)
	op := total.CallOperation(ctx, len(contents))
	got := peekAll[diag](t, ctx, op)
	want := []diag{{Msg: "note"}, {File: "f1", Msg: "bad content"}, {File: "f3", Msg: "bad content"}}
	if !slices.Equal(got, want) {
		t.Fatalf("Peek = %v, want %v", got, want)
	}
	// Other types see nothing.
	if got := peekAll[string](t, ctx, op); len(got) != 0 {
		t.Fatalf("Peek[string] = %v", got)
	}

	// Re-executed tasks replace their emissions.
	contents[1].Set("fine")
	contents[2].Set("bad")
	got = peekAll[diag](t, ctx, op)
	want = []diag{{Msg: "note"}, {File: "f2", Msg: "bad content"}, {File: "f3", Msg: "bad content"}}
	if !slices.Equal(got, want) {
		t.Fatalf("after the edit Peek = %v, want %v", got, want)
	}
}

func TestPeekOfAnUnchangedOperationRunsNothing(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	const n = 64
	contents := make([]*cellar.State[string], n)
	for i := range contents {
		contents[i] = cellar.NewState(e, fmt.Sprint("c", i), "ok")
	}
	contents[7].Set("bad")
	_, total := diagGraph(e, contents)
	op := total.CallOperation(ctx, n)
	if got := peekAll[diag](t, ctx, op); len(got) != 2 {
		t.Fatalf("Peek = %v", got)
	}
	before := e.Stats().Executions
	if got := peekAll[diag](t, ctx, op); len(got) != 2 {
		t.Fatalf("second Peek = %v", got)
	}
	if d := e.Stats().Executions - before; d != 0 {
		t.Fatalf("peeking an unchanged operation executed %d tasks", d)
	}
	// One file changes: its check task, the total, and the collect tasks
	// of those two run again; the other 63 files' do not.
	was := e.Stats()
	contents[9].Set("bad")
	if got := peekAll[diag](t, ctx, op); len(got) != 3 {
		t.Fatalf("Peek after the edit = %v", got)
	}
	now := e.Stats()
	if d := now.Executions - was.Executions; d > 4 {
		t.Fatalf("an edit of one file executed %d tasks, want at most 4", d)
	}
	if d := now.InternalExecutions - was.InternalExecutions; d != 2 {
		t.Fatalf("%d collect tasks executed, want 2 (the file's and the total's)", d)
	}
}

func TestTakeHidesCollectiblesFromCallersAbove(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	leaf := cellar.NewFunc1(e, "leaf", func(ctx context.Context, i int) (int, error) {
		cellar.Emit(ctx, fmt.Sprint("leaf", i))
		return i, nil
	})
	var taken []string
	middle := cellar.NewFunc1(e, "middle", func(ctx context.Context, i int) (int, error) {
		cellar.Emit(ctx, "middle")
		op := leaf.CallOperation(ctx, i)
		v, err := op.Connect().Get(ctx)
		if err != nil {
			return 0, err
		}
		seq, err := cellar.Take[string](ctx, op)
		if err != nil {
			return 0, err
		}
		taken = slices.Collect(seq)
		return v, nil
	})
	top := cellar.NewFunc1(e, "top", func(ctx context.Context, i int) (int, error) {
		a, err := middle.Call(ctx, i).Get(ctx)
		if err != nil {
			return 0, err
		}
		b, err := leaf.Call(ctx, i+1).Get(ctx) // read directly: not taken
		return a + b, err
	})
	op := top.CallOperation(ctx, 1)
	got := peekAll[string](t, ctx, op)
	if want := []string{"middle", "leaf2"}; !slices.Equal(got, want) {
		t.Fatalf("Peek(top) = %v, want %v (leaf1's taken by middle)", got, want)
	}
	if want := []string{"leaf1"}; !slices.Equal(taken, want) {
		t.Fatalf("Take in middle = %v, want %v", taken, want)
	}
	// Peeking the leaf itself still shows it.
	if got := peekAll[string](t, ctx, leaf.CallOperation(ctx, 1)); !slices.Equal(got, []string{"leaf1"}) {
		t.Fatalf("Peek(leaf) = %v", got)
	}
}

func TestPeekInsideATaskIsTracked(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	s := cellar.NewState(e, "s", 1)
	other := cellar.NewState(e, "other", 1)
	worker := cellar.NewFunc1(e, "worker", func(ctx context.Context, _ int) (int, error) {
		v := s.Get(ctx)
		cellar.Emit(ctx, v%2) // changes only when s's parity does
		return v + other.Get(ctx), nil
	})
	runs := 0
	report := cellar.NewFunc1(e, "report", func(ctx context.Context, _ int) ([]int, error) {
		runs++
		seq, err := cellar.Peek[int](ctx, worker.CallOperation(ctx, 0))
		if err != nil {
			return nil, err
		}
		return slices.Collect(seq), nil
	})
	op := report.CallOperation(ctx, 0)
	read := func() []int {
		v, err := op.ReadStronglyConsistent(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if got := read(); !slices.Equal(got, []int{1}) || runs != 1 {
		t.Fatalf("report = %v after %d runs", got, runs)
	}
	other.Set(5) // the worker re-runs with the same emissions
	if got := read(); !slices.Equal(got, []int{1}) || runs != 1 {
		t.Fatalf("report = %v after %d runs; want no re-run", got, runs)
	}
	s.Set(2)
	if got := read(); !slices.Equal(got, []int{0}) || runs != 2 {
		t.Fatalf("report = %v after %d runs; want [0] after 2", got, runs)
	}
}

func TestCollectiblesOfAFailedTaskAreCollected(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	failing := cellar.NewFunc1(e, "failing", func(ctx context.Context, _ int) (int, error) {
		cellar.Emit(ctx, errors.New("first problem"))
		return 0, errors.New("gave up")
	})
	op := failing.CallOperation(ctx, 0)
	if _, err := op.ReadStronglyConsistent(ctx); err == nil {
		t.Fatal("no error")
	}
	got := peekAll[error](t, ctx, op)
	if len(got) != 1 || got[0].Error() != "first problem" {
		t.Fatalf("Peek[error] = %v", got)
	}
}

func TestCollectiblesOfUncomparableTypesDeduplicate(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	leaf := cellar.NewFunc1(e, "leaf", func(ctx context.Context, i int) (int, error) {
		cellar.Emit(ctx, []string{"same"})
		cellar.Emit(ctx, []string{"own", fmt.Sprint(i)})
		return i, nil
	})
	root := cellar.NewFunc1(e, "root", func(ctx context.Context, n int) (int, error) {
		for i := range n {
			if _, err := leaf.Call(ctx, i).Get(ctx); err != nil {
				return 0, err
			}
		}
		return n, nil
	})
	got := peekAll[[]string](t, ctx, root.CallOperation(ctx, 3))
	if len(got) != 4 {
		t.Fatalf("Peek = %v, want 4 distinct values", got)
	}
}

func TestEmitOutsideATaskPanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil {
			t.Fatal("no panic")
		}
	}()
	cellar.Emit(context.Background(), 1)
}

// A task passes its own cell to the task whose output it returns, and a
// grandchild reads the cell: the cell was handed down, so the grandchild's
// read does not make the task a child of it, and no cycle appears among
// the collect tasks.
func TestPeekThroughACellHandedDownToAGrandchild(t *testing.T) {
	e := newEngine(t, nil)
	c := cellar.NewFunc1(e, "c", func(ctx context.Context, v cellar.Vc[int]) (int, error) {
		cellar.Emit(ctx, "c")
		n, err := v.Get(ctx)
		return n + 1, err
	})
	b := cellar.NewFunc1(e, "b", func(ctx context.Context, v cellar.Vc[int]) (int, error) {
		cellar.Emit(ctx, "b")
		n, err := c.Call(ctx, v).Get(ctx)
		return n + 1, err
	})
	a := cellar.NewVcFunc1(e, "a", func(ctx context.Context, _ struct{}) (cellar.Vc[int], error) {
		cellar.Emit(ctx, "a")
		return b.Call(ctx, cellar.Cell(ctx, 40)), nil
	})
	ctx := context.Background()
	op := a.CallOperation(ctx, struct{}{})
	if got := mustGet(t, op.Connect()); got != 42 {
		t.Fatalf("a = %d, want 42", got)
	}
	got := peekAll[string](t, ctx, op)
	slices.Sort(got)
	if want := []string{"a", "b", "c"}; !slices.Equal(got, want) {
		t.Fatalf("Peek = %q, want %q", got, want)
	}
}

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
