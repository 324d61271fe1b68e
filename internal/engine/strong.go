package engine

import "context"

// Strongly consistent reads and WaitIdle. A read from outside any task
// returns what a from-scratch computation over the current inputs would: it
// follows its target through readLoopLocked like a task's read, and a task
// that is done and below the level cannot be affected by pending work
// (everything that could change it is dirty or running below it), except
// through a back edge, which the loop looks past (pendingInLocked).
//
// A steady stream of edits could keep the level low forever and starve such
// a read. So edits are deferred while a strong read (or WaitIdle) is in
// progress, and applied as soon as none is; a read that starts while edits
// are deferred waits for them to be applied first, since it must see them.
// State.Get from outside returns the latest value set, deferred or not.

// helpLocked runs runnable tasks on the calling goroutine, which is outside
// any task, until done reports true, and reports whether it did. A read that
// would otherwise hand work to a worker and sleep until it is finished gets
// its answer sooner this way. It helps only when ctx cannot be cancelled:
// while a task runs here, the read could not return early.
func (e *Engine) helpLocked(ctx context.Context, done func() bool) bool {
	if ctx.Done() != nil || e.mu.sched.free == 0 || e.mu.wait.slots.len() > 0 || e.mu.closed {
		return false
	}
	e.mu.sched.free--
	e.workers.Add(1) // Close waits for the tasks run here too
	th := e.newThread()
	// Deferred: see executeLocked on runtime.Goexit.
	defer func() {
		e.endThreadLocked(th)
		e.workers.Done()
	}()
	e.runTasksLocked(th, ctx, done)
	return done()
}

// beginStrongLocked waits until no edit made before the call is still
// deferred, then registers a strong reader, which defers later edits.
func (e *Engine) beginStrongLocked(ctx context.Context) error {
	for len(e.mu.edits.deferred) > 0 {
		if e.mu.closed {
			return ErrClosed
		}
		w := e.mu.wait.applied.add(struct{}{})
		err := e.blockOutsideLocked(ctx, w.ch)
		e.mu.wait.applied.remove(w)
		if err != nil {
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
		w := e.mu.wait.idle.add(struct{}{})
		err := e.blockOutsideLocked(ctx, w.ch)
		e.mu.wait.idle.remove(w)
		if err != nil {
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
	if e.mu.wait.idle.len() > 0 && e.quiescentLocked() {
		e.mu.wait.idle.wakeAll()
	}
	if len(e.mu.edits.deferred) == 0 || e.mu.edits.strongReaders > 0 || e.mu.closed {
		return
	}
	pending := e.mu.edits.deferred
	e.mu.edits.deferred = nil
	for _, apply := range pending {
		apply()
	}
	e.mu.wait.applied.wakeAll()
}
