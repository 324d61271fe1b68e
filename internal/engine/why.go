package engine

import (
	"context"
	"fmt"
	"runtime/pprof"
	"runtime/trace"
	"time"
)

// Why a task runs, and what tools see of it: the cause recorded when a task
// is marked dirty, TaskInfo, debug names, and the trace regions and pprof
// labels around executions.

// WhyKind says why a task executed.
type WhyKind uint8

// Why a task executed.
const (
	WhyFirst       WhyKind = iota // it had never run (or its last run was abandoned)
	WhyChanged                    // something it read changed
	WhyInvalidated                // an invalidator reported an outside change
	WhyCycleGone                  // a read of it that closed a cycle may succeed now
	WhyEvicted                    // a cell's content was dropped and is read again
)

// Why is the cause of an execution: its kind and, for WhyChanged and
// WhyCycleGone, the slot that changed (0 for the output; metaSlot for
// collectibles).
type Why struct {
	Kind WhyKind
	task uint32
	slot uint32
}

// TaskInfo describes a task for introspection.
type TaskInfo struct {
	Name       string
	State      string // "new", "queued", "running", "done" or "dirty"
	Executions uint32
	// Why is why its latest execution ran or, for a dirty task, why
	// it will run again.
	Why Why
	// Changed is the debug identifier of what changed, for WhyChanged.
	Changed string
	changed *Task // what changed, until Changed is filled in
	// Duration is how long the last execution took, when the engine
	// records timings.
	Duration time.Duration
}

// Info returns what the engine knows of the task r names.
func (e *Engine) Info(r Raw) (TaskInfo, error) {
	e.mu.Lock()
	if err := e.checkRawLocked(r); err != nil {
		e.mu.Unlock()
		return TaskInfo{}, err
	}
	t := e.mu.tasks.at(r.Task)
	info := e.infoLocked(t)
	e.mu.Unlock()
	info.name(t)
	return info, nil
}

// infoLocked returns t's TaskInfo without the names, which name fills in:
// names format task arguments, whose methods must not run under mu (they
// may call back into the engine).
func (e *Engine) infoLocked(t *Task) TaskInfo {
	info := TaskInfo{State: t.state.String(), Executions: t.execs, Why: t.why(), Duration: e.mu.durations[t]}
	if w := info.Why; (w.Kind == WhyChanged || w.Kind == WhyCycleGone) && e.mu.tasks.has(w.task) {
		info.changed = e.mu.tasks.at(w.task)
	}
	return info
}

// name fills in the names of info, the TaskInfo of t.
func (info *TaskInfo) name(t *Task) {
	info.Name = t.Name()
	if info.changed != nil {
		info.Changed = slotName(info.changed, info.Why.slot)
	}
}

// slotName returns the debug identifier of a slot of t: name#i for cell i,
// the name alone for the output. Call it without holding mu.
func slotName(t *Task, slot uint32) string {
	name := t.Name()
	switch slot {
	case 0:
		return name
	case metaSlot:
		return name + " (collectibles)"
	}
	return fmt.Sprintf("%s#%d", name, slot-1)
}

// DebugName returns the debug identifier of what r names, such as
// wordCount("a.txt") for a task's output or wordCount("a.txt")#0 for its
// first cell.
func (e *Engine) DebugName(r Raw) (string, error) {
	e.mu.Lock()
	if err := e.checkRawLocked(r); err != nil {
		e.mu.Unlock()
		return "", err
	}
	t := e.mu.tasks.at(r.Task)
	e.mu.Unlock()
	return slotName(t, r.Slot), nil
}

// observedCall runs x's function inside a runtime/trace region while a
// trace is recorded and, when the engine observes, with pprof labels
// naming the function; labels is as for executeLocked.
func (e *Engine) observedCall(x *execution, labels context.Context) {
	f := x.t.fn
	if trace.IsEnabled() {
		defer trace.StartRegion(x.run, "cellar "+f.Name).End()
	}
	if !e.observe {
		e.call(x)
		return
	}
	if labels == nil {
		labels = x.parent.t.fn.labels()
	}
	pprof.SetGoroutineLabels(f.labels())
	defer pprof.SetGoroutineLabels(labels)
	e.call(x)
}

// labels returns a context carrying the pprof labels of f's executions.
func (f *Func) labels() context.Context {
	f.labelOnce.Do(func() {
		f.labelCtx = pprof.WithLabels(context.Background(), pprof.Labels("cellar.task", f.Name))
	})
	return f.labelCtx
}
