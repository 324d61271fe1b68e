package engine

import "context"

// maxInlineDepth bounds how deeply a goroutine runs tasks inline, so that a
// long chain of fresh tasks cannot exhaust its stack; deeper tasks are handed
// to other workers.
const maxInlineDepth = 200

// Read returns the value r points at, on behalf of the running execution of
// run, and records the dependency. ctx is run, or a context derived from it
// whose cancellation also ends the read. The error is the task's error when
// the task failed, or one of the engine's errors.
func (e *Engine) Read(ctx context.Context, run *Run, r Raw) (any, error) {
	if !r.IsLocal() {
		e.mu.Lock()
		if v, ok := e.readDoneLocked(ctx, run, r); ok {
			e.mu.Unlock()
			return v, nil
		}
		e.mu.Unlock()
	}
	return e.readSlow(ctx, run, r)
}

// readSlow is Read in full. It is kept out of Read so that the common case
// does not pay for its frame and deferred call.
func (e *Engine) readSlow(ctx context.Context, run *Run, r Raw) (any, error) {
	r, err := e.resolveLocal(ctx, run, r)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	x, err := e.beginReadLocked(run, r)
	if err != nil {
		e.mu.Unlock()
		return nil, err
	}
	defer func() { // deferred: see executeLocked on runtime.Goexit
		x.inflight--
		e.mu.Unlock()
	}()
	return e.readLoopLocked(ctx, x, &r, 0) // task panics are recovered inside
}

// readDoneLocked is the common case of Read, taken without its checks and
// bookkeeping when they cannot matter: a tracked read through the
// execution's own context, not cancelled, of a cell (directly or as a
// task's output) of a task that is up to date and below the reader. It
// reports false, having changed nothing, for every other read, which
// readLoopLocked then handles in full.
func (e *Engine) readDoneLocked(ctx context.Context, run *Run, r Raw) (any, bool) {
	if run.e != e { // run.x is guarded by another engine's lock
		return nil, false
	}
	x := run.x
	if x == nil || ctx != context.Context(run) || e.mu.closed ||
		run.flags.Load()&runCancelled != 0 || x.finished ||
		r.Eng != e.id || r.Task == 0 || int(r.Task) >= len(e.mu.tasks) {
		return nil, false
	}
	t := e.mu.tasks[r.Task]
	if t.st() != stDone || t.height >= x.t.height || t.height >= e.levelLocked() {
		return nil, false
	}
	slot := r.Slot
	if slot == 0 {
		if t.out.err != nil || t.out.vc.Task != t.id {
			return nil, false
		}
		slot = t.out.vc.Slot // the dependency stays on the output
	} else if slot > uint32(len(t.cells)) { // metaSlot, a local output, a missing cell
		return nil, false
	}
	if !t.hasCell(slot) { // a placeholder
		return nil, false
	}
	c := &t.cells[slot-1]
	if e.mu.stats.evicted > 0 && c.evicted() {
		return nil, false
	}
	if d := (dep{t: t, slot: r.Slot}); !x.diverged && x.cursor < len(x.old) && x.old[x.cursor] == d {
		x.cursor++ // the read the previous execution made here
	} else {
		e.recordDepLocked(x, d)
	}
	return c.value, true
}

// readForLocked reads r on behalf of run's execution, counted as a read in
// progress meanwhile, and returns the value and the Raw it ended at.
func (e *Engine) readForLocked(ctx context.Context, run *Run, r Raw, mode readMode) (any, Raw, error) {
	x, err := e.beginReadLocked(run, r)
	if err != nil {
		return nil, Raw{}, err
	}
	v, c, err := e.readLocked(ctx, x, r, mode) // task panics are recovered inside
	x.inflight--
	return v, c, err
}

// ReadUntracked is Read without a dependency: run is not re-executed when
// the value changes. It still waits for the value to be up to date, and
// still returns the error of a task that failed.
func (e *Engine) ReadUntracked(ctx context.Context, run *Run, r Raw) (any, error) {
	r, err := e.resolveLocal(ctx, run, r)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	v, _, err := e.readForLocked(ctx, run, r, readUntracked)
	return v, err
}

// Resolve follows r through task outputs to the cell it ends at, on behalf
// of the running execution of run, recording a dependency on each output it
// follows (but not on the cell).
func (e *Engine) Resolve(ctx context.Context, run *Run, r Raw) (Raw, error) {
	r, err := e.resolveLocal(ctx, run, r)
	if err != nil {
		return Raw{}, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	_, c, err := e.readForLocked(ctx, run, r, readResolve)
	return c, err
}

// beginReadLocked checks a read of r through run and returns the execution
// it is for, counted as having a read in progress.
func (e *Engine) beginReadLocked(run *Run, r Raw) (*execution, error) {
	if run.e != e {
		return nil, ErrForeign
	}
	x := run.x
	if x == nil {
		return nil, ErrTaskReturned
	}
	if err := e.checkRawLocked(r); err != nil {
		return nil, err
	}
	x.inflight++
	return x, nil
}

// levelLocked returns the lowest height with pending work: nothing at or
// above it is known to be up to date.
func (e *Engine) levelLocked() int32 {
	return min(e.mu.sched.dirty.minHeight(), e.mu.sched.runningRe.minHeight())
}

// readMode modifies a read.
type readMode uint8

const (
	readResolve   readMode = 1 << iota // only follow r to a cell
	readUntracked                      // record no dependency
)

// readLocked reads r for x, or with readResolve only follows r to a cell and
// returns the cell's Raw. ctx is the context the read was made with: x's Run
// or one derived from it. It may release mu while it waits or runs a task
// inline.
func (e *Engine) readLocked(ctx context.Context, x *execution, r Raw, mode readMode) (any, Raw, error) {
	v, err := e.readLoopLocked(ctx, x, &r, mode)
	return v, r, err
}

func (e *Engine) readLoopLocked(ctx context.Context, x *execution, rp *Raw, mode readMode) (any, error) {
	resolveOnly := mode&readResolve != 0
	// A task run inline cannot be interrupted, so a read through a context
	// with a cancellation of its own hands the work to a worker instead.
	inline := x.depth < maxInlineDepth && (ctx == context.Context(x.run) || ctx.Done() == x.run.Done())
	for hops := 0; ; {
		r := *rp
		if resolveOnly && r.Slot != 0 {
			return nil, nil
		}
		if e.mu.closed {
			return nil, ErrClosed
		}
		if x.finished {
			return nil, ErrTaskReturned
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t := e.mu.tasks[r.Task]
		// The slot a wait records as a back edge, should it close a
		// cycle; an untracked read records none.
		slot := r.Slot
		if mode&readUntracked != 0 {
			slot = untrackedSlot
		}
		switch t.st() {
		case stDone:
			if t.height >= e.levelLocked() {
				// Pending work below t may still change it.
				if err := e.levelWaitLocked(ctx, x, t, slot); err != nil {
					return nil, err
				}
				continue
			}
			if e.mu.stats.evicted > 0 && mode&readResolve == 0 && t.cellEvicted(r) {
				e.markDirtyLocked(t, Why{Kind: WhyEvicted})
				continue
			}
			if r.Slot == 0 {
				if err := e.observeLocked(x, t, 0, nil, mode); err != nil {
					return nil, err
				}
				if t.out.err != nil {
					return nil, t.out.err
				}
				if own := t.out.vc; own.Task == t.id && !resolveOnly && t.hasCell(own.Slot) {
					// The output is one of t's own cells: the
					// dependency on the output covers it (see
					// storeLocked).
					return t.cells[own.Slot-1].value, nil
				}
				if hops++; hops > maxFollow {
					if err := e.followCycleLocked(r); err != nil {
						return nil, err
					}
				}
				*rp = t.out.vc
				continue
			}
			if r.Slot == metaSlot {
				return nil, e.observeLocked(x, t, metaSlot, nil, mode)
			}
			if int(r.Slot) > len(t.cells)+maxPlaceholders {
				// Far past anything t made: a forged handle, not a
				// cell that may come back.
				return nil, &cellGoneError{t, r.Slot - 1}
			}
			// A missing cell is depended on too (through a placeholder),
			// so that this reader runs again when it reappears.
			if err := e.observeLocked(x, t, r.Slot, nil, mode); err != nil {
				return nil, err
			}
			if !t.hasCell(r.Slot) {
				return nil, &cellGoneError{t, r.Slot - 1}
			}
			return t.cells[r.Slot-1].value, nil
		case stRunning:
			if r.Slot != 0 && int(r.Slot-1) < len(t.exec.cells) && (t == x.t || !t.exec.dirtyAgain) {
				return e.readNewCellLocked(x, t, int(r.Slot-1), mode)
			}
			if err := e.waitTaskLocked(ctx, x, t, slot); err != nil {
				return nil, err
			}
		case stDirty:
			if inline && t.height <= e.levelLocked() {
				if err := e.runInlineLocked(x, t, slot); err != nil {
					return nil, err
				}
				continue
			}
			if err := e.waitTaskLocked(ctx, x, t, slot); err != nil {
				return nil, err
			}
		case stNew, stQueued:
			if inline {
				if err := e.runInlineLocked(x, t, slot); err != nil {
					return nil, err
				}
				continue
			}
			if err := e.waitTaskLocked(ctx, x, t, slot); err != nil {
				return nil, err
			}
		}
	}
}

// untrackedSlot stands for the slot of an untracked read where a wait would
// otherwise record a back edge: such a read makes no dependency at all. No
// cell has that index (see maxPlaceholders).
const untrackedSlot = metaSlot - 1

// maxPlaceholders bounds how far past a task's cells a read may name a cell
// that does not exist and still be depended on.
const maxPlaceholders = 1024

// readNewCellLocked reads cell i that the running task t created in its
// current execution. Such a value is as up to date as t's execution, unless
// something t read has changed since, in which case the reader waits.
func (e *Engine) readNewCellLocked(x *execution, t *Task, i int, mode readMode) (any, error) {
	nc := &t.exec.cells[i]
	if t == x.t {
		return nc.value, nil
	}
	if err := e.observeLocked(x, t, uint32(i+1), nc, mode); err != nil {
		return nil, err
	}
	return nc.value, nil
}

// runInlineLocked runs t, which is fresh or dirty at the current level, on
// x's goroutine, on behalf of a read of slot of t. It releases mu while t
// runs. x waits for t meanwhile, so it is raised above t first.
func (e *Engine) runInlineLocked(x *execution, t *Task, slot uint32) error {
	if err := e.raiseAboveLocked(x, t, slot); err != nil {
		return err
	}
	e.raiseWaitersLocked(x.t)
	child := e.startLocked(t, x.th, x)
	h := e.holdLocked(t)
	more := x.extra()
	more.waitOn = append(more.waitOn, h)
	defer func() { // deferred: see executeLocked on runtime.Goexit
		more.waitOn = removeHold(more.waitOn, h)
		e.releaseLocked(h)
	}()
	e.executeLocked(child, nil)
	return nil
}

func (e *Engine) cellValueLocked(t *Task, r Raw) (any, error) {
	i := int(r.Slot - 1)
	if i >= len(t.cells) || t.cells[i].typ == nil {
		return nil, &cellGoneError{t, uint32(i)}
	}
	return t.cells[i].value, nil
}

// ReadFinal is Read, for run, or ReadStrong, for a nil run, with the hint
// that the value will not be read again soon: the engine then drops the
// content of the cell it came from, and recomputes it by running its task
// again if it is read after all. Cells of states and of tasks that are not
// up to date are kept.
func (e *Engine) ReadFinal(ctx context.Context, run *Run, r Raw) (any, error) {
	if run == nil {
		v, c, err := e.readStrong(ctx, r, false)
		if err == nil {
			e.mu.Lock()
			e.evictLocked(c)
			e.mu.Unlock()
		}
		return v, err
	}
	r, err := e.resolveLocal(ctx, run, r)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	v, c, err := e.readForLocked(ctx, run, r, 0)
	if err == nil {
		e.evictLocked(c)
	}
	return v, err
}

// evictLocked drops the content of the cell r names, if its task can
// recompute it.
func (e *Engine) evictLocked(r Raw) {
	if r.Task == 0 || int(r.Task) >= len(e.mu.tasks) {
		return
	}
	t := e.mu.tasks[r.Task]
	if t.isState || t.st() != stDone {
		return
	}
	if c := t.cellFor(r); c != nil {
		c.value = evictedCell{}
		e.mu.stats.evicted++
	}
}
