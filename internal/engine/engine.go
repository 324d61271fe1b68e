package engine

import (
	"context"
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

// NewTask adds a task for fn applied to args and schedules it on behalf of
// ctx (see Touch). args must not be changed afterwards.
func (e *Engine) NewTask(ctx context.Context, fn *Func, args any) *Task {
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.addTaskLocked(fn, args)
	t.height = 1
	e.stats.tasks++
	if e.closed {
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

func (e *Engine) addTaskLocked(fn *Func, args any) *Task {
	t := &Task{id: uint32(len(e.tasks)), heapIdx: noHeap, fn: fn, args: args}
	e.tasks = append(e.tasks, t)
	return t
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
	if t.settled.Load() {
		e.stats.reused.Add(1)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.touchLocked(ctx, t)
}

func (e *Engine) touchLocked(ctx context.Context, t *Task) {
	if e.closed {
		return
	}
	if t.st() == stNew {
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
	e.afterStops[t] = append(e.afterStops[t], stop)
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
	switch t.st() {
	case stQueued:
		t.setSt(stNew)
		e.freshCount--
		e.endFreshPhaseLocked(t)
		e.settleLocked()
	case stRunning:
		e.cancelExecLocked(t.exec, context.Canceled)
	}
}

// endFreshPhaseLocked forgets the holders of t's fresh phase.
func (e *Engine) endFreshPhaseLocked(t *Task) {
	t.phase++
	t.interest = 0
	t.pinned = false
	if len(e.afterStops) == 0 {
		return
	}
	if stops, ok := e.afterStops[t]; ok {
		for _, stop := range stops {
			stop()
		}
		delete(e.afterStops, t)
	}
}

// NewState adds an input task holding value.
func (e *Engine) NewState(fn *Func, name any, value any, typ *Type) *Task {
	e.mu.Lock()
	defer e.mu.Unlock()
	t := e.addTaskLocked(fn, name)
	t.isState = true
	t.inlCell[0] = cell{value: value, typ: typ}
	t.cells = t.inlCell[:]
	t.out = output{vc: Raw{Eng: e.id, Task: t.id, Slot: 1}}
	t.setSt(stDone)
	t.settled.Store(true)
	e.stats.tasks++
	return t
}

// StateValue returns the latest value set on the state t, including a Set
// still deferred behind waiting strongly consistent reads.
func (e *Engine) StateValue(t *Task) any {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p, ok := e.pendingState[t]; ok {
		return p.value
	}
	return t.cells[0].value
}

// SetState replaces the value of the state t. Unless force is set, a value
// equal to the current one changes nothing. While strongly consistent reads
// are waiting for the graph to settle the change is deferred until they have
// been served, so that a steady stream of edits cannot starve them.
func (e *Engine) SetState(t *Task, value any, force bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return
	}
	if e.strongReaders > 0 {
		p, queued := e.pendingState[t]
		if !queued {
			e.pending = append(e.pending, func() {
				p := e.pendingState[t]
				delete(e.pendingState, t)
				e.applySetLocked(t, p.value, p.force)
			})
		}
		e.pendingState[t] = pendingSet{value: value, force: p.force || force}
		return
	}
	e.applySetLocked(t, value, force)
}

func (e *Engine) applySetLocked(t *Task, value any, force bool) {
	c := &t.cells[0]
	if !force && c.typ.Equal(c.value, value) {
		return
	}
	c.value = value
	why := Why{Kind: WhyChanged, task: t.id, slot: 1}
	e.markReadersLocked(c.readers, nil, why)
	e.markReadersLocked(t.outReaders, nil, why)
	e.kickLocked(0)
}

// pendingSet is a deferred SetState: the latest value, and whether any of
// the deferred calls forced it.
type pendingSet struct {
	value any
	force bool
}

// Invalidate marks t as needing re-execution, as if something it read had
// changed. It is how inputs from outside the engine (files, clocks) report a
// change. Like SetState it is deferred while strongly consistent reads wait.
func (e *Engine) Invalidate(t *Task) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed || t.isState {
		return
	}
	if e.strongReaders > 0 {
		e.pending = append(e.pending, func() { e.invalidateLocked(t) })
		return
	}
	e.invalidateLocked(t)
}

func (e *Engine) invalidateLocked(t *Task) {
	e.markDirtyLocked(t, Why{Kind: WhyInvalidated})
	e.kickLocked(0)
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
