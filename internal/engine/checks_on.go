//go:build race || cellar_checks

package engine

import (
	"bytes"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
)

// Checked builds (the race detector's, or the build tag cellar_checks) look
// harder at what the engine does, at a cost that normal builds do not pay:
//
//   - the fast paths are skipped part of the time, so that the general path
//     they shortcut runs on the same operations and the tests compare the
//     results of both;
//   - a strongly consistent read made on a goroutine that is running a task
//     function of the same engine fails with ErrNotTaskContext: it was made
//     through a context that is not the task's (context.Background(), say),
//     so it would record no dependency and could wait for its own task.

var checks checkState

type checkState struct {
	n atomic.Uint32
	// tasks counts, per goroutine id and engine, the task functions the
	// goroutine is running (inline executions nest).
	tasks sync.Map // taskGoroutine -> *atomic.Int32
}

type taskGoroutine struct {
	e  *Engine
	id uint64
}

// skipFastPath reports true for one call in three.
func (c *checkState) skipFastPath() bool { return c.n.Add(1)%3 == 0 }

func (c *checkState) enterTask(e *Engine) {
	n, _ := c.tasks.LoadOrStore(taskGoroutine{e, goroutineID()}, new(atomic.Int32))
	n.(*atomic.Int32).Add(1)
}

func (c *checkState) exitTask(e *Engine) {
	k := taskGoroutine{e, goroutineID()}
	if n, ok := c.tasks.Load(k); ok && n.(*atomic.Int32).Add(-1) == 0 {
		c.tasks.Delete(k)
	}
}

// readOutsideTask reports ErrNotTaskContext if the calling goroutine is
// running a task function of e.
func (c *checkState) readOutsideTask(e *Engine) error {
	if n, ok := c.tasks.Load(taskGoroutine{e, goroutineID()}); ok && n.(*atomic.Int32).Load() > 0 {
		return ErrNotTaskContext
	}
	return nil
}

// goroutineID returns the calling goroutine's id, from the first line of
// its stack trace ("goroutine 7 [running]:").
func goroutineID() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	b, _, _ = bytes.Cut(b, []byte(" "))
	id, _ := strconv.ParseUint(string(b), 10, 64)
	return id
}
