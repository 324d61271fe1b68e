package engine

import "context"

// Reads from outside any task are strongly consistent: they return what a
// from-scratch computation over the current inputs would. A task that is
// done and below the level cannot be affected by pending work (everything
// that could change it is dirty or running below it), so a strong read
// follows its target like a task's read does, but waits on channels instead
// of recording dependencies.
//
// A steady stream of edits could keep the level low forever and starve such
// a read. So edits are deferred while a strong read (or WaitIdle) is in
// progress, and applied as soon as none is; a read that starts while edits
// are deferred waits for them to be applied first, since it must see them.

// ReadStrong returns the value r points at once everything it depends on is
// up to date with the current inputs. It records no dependency.
func (e *Engine) ReadStrong(ctx context.Context, r Raw) (any, error) {
	v, _, err := e.readStrong(ctx, r, false)
	return v, err
}

// ResolveStrong follows r through task outputs to the cell it ends at, once
// everything it depends on is up to date with the current inputs.
func (e *Engine) ResolveStrong(ctx context.Context, r Raw) (Raw, error) {
	_, c, err := e.readStrong(ctx, r, true)
	return c, err
}

func (e *Engine) readStrong(ctx context.Context, r Raw, resolveOnly bool) (v any, cell Raw, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.checkRawLocked(r); err != nil {
		return nil, Raw{}, err
	}
	if err := e.beginStrongLocked(ctx); err != nil {
		return nil, Raw{}, err
	}
	defer e.endStrongLocked()
	var holds []*hold
	defer func() {
		for _, h := range holds {
			e.releaseLocked(h)
		}
	}()
	for hops := 0; ; {
		if e.mu.closed {
			return nil, Raw{}, ErrClosed
		}
		if resolveOnly && r.Slot != 0 {
			return nil, r, nil
		}
		t := e.mu.tasks[r.Task]
		switch t.st() {
		case stDone:
			if t.height >= e.levelLocked() {
				if e.helpLocked(ctx, func() bool { return t.st() != stDone || t.height < e.levelLocked() }) {
					continue
				}
				lw := &levelWaiter{h: t.height, ch: make(chan struct{})}
				e.addLevelWaiterLocked(lw)
				err := e.blockOutsideLocked(ctx, lw.ch)
				e.removeLevelWaiterLocked(lw)
				if err != nil {
					return nil, Raw{}, err
				}
				continue
			}
			if e.mu.stats.evicted > 0 && (r.Slot != 0 || !resolveOnly) && t.cellEvicted(r) {
				e.markDirtyLocked(t, Why{Kind: WhyEvicted})
				continue
			}
			if r.Slot != 0 {
				if resolveOnly {
					return nil, r, nil
				}
				v, err := e.cellValueLocked(t, r)
				return v, r, err
			}
			if t.out.err != nil {
				return nil, Raw{}, t.out.err
			}
			if hops++; hops > maxFollow {
				if err := e.followCycleLocked(r); err != nil {
					return nil, Raw{}, err
				}
			}
			r = t.out.vc
		default:
			// Even a cell its running execution has created may be
			// about to change: wait for the task to finish.
			if t.st() == stNew {
				e.enqueueLocked(t)
			}
			holds = append(holds, e.holdLocked(t))
			if e.helpLocked(ctx, func() bool { return t.st() == stDone }) {
				continue
			}
			w := &waiter{ch: make(chan struct{})}
			e.mu.wait.tasks[t] = append(e.mu.wait.tasks[t], w)
			e.kickLocked(0)
			err := e.blockOutsideLocked(ctx, w.ch)
			e.removeWaiterLocked(t, w)
			if err != nil {
				return nil, Raw{}, err
			}
		}
	}
}

// helpLocked runs runnable tasks on the calling goroutine, which is outside
// any task, until done reports true, and reports whether it did. A read that
// would otherwise hand work to a worker and sleep until it is finished gets
// its answer sooner this way. It helps only when ctx cannot be cancelled:
// while a task runs here, the read could not return early.
func (e *Engine) helpLocked(ctx context.Context, done func() bool) bool {
	if ctx.Done() != nil || e.mu.sched.free == 0 || len(e.mu.sched.slotWaiters) > 0 || e.mu.closed {
		return false
	}
	e.mu.sched.free--
	e.workers.Add(1) // Close waits for the tasks run here too
	// Deferred: see executeLocked on runtime.Goexit.
	defer func() {
		e.releaseSlotLocked()
		e.workers.Done()
	}()
	th := e.newThread()
	for !e.mu.closed && !done() && len(e.mu.sched.slotWaiters) == 0 {
		t := e.pickLocked()
		if t == nil {
			break
		}
		x := e.startLocked(t, th, nil)
		e.kickLocked(0)
		e.executeLocked(x, ctx)
	}
	return done()
}

// beginStrongLocked waits until no edit made before the call is still
// deferred, then registers a strong reader, which defers later edits.
func (e *Engine) beginStrongLocked(ctx context.Context) error {
	for len(e.mu.edits.deferred) > 0 {
		if e.mu.closed {
			return ErrClosed
		}
		ch := make(chan struct{})
		e.mu.edits.applied = append(e.mu.edits.applied, ch)
		if err := e.blockOutsideLocked(ctx, ch); err != nil {
			return err
		}
	}
	if e.mu.closed {
		return ErrClosed
	}
	e.mu.edits.strongReaders++
	return nil
}

func (e *Engine) endStrongLocked() {
	e.mu.edits.strongReaders--
	e.settleLocked()
}

// WaitIdle blocks until no task is queued, dirty or running: everything
// called so far has run and is up to date with the inputs.
func (e *Engine) WaitIdle(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if run := FromContext(ctx); run != nil && run.e == e && run.x != nil {
		return ErrIdleInTask
	}
	if err := e.beginStrongLocked(ctx); err != nil {
		return err
	}
	defer e.endStrongLocked()
	for !e.quiescentLocked() {
		if e.mu.closed {
			return ErrClosed
		}
		ch := make(chan struct{})
		e.mu.wait.idle = append(e.mu.wait.idle, ch)
		if err := e.blockOutsideLocked(ctx, ch); err != nil {
			return err
		}
	}
	if e.mu.closed {
		return ErrClosed
	}
	return nil
}

func (e *Engine) quiescentLocked() bool {
	return e.mu.sched.freshCount == 0 && len(e.mu.sched.dirty) == 0 && e.mu.sched.running == 0 && e.mu.sched.reporting == 0
}

// settleLocked wakes WaitIdle callers once nothing is left to do, and
// applies deferred edits once no strong reader is left.
func (e *Engine) settleLocked() {
	if len(e.mu.wait.idle) > 0 && e.quiescentLocked() {
		for _, ch := range e.mu.wait.idle {
			close(ch)
		}
		e.mu.wait.idle = e.mu.wait.idle[:0]
	}
	if len(e.mu.edits.deferred) == 0 || e.mu.edits.strongReaders > 0 || e.mu.closed {
		return
	}
	pending := e.mu.edits.deferred
	e.mu.edits.deferred = nil
	for _, apply := range pending {
		apply()
	}
	for _, ch := range e.mu.edits.applied {
		close(ch)
	}
	e.mu.edits.applied = e.mu.edits.applied[:0]
}
