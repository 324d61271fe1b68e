package engine

// Dirty marking. When a value changes (a State is set, a completion stores a
// different cell or output, an invalidator fires), the tasks that read it
// are marked dirty: a done task goes into the dirty heap, to be re-executed
// in height order (see sched.go); a running one is told that what it has
// read is stale (dirtyAgain), and runs again once it completes. Nothing
// else is done at marking time: in particular the readers of a dirty task
// are not marked, since its re-execution may well produce the same values
// (early cutoff, in complete.go).
//
// A running execution is marked only for what it has already read. A value
// it has not read yet, it will read as it is now; one its previous
// execution read and this one does not read at all does not concern it.

// unconditional is the changed slot of marks that concern a task whatever it
// read: an invalidation, a cycle that is gone.
var unconditional = dep{}

// markReadersLocked marks the tasks in ids dirty, except those in skip: they
// read src, which changed for the reason why.
func (e *Engine) markReadersLocked(ids, skip []uint32, why Why, src dep) {
	for _, id := range ids {
		if len(skip) > 0 && containsID(skip, id) {
			continue
		}
		e.markDirtyLocked(e.mu.tasks.at(id), why, src)
	}
}

func containsID(ids []uint32, id uint32) bool {
	for _, v := range ids {
		if v == id {
			return true
		}
	}
	return false
}

// markDirtyLocked records that src, which t read, has changed.
func (e *Engine) markDirtyLocked(t *Task, why Why, src dep) {
	switch t.state {
	case stDirty:
		if t.whyKind == WhyEvicted && why.Kind != WhyEvicted {
			t.setWhy(why) // the better answer to "why did it re-run?"
		}
	case stDone:
		t.setWhy(why)
		t.state = stDirty
		e.mu.sched.dirty.push(t)
		e.mu.stats.invalidated++
	case stRunning:
		x := t.exec
		if x.dirtyAgain {
			return
		}
		if src != unconditional && !x.hasDep(src) {
			return // x will read the new value, if it reads it at all
		}
		x.dirtyAgain = true
		x.againWhy = why
		e.mu.stats.invalidated++
		// Tasks that read a cell x has made saw a value that is stale
		// now. A fresh execution is not part of the level, so nothing
		// else would keep a strongly consistent read of them from
		// returning before x completes and is dirty.
		for i := range x.cells {
			e.markReadersLocked(x.cells[i].readers, nil, why, dep{t: t, slot: uint32(i + 1)})
		}
	}
}
