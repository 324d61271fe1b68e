package engine

import (
	"errors"
	"slices"
	"testing"
)

// graph is a hand-made task graph for the tests of heights and cycles: tasks
// in an engine's table, linked by dependencies and reader edges as
// executions would link them.
type graph struct {
	e     *Engine
	tasks map[string]*Task
}

func newGraph(t *testing.T) *graph {
	e := New(Options{Workers: 1})
	t.Cleanup(e.Close)
	return &graph{e: e, tasks: map[string]*Task{}}
}

// task adds a done task at height h.
func (g *graph) task(name string, h int32) *Task {
	g.e.mu.Lock()
	defer g.e.mu.Unlock()
	fn := &Func{Name: name, Format: blank}
	tk := g.e.addTaskLocked(fn, nil)
	tk.height, tk.state = h, stDone
	g.tasks[name] = tk
	return tk
}

// reads records that reader read the output of each of ds.
func (g *graph) reads(reader string, ds ...string) {
	g.e.mu.Lock()
	defer g.e.mu.Unlock()
	r := g.tasks[reader]
	for _, n := range ds {
		d := dep{t: g.tasks[n]}
		r.deps = append(r.deps, d)
		g.e.addReaderLocked(d, r.id)
	}
}

func (g *graph) heights(names ...string) []int32 {
	var hs []int32
	for _, n := range names {
		hs = append(hs, g.tasks[n].height)
	}
	return hs
}

// cycleNames returns the functions of the tasks on err's cycle.
func cycleNames(t *testing.T, err error) []string {
	t.Helper()
	var ce *CycleError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want a *CycleError", err)
	}
	var names []string
	for _, tk := range ce.tasks {
		names = append(names, tk.fn.Name)
	}
	return names
}

// A raise lifts what reads the raised task, transitively, and only as far
// as needed.
func TestRaiseLiftsReaders(t *testing.T) {
	g := newGraph(t)
	g.task("a", 1)
	g.task("b", 2)
	g.task("c", 3)
	g.task("d", 9) // already high enough
	g.reads("b", "a")
	g.reads("c", "b")
	g.reads("d", "b")
	g.e.mu.Lock()
	err := g.e.raiseLocked(g.tasks["a"], 5, nil)
	g.e.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := g.heights("a", "b", "c", "d"), []int32{5, 6, 7, 9}; !slices.Equal(got, want) {
		t.Fatalf("heights = %v, want %v", got, want)
	}
}

// A raise that reaches the task being read finds a cycle: it is undone,
// heights and heap order included, and the cycle it reports is the path it
// walked, each task reading the next.
func TestRaiseThatFindsACycleIsUndone(t *testing.T) {
	g := newGraph(t)
	a, _, c := g.task("a", 1), g.task("b", 2), g.task("c", 3)
	g.task("x", 4)
	g.reads("b", "a")
	g.reads("c", "b")
	g.reads("x", "c")
	g.e.mu.Lock()
	// b is dirty, so that the heap must be restored too.
	g.tasks["b"].state = stDirty
	g.e.mu.sched.dirty.push(g.tasks["b"])
	err := g.e.raiseLocked(a, c.height+1, c) // a is about to read c
	g.tasks["b"].state = stDone
	g.e.mu.sched.dirty.remove(g.tasks["b"])
	g.e.mu.Unlock()
	if got, want := cycleNames(t, err), []string{"a", "c", "b", "a"}; !slices.Equal(got, want) {
		t.Fatalf("cycle = %v, want %v", got, want)
	}
	if got, want := g.heights("a", "b", "c", "x"), []int32{1, 2, 3, 4}; !slices.Equal(got, want) {
		t.Fatalf("heights after the failed raise = %v, want them unchanged %v", got, want)
	}
}

// A task that reads itself is a cycle of one.
func TestRaiseOfASelfRead(t *testing.T) {
	g := newGraph(t)
	a := g.task("a", 1)
	g.e.mu.Lock()
	err := g.e.raiseLocked(a, 2, a)
	g.e.mu.Unlock()
	if got, want := cycleNames(t, err), []string{"a", "a"}; !slices.Equal(got, want) {
		t.Fatalf("cycle = %v, want %v", got, want)
	}
	if a.height != 1 {
		t.Fatalf("height = %d, want 1", a.height)
	}
}

// While work is pending, a raise lifts the tasks that wait for a raised
// one, and a cycle through such a wait is reported as the path it is, the
// wait included (w waits for x).
func TestRaiseThroughWaiters(t *testing.T) {
	g := newGraph(t)
	x, z := g.task("x", 1), g.task("z", 3)
	w := g.task("w", 2)
	g.task("pending", 1)
	g.reads("z", "w")
	g.e.mu.Lock()
	defer g.e.mu.Unlock()
	p := g.tasks["pending"]
	p.state = stDirty
	g.e.mu.sched.dirty.push(p)
	defer func() {
		p.state = stDone
		g.e.mu.sched.dirty.remove(p)
	}()
	wx := &execution{t: w}
	wait := g.e.mu.wait.tasks.add(x, wx)
	defer g.e.mu.wait.tasks.remove(x, wait)

	if err := g.e.raiseLocked(x, 5, nil); err != nil {
		t.Fatal(err)
	}
	if w.height != 6 || z.height != 7 {
		t.Fatalf("w, z at %d, %d; want them raised above x (5) to 6, 7", w.height, z.height)
	}
	err := g.e.raiseLocked(x, z.height+1, z) // x is about to read z
	if got, want := cycleNames(t, err), []string{"x", "z", "w", "x"}; !slices.Equal(got, want) {
		t.Fatalf("cycle = %v, want %v", got, want)
	}
	if x.height != 5 || w.height != 6 || z.height != 7 {
		t.Fatalf("heights %d, %d, %d after the failed raise; want 5, 6, 7", x.height, w.height, z.height)
	}
}

// A wait that would close a cycle of waits is found, with the cycle in
// waiting order.
func TestWaitCycle(t *testing.T) {
	g := newGraph(t)
	a, b, c, d := g.task("a", 1), g.task("b", 1), g.task("c", 1), g.task("d", 1)
	running := func(tk *Task, waitsFor *Task) *execution {
		x := &execution{t: tk, more: &execExtra{}}
		if waitsFor != nil {
			x.more.waitOn = []*hold{{t: waitsFor}}
		}
		tk.state, tk.exec = stRunning, x
		return x
	}
	running(a, b)
	running(b, c)
	xc := running(c, nil)
	g.e.mu.Lock()
	err := g.e.waitCycleLocked(xc, a)
	none := g.e.waitCycleLocked(xc, d)
	self := g.e.waitCycleLocked(xc, c)
	g.e.mu.Unlock()
	for _, tk := range []*Task{a, b, c} {
		tk.state, tk.exec = stDone, nil
	}
	if got, want := cycleNames(t, err), []string{"c", "a", "b", "c"}; !slices.Equal(got, want) {
		t.Fatalf("cycle = %v, want %v", got, want)
	}
	if none != nil {
		t.Fatalf("waiting for a task that waits for nothing: %v", none)
	}
	if got, want := cycleNames(t, self), []string{"c", "c"}; !slices.Equal(got, want) {
		t.Fatalf("self wait = %v, want %v", got, want)
	}
}

// A cycle a back edge closed holds while each task on it reads or waits for
// the next, and no longer once a link is gone.
func TestCycleHolds(t *testing.T) {
	g := newGraph(t)
	a, b, c := g.task("a", 1), g.task("b", 2), g.task("c", 3)
	g.reads("c", "b")
	g.reads("b", "a")
	path := []*Task{a, c, b, a} // a's read of c closed it
	g.e.mu.Lock()
	defer g.e.mu.Unlock()
	if !g.e.cycleHoldsLocked(path) {
		t.Fatal("a cycle of recorded reads does not hold")
	}
	deps := b.deps
	b.deps = nil
	if g.e.cycleHoldsLocked(path) {
		t.Fatal("the cycle holds without b's read of a")
	}
	// b waits for a instead: for its execution, then for the level.
	x := &execution{t: b, more: &execExtra{waitOn: []*hold{{t: a}}}}
	b.state, b.exec = stRunning, x
	if !g.e.cycleHoldsLocked(path) {
		t.Fatal("a wait does not hold the cycle")
	}
	x.more.waitOn = nil
	g.e.mu.wait.levelOf.add(a, x)
	if !g.e.cycleHoldsLocked(path) {
		t.Fatal("a wait for the level does not hold the cycle")
	}
	g.e.mu.wait.levelOf.remove(a, x)
	if g.e.cycleHoldsLocked(path) {
		t.Fatal("the cycle holds after the wait ended")
	}
	b.state, b.exec, b.deps = stDone, nil, deps
	if g.e.cycleHoldsLocked(nil) {
		t.Fatal("an empty path holds")
	}
}
