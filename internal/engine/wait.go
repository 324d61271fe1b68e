package engine

import (
	"context"
	"math"
)

// Waits. A goroutine that must wait for the engine (for a task's execution
// to end, for the level to pass a height, for a worker slot, for the graph
// to be idle, for deferred edits to be applied) registers a wait in the
// queue of that event and blocks on the wait's channel with mu released;
// whoever makes the event happen closes the channel. Every queue is a
// waitQueue, and Close wakes them all.
//
// Invariants: a wait is in its queue exactly while its goroutine may block
// on it (the goroutine removes it after waking, if the waker did not); a
// woken goroutine assumes nothing and looks again at what it waits for.

// A wait is one goroutine blocked until ch is closed. key says what it
// waits for, where the queue needs to know.
type wait[K any] struct {
	ch  chan struct{}
	key K
}

// waitQueue is a list of waits, in the order they began.
type waitQueue[K any] struct {
	ws []*wait[K]
}

func (q *waitQueue[K]) add(key K) *wait[K] {
	w := &wait[K]{ch: make(chan struct{}), key: key}
	q.ws = append(q.ws, w)
	return w
}

// remove takes w out of q, if it is still there.
func (q *waitQueue[K]) remove(w *wait[K]) {
	for i, v := range q.ws {
		if v == w {
			last := len(q.ws) - 1
			copy(q.ws[i:], q.ws[i+1:])
			q.ws[last] = nil
			q.ws = q.ws[:last]
			return
		}
	}
}

// wakeFirst wakes the oldest wait, and reports whether there was one.
func (q *waitQueue[K]) wakeFirst() bool {
	if len(q.ws) == 0 {
		return false
	}
	close(q.ws[0].ch)
	q.ws[0] = nil
	q.ws = q.ws[1:]
	return true
}

// wakeAll wakes every wait.
func (q *waitQueue[K]) wakeAll() {
	for i, w := range q.ws {
		close(w.ch)
		q.ws[i] = nil
	}
	q.ws = q.ws[:0]
}

// wakeIf wakes the waits whose key f selects.
func (q *waitQueue[K]) wakeIf(f func(K) bool) {
	kept := q.ws[:0]
	for _, w := range q.ws {
		if f(w.key) {
			close(w.ch)
		} else {
			kept = append(kept, w)
		}
	}
	clear(q.ws[len(kept):])
	q.ws = kept
}

func (q *waitQueue[K]) len() int { return len(q.ws) }

// taskWaits are the waits for the executions of tasks to end, by task. A
// wait's key is the execution that waits, nil for a read from outside any
// task.
type taskWaits map[*Task]*waitQueue[*execution]

func (m taskWaits) add(t *Task, x *execution) *wait[*execution] {
	q := m[t]
	if q == nil {
		q = new(waitQueue[*execution])
		m[t] = q
	}
	return q.add(x)
}

func (m taskWaits) remove(t *Task, w *wait[*execution]) {
	if q := m[t]; q != nil {
		q.remove(w)
		if q.len() == 0 {
			delete(m, t)
		}
	}
}

// wake wakes every wait for t.
func (m taskWaits) wake(t *Task) {
	if len(m) == 0 {
		return
	}
	if q := m[t]; q != nil {
		q.wakeAll()
		delete(m, t)
	}
}

// waiters calls f with every execution that waits for t.
func (m taskWaits) waiters(t *Task, f func(*execution)) {
	if len(m) == 0 {
		return
	}
	if q := m[t]; q != nil {
		for _, w := range q.ws {
			if w.key != nil {
				f(w.key)
			}
		}
	}
}

// waitingFor lists, per task, the executions that wait for the level to
// pass its height.
type waitingFor map[*Task][]*execution

func (m waitingFor) add(t *Task, x *execution) { m[t] = append(m[t], x) }

func (m waitingFor) remove(t *Task, x *execution) {
	xs := m[t]
	for i, v := range xs {
		if v == x {
			xs = append(xs[:i], xs[i+1:]...)
			break
		}
	}
	if len(xs) == 0 {
		delete(m, t)
	} else {
		m[t] = xs
	}
}

// levelWaits are the waits for the level to pass a height, the key.
type levelWaits struct {
	waitQueue[int32]
	// min is a lower bound of the keys: waits leave without updating it.
	// It spares wakeLevelLocked a look at every wait while the level is
	// below them all, as it is through most of a long recomputation that
	// a strongly consistent read waits for.
	min int32
}

func (q *levelWaits) add(h int32) *wait[int32] {
	if q.len() == 0 || h < q.min {
		q.min = h
	}
	return q.waitQueue.add(h)
}

// wakeLevelLocked wakes the waits for heights the level has passed. It is
// called whenever a task completes or a raise may have lifted the level.
func (e *Engine) wakeLevelLocked() {
	q := &e.mu.wait.level
	if q.len() == 0 {
		return
	}
	l := e.levelLocked()
	if l <= q.min {
		return
	}
	low := int32(math.MaxInt32)
	q.wakeIf(func(h int32) bool {
		if l > h {
			return true
		}
		low = min(low, h)
		return false
	})
	q.min = low
}

// wakeAllLocked wakes every wait of every queue, for Close.
func (e *Engine) wakeAllLocked() {
	for t := range e.mu.wait.tasks {
		e.mu.wait.tasks.wake(t)
	}
	e.mu.wait.level.wakeAll()
	e.mu.wait.idle.wakeAll()
	e.mu.wait.applied.wakeAll()
	e.mu.wait.slots.wakeAll()
}

// blockLocked waits, with mu released, until ch is closed, x is cancelled or
// ctx (x's Run or a context derived from it) is done. x's thread gives its
// slot back for the duration, and takes one again before it returns if the
// wait ended well; a wait that failed returns at once, even when no slot is
// free (see resumeSlotLocked).
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
	var err error
	switch {
	case e.mu.closed:
		err = ErrClosed
	case x.Err() != nil:
		err = x.Err()
	case ctx.Err() != nil:
		err = ctx.Err()
	}
	e.resumeSlotLocked(th, err == nil)
	return err
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
