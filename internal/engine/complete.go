package engine

import "fmt"

// completeLocked stores what x produced, invalidates the readers of
// everything that changed, and wakes whoever waits for the task.
func (e *Engine) completeLocked(x *execution) {
	t := x.t
	abandoned := x.run.Err() != nil
	x.finished = true
	x.run.finish()
	e.mu.sched.running--
	if x.reexec {
		e.mu.sched.runningRe.remove(t)
	}
	if x.more != nil && !abandoned {
		for _, h := range x.more.owned {
			if !h.released && h.t.phase == h.phase {
				// The caller finished normally: what it called must
				// complete.
				h.t.pinned = true
			}
		}
	}
	if abandoned && !x.reexec {
		e.discardLocked(x)
	} else if !e.mu.closed {
		e.storeLocked(x)
		if len(e.mu.cycles.back) > 0 {
			e.recheckBackReadersLocked(t)
		}
	}
	e.wakeTaskLocked(t)
	e.wakeLevelLocked()
	inline := x.parent != nil
	e.freeExecLocked(x)
	if inline {
		// An inline execution ends inside its reader; nobody else is
		// about to look for the work it may have made runnable.
		e.kickLocked(0)
	}
	e.settleLocked()
}

func (e *Engine) storeLocked(x *execution) {
	t, res := x.t, &x.res
	if res.Err == nil && !res.IsVc && len(x.cells) == 0 && t.meta == nil && x.more == nil &&
		len(t.cells) == 1 && t.cells[0].typ != nil && t.out == (output{vc: Raw{Eng: e.id, Task: t.id, Slot: 1}}) {
		// The common case of a task with one cell that ran before and
		// returns a value again: update the cell in place. The output
		// is the cell, so its readers depend on the value too.
		changed := e.updateCellLocked(x, &t.cells[0])
		if changed && len(t.outReaders) > 0 {
			e.markReadersLocked(t.outReaders, nil, Why{Kind: WhyChanged, task: t.id})
		}
		e.finishStoreLocked(x, changed)
		return
	}
	var out output
	changed := false
	switch {
	case res.Err != nil:
		out.err = &TaskError{Task: x.name, Err: res.Err, msg: x.msg}
	case res.IsVc:
		if res.Vc.IsLocal() {
			err := fmt.Errorf("%w (returned as the task's result)", ErrNonLocalValue)
			out.err = &TaskError{Task: x.name, Err: err, msg: err.Error()}
		} else if err := e.checkRawLocked(res.Vc); err != nil {
			out.err = &TaskError{Task: x.name, Err: err, msg: err.Error()}
		} else if res.Vc == t.outputRaw(e.id) {
			cyc := &CycleError{names: []string{x.name, x.name}} // named outside mu
			out.err = &TaskError{Task: x.name, Err: cyc, msg: cyc.Error()}
		} else {
			out.vc = res.Vc
		}
	}
	if res.Err == nil && !res.IsVc && len(x.cells) == 0 && len(t.cells) == 1 && t.cells[0].typ != nil {
		// One cell that ran before, but the output or the collectibles
		// change too.
		out.vc = Raw{Eng: e.id, Task: t.id, Slot: 1}
		if e.updateCellLocked(x, &t.cells[0]) {
			changed = true
			if out.equal(t.out) {
				e.markReadersLocked(t.outReaders, nil, Why{Kind: WhyChanged, task: t.id})
			}
		}
	} else {
		newCells := x.cells
		if res.Err == nil && !res.IsVc {
			if len(newCells) == 0 && len(t.cells) == 0 {
				newCells = t.inlCell[:0:1]
			}
			newCells = append(newCells, cell{value: res.Value, typ: res.Type})
			out.vc = Raw{Eng: e.id, Task: t.id, Slot: uint32(len(newCells))}
		}
		var outCell int
		if out.err == nil && out.vc.Task == t.id {
			outCell = int(out.vc.Slot)
		}
		var outCellChanged bool
		changed, outCellChanged = e.replaceCellsLocked(t, newCells, outCell, x.evictOnly && !x.dirtyAgain)
		if outCellChanged && out.equal(t.out) {
			// Readers through the output depend on the value of
			// the own cell it points at (see readLoopLocked).
			e.markReadersLocked(t.outReaders, nil, Why{Kind: WhyChanged, task: t.id})
		}
	}
	if !out.equal(t.out) {
		if t.execs > 0 {
			changed = true
		}
		e.markReadersLocked(t.outReaders, nil, Why{Kind: WhyChanged, task: t.id})
	}
	// Collect tasks follow a returned Vc to its task: another task there
	// changes what t collects, as a changed list of reads does.
	retargeted := (out.err != nil) != (t.out.err != nil) || out.vc.Task != t.out.vc.Task
	t.out = out
	if (t.meta != nil || x.more != nil) && e.storeMetaLocked(x, retargeted || x.diverged || x.cursor < len(x.old)) && t.execs > 0 {
		changed = true
	}
	e.finishStoreLocked(x, changed)
}

// updateCellLocked stores x's value in oc, the only cell of x's task, and
// reports whether it changed; if it did, the readers of the cell are marked
// dirty (those of the output are the caller's business).
func (e *Engine) updateCellLocked(x *execution, oc *cell) bool {
	t, res := x.t, &x.res
	if oc.evicted() && x.evictOnly && !x.dirtyAgain && oc.typ == res.Type {
		oc.value = res.Value // recomputed as it was
		return false
	}
	if oc.typ == res.Type && !oc.evicted() && res.Type.Equal(oc.value, res.Value) {
		return false
	}
	oc.value, oc.typ = res.Value, res.Type
	e.markReadersLocked(oc.readers, nil, Why{Kind: WhyChanged, task: t.id, slot: 1})
	return true
}

// finishStoreLocked ends the store of x's results: the dependencies, the
// counters, and the task's state. changed reports whether any result did.
func (e *Engine) finishStoreLocked(x *execution, changed bool) {
	t := x.t
	e.finishDepsLocked(x)
	t.exec = nil
	t.execs++
	e.mu.stats.executions++
	if t.fn == &collectFunc {
		e.mu.stats.internal++
	}
	if x.reexec && !changed {
		e.mu.stats.cutOff++
	}
	if !x.reexec {
		e.endFreshPhaseLocked(t)
		t.settled.Store(true)
	}
	t.setSt(stDone)
	if x.dirtyAgain {
		e.markDirtyLocked(t, x.againWhy)
	}
}

// replaceCellsLocked makes newCells t's cells, marking the readers of every
// cell whose value changed or that no longer exists. It reports whether
// anything changed, and whether cell outCell-1 did (0 names no cell).
func (e *Engine) replaceCellsLocked(t *Task, newCells []cell, outCell int, evictOnly bool) (changed, outCellChanged bool) {
	oldCells := t.cells
	for i := range newCells {
		nc := &newCells[i]
		saw := nc.readers // tasks that already read the new value
		nc.readers = nil
		if i >= len(oldCells) {
			continue
		}
		oc := &oldCells[i]
		if oc.evicted() && evictOnly && oc.typ == nc.typ {
			// Recomputed from unchanged inputs: the same value.
		} else if oc.same(nc) {
			nc.value = oc.value
		} else {
			changed = true
			outCellChanged = outCellChanged || i == outCell-1
			e.markReadersLocked(oc.readers, saw, Why{Kind: WhyChanged, task: t.id, slot: uint32(i + 1)})
		}
		nc.readers = oc.readers
	}
	// Cells the new execution did not make stay as placeholders while
	// tasks read them: a reader's dependency and its edge go together,
	// and the edge makes the reader run again when the cell comes back.
	keep := len(newCells)
	for i := len(newCells); i < len(oldCells); i++ {
		oc := &oldCells[i]
		if len(oc.readers) > 0 {
			keep = i + 1
		}
		if oc.typ != nil {
			changed = true
			e.markReadersLocked(oc.readers, nil, Why{Kind: WhyChanged, task: t.id, slot: uint32(i + 1)})
		}
	}
	for i := len(newCells); i < keep; i++ {
		newCells = append(newCells, cell{readers: oldCells[i].readers})
	}
	t.cells = newCells
	return changed, outCellChanged
}
