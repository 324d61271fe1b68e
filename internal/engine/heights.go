package engine

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
		e.recordBackLocked(x, t, slot)
	}
	return err
}

// raiseLocked raises t's height to at least h, and the heights of everything
// that read t, transitively, above it. Reaching origin means origin depends
// on t, so t reading origin would close a cycle: that is reported instead.
//
// While tasks are dirty or re-executing, executions that wait for a raised
// task are raised too: a dirty task starts only once no running re-execution
// is below it, so a re-execution that waited for a task above it would wait
// forever. Without pending work nothing can block that way, and the walk is
// skipped (it would otherwise revisit every ancestor of a deep chain of fresh
// tasks each time one of them finishes); the first wait for the level or for
// a dirty task raises the waiters it needs to.
func (e *Engine) raiseLocked(t *Task, h int32, origin *Task) error {
	type item struct {
		t *Task
		h int32
	}
	stack := []item{{t, h}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := it.t
		if n == origin {
			return e.graphCycleLocked(t, origin)
		}
		if n.height >= it.h {
			continue
		}
		n.height = it.h
		if n.heapIdx != noHeap {
			if n.st() == stDirty {
				e.mu.sched.dirty.fix(n)
			} else {
				e.mu.sched.runningRe.fix(n)
			}
		}
		next := it.h + 1
		n.forReaders(func(id uint32) { stack = append(stack, item{e.mu.tasks[id], next}) })
		if e.propagatingLocked() {
			e.forWaitersLocked(n, func(w *Task) { stack = append(stack, item{w, next}) })
		}
	}
	if len(e.mu.wait.level) > 0 {
		e.wakeLevelLocked()
	}
	return nil
}

// propagatingLocked reports whether any task is dirty or re-executing: only
// then can anything wait for the level.
func (e *Engine) propagatingLocked() bool {
	return len(e.mu.sched.dirty) > 0 || len(e.mu.sched.runningRe) > 0
}

// forWaitersLocked calls f with the task of every execution that waits for
// n or runs it inline.
func (e *Engine) forWaitersLocked(n *Task, f func(*Task)) {
	if n.st() == stRunning && n.exec.parent != nil {
		f(n.exec.parent.t)
	}
	if len(e.mu.wait.tasks) == 0 {
		return
	}
	for _, w := range e.mu.wait.tasks[n] {
		if w.x != nil {
			f(w.x.t)
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
		// No origin: w waiting for t was checked for cycles when the
		// wait began.
		_ = e.raiseLocked(w, t.height+1, nil)
	})
}

// waitCycleLocked reports the cycle that x waiting for t would close.
func (e *Engine) waitCycleLocked(x *execution, t *Task) error {
	if t == x.t {
		return cycleOf(t, t)
	}
	// Depth-first search along "waits for" from t, looking for x's task.
	parent := map[*Task]*Task{t: nil}
	stack := []*Task{t}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.st() != stRunning {
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

// graphCycleLocked builds the error for t reading origin when origin already
// depends on t through recorded edges.
func (e *Engine) graphCycleLocked(t, origin *Task) error {
	// Breadth-first search from t along reader edges to origin gives
	// origin's dependency path back to t.
	parent := map[*Task]*Task{t: nil}
	queue := []*Task{t}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		visit := func(id uint32) bool {
			m := e.mu.tasks[id]
			if _, seen := parent[m]; seen {
				return false
			}
			parent[m] = n
			queue = append(queue, m)
			return m == origin
		}
		found := false
		n.forReaders(func(id uint32) { found = visit(id) || found })
		if found {
			break
		}
	}
	// origin reads ... reads t, and t reads origin.
	path := []*Task{t}
	for c := origin; c != nil; c = parent[c] {
		path = append(path, c)
	}
	return cycleOf(path...)
}

// followCycleLocked reports whether following outputs from r loops.
func (e *Engine) followCycleLocked(r Raw) error {
	seen := map[uint32]bool{}
	var path []*Task
	for r.Slot == 0 {
		t := e.mu.tasks[r.Task]
		path = append(path, t)
		if seen[t.id] {
			return cycleOf(path...)
		}
		seen[t.id] = true
		if t.st() != stDone || t.out.err != nil {
			return nil
		}
		r = t.out.vc
	}
	return nil
}

// recheckBackReadersLocked marks dirty the tasks whose read of t closed a
// cycle that t's latest execution no longer closes: t does not depend on
// them any more, so their read would now succeed. Readers still in a cycle
// with t keep their error until an input changes, like any result.
func (e *Engine) recheckBackReadersLocked(t *Task) {
	back, ok := e.mu.cycles.back[t]
	if !ok {
		return
	}
	for _, id := range back {
		if r := e.mu.tasks[id]; !e.dependsOnLocked(t, r) {
			e.markDirtyLocked(r, Why{Kind: WhyCycleGone, task: t.id})
		}
	}
}

// dependsOnLocked reports whether t reads r, directly or transitively,
// through recorded edges. Every edge leads to a greater height, so the
// search never looks at tasks at or above t's height.
func (e *Engine) dependsOnLocked(t, r *Task) bool {
	if t == r {
		return true
	}
	seen := map[*Task]bool{r: true}
	stack := []*Task{r}
	found := false
	visit := func(id uint32) {
		m := e.mu.tasks[id]
		if m == t {
			found = true
		}
		if found || seen[m] || m.height >= t.height {
			return
		}
		seen[m] = true
		stack = append(stack, m)
	}
	for len(stack) > 0 && !found {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n.forReaders(visit)
	}
	return found
}
