package engine

import (
	"context"
	"fmt"
	"runtime/pprof"
	"runtime/trace"
	"time"
)

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
	// Duration is how long the last execution took, when the engine
	// records timings.
	Duration time.Duration
}

// String names the state as TaskInfo.State does.
func (s taskState) String() string {
	switch s {
	case stNew:
		return "new"
	case stQueued:
		return "queued"
	case stRunning:
		return "running"
	case stDone:
		return "done"
	case stDirty:
		return "dirty"
	}
	return "?"
}

// Info returns what the engine knows of the task r names.
func (e *Engine) Info(r Raw) (TaskInfo, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.checkRawLocked(r); err != nil {
		return TaskInfo{}, err
	}
	return e.infoLocked(e.tasks[r.Task]), nil
}

func (e *Engine) infoLocked(t *Task) TaskInfo {
	info := TaskInfo{Name: t.Name(), State: t.st().String(), Executions: t.execs, Why: t.why(), Duration: e.durations[t]}
	if w := info.Why; w.Kind == WhyChanged || w.Kind == WhyCycleGone {
		info.Changed = e.slotNameLocked(w.task, w.slot)
	}
	return info
}

// slotNameLocked returns the debug identifier of a slot of task id:
// name#i for cell i, the name alone for the output.
func (e *Engine) slotNameLocked(id, slot uint32) string {
	if id == 0 || int(id) >= len(e.tasks) {
		return "?"
	}
	name := e.tasks[id].Name()
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
	defer e.mu.Unlock()
	if err := e.checkRawLocked(r); err != nil {
		return "", err
	}
	return e.slotNameLocked(r.Task, r.Slot), nil
}

// observedCall runs x's function inside a runtime/trace region while a
// trace is recorded and, when the engine observes, timed and with pprof
// labels naming the function; labels is as for executeLocked.
func (e *Engine) observedCall(x *execution, labels context.Context) (Result, time.Duration) {
	f := x.t.fn
	if trace.IsEnabled() {
		defer trace.StartRegion(x.run, "cellar "+f.Name).End()
	}
	if !e.observe {
		return f.call(x.run, x.t.args), 0
	}
	if labels == nil {
		labels = x.parent.t.fn.labels()
	}
	pprof.SetGoroutineLabels(f.labels())
	defer pprof.SetGoroutineLabels(labels)
	start := time.Now()
	res := f.call(x.run, x.t.args)
	return res, time.Since(start)
}

// labels returns a context carrying the pprof labels of f's executions.
func (f *Func) labels() context.Context {
	f.labelOnce.Do(func() {
		f.labelCtx = pprof.WithLabels(context.Background(), pprof.Labels("cellar.task", f.Name))
	})
	return f.labelCtx
}
