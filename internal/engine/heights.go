package engine

// Heights and cycles. Every task has a height, and every dependency that is
// not a back edge goes from a lower task to a higher one: a task is higher
// than everything it read. While work is pending, a task that waits for
// another, or runs it inline, is higher than it too. raiseLocked restores
// the order when a read or a wait would break it, lifting the reader and,
// transitively, what reads or waits for it; a raise that reaches the task
// being read has found a cycle, and is undone.

// maxFollow bounds how many outputs a read follows before it checks whether
// they form a cycle.
const maxFollow = 64

// raiseAboveLocked makes x's task higher than t, which x reads. If t
// depends on x's task, reading it closes a cycle: the error is returned, and
// the read is recorded as a back edge, so that x looks again once t has run
// again (the cycle may be gone by then).
func (e *Engine) raiseAboveLocked(x *execution, t *Task, slot uint32) error {
	if x.t.height > t.height {
		return nil
	}
	err := e.raiseLocked(x.t, t.height+1, t)
	if err != nil {
		e.recordBackLocked(x, t, slot, err.(*CycleError))
	}
	return err
}

// raiseLocked raises t's height to at least h, and the heights of what reads
// t, transitively, above it. Reaching origin means that origin depends on t,
// so that t reading origin would close a cycle: the raise is then undone,
// leaving every height as it was, and the cycle the walk found is returned.
//
// While tasks are dirty or re-executing, executions that wait for a raised
// task are raised too: a dirty task starts only once no running re-execution
// is below it, so a re-execution that waited for a task above it would wait
// forever. Without pending work nothing can block that way, and the walk
// leaves waiters alone (it would otherwise revisit every ancestor of a deep
// chain of fresh tasks each time one of them finishes); the first wait for
// the level or for a dirty task raises the waiters it needs to.
func (e *Engine) raiseLocked(t *Task, h int32, origin *Task) error {
	// Room for the common small raise, so that it allocates nothing.
	var stackRoom [16]raiseStep
	var trailRoom [16]raised
	stack := append(stackRoom[:0], raiseStep{t, h, -1})
	trail := trailRoom[:0]
	waiters := e.propagatingLocked()
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := it.t
		if n == origin {
			err := raiseCycle(t, origin, trail, it.from)
			for i := len(trail) - 1; i >= 0; i-- {
				e.setHeightLocked(trail[i].t, trail[i].old)
			}
			return err
		}
		if n.height >= it.h {
			continue
		}
		from := int32(len(trail))
		trail = append(trail, raised{t: n, old: n.height, from: it.from})
		e.setHeightLocked(n, it.h)
		next := it.h + 1
		n.forReaders(func(id uint32) { stack = append(stack, raiseStep{e.mu.tasks.at(id), next, from}) })
		if waiters {
			e.forWaitersLocked(n, func(w *Task) { stack = append(stack, raiseStep{w, next, from}) })
		}
	}
	if e.mu.wait.level.len() > 0 {
		e.wakeLevelLocked()
	}
	return nil
}

// raiseStep is a task raiseLocked is about to raise to h because of the
// task trail[from] it reads or waits for (-1: the first).
type raiseStep struct {
	t    *Task
	h    int32
	from int32
}

// raised is a task raiseLocked raised, with its height before, and the
// index in the trail of the task whose raise caused it.
type raised struct {
	t    *Task
	old  int32
	from int32
}

// raiseCycle is the cycle a raise of t found when it reached origin from
// trail[from]: t reads origin, which reads (or waits for) trail[from], which
// reads ... t.
func raiseCycle(t, origin *Task, trail []raised, from int32) *CycleError {
	path := []*Task{t, origin}
	for i := from; i >= 0; i = trail[i].from {
		path = append(path, trail[i].t)
	}
	if path[len(path)-1] != t { // origin is t itself: t reads t
		path = append(path, t)
	}
	return cycleOf(path...)
}

// setHeightLocked sets n's height and restores the order of the heap it is
// in.
func (e *Engine) setHeightLocked(n *Task, h int32) {
	n.height = h
	if n.heapIdx == noHeap {
		return
	}
	if n.state == stDirty {
		e.mu.sched.dirty.fix(n)
	} else {
		e.mu.sched.runningRe.fix(n)
	}
}

// propagatingLocked reports whether any task is dirty or re-executing: only
// then can anything wait for the level.
func (e *Engine) propagatingLocked() bool {
	return len(e.mu.sched.dirty) > 0 || len(e.mu.sched.runningRe) > 0
}

// forWaitersLocked calls f with the task of every execution that waits for
// n (for its execution to end, or for the level to pass it) or runs it
// inline.
func (e *Engine) forWaitersLocked(n *Task, f func(*Task)) {
	if n.state == stRunning && n.exec.parent != nil {
		f(n.exec.parent.t)
	}
	e.mu.wait.tasks.waiters(n, func(x *execution) { f(x.t) })
	if len(e.mu.wait.levelOf) > 0 {
		for _, x := range e.mu.wait.levelOf[n] {
			f(x.t)
		}
	}
}

// raiseWaitersLocked raises every execution that waits for t, directly or
// through others, above what it waits for (see raiseLocked).
func (e *Engine) raiseWaitersLocked(t *Task) {
	if !e.propagatingLocked() {
		return
	}
	e.forWaitersLocked(t, func(w *Task) {
		// w waiting for t was checked for cycles when the wait began;
		// t as the origin still ends the walk, undone, should a cycle
		// have formed since.
		_ = e.raiseLocked(w, t.height+1, t)
	})
}

// waitsForLocked reports the cycle that x reading the running task t would
// close because t waits, directly or through others, for x's task: t runs
// it inline, or waits for its execution or for the level to pass it.
func (e *Engine) waitsForLocked(t *Task, x *execution) *CycleError {
	// Breadth-first search from x's task along "is waited for by".
	parent := map[*Task]*Task{x.t: nil}
	queue := []*Task{x.t}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		found := false
		e.forWaitersLocked(n, func(w *Task) {
			if _, seen := parent[w]; seen || found {
				return
			}
			parent[w] = n
			found = w == t
			queue = append(queue, w)
		})
		if found {
			// x reads t, which waits for ... which waits for x.
			path := []*Task{x.t}
			for c := t; c != nil; c = parent[c] {
				path = append(path, c)
			}
			return cycleOf(path...)
		}
	}
	return nil
}

// waitCycleLocked reports the cycle that x waiting for t would close.
func (e *Engine) waitCycleLocked(x *execution, t *Task) *CycleError {
	if t == x.t {
		return cycleOf(t, t)
	}
	// Depth-first search along "waits for" from t, looking for x's task.
	parent := map[*Task]*Task{t: nil}
	stack := []*Task{t}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.state != stRunning {
			continue
		}
		if n.exec.more == nil {
			continue
		}
		for _, h := range n.exec.more.waitOn {
			m := h.t
			if _, seen := parent[m]; seen {
				continue
			}
			parent[m] = n
			if m == x.t {
				// x -> t -> ... -> n -> x
				path := []*Task{x.t}
				var rev []*Task
				for c := n; c != nil; c = parent[c] {
					rev = append(rev, c)
				}
				for i := len(rev) - 1; i >= 0; i-- {
					path = append(path, rev[i])
				}
				path = append(path, x.t)
				return cycleOf(path...)
			}
			stack = append(stack, m)
		}
	}
	return nil
}

// followCycleLocked reports whether following outputs from r loops.
func (e *Engine) followCycleLocked(r Raw) error {
	seen := map[uint32]bool{}
	var path []*Task
	for r.Slot == 0 {
		t := e.mu.tasks.at(r.Task)
		path = append(path, t)
		if seen[t.id] {
			return cycleOf(path...)
		}
		seen[t.id] = true
		if t.state != stDone || t.out.err != nil {
			return nil
		}
		r = t.out.vc
	}
	return nil
}

// Back edges. A read that closes a cycle fails with a *CycleError and is
// recorded as a back edge: a dependency outside the height order, listed in
// cycles.back under the task read, with the cycle it closed. The reader's
// error holds only as long as that cycle does, so
//
//   - after every completion, while back edges exist, the cycle of each is
//     checked again (a few tasks each; recheckCyclesLocked), and a reader
//     whose cycle has lost a link is marked dirty (WhyCycleGone): it reads
//     again, and finds the cycle as it is now, or none;
//   - a back edge's reader sits below the task it read, so "done and below
//     the level" does not make it up to date while that task is pending:
//     a strongly consistent read looks past the height order then (see
//     pendingInLocked).

// backEdge names the back edges of one reader on one task.
type backEdge struct {
	reader uint32
	t      *Task
}

// recordBackLocked records a read of t by x that closed the cycle c.
func (e *Engine) recordBackLocked(x *execution, t *Task, slot uint32, c *CycleError) {
	if slot == untrackedSlot {
		return
	}
	e.mu.cycles.paths[backEdge{x.t.id, t}] = c.tasks
	e.recordDepLocked(x, dep{t: t, slot: slot, back: true})
}

// recheckCyclesLocked marks dirty every task whose read closed a cycle that
// is no longer whole: one of its tasks no longer reads or waits for the
// next. Readers whose cycle holds keep their error until something they
// read changes, like any result.
func (e *Engine) recheckCyclesLocked() {
	for t, readers := range e.mu.cycles.back {
		for _, id := range readers {
			r := e.mu.tasks.at(id)
			if r.state == stRunning && !r.exec.readBack(t) {
				// The back edge is its previous execution's; the
				// running one reads t afresh, if at all.
				continue
			}
			if !e.cycleHoldsLocked(e.mu.cycles.paths[backEdge{id, t}]) {
				e.markDirtyLocked(r, Why{Kind: WhyCycleGone, task: t.id}, unconditional)
			}
		}
	}
}

// readBack reports whether x has recorded a back edge on t.
func (x *execution) readBack(t *Task) bool {
	for _, d := range x.recorded() {
		if d.t == t && d.back {
			return true
		}
	}
	return false
}

// cycleHoldsLocked reports whether each task on path, after the first (whose
// read of the second is the back edge), still reads or waits for the next.
func (e *Engine) cycleHoldsLocked(path []*Task) bool {
	if len(path) < 2 {
		return false
	}
	for i := 1; i+1 < len(path); i++ {
		if !e.readsOrWaitsLocked(path[i], path[i+1]) {
			return false
		}
	}
	return true
}

// readsOrWaitsLocked reports whether a depends on b through its latest or
// its running execution, or waits for b (for its execution, or for the
// level to pass it, or by running it inline).
func (e *Engine) readsOrWaitsLocked(a, b *Task) bool {
	for _, d := range a.deps {
		if d.t == b {
			return true
		}
	}
	x := a.exec
	if a.state != stRunning || x == nil {
		return false
	}
	for _, d := range x.recorded() {
		if d.t == b {
			return true
		}
	}
	if x.more != nil {
		for _, h := range x.more.waitOn {
			if h.t == b {
				return true
			}
		}
	}
	for _, w := range e.mu.wait.levelOf[b] {
		if w == x {
			return true
		}
	}
	return false
}

// pendingInLocked returns a task that t, done and below the level, depends
// on, transitively, that is not up to date, or nil if there is none. Without
// back edges, or when the tasks back edges read are all done and below the
// level, the height order answers: everything t depends on is below it, so
// below the level, so not pending. Otherwise the answer takes a walk over
// what t depends on.
func (e *Engine) pendingInLocked(t *Task) *Task {
	level := e.levelLocked()
	pendingBack := false
	for b := range e.mu.cycles.back {
		if b.state != stDone || b.height >= level {
			pendingBack = true
			break
		}
	}
	if !pendingBack {
		return nil
	}
	seen := map[*Task]bool{t: true}
	stack := []*Task{t}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.state != stDone || n.height >= level {
			return n
		}
		for _, d := range n.deps {
			if !seen[d.t] {
				seen[d.t] = true
				stack = append(stack, d.t)
			}
		}
	}
	return nil
}
