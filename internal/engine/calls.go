package engine

import "context"

// Calls, and interest in fresh work. Calling a task that has not run yet
// schedules it; the caller then holds it (a hold on its fresh phase): a
// calling execution until it ends, a caller outside any task until its
// context is done. A fresh phase nobody holds any more is abandoned: a
// queued task goes back to new, a running one is cancelled. Calls that can
// never give up (from a re-execution, or with a context that cannot be
// cancelled) pin the phase instead. A task that has completed once is never
// fresh again, which is what lets a call of it take no lock (Touch).

// NewTask adds a task for fn applied to args and schedules it on behalf of
// ctx (see Touch). args must not be changed afterwards.
func (e *Engine) NewTask(ctx context.Context, fn *Func, args any) *Task {
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.addTaskLocked(fn, args)
	t.height = 1
	e.mu.stats.tasks++
	if e.mu.closed {
		return t
	}
	e.enqueueLocked(t)
	e.holdForCallerLocked(ctx, t)
	e.kickLocked(callerReserve(ctx))
	return t
}

// callerReserve is how many of the queued tasks a caller will probably run
// itself: a task that calls another usually reads it soon after, and then
// runs it inline, so starting a worker for it would only cost a hand-off.
// Should the caller block or return first, its slot goes to the queue.
func callerReserve(ctx context.Context) int {
	if FromContext(ctx) != nil {
		return 1
	}
	return 0
}

// Touch records a call of an existing task on behalf of ctx: a task that is
// not running or done is scheduled, and a fresh task is kept alive at least
// as long as the caller (the calling task's execution, or ctx when called
// from outside any task).
//
// A task that has completed once is done, dirty or re-executing from then
// on (only a fresh phase can be abandoned, which returns a task to stNew),
// so a call of it needs nothing but counting, and no lock.
func (e *Engine) Touch(ctx context.Context, t *Task) {
	if t.settled.Load() && !checks.skipFastPath() {
		e.reused.Add(1)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if t.settled.Load() {
		e.reused.Add(1) // the fast path's count, when a checked build skips it
	}
	e.touchLocked(ctx, t)
}

func (e *Engine) touchLocked(ctx context.Context, t *Task) {
	if e.mu.closed {
		return
	}
	if t.state == stNew {
		e.enqueueLocked(t)
		e.kickLocked(callerReserve(ctx))
	}
	if t.inFreshPhase() {
		e.holdForCallerLocked(ctx, t)
	}
}

// holdForCallerLocked keeps the fresh task t alive on behalf of the caller:
// until the calling execution is abandoned, or until ctx is done for calls
// made outside any task. Calls whose caller can never give up pin the task.
func (e *Engine) holdForCallerLocked(ctx context.Context, t *Task) {
	if x := e.execOf(ctx); x != nil {
		switch {
		case x.reexec:
			t.pinned = true
		case x.run.Err() != nil:
			// Called by an abandoned execution: nobody needs it on
			// that account.
			e.releaseLocked(e.holdLocked(t))
		default:
			more := x.extra()
			more.owned = append(more.owned, e.holdLocked(t))
		}
		return
	}
	if ctx.Done() == nil {
		t.pinned = true
		return
	}
	if ctx.Err() != nil {
		return
	}
	h := e.holdLocked(t)
	stop := context.AfterFunc(ctx, func() {
		e.mu.Lock()
		e.releaseLocked(h)
		e.mu.Unlock()
	})
	e.mu.calls.afterStops[t] = append(e.mu.calls.afterStops[t], stop)
}

// execOf returns the execution of this engine that ctx belongs to, if any.
func (e *Engine) execOf(ctx context.Context) *execution {
	if r := FromContext(ctx); r != nil && r.e == e {
		return r.x
	}
	return nil
}

// hold is one claim of interest in a fresh phase of a task.
type hold struct {
	t        *Task
	phase    uint32
	released bool
}

func (e *Engine) holdLocked(t *Task) *hold {
	h := &hold{t: t, phase: t.phase}
	if t.inFreshPhase() {
		t.interest++
	} else {
		h.released = true
	}
	return h
}

// releaseLocked drops h. A fresh phase nobody holds any more is abandoned:
// a queued task goes back to stNew, a running one is cancelled.
func (e *Engine) releaseLocked(h *hold) {
	if h.released {
		return
	}
	h.released = true
	t := h.t
	if t.phase != h.phase || !t.inFreshPhase() {
		return
	}
	t.interest--
	if t.interest > 0 || t.pinned {
		return
	}
	switch t.state {
	case stQueued:
		t.state = stNew
		e.mu.sched.freshCount--
		e.endFreshPhaseLocked(t)
		// Anyone still waiting looks again (and, wanting the task
		// after all, queues it again).
		e.mu.wait.tasks.wake(t)
		e.settleLocked()
	case stRunning:
		e.cancelExecLocked(t.exec, context.Canceled)
	}
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

// endFreshPhaseLocked forgets the holders of t's fresh phase.
func (e *Engine) endFreshPhaseLocked(t *Task) {
	t.phase++
	t.interest = 0
	t.pinned = false
	if len(e.mu.calls.afterStops) == 0 {
		return
	}
	if stops, ok := e.mu.calls.afterStops[t]; ok {
		for _, stop := range stops {
			stop()
		}
		delete(e.mu.calls.afterStops, t)
	}
}
