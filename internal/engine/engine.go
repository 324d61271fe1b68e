package engine

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// engineIDs numbers engines so that a Raw from one engine is recognised as
// foreign by another. Zero is never used: it marks the null Raw.
var engineIDs atomic.Uint32

// Options configures an Engine. The zero value means defaults.
type Options struct {
	// Workers bounds how many task functions run at once. Zero or less means
	// runtime.GOMAXPROCS(0).
	Workers int
	// Observe makes the engine time every execution and label it for
	// pprof with the task function's name.
	Observe bool
	// OnExecute, when set, is called after every execution, outside mu,
	// on the goroutine that ran it. It implies Observe.
	OnExecute func(Execution)
}

// Execution describes one finished execution, for Options.OnExecute.
type Execution struct {
	Task     *Task
	Name     string // the task's debug name
	Thread   int32  // the engine thread that ran it; inline executions share their parent's
	Start    time.Time
	Duration time.Duration
	Info     TaskInfo // why it ran (Why, Changed) and how often, as of its start
	Err      error    // what the function returned
	Internal bool     // a collect task
}

// Engine owns a task graph and the goroutines that execute it.
type Engine struct {
	id        uint32
	stats     counters
	observe   bool
	onExecute func(Execution)
	threads   atomic.Int32            // numbers threads, for Execution.Thread
	durations map[*Task]time.Duration // of the latest executions, when observing

	mu     sync.Mutex
	closed bool
	tasks  []*Task // indexed by task id; tasks[0] is unused

	// Scheduling; see sched.go.
	fresh       []*Task // FIFO of fresh tasks, with stale entries skipped on pop
	freshHead   int
	freshCount  int           // tasks in stQueued
	dirty       taskHeap      // stDirty tasks
	runningRe   taskHeap      // running re-executions
	running     int           // executions in progress, fresh or not
	reporting   int           // Options.OnExecute calls in progress
	free        int           // free worker slots
	searching   int           // workers spawned that have not yet picked a task
	slots       int           // Options.Workers
	napping     bool          // a worker waits for the tasks to become longer (see crowdedLocked)
	quit        chan struct{} // closed by Close
	slotWaiters []chan struct{}
	workers     sync.WaitGroup

	// Waiting; see read.go and strong.go.
	taskWaiters   map[*Task][]*waiter
	levelWaiters  []*levelWaiter
	levelWaitMin  int32                // no level waiter waits for a height below it
	strongReaders int                  // strongly consistent reads and WaitIdle calls in progress
	pending       []func()             // edits deferred while strongReaders > 0
	pendingState  map[*Task]pendingSet // the latest deferred value of each state
	applied       []chan struct{}      // closed when deferred edits are applied
	idle          []chan struct{}      // closed when the graph is quiescent
	afterStops    map[*Task][]func() bool
	execPool      []*execution // finished executions, for reuse
	// backReaders holds, per task, the readers whose read of it closed a
	// cycle. Such edges take no part in heights; a completion of the task
	// after which it no longer depends on such a reader marks the reader
	// dirty, so that it looks again. They are rare, hence a map.
	backReaders map[*Task][]uint32
	runs        []Run  // unused Runs of the current slab
	localGens   uint32 // numbers the executions that make local outputs

	// Collectibles; see collect.go.
	collects  map[collectKey]*Task
	listTypes map[*Type]*Type
}

// New returns a running engine.
func New(opts Options) *Engine {
	w := opts.Workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	return &Engine{
		id:           engineIDs.Add(1),
		observe:      opts.Observe || opts.OnExecute != nil,
		onExecute:    opts.OnExecute,
		durations:    make(map[*Task]time.Duration),
		tasks:        make([]*Task, 1, 64),
		free:         w,
		slots:        w,
		quit:         make(chan struct{}),
		taskWaiters:  make(map[*Task][]*waiter),
		pendingState: make(map[*Task]pendingSet),
		afterStops:   make(map[*Task][]func() bool),
		backReaders:  make(map[*Task][]uint32),
	}
}

// ID returns the engine's identifier, which every Raw it makes carries.
func (e *Engine) ID() uint32 { return e.id }

// Close cancels every running task function, wakes every waiting read with
// ErrClosed, and returns once every goroutine the engine started has exited.
// Task functions that ignore their context delay Close until they return.
// Close is idempotent.
func (e *Engine) Close() {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		e.workers.Wait()
		return
	}
	e.closed = true
	close(e.quit)
	for _, t := range e.tasks[1:] {
		if t.st() == stRunning {
			e.cancelExecLocked(t.exec, ErrClosed)
		}
	}
	for t, ws := range e.taskWaiters {
		for _, w := range ws {
			close(w.ch)
		}
		delete(e.taskWaiters, t)
	}
	for _, lw := range e.levelWaiters {
		close(lw.ch)
	}
	e.levelWaiters = nil
	for _, ch := range e.applied {
		close(ch)
	}
	e.applied = nil
	for _, ch := range e.idle {
		close(ch)
	}
	e.idle = nil
	for _, ch := range e.slotWaiters {
		close(ch)
	}
	e.slotWaiters = nil
	for t, stops := range e.afterStops {
		for _, stop := range stops {
			stop()
		}
		delete(e.afterStops, t)
	}
	e.pending = nil
	e.mu.Unlock()
	e.workers.Wait()
}

// Task returns the task r points at, or an error saying why r is not a valid
// handle of this engine.
func (e *Engine) Task(r Raw) (*Task, error) {
	switch {
	case r.IsZero():
		return nil, ErrNullVc
	case r.Eng != e.id:
		return nil, ErrForeign
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if r.Task == 0 || int(r.Task) >= len(e.tasks) {
		return nil, ErrInvalidVc
	}
	return e.tasks[r.Task], nil
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

// Stats is a snapshot of the engine's counters.
type Stats struct {
	Tasks       uint64 // tasks created, including states
	Executions  uint64 // task function executions completed (abandoned ones excluded)
	Internal    uint64 // of which collect tasks
	Reused      uint64 // calls answered by an existing task without executing it
	Invalidated uint64 // times a task was marked dirty
	CutOff      uint64 // re-executions whose cells and output were all unchanged
	Evicted     uint64 // cell contents dropped after a final read
}

// counters are guarded by Engine.mu, except reused, which the call fast
// path updates without it.
type counters struct {
	tasks, executions, internal, invalidated, cutOff, evicted uint64
	reused                                                    atomic.Uint64
}

// Stats returns the engine's counters.
func (e *Engine) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	return Stats{
		Tasks:       e.stats.tasks,
		Executions:  e.stats.executions,
		Internal:    e.stats.internal,
		Reused:      e.stats.reused.Load(),
		Invalidated: e.stats.invalidated,
		CutOff:      e.stats.cutOff,
		Evicted:     e.stats.evicted,
	}
}
