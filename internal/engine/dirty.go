package engine

// markReadersLocked marks the tasks in ids dirty, except those in skip.
func (e *Engine) markReadersLocked(ids, skip []uint32, why Why) {
	for _, id := range ids {
		if len(skip) > 0 && containsID(skip, id) {
			continue
		}
		e.markDirtyLocked(e.mu.tasks[id], why)
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

// markDirtyLocked records that something t read has changed.
func (e *Engine) markDirtyLocked(t *Task, why Why) {
	switch t.st() {
	case stDirty:
		if why.Kind != WhyEvicted && t.evictOnly {
			t.evictOnly = false
			t.setWhy(why)
		}
	case stDone:
		t.evictOnly = why.Kind == WhyEvicted
		t.setWhy(why)
		t.setSt(stDirty)
		e.mu.sched.dirty.push(t)
		e.mu.stats.invalidated++
	case stRunning:
		if !t.exec.dirtyAgain {
			t.exec.dirtyAgain = true
			t.exec.againWhy = why
			e.mu.stats.invalidated++
		}
	}
}
