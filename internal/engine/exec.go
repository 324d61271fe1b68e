package engine

import (
	"context"
	"runtime/debug"
	"runtime/trace"
	"time"
)

// Executions: one run of a task function, from start (startLocked) to the
// call (with mu released, panics and runtime.Goexit caught) and its end
// (finishLocked, then completeLocked in complete.go), or its abandonment
// (discardLocked). Executions are recycled; the Run a function receives as
// its context is not, since a function may keep it.

// execution is one run of a task function. The function receives its Run as
// its context, which is how reads find the execution that makes them.
// Executions are reused once finished; Runs are not.
type execution struct {
	e      *Engine
	t      *Task
	th     *thread
	parent *execution // the execution running this one inline, if any
	depth  int32      // inline nesting depth on th

	// The flags are guarded by Engine.mu.
	reexec     bool // a re-execution of a dirty task (never abandoned)
	finished   bool
	dirtyAgain bool      // a value it had read changed while it ran
	againWhy   Why       // what changed, if dirtyAgain
	name       string    // the task's name, when its result may become an error
	report     *report   // for Options.OnExecute
	shape      []errNode // of the error the function returned; see errorShape
	// evicted: some cell of the task was dropped when it started; fps
	// then holds the fingerprints of the new cells that replace them.
	evicted  bool
	fps      []*Fingerprint
	diverged bool   // see old
	localGen uint32 // the generation of its local outputs (see local.go)

	run      *Run // the context the function receives
	inflight int  // reads in progress; an execution is reused only when none is

	// Dependencies, guarded by Engine.mu. While the reads repeat the
	// previous execution's (old) in order, only cursor moves; the first
	// difference copies the prefix into deps ("diverged").
	old    []dep
	cursor int
	deps   []dep

	cells []cell     // cells created by this execution
	more  *execExtra // rarely needed state, allocated on first use

	// res is what the function produced. It lives here, where the
	// function fills it in place, because a Result passed to a function
	// value by pointer would otherwise be allocated on every execution.
	res Result
}

// execExtra holds what only some executions need.
type execExtra struct {
	seen   map[dep]struct{} // all of deps, once deps is long
	oldSet map[dep]struct{} // old[cursor:], once it is long
	waitOn []*hold          // tasks it waits for or runs inline
	owned  []*hold          // fresh tasks it called
	emits  []emission       // collectibles it emitted
	taken  []taken          // collectibles it took
	locals []local          // its local outputs
}

func (x *execution) extra() *execExtra {
	if x.more == nil {
		x.more = new(execExtra)
	}
	return x.more
}

// Err is the error of x's context: why it was cancelled, if it was.
func (x *execution) Err() error { return x.run.Err() }

// startLocked turns t into a running execution on thread th. parent is the
// execution that runs it inline, or nil on a worker's top level.
func (e *Engine) startLocked(t *Task, th *thread, parent *execution) *execution {
	x := e.newExecLocked()
	x.t, x.th, x.parent, x.old = t, th, parent, t.deps
	x.run = e.newRunLocked()
	x.run.old = t.deps
	x.run.x = x
	if parent != nil {
		x.depth = parent.depth + 1
	}
	switch t.state {
	case stDirty:
		x.reexec = true
		if e.mu.stats.evicted > 0 {
			for i := range t.cells {
				if t.cells[i].evicted() {
					x.evicted = true
					break
				}
			}
		}
		if t.heapIdx != noHeap {
			e.mu.sched.dirty.remove(t)
		}
		e.mu.sched.runningRe.push(t)
	case stQueued:
		e.mu.sched.freshCount--
		t.setWhy(Why{})
	}
	t.state = stRunning
	t.exec = x
	e.mu.sched.running++
	return x
}

// executeLocked runs x's function with mu released, and completes it.
// labels is the context whose pprof labels the goroutine had before: nil
// for an inline execution (its parent's), context.Background() on the
// engine's own goroutines.
//
// A function that calls runtime.Goexit (as t.FailNow does) ends the
// goroutine, which no recover can stop. The execution then fails with
// ErrGoexit, and executeLocked "returns" with mu held as usual: every frame
// above it that holds mu, up to the goroutine's top, releases it and what
// else it holds in deferred calls.
func (e *Engine) executeLocked(x *execution, labels context.Context) {
	if e.onExecute != nil {
		x.report = &report{info: e.infoLocked(x.t)}
	}
	e.mu.Unlock()
	if e.observe || trace.IsEnabled() {
		start := time.Now()
		if x.report != nil {
			x.report.start = start
		}
		e.observedCall(x, labels)
		d := time.Since(start)
		x.nameErrors()
		e.mu.Lock()
		if e.observe {
			e.mu.durations[x.t] = d
		}
	} else {
		e.call(x)
		x.nameErrors()
		e.mu.Lock()
	}
	if x.evicted {
		e.fingerprintLocked(x)
	}
	e.finishLocked(x)
}

// report is what Options.OnExecute is told of an execution, gathered
// before it starts.
type report struct {
	info       TaskInfo // why it runs, as of its start
	start, end time.Time
	t          *Task
	err        error // what the function returned
}

// finishLocked completes x and then, with OnExecute set, reports it. The
// report is made once the task is done, with mu released and the thread's
// slot given back as a blocked read does, so that the callback may read
// Vcs (even of that task) without waiting for itself. The report of an
// execution run inline waits for the end of the outermost execution on the
// thread: made inside its reader's read, a callback that read a Vc
// depending on that reader would wait for it forever.
func (e *Engine) finishLocked(x *execution) {
	rep, th, inline := x.report, x.th, x.parent != nil
	x.report = nil
	if rep != nil {
		rep.t, rep.err = x.t, x.res.Err
	}
	e.completeLocked(x) // frees x
	if rep == nil {
		return
	}
	rep.end = time.Now()
	th.reports = append(th.reports, rep)
	if inline {
		return
	}
	reports := th.reports
	th.reports = nil
	e.mu.sched.reporting += len(reports) // WaitIdle waits for the reports too
	e.yieldSlotLocked(th)
	e.mu.Unlock()
	for _, r := range reports {
		r.info.name(r.t)
		e.onExecute(Execution{Task: r.t, Name: r.info.Name, Thread: th.id, Start: r.start, Duration: r.end.Sub(r.start),
			Info: r.info, Err: r.err, Internal: r.t.fn == &collectFunc})
	}
	e.mu.Lock()
	e.mu.sched.reporting -= len(reports)
	e.resumeSlotLocked(th, true)
	e.settleLocked()
}

// call stores in x.res what x's function returns, or the error of its
// panic. One deferred call handles both ways a function can end without
// returning: a panic, recovered, and runtime.Goexit, which cannot be: x
// then fails with ErrGoexit, completed here, and mu is left held as
// executeLocked would leave it (see there).
func (e *Engine) call(x *execution) {
	returned, inTask := false, true
	checks.enterTask(e)
	defer func() {
		if returned {
			return
		}
		if inTask {
			checks.exitTask(e)
		}
		if r := recover(); r != nil {
			x.res = Result{Err: panicError(r)}
			return
		}
		x.res = Result{Err: ErrGoexit}
		x.nameErrors()
		e.mu.Lock()
		if e.observe && x.report != nil {
			e.mu.durations[x.t] = time.Since(x.report.start)
		}
		e.finishLocked(x)
	}()
	x.t.fn.Run(x.run, x.t.args, &x.res)
	checks.exitTask(e)
	inTask = false
	if x.run.flags.Load()&runHasLocals != 0 {
		e.runPendingLocals(x.run)
	}
	returned = true
}

func panicError(r any) error { return &PanicError{Value: r, Stack: debug.Stack()} }

// nameErrors records the task's name when its result may become an error,
// and the shape of the error the function returned, by which cutoff compares
// it with the previous one. Both run user code (String and Error methods,
// which may call into the engine or panic), so nameErrors is called without
// holding Engine.mu.
func (x *execution) nameErrors() {
	if x.res.Err != nil || x.res.IsVc {
		x.name = x.t.Name()
	}
	if x.res.Err != nil {
		x.shape, x.res.Err = errorShape(x.res.Err)
	}
}

// cancelExecLocked abandons x: its context is cancelled, and the fresh tasks
// it called or waits for lose its interest.
func (e *Engine) cancelExecLocked(x *execution, err error) {
	if !x.run.cancel(err) {
		return
	}
	if x.more == nil {
		return
	}
	for _, h := range x.more.owned {
		e.releaseLocked(h)
	}
	x.more.owned = nil
	for _, h := range x.more.waitOn {
		e.releaseLocked(h)
	}
}

// discardLocked forgets an abandoned fresh execution: its task goes back to
// stNew as if it had never run, and whoever saw one of its cells re-runs.
// If the task was called again after its execution was cancelled (the
// function took a while to return), it is queued again at once instead,
// in the same fresh phase, so that those calls still count.
func (e *Engine) discardLocked(x *execution) {
	t := x.t
	for _, d := range x.recorded() {
		e.removeReaderLocked(d, t.id)
	}
	for i := range x.cells {
		e.markReadersLocked(x.cells[i].readers, nil, Why{Kind: WhyChanged, task: t.id, slot: uint32(i + 1)}, dep{t: t, slot: uint32(i + 1)})
	}
	t.exec = nil
	if (t.interest > 0 || t.pinned) && !e.mu.closed {
		t.state = stNew
		e.enqueueLocked(t)
		e.kickLocked(0)
		return
	}
	e.endFreshPhaseLocked(t)
	t.state = stNew
}

// NewCell stores value in the next cell of the running execution of run and
// returns the cell's Raw.
func (e *Engine) NewCell(run *Run, value any, typ *Type) (Raw, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := run.x
	if x == nil {
		return Raw{}, ErrTaskReturned
	}
	x.cells = append(x.cells, cell{value: value, typ: typ})
	return Raw{Eng: e.id, Task: x.t.id, Slot: uint32(len(x.cells))}, nil
}

// newExecLocked returns a zeroed execution, reusing a finished one when it
// can: re-executions are the engine's most frequent allocation.
func (e *Engine) newExecLocked() *execution {
	if n := len(e.mu.alloc.execs); n > 0 {
		x := e.mu.alloc.execs[n-1]
		e.mu.alloc.execs[n-1] = nil
		e.mu.alloc.execs = e.mu.alloc.execs[:n-1]
		return x
	}
	return &execution{e: e}
}

// freeExecLocked recycles x, unless a read through it is still in progress
// (from a goroutine the task function left behind).
func (e *Engine) freeExecLocked(x *execution) {
	if x.inflight > 0 || len(e.mu.alloc.execs) >= maxExecPool {
		return
	}
	*x = execution{e: e}
	e.mu.alloc.execs = append(e.mu.alloc.execs, x)
}

// maxExecPool bounds the executions kept for reuse.
const maxExecPool = 256

// runSlab is how many Runs are allocated at once. A Run is allocated for
// every execution and cannot be reused (a task function may keep its
// context); allocating them in slabs makes that nearly free, at the cost of
// keeping a slab alive while any of its Runs is referenced. 73 Runs of 56
// bytes fill the 4 KiB size class a slab comes from; 64 left 512 bytes of
// it unused, an eighth of what every execution allocates
// (TestRunSlabFillsItsSizeClass keeps the two in step).
const runSlab = 73

func (e *Engine) newRunLocked() *Run {
	if len(e.mu.alloc.runs) == 0 {
		e.mu.alloc.runs = make([]Run, runSlab)
	}
	r := &e.mu.alloc.runs[0]
	e.mu.alloc.runs = e.mu.alloc.runs[1:]
	r.e = e
	return r
}
