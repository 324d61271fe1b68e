package engine

import (
	"errors"
	"fmt"
	"slices"
)

// The invariant checker. CheckInvariants looks at the whole graph under the
// lock and reports every way in which it is not what the rest of the engine
// assumes. Tests run it after every test that uses an engine and after every
// step of the differential test; it is not meant for production paths (it
// takes time in proportion to the graph).

// maxProblems bounds the problems one check reports.
const maxProblems = 50

// CheckInvariants reports, joined, every problem it finds in the engine's
// graph, or nil. It may be called at any time; the checks that hold only
// when the graph is quiescent (no task queued, dirty or running) are made
// only then.
func (e *Engine) CheckInvariants() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := checker{e: e}
	c.check()
	return errors.Join(c.problems...)
}

type checker struct {
	e        *Engine
	problems []error
}

func (c *checker) addf(format string, args ...any) {
	if len(c.problems) < maxProblems {
		c.problems = append(c.problems, fmt.Errorf(format, args...))
	} else if len(c.problems) == maxProblems {
		c.problems = append(c.problems, errors.New("(more problems not reported)"))
	}
}

// name names a task in a problem; it must not run user code under the lock
// (a task's Name formats its arguments), so it gives the function and id.
func name(t *Task) string {
	if t == nil {
		return "<nil task>"
	}
	fn := "?"
	if t.fn != nil {
		fn = t.fn.Name
	}
	return fmt.Sprintf("%s#%d", fn, t.id)
}

// edge is one recorded dependency: reader read slot of t.
type edge struct {
	reader, t uint32
	slot      uint32
	back      bool
}

func (c *checker) check() {
	e := c.e
	if len(e.mu.tasks.tasks) == 0 || e.mu.tasks.tasks[0] != nil {
		c.addf("tasks[0] is not the unused nil entry")
	}
	var queued, running, runningRe, dirty int
	// The edges the tasks' dependency lists say exist, with how often.
	want := map[edge]int{}
	for id, t := range e.mu.tasks.tasks {
		if id == 0 {
			continue
		}
		if t == nil {
			c.addf("task %d is nil", id)
			continue
		}
		if t.id != uint32(id) {
			c.addf("%s is at index %d", name(t), id)
		}
		c.checkState(t)
		switch t.state {
		case stQueued:
			queued++
		case stRunning:
			running++
			if t.exec.reexec {
				runningRe++
			}
		case stDirty:
			dirty++
		}
		for _, d := range c.edgesOf(t) {
			want[edge{t.id, d.t.id, d.slot, d.back}]++
			if d.t.fn == nil && !d.t.isState {
				c.addf("%s depends on %s, which has no function", name(t), name(d.t))
			}
			if !d.back && d.t.height >= t.height {
				c.addf("%s (height %d) depends on %s (height %d), which is not below it", name(t), t.height, name(d.t), d.t.height)
			}
		}
	}
	// The edges the reader lists say exist.
	have := map[edge]int{}
	for id, t := range e.mu.tasks.tasks {
		if id == 0 || t == nil {
			continue
		}
		add := func(slot uint32, readers []uint32) {
			for _, r := range readers {
				if !e.mu.tasks.has(r) {
					c.addf("%s has reader %d, which is no task", name(t), r)
					continue
				}
				have[edge{r, t.id, slot, false}]++
			}
		}
		add(0, t.outReaders)
		for i := range t.cells {
			add(uint32(i+1), t.cells[i].readers)
		}
		if m := t.more; m != nil {
			add(metaSlot, m.metaReaders)
			add(targetSlot, m.targetReaders)
		}
	}
	for t, readers := range e.mu.cycles.back {
		for _, r := range readers {
			have[edge{r, t.id, 0, true}]++
			if _, ok := e.mu.cycles.paths[backEdge{r, t}]; !ok {
				c.addf("the back edge of %s on %s has no cycle", name(e.mu.tasks.at(r)), name(t))
			}
		}
	}
	for k := range e.mu.cycles.paths {
		if !containsID(e.mu.cycles.back[k.t], k.reader) {
			c.addf("a cycle is kept for %s on %s, which has no back edge", name(e.mu.tasks.at(k.reader)), name(k.t))
		}
	}
	// Back edges are listed per task read, whatever the slot.
	wantBack := map[edge]int{}
	for k, n := range want {
		if k.back {
			delete(want, k)
			k.slot = 0
			wantBack[k] += n
		}
	}
	for k, n := range wantBack {
		want[k] = n
	}
	for k, n := range want {
		if have[k] != n {
			c.addf("%s depends on slot %d of %s %d time(s) (back %v), but is its reader %d time(s)",
				name(e.mu.tasks.at(k.reader)), k.slot, name(e.mu.tasks.at(k.t)), n, k.back, have[k])
		}
	}
	for k, n := range have {
		if _, ok := want[k]; !ok {
			c.addf("%s is listed %d time(s) as a reader of slot %d of %s (back %v), without the dependency",
				name(e.mu.tasks.at(k.reader)), n, k.slot, name(e.mu.tasks.at(k.t)), k.back)
		}
	}
	c.checkHeap("dirty", e.mu.sched.dirty, func(t *Task) bool { return t.state == stDirty })
	c.checkHeap("runningRe", e.mu.sched.runningRe, func(t *Task) bool { return t.state == stRunning && t.exec.reexec })
	if n := len(e.mu.sched.dirty); n != dirty {
		c.addf("the dirty heap holds %d tasks, but %d are dirty", n, dirty)
	}
	if n := len(e.mu.sched.runningRe); n != runningRe {
		c.addf("the heap of running re-executions holds %d tasks, but %d re-execute", n, runningRe)
	}
	if e.mu.sched.freshCount != queued {
		c.addf("freshCount is %d, but %d tasks are queued", e.mu.sched.freshCount, queued)
	}
	if e.mu.sched.running != running {
		c.addf("running is %d, but %d tasks are running", e.mu.sched.running, running)
	}
	inQueue := map[*Task]bool{}
	for _, t := range e.mu.sched.fresh[e.mu.sched.freshHead:] {
		if t != nil {
			inQueue[t] = true
		}
	}
	for _, t := range e.mu.tasks.all() {
		if t != nil && t.state == stQueued && !inQueue[t] {
			c.addf("%s is queued but not in the fresh queue", name(t))
		}
	}
	if e.mu.sched.free < 0 || e.mu.sched.free > e.slots {
		c.addf("%d free slots of %d", e.mu.sched.free, e.slots)
	}
	if !e.mu.closed && e.quiescentLocked() {
		c.checkQuiescent()
	}
}

// edgesOf returns the dependencies whose reader edges t's reads have put in
// the graph: its latest execution's and, while it runs, those its running
// execution has recorded (the previous execution's stay until it ends).
func (c *checker) edgesOf(t *Task) []dep {
	if t.state != stRunning || t.exec == nil {
		return t.deps
	}
	x := t.exec
	ds := append([]dep(nil), x.old...)
	for _, d := range x.recorded() {
		if !slices.Contains(x.old, d) {
			ds = append(ds, d)
		}
	}
	return ds
}

// checkState checks what t's state implies about its other fields.
func (c *checker) checkState(t *Task) {
	st := t.state
	if st > stDirty {
		c.addf("%s is in no known state (%d)", name(t), st)
		return
	}
	if settled := t.settled.Load(); settled != (t.execs > 0 || t.isState) {
		c.addf("%s: settled is %v after %d executions", name(t), settled, t.execs)
	}
	if t.settled.Load() && (st == stNew || st == stQueued || (st == stRunning && t.exec != nil && !t.exec.reexec)) {
		c.addf("%s has completed before but is %v as if fresh", name(t), st)
	}
	if (st == stRunning) != (t.exec != nil) {
		c.addf("%s is %v with execution %p", name(t), st, t.exec)
	}
	if t.exec != nil && t.exec.t != t {
		c.addf("%s runs an execution of %s", name(t), name(t.exec.t))
	}
	if (st == stDirty || (st == stRunning && t.exec != nil && t.exec.reexec)) != (t.heapIdx != noHeap) {
		c.addf("%s is %v with heap index %d", name(t), st, t.heapIdx)
	}
	if t.interest < 0 {
		c.addf("%s has interest %d", name(t), t.interest)
	}
	if !t.inFreshPhase() && (t.interest != 0 || t.pinned) {
		c.addf("%s is %v but has interest %d (pinned %v) in a fresh phase", name(t), st, t.interest, t.pinned)
	}
	if t.isState {
		if st != stDone || len(t.deps) > 0 || !t.hasCell(1) {
			c.addf("state %s is %v with %d dependencies and %d cells", name(t), st, len(t.deps), len(t.cells))
		}
		return
	}
	if st == stDone {
		if t.out.err == nil {
			// It may name a cell of its own that the latest
			// execution did not make: reads fail with ErrCellGone.
			if o := t.out.vc; o.Eng != c.e.id || !c.e.mu.tasks.has(o.Task) {
				c.addf("%s's output %v names no task", name(t), o)
			}
		}
		for _, d := range t.deps {
			if s := d.t.state; s == stNew || s == stQueued {
				c.addf("%s is done but depends on %s, which is %v", name(t), name(d.t), s)
			}
		}
	}
}

// checkHeap checks that h is a heap by height whose members know their
// index and are those member selects.
func (c *checker) checkHeap(what string, h taskHeap, member func(*Task) bool) {
	for i, t := range h {
		if t == nil {
			c.addf("%s heap: nil at %d", what, i)
			continue
		}
		if int(t.heapIdx) != i {
			c.addf("%s heap: %s at %d has index %d", what, name(t), i, t.heapIdx)
		}
		if !member(t) {
			c.addf("%s heap: %s is %v", what, name(t), t.state)
		}
		if p := (i - 1) / 2; i > 0 && h[p] != nil && h[p].height > t.height {
			c.addf("%s heap: %s (height %d) is below its parent %s (height %d)", what, name(t), t.height, name(h[p]), h[p].height)
		}
	}
}

// checkQuiescent checks what holds when nothing is queued, dirty or
// running: nobody waits, and every task is new or done.
func (c *checker) checkQuiescent() {
	e := c.e
	if n := len(e.mu.wait.tasks); n > 0 {
		for t := range e.mu.wait.tasks {
			c.addf("the graph is quiescent, but %d wait(s) for %s", e.mu.wait.tasks[t].len(), name(t))
		}
	}
	if n := e.mu.wait.level.len(); n > 0 || len(e.mu.wait.levelOf) > 0 {
		c.addf("the graph is quiescent, but %d wait(s) for the level (on %d tasks)", n, len(e.mu.wait.levelOf))
	}
	if n := e.mu.wait.idle.len(); n > 0 {
		c.addf("the graph is quiescent, but %d WaitIdle call(s) wait", n)
	}
	if n := len(e.mu.edits.deferred); n > 0 && e.mu.edits.strongReaders == 0 {
		c.addf("%d edit(s) are deferred, but no strongly consistent read is in progress", n)
	}
	for _, t := range e.mu.tasks.all() {
		if t != nil && t.state != stNew && t.state != stDone {
			c.addf("the graph is quiescent, but %s is %v", name(t), t.state)
		}
	}
}
