package engine

import "context"

// thread is a worker goroutine together with the executions it runs inline.
// It holds one of the engine's slots while it computes; it gives the slot
// back while it is blocked. All fields are guarded by Engine.mu.
type thread struct {
	id        int32 // numbered only when Options.OnExecute is set
	holdsSlot bool
	blocked   int // reads in progress that are blocked (user goroutines can read in parallel)
}

// enqueueLocked schedules the fresh task t, which must be in stNew.
func (e *Engine) enqueueLocked(t *Task) {
	t.setSt(stQueued)
	e.freshCount++
	e.fresh = append(e.fresh, t)
}

// runnableLocked estimates how many tasks could start now.
func (e *Engine) runnableLocked() int {
	n := e.freshCount
	if len(e.dirty) > 0 && e.dirty.minHeight() <= e.runningRe.minHeight() {
		n += len(e.dirty)
	}
	return n
}

// kickLocked starts workers for runnable work while slots are free. reserve
// is the number of runnable tasks a caller is about to take itself.
func (e *Engine) kickLocked(reserve int) {
	if e.closed {
		return
	}
	for e.free > 0 && e.runnableLocked() > reserve+e.searching {
		e.free--
		e.searching++
		e.workers.Add(1)
		go e.worker()
	}
}

// pickLocked takes the next task to start: the lowest dirty task if nothing
// running is below it, otherwise the oldest fresh task.
func (e *Engine) pickLocked() *Task {
	if len(e.dirty) > 0 && e.dirty.minHeight() <= e.runningRe.minHeight() {
		// Any task of the lowest height will do. The last one, when it is
		// one (as when many tasks at one height read one input), leaves
		// the heap without moving any other.
		if last := e.dirty[len(e.dirty)-1]; last.height == e.dirty[0].height {
			return last
		}
		return e.dirty[0]
	}
	for e.freshHead < len(e.fresh) {
		t := e.fresh[e.freshHead]
		e.fresh[e.freshHead] = nil
		e.freshHead++
		if t.st() == stQueued {
			return t
		}
	}
	e.fresh = e.fresh[:0]
	e.freshHead = 0
	return nil
}

func (e *Engine) worker() {
	th := e.newThread()
	e.mu.Lock()
	defer func() { // deferred: see executeLocked on runtime.Goexit
		e.releaseSlotLocked()
		e.mu.Unlock()
		e.workers.Done()
	}()
	e.searching--
	for !e.closed && len(e.slotWaiters) == 0 {
		t := e.pickLocked()
		if t == nil {
			break
		}
		x := e.startLocked(t, th, nil)
		e.kickLocked(0)
		e.executeLocked(x, context.Background())
	}
}

func (e *Engine) newThread() *thread {
	th := &thread{holdsSlot: true}
	if e.onExecute != nil {
		th.id = e.threads.Add(1)
	}
	return th
}

// releaseSlotLocked gives a slot to the first goroutine waiting for one, or
// makes it free.
func (e *Engine) releaseSlotLocked() {
	if len(e.slotWaiters) > 0 {
		ch := e.slotWaiters[0]
		e.slotWaiters = e.slotWaiters[1:]
		close(ch)
		return
	}
	e.free++
	e.kickLocked(0)
}

// blockLocked waits, with mu released, until ch is closed, x is cancelled or
// ctx (x's Run or a context derived from it) is done. x's thread gives its
// slot back for the duration and takes one again before it returns.
func (e *Engine) blockLocked(ctx context.Context, x *execution, ch <-chan struct{}) error {
	if e.closed {
		return ErrClosed
	}
	th := x.th
	e.yieldSlotLocked(th)
	e.mu.Unlock()
	var ctxDone <-chan struct{}
	if ctx != context.Context(x.run) {
		ctxDone = ctx.Done()
	}
	select {
	case <-ch:
	case <-x.run.Done():
	case <-ctxDone:
	}
	e.mu.Lock()
	e.resumeSlotLocked(th)
	switch {
	case e.closed:
		return ErrClosed
	case x.Err() != nil:
		return x.Err()
	case ctx.Err() != nil:
		return ctx.Err()
	}
	return nil
}

// yieldSlotLocked counts a blocked activity of th (a read, a report) and
// gives th's slot back for its duration; resumeSlotLocked undoes it,
// taking a slot again once th has nothing blocked.
func (e *Engine) yieldSlotLocked(th *thread) {
	th.blocked++
	if th.blocked == 1 && th.holdsSlot {
		th.holdsSlot = false
		e.releaseSlotLocked()
	}
}

func (e *Engine) resumeSlotLocked(th *thread) {
	th.blocked--
	if th.blocked == 0 && !th.holdsSlot {
		e.acquireSlotLocked()
		th.holdsSlot = true
	}
}

// acquireSlotLocked takes a slot, waiting with mu released if none is free.
// Goroutines resuming blocked work are served before new work starts.
func (e *Engine) acquireSlotLocked() {
	if e.closed {
		return
	}
	if e.free > 0 {
		e.free--
		return
	}
	ch := make(chan struct{})
	e.slotWaiters = append(e.slotWaiters, ch)
	e.mu.Unlock()
	<-ch
	e.mu.Lock()
}
