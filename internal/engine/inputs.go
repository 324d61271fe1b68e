package engine

// Inputs: States, whose values are set from outside, and invalidations of
// tasks that read the outside world. Both mark the readers dirty (dirty.go);
// while strongly consistent reads are in progress they are deferred instead
// (strong.go), the latest value of each state kept.

// NewState adds an input task holding value.
func (e *Engine) NewState(fn *Func, name any, value any, typ *Type) *Task {
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.addTaskLocked(fn, name)
	t.isState = true
	t.inlCell[0] = cell{value: value, typ: typ}
	t.cells = t.inlCell[:]
	t.out = output{vc: Raw{Eng: e.id, Task: t.id, Slot: 1}}
	t.state = stDone
	t.settled.Store(true)
	e.mu.stats.tasks++
	return t
}

// StateValue returns the latest value set on the state t, including a Set
// still deferred behind waiting strongly consistent reads.
func (e *Engine) StateValue(t *Task) any {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p, ok := e.mu.edits.states[t]; ok {
		return p.value
	}
	return t.cells[0].value
}

// SetState replaces the value of the state t. Unless force is set, a value
// equal to the current one changes nothing. While strongly consistent reads
// are waiting for the graph to settle the change is deferred until they have
// been served, so that a steady stream of edits cannot starve them.
func (e *Engine) SetState(t *Task, value any, force bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.mu.closed {
		return
	}
	if e.mu.edits.strongReaders > 0 {
		p, queued := e.mu.edits.states[t]
		if !queued {
			e.mu.edits.deferred = append(e.mu.edits.deferred, func() {
				p := e.mu.edits.states[t]
				delete(e.mu.edits.states, t)
				e.applySetLocked(t, p.value, p.force)
			})
		}
		e.mu.edits.states[t] = pendingSet{value: value, force: p.force || force}
		return
	}
	e.applySetLocked(t, value, force)
}

func (e *Engine) applySetLocked(t *Task, value any, force bool) {
	c := &t.cells[0]
	if !force && c.typ.Equal(c.value, value) {
		return
	}
	c.value = value
	why := Why{Kind: WhyChanged, task: t.id, slot: 1}
	e.markReadersLocked(c.readers, nil, why, dep{t: t, slot: 1})
	e.markReadersLocked(t.outReaders, nil, why, dep{t: t})
	e.kickLocked(0)
}

// pendingSet is a deferred SetState: the latest value, and whether any of
// the deferred calls forced it.
type pendingSet struct {
	value any
	force bool
}

// Invalidate marks t as needing re-execution, as if something it read had
// changed. It is how inputs from outside the engine (files, clocks) report a
// change. Like SetState it is deferred while strongly consistent reads wait.
func (e *Engine) Invalidate(t *Task) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.mu.closed || t.isState {
		return
	}
	if e.mu.edits.strongReaders > 0 {
		e.mu.edits.deferred = append(e.mu.edits.deferred, func() { e.invalidateLocked(t) })
		return
	}
	e.invalidateLocked(t)
}

func (e *Engine) invalidateLocked(t *Task) {
	e.markDirtyLocked(t, Why{Kind: WhyInvalidated}, unconditional)
	e.kickLocked(0)
}
