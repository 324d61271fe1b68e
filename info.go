package cellar

import (
	"time"

	"github.com/cellar-go/cellar/internal/engine"
)

// TaskInfo describes a task: what it is, how often it ran and why it last
// ran. Get one with [Vc.Info] or [OperationVc.Info].
type TaskInfo struct {
	// Name is the task's debug name, such as wordCount("a.txt").
	Name string
	// State is "new" (never run), "queued", "running", "done" (up to date
	// as far as the engine knows) or "dirty" (something it read changed).
	State string
	// Executions counts the task's completed executions.
	Executions int
	// Cause is why its latest execution ran or, while State is "dirty",
	// why it will run again.
	Cause Cause
	// Duration is how long its latest execution took, when the engine was
	// created with [Options].Observe; zero otherwise.
	Duration time.Duration
}

// CauseKind is the kind of a [Cause].
type CauseKind uint8

// The kinds of [Cause].
const (
	// CauseFirstRun: the task had never run before (or its only run was
	// abandoned because nobody needed it any more).
	CauseFirstRun CauseKind = iota
	// CauseChanged: a value it read in its previous execution changed.
	CauseChanged
	// CauseInvalidated: an [Invalidator] reported an outside change.
	CauseInvalidated
	// CauseCycleGone: it had failed with a [CycleError], and the task it
	// read no longer depends on it.
	CauseCycleGone
	// CauseEvicted: a cell's content had been dropped after a final read
	// ([Vc.GetFinal]) and was read again.
	CauseEvicted
)

// Cause says why a task executed: the answer to "why did it re-run?".
type Cause struct {
	Kind CauseKind
	// Changed is the debug identifier of what changed, for CauseChanged
	// and CauseCycleGone: a task, as in parse("a.go"), or one of its
	// cells, as in parse("a.go")#1.
	Changed string
}

// String describes the cause in words, for example
// "read parse("a.go")#0, which changed".
func (c Cause) String() string {
	switch c.Kind {
	case CauseFirstRun:
		return "first run"
	case CauseChanged:
		return "read " + c.Changed + ", which changed"
	case CauseInvalidated:
		return "invalidated"
	case CauseCycleGone:
		return "read " + c.Changed + " in a cycle, which is gone"
	case CauseEvicted:
		return "its dropped content was read again"
	}
	return "unknown"
}

// Info describes the task that produced the value v points at: the task
// whose output or cell it is, as it is now. It runs and schedules nothing,
// and waits for nothing: a task still running reports "running". To look
// at a task without calling it (a call schedules a task that has not run),
// find its operation with [Func1.Lookup] (or the other arities).
func (v Vc[T]) Info() (TaskInfo, error) { return info(v.r) }

// Info describes the operation's task, as [Vc.Info] does.
func (o OperationVc[T]) Info() (TaskInfo, error) { return info(o.r) }

// DebugIdentifier names what v points at, for messages and debugging:
// the task's debug name for a task's output, as in wordCount("a.txt"), and
// with the cell's index for a cell, as in wordCount("a.txt")#0. Unlike
// [Vc.String] it looks the task up; for a handle that names nothing live
// it returns String's opaque form.
func (v Vc[T]) DebugIdentifier() string { return debugIdentifier(v.r) }

// DebugIdentifier names the operation's task, as in wordCount("a.txt").
func (o OperationVc[T]) DebugIdentifier() string { return debugIdentifier(o.r) }

func debugIdentifier(r engine.Raw) string {
	core, err := engineOf(r)
	if err != nil {
		return formatRaw(r)
	}
	name, err := core.DebugName(r)
	if err != nil {
		return formatRaw(r)
	}
	return name
}

func info(r engine.Raw) (TaskInfo, error) {
	core, err := engineOf(r)
	if err != nil {
		return TaskInfo{}, err
	}
	in, err := core.Info(r)
	if err != nil {
		return TaskInfo{}, err
	}
	return TaskInfo{
		Name:       in.Name,
		State:      in.State,
		Executions: int(in.Executions),
		Cause:      Cause{Kind: CauseKind(in.Why.Kind), Changed: in.Changed},
		Duration:   in.Duration,
	}, nil
}
