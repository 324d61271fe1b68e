package engine

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// The engine: its options, its one lock and the state it guards, grouped by
// the mechanism that owns it (each group's file says more), counters, and
// Close. Methods whose names end in Locked must be called with mu held; a
// few release and re-acquire it while they wait or run a task, and say so.

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
	slots     int // Options.Workers
	observe   bool
	onExecute func(Execution)
	threads   atomic.Int32  // numbers threads, for Execution.Thread
	reused    atomic.Uint64 // calls answered by the call fast path, which takes no lock
	quit      chan struct{} // closed by Close
	workers   sync.WaitGroup

	// mu guards the whole graph: every task's fields (but Task.settled),
	// every execution's, and everything below, grouped by the mechanism
	// that owns it. One lock keeps each step of the engine (a read, a
	// completion, an edit) atomic with respect to every other, which is
	// what the height order and strong consistency rest on; see
	// RATIONALE.md ("Why one lock over the whole graph?").
	mu struct {
		sync.Mutex
		closed bool
		tasks  taskTable // table.go: every task, by id
		stats  counters

		// durations holds the time of each task's latest execution,
		// when observing.
		durations map[*Task]time.Duration

		sched  schedState // sched.go: queues, slots, workers
		wait   waitState  // wait.go: who waits for what
		edits  editState  // inputs.go, strong.go: edits deferred behind strong reads
		calls  callState  // calls.go: interest in fresh work
		cycles cycleState // heights.go: reads that closed a cycle
		alloc  allocState // exec.go: recycled executions and slabs of Runs

		collect collectState // collect.go: collect tasks per (task, type)
	}
}

// schedState is what the scheduler keeps: the work to do and the slots to
// do it with. See sched.go.
type schedState struct {
	fresh      []*Task  // FIFO of fresh tasks, with stale entries skipped on pop
	freshHead  int      // index of the next entry of fresh
	freshCount int      // tasks in stQueued
	dirty      taskHeap // stDirty tasks, by height
	runningRe  taskHeap // running re-executions, by height
	running    int      // executions in progress, fresh or not
	reporting  int      // Options.OnExecute calls in progress
	free       int      // free worker slots
	searching  int      // workers started that have not yet picked a task
	napping    bool     // a worker waits for the tasks to become longer (see crowdedLocked)
}

// waitState lists the goroutines blocked in the engine, by what they wait
// for. See wait.go.
type waitState struct {
	tasks   taskWaits           // for a task's execution to end
	level   levelWaits          // for the level to pass a height
	levelOf waitingFor          // the executions in level, by the task whose height they wait for
	slots   waitQueue[struct{}] // for a worker slot, after a blocked read: served before new work starts
	idle    waitQueue[struct{}] // WaitIdle: for the graph to be quiescent
	applied waitQueue[struct{}] // for deferred edits to be applied
}

// editState holds the edits deferred while strongly consistent reads are in
// progress. See strong.go.
type editState struct {
	strongReaders int                  // strongly consistent reads and WaitIdle calls in progress
	deferred      []func()             // edits deferred while strongReaders > 0
	states        map[*Task]pendingSet // the latest deferred value of each state
}

// callState is what calls from outside any task keep: the functions that
// stop watching a caller's context. See calls.go.
type callState struct {
	afterStops map[*Task][]func() bool
}

// cycleState holds the reads that closed a cycle. See heights.go.
type cycleState struct {
	// back holds, per task, the readers whose read of it closed a cycle
	// (back edges). Such edges take no part in heights; see heights.go.
	// They are rare, hence a map.
	back map[*Task][]uint32
	// paths holds the cycle each back edge closed, which must stay
	// whole for the reader's error to hold.
	paths map[backEdge][]*Task
}

// allocState recycles what every execution needs. See exec.go.
type allocState struct {
	execs     []*execution // finished executions, for reuse
	runs      []Run        // unused Runs of the current slab
	localGens uint32       // numbers the executions that make local outputs (local.go)
}

// collectState finds the collect task of each (task, type). See collect.go.
type collectState struct {
	tasks     map[collectKey]*Task
	listTypes map[*Type]*Type
}

// New returns a running engine.
func New(opts Options) *Engine {
	w := opts.Workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	e := &Engine{
		id:        engineIDs.Add(1),
		slots:     w,
		observe:   opts.Observe || opts.OnExecute != nil,
		onExecute: opts.OnExecute,
		quit:      make(chan struct{}),
	}
	e.mu.durations = make(map[*Task]time.Duration)
	e.mu.tasks.init()
	e.mu.sched.free = w
	e.mu.wait.tasks = make(taskWaits)
	e.mu.wait.levelOf = make(waitingFor)
	e.mu.edits.states = make(map[*Task]pendingSet)
	e.mu.calls.afterStops = make(map[*Task][]func() bool)
	e.mu.cycles.back = make(map[*Task][]uint32)
	e.mu.cycles.paths = make(map[backEdge][]*Task)
	return e
}

// ID returns the engine's identifier, which every Raw it makes carries.
func (e *Engine) ID() uint32 { return e.id }

// Close cancels every running task function, wakes every waiting read with
// ErrClosed, and returns once every goroutine the engine started has exited.
// Task functions that ignore their context delay Close until they return.
// Close is idempotent.
func (e *Engine) Close() {
	e.mu.Lock()
	if e.mu.closed {
		e.mu.Unlock()
		e.workers.Wait()
		return
	}
	e.mu.closed = true
	close(e.quit)
	for _, t := range e.mu.tasks.all() {
		if t.state == stRunning {
			e.cancelExecLocked(t.exec, ErrClosed)
		}
	}
	e.wakeAllLocked()
	for t, stops := range e.mu.calls.afterStops {
		for _, stop := range stops {
			stop()
		}
		delete(e.mu.calls.afterStops, t)
	}
	e.mu.edits.deferred = nil
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
	if !e.mu.tasks.has(r.Task) {
		return nil, ErrInvalidVc
	}
	return e.mu.tasks.at(r.Task), nil
}

func (e *Engine) checkRawLocked(r Raw) error {
	switch {
	case r.IsZero():
		return ErrNullVc
	case r.Eng != e.id:
		return ErrForeign
	case !e.mu.tasks.has(r.Task) || r.Slot >= targetSlot: // a pseudo-slot
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

// counters are the engine's counters but Reused, which the call fast path
// updates without the lock (Engine.reused).
type counters struct {
	tasks, executions, internal, invalidated, cutOff, evicted uint64
}

// Stats returns the engine's counters.
func (e *Engine) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	return Stats{
		Tasks:       e.mu.stats.tasks,
		Executions:  e.mu.stats.executions,
		Internal:    e.mu.stats.internal,
		Reused:      e.reused.Load(),
		Invalidated: e.mu.stats.invalidated,
		CutOff:      e.mu.stats.cutOff,
		Evicted:     e.mu.stats.evicted,
	}
}
