package engine

import (
	"context"
	"time"
)

// Scheduling: the fresh queue (tasks called but never run, first in first
// out), the dirty heap (picked lowest first, and only while no running
// re-execution is below: the level only rises during propagation), worker
// goroutines, and the slots that bound how many task functions compute at
// once. A thread (a worker and the executions it runs inline) holds a slot
// while it computes and gives it back while it is blocked in a read.

// thread is a worker goroutine together with the executions it runs inline.
// It holds one of the engine's slots while it computes; it gives the slot
// back while it is blocked. All fields are guarded by Engine.mu.
type thread struct {
	id        int32 // numbered only when Options.OnExecute is set
	holdsSlot bool
	blocked   int // reads in progress that are blocked (user goroutines can read in parallel)
	// reports are the OnExecute reports of executions run inline, made
	// when the outermost execution ends (see finishLocked).
	reports []*report
}

// enqueueLocked schedules the fresh task t, which must be in stNew.
func (e *Engine) enqueueLocked(t *Task) {
	t.state = stQueued
	e.mu.sched.freshCount++
	e.mu.sched.fresh = append(e.mu.sched.fresh, t)
}

// runnableLocked estimates how many tasks could start now.
func (e *Engine) runnableLocked() int {
	n := e.mu.sched.freshCount
	if len(e.mu.sched.dirty) > 0 && e.mu.sched.dirty.minHeight() <= e.mu.sched.runningRe.minHeight() {
		n += len(e.mu.sched.dirty)
	}
	return n
}

// kickLocked starts a worker for runnable work if a slot is free. reserve
// is the number of runnable tasks a caller is about to take itself.
//
// Workers are started one at a time: a worker that has picked a task starts
// the next, so the pool grows while work remains. A worker that arrives to
// find the running threads finishing tasks faster than one per shortTask
// does not join them (see crowdedLocked); while it naps, no other worker is
// started unless nobody is computing.
func (e *Engine) kickLocked(reserve int) {
	if e.mu.closed || e.mu.sched.free == 0 || e.mu.sched.searching > 0 || e.runnableLocked() <= reserve {
		return
	}
	if e.mu.sched.napping && e.computingLocked() > 0 {
		return
	}
	e.mu.sched.free--
	e.mu.sched.searching++
	e.workers.Add(1)
	go e.worker(e.mu.stats.executions, time.Now())
}

// computingLocked returns how many threads hold a slot and compute: workers
// started but not yet running (searching) are not counted.
func (e *Engine) computingLocked() int { return e.slots - e.mu.sched.free - e.mu.sched.searching }

// Tasks that take less than shortTask on average, the engine's own work
// included, gain nothing from a second thread: their time is mostly spent
// under mu, and two threads only pass the engine's data back and forth
// between their caches. An average needs shortSample executions.
const (
	shortTask   = time.Microsecond
	shortSample = 8
	napTime     = time.Millisecond
)

// crowdedLocked reports whether a worker holding a slot should stay out:
// others are computing, and have finished tasks faster than one per
// shortTask since seq and at (the executions count and the time when the
// worker was started or began to nap).
func (e *Engine) crowdedLocked(seq uint64, at time.Time) bool {
	return e.computingLocked() > 1 && shortTasks(e.mu.stats.executions-seq, time.Since(at))
}

// shortTasks reports whether n executions in elapsed make a sample of tasks
// shorter than shortTask.
func shortTasks(n uint64, elapsed time.Duration) bool {
	return n >= shortSample && elapsed < time.Duration(n)*shortTask
}

// napLocked gives the calling worker's slot back and waits napTime, so that
// it can look again whether the tasks have become longer. It reports false
// when the worker should exit instead: the engine closed, there is no work
// or no free slot; otherwise the worker holds a slot again, and seq and at
// describe the start of the nap.
func (e *Engine) napLocked() (ok bool, seq uint64, at time.Time) {
	e.mu.sched.napping = true
	e.releaseSlotLocked()
	seq, at = e.mu.stats.executions, time.Now()
	e.mu.Unlock()
	timer := time.NewTimer(napTime)
	select {
	case <-timer.C:
	case <-e.quit:
		timer.Stop()
	}
	e.mu.Lock()
	e.mu.sched.napping = false
	if e.mu.closed || e.mu.sched.free == 0 || e.runnableLocked() == 0 {
		return false, 0, time.Time{}
	}
	e.mu.sched.free--
	return true, seq, at
}

// pickLocked takes the next task to start: the lowest dirty task if nothing
// running is below it, otherwise the oldest fresh task.
func (e *Engine) pickLocked() *Task {
	if len(e.mu.sched.dirty) > 0 && e.mu.sched.dirty.minHeight() <= e.mu.sched.runningRe.minHeight() {
		// Any task of the lowest height will do. The last one, when it is
		// one (as when many tasks at one height read one input), leaves
		// the heap without moving any other.
		if last := e.mu.sched.dirty[len(e.mu.sched.dirty)-1]; last.height == e.mu.sched.dirty[0].height {
			return last
		}
		return e.mu.sched.dirty[0]
	}
	for e.mu.sched.freshHead < len(e.mu.sched.fresh) {
		t := e.mu.sched.fresh[e.mu.sched.freshHead]
		e.mu.sched.fresh[e.mu.sched.freshHead] = nil
		e.mu.sched.freshHead++
		if t.state == stQueued {
			return t
		}
	}
	e.mu.sched.fresh = e.mu.sched.fresh[:0]
	e.mu.sched.freshHead = 0
	return nil
}

// worker runs tasks while any is runnable. seq and at are the executions
// count and the time when it was started.
func (e *Engine) worker(seq uint64, at time.Time) {
	th := e.newThread()
	e.mu.Lock()
	e.mu.sched.searching--
	for e.crowdedLocked(seq, at) {
		if e.mu.sched.napping { // one napping worker is enough
			e.releaseSlotLocked()
			e.mu.Unlock()
			e.workers.Done()
			return
		}
		var ok bool
		if ok, seq, at = e.napLocked(); !ok {
			e.mu.Unlock()
			e.workers.Done()
			return
		}
	}
	defer func() { // deferred: see executeLocked on runtime.Goexit
		e.endThreadLocked(th)
		e.mu.Unlock()
		e.workers.Done()
	}()
	e.runTasksLocked(th, context.Background(), nil)
}

// runTasksLocked runs runnable tasks on th, the calling goroutine's thread,
// until there are none, the engine closes, a blocked goroutine waits for a
// slot (it goes first), th lost its slot (see resumeSlotLocked), or done
// reports true. labels is as for executeLocked. It is the loop of workers
// and of strongly consistent reads that help (helpLocked).
func (e *Engine) runTasksLocked(th *thread, labels context.Context, done func() bool) {
	for !e.mu.closed && e.mu.wait.slots.len() == 0 && th.holdsSlot && (done == nil || !done()) {
		t := e.pickLocked()
		if t == nil {
			return
		}
		x := e.startLocked(t, th, nil)
		e.kickLocked(0)
		e.executeLocked(x, labels)
	}
}

func (e *Engine) newThread() *thread {
	th := &thread{holdsSlot: true}
	if e.onExecute != nil {
		th.id = e.threads.Add(1)
	}
	return th
}

// endThreadLocked gives back th's slot, if it holds one, as its goroutine
// stops running tasks.
func (e *Engine) endThreadLocked(th *thread) {
	if th.holdsSlot {
		th.holdsSlot = false
		e.releaseSlotLocked() // which starts a worker for what is runnable
		return
	}
	// th went on without a slot after a failed read (see
	// resumeSlotLocked): what its tasks made runnable needs a worker.
	e.kickLocked(0)
}

// releaseSlotLocked gives a slot to the first goroutine waiting for one, or
// makes it free.
func (e *Engine) releaseSlotLocked() {
	if e.mu.wait.slots.wakeFirst() {
		return
	}
	e.mu.sched.free++
	e.kickLocked(0)
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

// resumeSlotLocked ends a blocked activity of th. When th has nothing
// blocked any more it takes a slot again, waiting for one if wait is set.
// Without wait (a read that failed: cancelled, say) it takes a slot only if
// one is free, and otherwise goes on without: a cancelled read returns at
// once even when every slot is held by task functions blocked outside the
// engine, and its task, most likely about to return, computes without a
// slot until its next wait. A worker stops running tasks once it has none,
// and starts a worker for what is runnable as it ends (endThreadLocked).
func (e *Engine) resumeSlotLocked(th *thread, wait bool) {
	th.blocked--
	if th.blocked != 0 || th.holdsSlot {
		return
	}
	if e.mu.sched.free > 0 || wait {
		th.holdsSlot = e.acquireSlotLocked()
	}
}

// acquireSlotLocked takes a slot, waiting with mu released if none is free,
// and reports whether it did: not once the engine is closed. Goroutines
// resuming blocked work are served before new work starts.
func (e *Engine) acquireSlotLocked() bool {
	if e.mu.closed {
		return false
	}
	if e.mu.sched.free > 0 {
		e.mu.sched.free--
		return true
	}
	w := e.mu.wait.slots.add(struct{}{})
	e.mu.Unlock()
	<-w.ch
	e.mu.Lock()
	// A slot is handed over by closing the channel; so is Close's wake.
	return !e.mu.closed
}
