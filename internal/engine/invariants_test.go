package engine

import (
	"context"
	"strings"
	"testing"
)

// The invariant checker finds each kind of corruption of the graph. Each case
// builds the same small graph with the engine's own API (a state, a task
// reading it, a task reading that one), breaks one thing, and expects the
// checker to name it; a graph left intact has no problem.
func TestInvariantCheckerFindsCorruption(t *testing.T) {
	for _, c := range []struct {
		name    string
		corrupt func(e *Engine, s, mid, top *Task) (undo func())
		want    string
	}{
		{"intact", func(e *Engine, s, mid, top *Task) func() { return func() {} }, ""},
		{"reader below what it reads", func(e *Engine, s, mid, top *Task) func() {
			old := top.height
			top.height = mid.height
			return func() { top.height = old }
		}, "which is not below it"},
		{"missing reader edge", func(e *Engine, s, mid, top *Task) func() {
			old := mid.outReaders
			mid.outReaders = nil
			return func() { mid.outReaders = old }
		}, "but is its reader 0 time(s)"},
		{"stray reader edge", func(e *Engine, s, mid, top *Task) func() {
			old := s.outReaders
			s.outReaders = append(append([]uint32(nil), old...), top.id)
			return func() { s.outReaders = old }
		}, "without the dependency"},
		{"duplicate reader edge", func(e *Engine, s, mid, top *Task) func() {
			old := mid.outReaders
			mid.outReaders = append(append([]uint32(nil), old...), old...)
			return func() { mid.outReaders = old }
		}, "but is its reader 2 time(s)"},
		{"dirty outside the heap", func(e *Engine, s, mid, top *Task) func() {
			top.state = stDirty
			return func() { top.state = stDone }
		}, "the dirty heap holds 0 tasks, but 1 are dirty"},
		{"wrong heap index", func(e *Engine, s, mid, top *Task) func() {
			top.state = stDirty
			e.mu.sched.dirty.push(top)
			top.heapIdx = 3
			return func() {
				top.heapIdx = 0
				e.mu.sched.dirty.remove(top)
				top.state = stDone
			}
		}, "has index 3"},
		{"queued count", func(e *Engine, s, mid, top *Task) func() {
			e.mu.sched.freshCount++
			return func() { e.mu.sched.freshCount-- }
		}, "freshCount is 1, but 0 tasks are queued"},
		{"queued outside the queue", func(e *Engine, s, mid, top *Task) func() {
			e.mu.sched.freshCount++
			fresh := e.addTaskLocked(top.fn, "x")
			fresh.state = stQueued
			return func() { fresh.state = stNew; e.mu.sched.freshCount-- }
		}, "is queued but not in the fresh queue"},
		{"settled task fresh again", func(e *Engine, s, mid, top *Task) func() {
			top.state = stNew
			return func() { top.state = stDone }
		}, "has completed before"},
		{"done above a fresh task", func(e *Engine, s, mid, top *Task) func() {
			mid.state = stNew
			mid.settled.Store(false)
			execs := mid.execs
			mid.execs = 0
			return func() { mid.state = stDone; mid.settled.Store(true); mid.execs = execs }
		}, "is done but depends on"},
		{"interest outside a fresh phase", func(e *Engine, s, mid, top *Task) func() {
			top.interest = 1
			return func() { top.interest = 0 }
		}, "has interest 1"},
		{"running count", func(e *Engine, s, mid, top *Task) func() {
			e.mu.sched.running++
			return func() { e.mu.sched.running-- }
		}, "running is 1, but 0 tasks are running"},
		{"waiter on a quiescent graph", func(e *Engine, s, mid, top *Task) func() {
			w := e.mu.wait.tasks.add(top, nil)
			return func() { e.mu.wait.tasks.remove(top, w) }
		}, "wait(s) for"},
		{"back edge without its dependency", func(e *Engine, s, mid, top *Task) func() {
			e.mu.cycles.back[top] = []uint32{mid.id}
			return func() { delete(e.mu.cycles.back, top) }
		}, "without the dependency"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := New(Options{Workers: 1})
			defer e.Close()
			ctx := context.Background()
			s := e.NewState(&Func{Name: "s", Format: blank}, "s", 1, intType)
			mid := sumTask(e, "mid", func() Raw { return s.outputRaw(e.id) })
			top := sumTask(e, "top", func() Raw { return mid.outputRaw(e.id) })
			if strongInt(t, e, top) != 1 {
				t.Fatal("the graph does not compute")
			}
			if err := e.WaitIdle(ctx); err != nil {
				t.Fatal(err)
			}
			e.mu.Lock()
			undo := c.corrupt(e, s, mid, top)
			e.mu.Unlock()
			err := e.CheckInvariants()
			e.mu.Lock()
			undo()
			e.mu.Unlock()
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("problems in an intact graph:\n%v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("got %v, want a problem saying %q", err, c.want)
			}
			if err := e.CheckInvariants(); err != nil {
				t.Fatalf("after undoing the corruption:\n%v", err)
			}
		})
	}
}
