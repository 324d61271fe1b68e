package engine

import "context"

// Reads. Every read goes through one loop, readLoopLocked, whether a task
// function makes it (a tracked read: it records a dependency of the
// reading execution) or code outside any task does (a strongly consistent
// read: it records nothing, and returns only what a from-scratch
// computation over the current inputs would). The loop looks at the task r
// names and either answers, or makes progress and looks again:
//
//   - a done task below the level (nothing pending can change it) answers:
//     its cell, or its output, which may lead on to another task;
//   - a done task at or above the level is waited for until the level has
//     passed it (waitLevelLocked);
//   - a fresh or dirty task is run inline on the reader's goroutine when the
//     reader is a task that may (runInlineLocked), and waited for otherwise
//     (waitTaskLocked); a strongly consistent read helps by running
//     whatever is runnable while it waits (helpLocked, in strong.go).
//
// Nothing is assumed across a wait: every wait ends in another look, so a
// task that was abandoned, re-queued or raised meanwhile is seen as it is.
//
// What the two kinds of reader do differently, on purpose: a task records
// dependencies, rises above what it reads, and gives its worker slot back
// while blocked (wait.go); a read from outside holds the fresh tasks it
// waits for alive, and defers edits while it is in progress (strong.go).
//
// The common case of a tracked read (a done task below the reader and the
// level) has a fast path, readDoneLocked, which the invariant checks skip
// part of the time so that the general loop is exercised on the same reads.

// maxInlineDepth bounds how deeply a goroutine runs tasks inline, so that a
// long chain of fresh tasks cannot exhaust its stack; deeper tasks are handed
// to other workers.
const maxInlineDepth = 200

// maxPlaceholders bounds how far past a task's cells a read may name a cell
// that does not exist and still be depended on.
const maxPlaceholders = 1024

// untrackedSlot stands for the slot of an untracked read where a wait would
// otherwise record a back edge: such a read makes no dependency at all. No
// cell has that index (see maxPlaceholders).
const untrackedSlot = metaSlot - 1

// targetSlot is the slot of a dependency on where a task's output points,
// as opposed to the value there: what resolving the output to a cell
// (Resolve) depends on. It changes only when the output points elsewhere or
// fails.
const targetSlot = metaSlot - 2

// readMode modifies a read.
type readMode uint8

const (
	readResolve   readMode = 1 << iota // only follow r to a cell
	readUntracked                      // record no dependency
)

// reader is a read in progress.
type reader struct {
	ctx  context.Context
	x    *execution // the reading execution; nil for a strongly consistent read
	mode readMode
	// inline: x may run the tasks it reads on its own goroutine. A task
	// run inline cannot be interrupted, so a read through a context with
	// a cancellation of its own hands the work to a worker instead.
	inline bool
	holds  []*hold // a strongly consistent read's: the fresh tasks it keeps alive
}

// depSlot returns the slot a read of r depends on, which a wait records as
// a back edge should it close a cycle.
func (rd *reader) depSlot(r Raw) uint32 {
	switch {
	case rd.mode&readUntracked != 0:
		return untrackedSlot
	case r.Slot == 0 && rd.mode&readResolve != 0:
		return targetSlot
	}
	return r.Slot
}

// Read returns the value r points at, on behalf of the running execution of
// run, and records the dependency. ctx is run, or a context derived from it
// whose cancellation also ends the read. The error is the task's error when
// the task failed, or one of the engine's errors.
func (e *Engine) Read(ctx context.Context, run *Run, r Raw) (any, error) {
	if !r.IsLocal() && !checks.skipFastPath() {
		e.mu.Lock()
		if v, ok := e.readDoneLocked(ctx, run, r); ok {
			e.mu.Unlock()
			return v, nil
		}
		e.mu.Unlock()
	}
	v, _, err := e.read(ctx, run, r, 0)
	return v, err
}

// ReadUntracked is Read without a dependency: run is not re-executed when
// the value changes. It still waits for the value to be up to date, and
// still returns the error of a task that failed.
func (e *Engine) ReadUntracked(ctx context.Context, run *Run, r Raw) (any, error) {
	v, _, err := e.read(ctx, run, r, readUntracked)
	return v, err
}

// Resolve follows r through task outputs to the cell it ends at, on behalf
// of the running execution of run, recording a dependency on where each
// output it follows points (not on the values there).
func (e *Engine) Resolve(ctx context.Context, run *Run, r Raw) (Raw, error) {
	_, c, err := e.read(ctx, run, r, readResolve)
	return c, err
}

// ReadStrong returns the value r points at once everything it depends on is
// up to date with the current inputs. It records no dependency.
func (e *Engine) ReadStrong(ctx context.Context, r Raw) (any, error) {
	v, _, err := e.read(ctx, nil, r, 0)
	return v, err
}

// ResolveStrong follows r through task outputs to the cell it ends at, once
// everything it depends on is up to date with the current inputs.
func (e *Engine) ResolveStrong(ctx context.Context, r Raw) (Raw, error) {
	_, c, err := e.read(ctx, nil, r, readResolve)
	return c, err
}

// read reads r on behalf of run's execution, or strongly consistently for a
// nil run, and returns the value and the Raw the read ended at (the cell).
func (e *Engine) read(ctx context.Context, run *Run, r Raw, mode readMode) (any, Raw, error) {
	r, err := e.resolveLocal(ctx, run, r)
	if err != nil {
		return nil, Raw{}, err
	}
	e.mu.Lock()
	defer e.mu.Unlock() // deferred: see executeLocked on runtime.Goexit
	rd, err := e.beginReadLocked(ctx, run, r, mode)
	if err != nil {
		return nil, Raw{}, err
	}
	defer e.endReadLocked(&rd)
	v, err := e.readLoopLocked(&rd, &r) // task panics are recovered inside
	return v, r, err
}

// beginReadLocked checks a read of r through run (nil for a strongly
// consistent read) and returns it, counted as in progress.
func (e *Engine) beginReadLocked(ctx context.Context, run *Run, r Raw, mode readMode) (reader, error) {
	if run == nil {
		if err := e.checkRawLocked(r); err != nil {
			return reader{}, err
		}
		if err := checks.readOutsideTask(e); err != nil {
			return reader{}, err
		}
		if err := e.beginStrongLocked(ctx); err != nil {
			return reader{}, err
		}
		return reader{ctx: ctx, mode: mode}, nil
	}
	if run.e != e {
		return reader{}, ErrForeign
	}
	x := run.x
	if x == nil {
		return reader{}, ErrTaskReturned
	}
	if err := e.checkRawLocked(r); err != nil {
		return reader{}, err
	}
	x.inflight++
	inline := x.depth < maxInlineDepth && (ctx == context.Context(x.run) || ctx.Done() == x.run.Done())
	return reader{ctx: ctx, x: x, mode: mode, inline: inline}, nil
}

// endReadLocked ends rd.
func (e *Engine) endReadLocked(rd *reader) {
	if rd.x != nil {
		rd.x.inflight--
		return
	}
	for _, h := range rd.holds {
		e.releaseLocked(h)
	}
	e.endStrongLocked()
}

// readDoneLocked is the common case of Read, taken without its checks and
// bookkeeping when they cannot matter: a tracked read through the
// execution's own context, not cancelled, of a cell (directly or as a
// task's output) of a task that is up to date and below the reader. It
// reports false, having changed nothing, for every other read, which
// readLoopLocked then handles in full. Every condition is one the loop
// checks too.
func (e *Engine) readDoneLocked(ctx context.Context, run *Run, r Raw) (any, bool) {
	if run.e != e { // run.x is guarded by another engine's lock
		return nil, false
	}
	x := run.x
	if x == nil || ctx != context.Context(run) || e.mu.closed ||
		run.flags.Load()&runCancelled != 0 || x.finished ||
		r.Eng != e.id || !e.mu.tasks.has(r.Task) {
		return nil, false
	}
	t := e.mu.tasks.at(r.Task)
	if t.state != stDone || t.height >= x.t.height || t.height >= e.levelLocked() {
		return nil, false
	}
	slot := r.Slot
	if slot == 0 {
		if t.out.err != nil || t.out.vc.Task != t.id {
			return nil, false
		}
		slot = t.out.vc.Slot // the dependency stays on the output
	} else if slot > uint32(len(t.cells)) { // a pseudo-slot, a local output, a missing cell
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

// levelLocked returns the lowest height with pending work: nothing at or
// above it is known to be up to date.
func (e *Engine) levelLocked() int32 {
	return min(e.mu.sched.dirty.minHeight(), e.mu.sched.runningRe.minHeight())
}

// readLoopLocked reads *rp for rd. With readResolve it only follows *rp to
// a cell. *rp is left at the Raw the read ended at. It may release mu while
// it waits or runs a task inline.
func (e *Engine) readLoopLocked(rd *reader, rp *Raw) (any, error) {
	x, resolveOnly := rd.x, rd.mode&readResolve != 0
	for hops := 0; ; {
		r := *rp
		if resolveOnly && r.Slot != 0 {
			return nil, nil
		}
		if err := e.readErrLocked(rd); err != nil {
			return nil, err
		}
		t := e.mu.tasks.at(r.Task)
		switch t.state {
		case stDone:
			if t.height >= e.levelLocked() {
				// Pending work below t may still change it.
				if err := e.waitLevelLocked(rd, t, rd.depSlot(r)); err != nil {
					return nil, err
				}
				continue
			}
			if x == nil && len(e.mu.cycles.back) > 0 {
				if p := e.pendingInLocked(t); p != nil {
					if err := e.waitPendingLocked(rd, p); err != nil {
						return nil, err
					}
					continue
				}
			}
			if e.mu.stats.evicted > 0 && !resolveOnly && t.cellEvicted(r) {
				e.markDirtyLocked(t, Why{Kind: WhyEvicted}, unconditional)
				continue
			}
			if r.Slot == 0 {
				if err := e.observeLocked(rd, t, rd.depSlot(r), nil); err != nil {
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
				return nil, e.observeLocked(rd, t, metaSlot, nil)
			}
			if x != nil {
				if int(r.Slot) > len(t.cells)+maxPlaceholders {
					// Far past anything t made: a forged handle,
					// not a cell that may come back.
					return nil, &cellGoneError{t, r.Slot - 1}
				}
				// A missing cell is depended on too (through a
				// placeholder), so that the reader runs again when
				// it reappears.
				if err := e.observeLocked(rd, t, r.Slot, nil); err != nil {
					return nil, err
				}
			}
			if !t.hasCell(r.Slot) {
				return nil, &cellGoneError{t, r.Slot - 1}
			}
			return t.cells[r.Slot-1].value, nil
		case stRunning:
			// A cell the running execution has made is as up to date
			// as the execution, unless something it read changed
			// since. A strongly consistent read waits for the end.
			if x != nil && r.Slot != 0 && r.Slot != metaSlot && int(r.Slot-1) < len(t.exec.cells) && (t == x.t || !t.exec.dirtyAgain) {
				return e.readNewCellLocked(rd, t, int(r.Slot-1))
			}
		case stDirty:
			if rd.inline && t.height <= e.levelLocked() {
				if err := e.runInlineLocked(rd.x, t, rd.depSlot(r)); err != nil {
					return nil, err
				}
				continue
			}
		case stNew, stQueued:
			if rd.inline {
				if err := e.runInlineLocked(rd.x, t, rd.depSlot(r)); err != nil {
					return nil, err
				}
				continue
			}
		}
		if err := e.waitTaskLocked(rd, t, rd.depSlot(r)); err != nil {
			return nil, err
		}
	}
}

// readErrLocked returns why rd cannot go on, if it cannot.
func (e *Engine) readErrLocked(rd *reader) error {
	switch {
	case e.mu.closed:
		return ErrClosed
	case rd.x != nil && rd.x.finished:
		return ErrTaskReturned
	}
	return rd.ctx.Err()
}

// readNewCellLocked reads cell i that the running task t created in its
// current execution.
func (e *Engine) readNewCellLocked(rd *reader, t *Task, i int) (any, error) {
	nc := &t.exec.cells[i]
	if t == rd.x.t {
		return nc.value, nil
	}
	// t is running, so it may be waiting, through others, for the reader
	// (a task that passes its new cell to a task it then reads): reading
	// the cell closes a cycle. Raises follow waits only while work is
	// pending, so this one is looked for here.
	if c := e.waitsForLocked(t, rd.x); c != nil {
		e.recordBackLocked(rd.x, t, rd.depSlot(Raw{Slot: uint32(i + 1)}), c)
		return nil, c
	}
	if err := e.observeLocked(rd, t, uint32(i+1), nc); err != nil {
		return nil, err
	}
	return nc.value, nil
}

// observeLocked records that rd has read slot of t, for a tracked read. nc
// is the cell of t's running execution that it read, if it read one.
func (e *Engine) observeLocked(rd *reader, t *Task, slot uint32, nc *cell) error {
	x := rd.x
	if x == nil {
		return nil
	}
	if rd.mode&readUntracked != 0 {
		// No dependency, but still no wait or read against the height
		// order.
		return e.raiseAboveLocked(x, t, untrackedSlot)
	}
	if err := e.raiseAboveLocked(x, t, slot); err != nil {
		return err
	}
	if nc != nil {
		nc.readers = append(nc.readers, x.t.id)
	}
	e.recordDepLocked(x, dep{t: t, slot: slot})
	return nil
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

// waitTaskLocked blocks rd until t's execution ends (or, for a fresh task,
// until it is abandoned: the caller looks again either way). It releases mu
// while it waits.
func (e *Engine) waitTaskLocked(rd *reader, t *Task, slot uint32) error {
	if t.state == stNew {
		e.enqueueLocked(t)
	}
	x := rd.x
	if x == nil {
		rd.holds = append(rd.holds, e.holdLocked(t))
		if e.helpLocked(rd.ctx, func() bool { return t.state == stDone || t.state == stNew }) {
			return nil
		}
		w := e.mu.wait.tasks.add(t, nil)
		e.kickLocked(0)
		err := e.blockOutsideLocked(rd.ctx, w.ch)
		e.mu.wait.tasks.remove(t, w)
		return err
	}
	if err := e.waitCycleLocked(x, t); err != nil {
		e.recordBackLocked(x, t, slot, err)
		return err
	}
	if err := e.raiseAboveLocked(x, t, slot); err != nil {
		return err
	}
	h := e.holdLocked(t)
	more := x.extra()
	more.waitOn = append(more.waitOn, h)
	// A dirty task starts only once no running re-execution is below it,
	// so whatever waits for x must be above t too.
	e.raiseWaitersLocked(x.t)
	w := e.mu.wait.tasks.add(t, x)
	e.kickLocked(0)
	err := e.blockLocked(rd.ctx, x, w.ch)
	e.mu.wait.tasks.remove(t, w)
	more.waitOn = removeHold(more.waitOn, h)
	e.releaseLocked(h)
	return err
}

// waitLevelLocked blocks rd until the level is above t's height, so that
// nothing pending can still change t. It releases mu while it waits.
func (e *Engine) waitLevelLocked(rd *reader, t *Task, slot uint32) error {
	x := rd.x
	if x == nil {
		if e.helpLocked(rd.ctx, func() bool { return t.state != stDone || t.height < e.levelLocked() }) {
			return nil
		}
		w := e.mu.wait.level.add(t.height)
		e.kickLocked(0)
		err := e.blockOutsideLocked(rd.ctx, w.ch)
		e.mu.wait.level.remove(w)
		return err
	}
	if err := e.raiseAboveLocked(x, t, slot); err != nil {
		return err
	}
	if e.levelLocked() > t.height {
		return nil
	}
	w := e.mu.wait.level.add(t.height)
	// x waits for t as much as a read of it would: raising t raises x
	// (see forWaitersLocked), and a wait that closes a cycle through
	// such waits is found by the raise above.
	e.mu.wait.levelOf.add(t, x)
	// Whatever waits for x must stay above x, or the level could never
	// pass t.
	e.raiseWaitersLocked(x.t)
	e.kickLocked(0)
	err := e.blockLocked(rd.ctx, x, w.ch)
	e.mu.wait.level.remove(w)
	e.mu.wait.levelOf.remove(t, x)
	return err
}

// waitPendingLocked blocks the strongly consistent read rd until p, which
// what it reads depends on, may be up to date: until p's execution ends, or
// the level has passed it.
func (e *Engine) waitPendingLocked(rd *reader, p *Task) error {
	if p.state == stDone {
		return e.waitLevelLocked(rd, p, 0)
	}
	return e.waitTaskLocked(rd, p, 0)
}

// ReadFinal is Read, for run, or ReadStrong, for a nil run, with the hint
// that the value will not be read again soon: the engine then drops the
// content of the cell it came from, keeping a fingerprint, and recomputes
// it by running its task again if it is read after all; the fingerprint
// tells whether the recomputed value is the same (cutoff). Cells of states,
// of tasks that are not up to date and of types without fingerprints are
// kept.
func (e *Engine) ReadFinal(ctx context.Context, run *Run, r Raw) (any, error) {
	v, c, err := e.read(ctx, run, r, 0)
	if err == nil {
		e.evict(c)
	}
	return v, err
}

// evict drops the content of the cell r names, if its task can recompute
// it. The fingerprint is computed with mu released; the content is dropped
// only if the task has not completed again meanwhile.
func (e *Engine) evict(r Raw) {
	e.mu.Lock()
	t, c := e.evictableLocked(r)
	if c == nil {
		e.mu.Unlock()
		return
	}
	v, typ, execs := c.value, c.typ, t.execs
	e.mu.Unlock()
	fp, ok := typ.Fingerprint(v)
	if !ok {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if t, c := e.evictableLocked(r); c != nil && t.execs == execs && c.typ == typ {
		c.value = &evictedCell{fp}
		e.mu.stats.evicted++
	}
}

// evictableLocked returns the cell r names and its task, if its content can
// be dropped.
func (e *Engine) evictableLocked(r Raw) (*Task, *cell) {
	if !e.mu.tasks.has(r.Task) {
		return nil, nil
	}
	t := e.mu.tasks.at(r.Task)
	if t.isState || t.state != stDone {
		return nil, nil
	}
	c := t.cellFor(r)
	if c == nil || c.evicted() || c.typ.Fingerprint == nil {
		return nil, nil
	}
	return t, c
}
