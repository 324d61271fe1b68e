package engine

import (
	"context"
	"math"
)

type waiter struct {
	ch chan struct{}
	x  *execution // nil for reads from outside any task
}

type levelWaiter struct {
	h  int32 // woken once the level is above h
	ch chan struct{}
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
	e.mu.wait.tasks[t] = append(e.mu.wait.tasks[t], w)
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
	ws := e.mu.wait.tasks[t]
	for i, v := range ws {
		if v == w {
			ws = append(ws[:i], ws[i+1:]...)
			if len(ws) == 0 {
				delete(e.mu.wait.tasks, t)
			} else {
				e.mu.wait.tasks[t] = ws
			}
			return
		}
	}
}

// wakeTaskLocked wakes every execution waiting for t.
func (e *Engine) wakeTaskLocked(t *Task) {
	if len(e.mu.wait.tasks) == 0 {
		return
	}
	ws, ok := e.mu.wait.tasks[t]
	if !ok {
		return
	}
	delete(e.mu.wait.tasks, t)
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
	for i, v := range e.mu.wait.level {
		if v == lw {
			e.mu.wait.level = append(e.mu.wait.level[:i], e.mu.wait.level[i+1:]...)
			break
		}
	}
	return err
}

// addLevelWaiterLocked registers lw. Waiters leave without updating
// levelWaitMin, which so stays a lower bound rather than the minimum.
func (e *Engine) addLevelWaiterLocked(lw *levelWaiter) {
	if len(e.mu.wait.level) == 0 || lw.h < e.mu.wait.levelMin {
		e.mu.wait.levelMin = lw.h
	}
	e.mu.wait.level = append(e.mu.wait.level, lw)
}

func (e *Engine) removeLevelWaiterLocked(lw *levelWaiter) {
	for i, v := range e.mu.wait.level {
		if v == lw {
			e.mu.wait.level = append(e.mu.wait.level[:i], e.mu.wait.level[i+1:]...)
			return
		}
	}
}

// wakeLevelLocked wakes the level waiters the current level has passed. It
// is called whenever a task completes; levelWaitMin spares it the look at
// every waiter while the level is below them all, as it is through most of
// a long recomputation that a strongly consistent read waits for.
func (e *Engine) wakeLevelLocked() {
	if len(e.mu.wait.level) == 0 {
		return
	}
	l := e.levelLocked()
	if l <= e.mu.wait.levelMin {
		return
	}
	kept := e.mu.wait.level[:0]
	low := int32(math.MaxInt32)
	for _, lw := range e.mu.wait.level {
		if l > lw.h {
			close(lw.ch)
		} else {
			kept = append(kept, lw)
			low = min(low, lw.h)
		}
	}
	clear(e.mu.wait.level[len(kept):])
	e.mu.wait.level = kept
	e.mu.wait.levelMin = low
}

// blockLocked waits, with mu released, until ch is closed, x is cancelled or
// ctx (x's Run or a context derived from it) is done. x's thread gives its
// slot back for the duration and takes one again before it returns.
func (e *Engine) blockLocked(ctx context.Context, x *execution, ch <-chan struct{}) error {
	if e.mu.closed {
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
	case e.mu.closed:
		return ErrClosed
	case x.Err() != nil:
		return x.Err()
	case ctx.Err() != nil:
		return ctx.Err()
	}
	return nil
}

// blockOutsideLocked waits, with mu released, until ch is closed or ctx is
// done.
func (e *Engine) blockOutsideLocked(ctx context.Context, ch <-chan struct{}) error {
	if e.mu.closed {
		// Close has woken everyone already; ch would never be closed.
		return ErrClosed
	}
	e.mu.Unlock()
	var err error
	select {
	case <-ch:
	case <-ctx.Done():
		err = ctx.Err()
	}
	e.mu.Lock()
	if err == nil && e.mu.closed {
		err = ErrClosed
	}
	return err
}
