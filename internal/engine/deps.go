package engine

// Dependencies of an execution, and reader edges. An execution records what
// it reads in order. While its reads repeat the previous execution's (the
// common case of a re-execution), only a cursor moves; the first difference
// copies the prefix (it diverges) and later reads are looked up in sets once
// the lists are long. When it ends, the edges of dependencies it did not
// repeat are removed (finishDepsLocked). Invariant: every dependency of a
// task's latest execution, and of its running one, has exactly one reader
// edge on what it read, and every reader edge has its dependency
// (invariants.go checks both ways).

// smallSet is the size up to which dependency sets are searched linearly.
const smallSet = 8

// recordDepLocked adds d to x's dependencies, and the reverse edge to the
// graph unless it is there from x's previous execution.
func (e *Engine) recordDepLocked(x *execution, d dep) {
	if !x.diverged {
		if x.cursor < len(x.old) && x.old[x.cursor] == d {
			x.cursor++
			return
		}
		if x.cursor > 0 && x.old[x.cursor-1] == d {
			return
		}
		x.diverge()
	}
	if x.hasNewDep(d) {
		return
	}
	x.addDep(d)
	if !x.hadOldDep(d) {
		e.addReaderLocked(d, x.t.id)
	}
}

func (x *execution) diverge() {
	x.diverged = true
	if len(x.old) == 0 && x.t.execs == 0 {
		// A first execution: nothing to copy, and no earlier Run can
		// still be looking at the task's own room (see Run.Predict).
		x.deps = x.t.inlDeps[:0:len(x.t.inlDeps)]
		return
	}
	x.deps = append([]dep(nil), x.old[:x.cursor]...)
	if rest := x.old[x.cursor:]; len(rest) > smallSet {
		more := x.extra()
		more.oldSet = make(map[dep]struct{}, len(rest))
		for _, d := range rest {
			more.oldSet[d] = struct{}{}
		}
	}
	if len(x.deps) > smallSet {
		more := x.extra()
		more.seen = make(map[dep]struct{}, len(x.deps))
		for _, d := range x.deps {
			more.seen[d] = struct{}{}
		}
	}
}

func (x *execution) hasNewDep(d dep) bool {
	if x.more != nil && x.more.seen != nil {
		_, ok := x.more.seen[d]
		return ok
	}
	for _, v := range x.deps {
		if v == d {
			return true
		}
	}
	return false
}

func (x *execution) addDep(d dep) {
	x.deps = append(x.deps, d)
	if x.more != nil && x.more.seen != nil {
		x.more.seen[d] = struct{}{}
	} else if len(x.deps) > smallSet {
		seen := make(map[dep]struct{}, 2*len(x.deps))
		for _, v := range x.deps {
			seen[v] = struct{}{}
		}
		x.extra().seen = seen
	}
}

// hadOldDep reports whether d is among the previous execution's
// dependencies that this one has not repeated in order, whose reader edges
// therefore still exist.
func (x *execution) hadOldDep(d dep) bool {
	if x.more != nil && x.more.oldSet != nil {
		_, ok := x.more.oldSet[d]
		return ok
	}
	for _, v := range x.old[x.cursor:] {
		if v == d {
			return true
		}
	}
	return false
}

// hasDep reports whether the execution recorded d.
func (x *execution) hasDep(d dep) bool {
	if !x.diverged {
		for _, v := range x.old[:x.cursor] {
			if v == d {
				return true
			}
		}
		return false
	}
	return x.hasNewDep(d)
}

// recorded returns the dependencies x recorded.
func (x *execution) recorded() []dep {
	if x.diverged {
		return x.deps
	}
	return x.old[:x.cursor]
}

// finishDepsLocked makes x's dependencies the task's, removing the reader
// edges of dependencies the execution did not repeat.
func (e *Engine) finishDepsLocked(x *execution) {
	t := x.t
	if !x.diverged {
		if x.cursor < len(x.old) {
			for _, d := range x.old[x.cursor:] {
				e.removeReaderLocked(d, t.id)
			}
			t.deps = x.old[:x.cursor:x.cursor]
		}
		return
	}
	for _, d := range x.old {
		if !x.hasDep(d) {
			e.removeReaderLocked(d, t.id)
		}
	}
	t.deps = x.deps
}

func (e *Engine) addReaderLocked(d dep, reader uint32) {
	t, slot := d.t, d.slot
	if d.back {
		e.mu.cycles.back[t] = append(e.mu.cycles.back[t], reader)
		return
	}
	if slot == metaSlot || slot == targetSlot {
		if t.more == nil {
			t.more = new(taskExtra)
		}
		if slot == metaSlot {
			t.more.metaReaders = append(t.more.metaReaders, reader)
		} else {
			t.more.targetReaders = append(t.more.targetReaders, reader)
		}
		return
	}
	if slot == 0 {
		if t.outReaders == nil {
			t.outReaders = t.inlReaders[:0:len(t.inlReaders)]
		}
		t.outReaders = append(t.outReaders, reader)
		return
	}
	i := int(slot - 1)
	for len(t.cells) <= i {
		// A cell that exists only in t's running execution, or that
		// t's latest execution did not create: a placeholder carries
		// the edge until the cell is stored.
		t.cells = append(t.cells, cell{})
	}
	t.cells[i].readers = append(t.cells[i].readers, reader)
}

func (e *Engine) removeReaderLocked(d dep, reader uint32) {
	t := d.t
	var list *[]uint32
	if d.back {
		ids := e.mu.cycles.back[t]
		for i, id := range ids {
			if id == reader {
				ids = append(ids[:i], ids[i+1:]...)
				break
			}
		}
		if len(ids) == 0 {
			delete(e.mu.cycles.back, t)
		} else {
			e.mu.cycles.back[t] = ids
		}
		if !containsID(ids, reader) {
			delete(e.mu.cycles.paths, backEdge{reader, t})
		}
		return
	}
	if d.slot == metaSlot {
		list = &t.more.metaReaders
	} else if d.slot == targetSlot {
		list = &t.more.targetReaders
	} else if d.slot == 0 {
		list = &t.outReaders
	} else if i := int(d.slot - 1); i < len(t.cells) {
		list = &t.cells[i].readers
	} else {
		return
	}
	ids := *list
	for i, id := range ids {
		if id == reader {
			last := len(ids) - 1
			ids[i] = ids[last]
			*list = ids[:last]
			return
		}
	}
}
