package engine

import (
	"context"
	"math"
)

// maxInlineDepth bounds how deeply a goroutine runs tasks inline, so that a
// long chain of fresh tasks cannot exhaust its stack; deeper tasks are handed
// to other workers.
const maxInlineDepth = 200

// maxFollow bounds how many outputs a read follows before it checks whether
// they form a cycle.
const maxFollow = 64

// smallSet is the size up to which dependency sets are searched linearly.
const smallSet = 8

type waiter struct {
	ch chan struct{}
	x  *execution // nil for reads from outside any task
}

type levelWaiter struct {
	h  int32 // woken once the level is above h
	ch chan struct{}
}

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
	if x == nil || ctx != context.Context(run) || e.closed ||
		run.flags.Load()&runCancelled != 0 || x.finished ||
		r.Eng != e.id || r.Task == 0 || int(r.Task) >= len(e.tasks) {
		return nil, false
	}
	t := e.tasks[r.Task]
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
	if e.stats.evicted > 0 && c.evicted() {
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
	if r.Task == 0 || int(r.Task) >= len(e.tasks) {
		return
	}
	t := e.tasks[r.Task]
	if t.isState || t.st() != stDone {
		return
	}
	if c := t.cellFor(r); c != nil {
		c.value = evictedCell{}
		e.stats.evicted++
	}
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

func (e *Engine) checkRawLocked(r Raw) error {
	switch {
	case r.IsZero():
		return ErrNullVc
	case r.Eng != e.id:
		return ErrForeign
	case r.Task == 0 || int(r.Task) >= len(e.tasks) || r.Slot == metaSlot:
		return ErrInvalidVc
	case r.IsLocal():
		return ErrNonLocalValue
	}
	return nil
}

// levelLocked returns the lowest height with pending work: nothing at or
// above it is known to be up to date.
func (e *Engine) levelLocked() int32 {
	return min(e.dirty.minHeight(), e.runningRe.minHeight())
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
		if e.closed {
			return nil, ErrClosed
		}
		if x.finished {
			return nil, ErrTaskReturned
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t := e.tasks[r.Task]
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
			if e.stats.evicted > 0 && mode&readResolve == 0 && t.cellEvicted(r) {
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

// hasCell reports whether slot names a cell of t's latest execution.
func (t *Task) hasCell(slot uint32) bool {
	i := int(slot) - 1
	return i >= 0 && i < len(t.cells) && t.cells[i].typ != nil
}

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

func removeHold(hs []*hold, h *hold) []*hold {
	for i, v := range hs {
		if v == h {
			last := len(hs) - 1
			hs[i] = hs[last]
			hs[last] = nil
			return hs[:last]
		}
	}
	return hs
}

// observeLocked records that x has read slot of t. nc is the cell of t's
// running execution that x read, if it read one.
func (e *Engine) observeLocked(x *execution, t *Task, slot uint32, nc *cell, mode readMode) error {
	if mode&readUntracked != 0 {
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

// recordBackLocked records a read of t by x that closed a cycle. Back edges
// do not order heights; see recheckBackReadersLocked.
func (e *Engine) recordBackLocked(x *execution, t *Task, slot uint32) {
	if slot == untrackedSlot {
		return
	}
	e.recordDepLocked(x, dep{t: t, slot: slot, back: true})
}

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

func (e *Engine) addReaderLocked(d dep, reader uint32) {
	t, slot := d.t, d.slot
	if d.back {
		e.backReaders[t] = append(e.backReaders[t], reader)
		return
	}
	if slot == metaSlot {
		if t.meta == nil {
			t.meta = new(taskMeta)
		}
		t.meta.readers = append(t.meta.readers, reader)
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
		ids := e.backReaders[t]
		for i, id := range ids {
			if id == reader {
				ids = append(ids[:i], ids[i+1:]...)
				break
			}
		}
		if len(ids) == 0 {
			delete(e.backReaders, t)
		} else {
			e.backReaders[t] = ids
		}
		return
	}
	if d.slot == metaSlot {
		list = &t.meta.readers
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

// waitTaskLocked blocks x until t's execution ends. It releases mu while it
// waits.
func (e *Engine) waitTaskLocked(ctx context.Context, x *execution, t *Task, slot uint32) error {
	if err := e.waitCycleLocked(x, t); err != nil {
		e.recordBackLocked(x, t, slot)
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
	w := &waiter{ch: make(chan struct{}), x: x}
	e.taskWaiters[t] = append(e.taskWaiters[t], w)
	if t.st() == stNew {
		e.enqueueLocked(t)
	}
	e.kickLocked(0)
	err := e.blockLocked(ctx, x, w.ch)
	e.removeWaiterLocked(t, w)
	more.waitOn = removeHold(more.waitOn, h)
	e.releaseLocked(h)
	return err
}

func (e *Engine) removeWaiterLocked(t *Task, w *waiter) {
	ws := e.taskWaiters[t]
	for i, v := range ws {
		if v == w {
			ws = append(ws[:i], ws[i+1:]...)
			if len(ws) == 0 {
				delete(e.taskWaiters, t)
			} else {
				e.taskWaiters[t] = ws
			}
			return
		}
	}
}

// wakeTaskLocked wakes every execution waiting for t.
func (e *Engine) wakeTaskLocked(t *Task) {
	if len(e.taskWaiters) == 0 {
		return
	}
	ws, ok := e.taskWaiters[t]
	if !ok {
		return
	}
	delete(e.taskWaiters, t)
	for _, w := range ws {
		close(w.ch)
	}
}

// levelWaitLocked blocks x until the level is above t's height, so that
// nothing pending can still change t. It releases mu while it waits.
func (e *Engine) levelWaitLocked(ctx context.Context, x *execution, t *Task, slot uint32) error {
	if err := e.raiseAboveLocked(x, t, slot); err != nil {
		return err
	}
	if e.levelLocked() > t.height {
		return nil
	}
	lw := &levelWaiter{h: t.height, ch: make(chan struct{})}
	e.addLevelWaiterLocked(lw)
	// Whatever waits for x must stay above x, or the level could never
	// pass t.
	e.raiseWaitersLocked(x.t)
	e.kickLocked(0)
	err := e.blockLocked(ctx, x, lw.ch)
	for i, v := range e.levelWaiters {
		if v == lw {
			e.levelWaiters = append(e.levelWaiters[:i], e.levelWaiters[i+1:]...)
			break
		}
	}
	return err
}

// addLevelWaiterLocked registers lw. Waiters leave without updating
// levelWaitMin, which so stays a lower bound rather than the minimum.
func (e *Engine) addLevelWaiterLocked(lw *levelWaiter) {
	if len(e.levelWaiters) == 0 || lw.h < e.levelWaitMin {
		e.levelWaitMin = lw.h
	}
	e.levelWaiters = append(e.levelWaiters, lw)
}

// wakeLevelLocked wakes the level waiters the current level has passed. It
// is called whenever a task completes; levelWaitMin spares it the look at
// every waiter while the level is below them all, as it is through most of
// a long recomputation that a strongly consistent read waits for.
func (e *Engine) wakeLevelLocked() {
	if len(e.levelWaiters) == 0 {
		return
	}
	l := e.levelLocked()
	if l <= e.levelWaitMin {
		return
	}
	kept := e.levelWaiters[:0]
	low := int32(math.MaxInt32)
	for _, lw := range e.levelWaiters {
		if l > lw.h {
			close(lw.ch)
		} else {
			kept = append(kept, lw)
			low = min(low, lw.h)
		}
	}
	clear(e.levelWaiters[len(kept):])
	e.levelWaiters = kept
	e.levelWaitMin = low
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
				e.dirty.fix(n)
			} else {
				e.runningRe.fix(n)
			}
		}
		next := it.h + 1
		n.forReaders(func(id uint32) { stack = append(stack, item{e.tasks[id], next}) })
		if e.propagatingLocked() {
			e.forWaitersLocked(n, func(w *Task) { stack = append(stack, item{w, next}) })
		}
	}
	if len(e.levelWaiters) > 0 {
		e.wakeLevelLocked()
	}
	return nil
}

// propagatingLocked reports whether any task is dirty or re-executing: only
// then can anything wait for the level.
func (e *Engine) propagatingLocked() bool {
	return len(e.dirty) > 0 || len(e.runningRe) > 0
}

// forWaitersLocked calls f with the task of every execution that waits for
// n or runs it inline.
func (e *Engine) forWaitersLocked(n *Task, f func(*Task)) {
	if n.st() == stRunning && n.exec.parent != nil {
		f(n.exec.parent.t)
	}
	if len(e.taskWaiters) == 0 {
		return
	}
	for _, w := range e.taskWaiters[n] {
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
			m := e.tasks[id]
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
		t := e.tasks[r.Task]
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
