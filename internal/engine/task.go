package engine

import (
	"context"
	"sync"
	"sync/atomic"
)

// Tasks and their parts. A Task is a node of the graph: a function applied to
// arguments, or a State. It owns cells (values, by creation order) and an
// output (a Raw: one of its cells, another task's output or cell; or an
// error), and lists the tasks that read each of them (reader edges), which
// mirror the readers' dependency lists (deps.go). A Raw names a slot: the
// output (0), cell i (i+1), or a pseudo-slot a dependency can be on
// (metaSlot, targetSlot).
//
// A task's state moves new -> queued -> running -> done for a fresh task
// (an abandoned fresh phase goes back to new), and done -> dirty -> running
// -> done from then on; states are done from the start.

// Raw is the type-erased form of every Vc: a task's output (Slot 0) or one of
// its cells (Slot i+1 for cell i). The zero Raw is the null Vc.
type Raw struct {
	Eng  uint32
	Task uint32
	Slot uint32
}

// IsCell reports whether r names a cell rather than a task's output or a
// local output.
func (r Raw) IsCell() bool { return r.Slot != 0 && r.Slot&localBit == 0 }

// IsZero reports whether r is the null Vc.
func (r Raw) IsZero() bool { return r == Raw{} }

// Type describes the values of one Go type as the engine needs them.
type Type struct {
	// Name is the Go type's name, for messages.
	Name string
	// Equal reports whether two values of the type are equal; an equal
	// recomputed value stops invalidation (early cutoff).
	Equal func(a, b any) bool
	// Key, if set, maps a value to a comparable key with the same
	// equality, for values that cannot be map keys themselves.
	Key func(v any) any
	// Fingerprint, if set, returns a fingerprint of a value: values
	// with equal fingerprints are Equal. It reports false for a value it
	// cannot fingerprint. A final read drops a cell's content only when
	// it has a fingerprint, which the recomputed value is compared with.
	Fingerprint func(v any) (Fingerprint, bool)
}

// Fingerprint identifies a value by its content: a cryptographic hash of a
// deterministic encoding.
type Fingerprint [32]byte

// Result is what a task function produced: a value to store in a new cell, a
// Raw to use as the output as it is, or an error.
type Result struct {
	Value any
	Type  *Type
	Vc    Raw
	IsVc  bool
	Err   error
}

// Func is a registered task function.
type Func struct {
	// Name identifies the function; it is part of every task's identity.
	Name string
	// Run executes the function for args and stores what it produced in
	// res, which is zero on entry. ctx is the execution's context: reads
	// made through it are tracked. Filling res in place, rather than
	// returning a Result, saves copying one through every layer of the
	// call on the path of each execution.
	Run func(ctx context.Context, args any, res *Result)
	// Format renders args for debug names, without the function name or
	// parentheses.
	Format func(args any) string

	labelOnce sync.Once
	labelCtx  context.Context // pprof labels of its executions
}

type taskState uint32

const (
	stNew     taskState = iota // never ran, or its last execution was abandoned; not scheduled
	stQueued                   // fresh, waiting in the fresh queue
	stRunning                  // executing
	stDone                     // up to date as far as the engine knows
	stDirty                    // ran before, something it read changed; waiting in the dirty heap
)

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

// noHeap is heapIdx of a task in neither heap.
const noHeap = -1

// Task is one node of the graph: a function applied to arguments, or a State.
// All fields are guarded by Engine.mu except settled, which the call fast
// path loads without it.
type Task struct {
	state    taskState
	settled  atomic.Bool // it has completed once, and so is never fresh again
	id       uint32
	height   int32
	heapIdx  int32
	interest int32  // holders of a fresh phase; see hold
	phase    uint32 // bumped whenever a fresh phase ends
	pinned   bool   // the current fresh phase cannot be abandoned
	isState  bool
	whyKind  WhyKind // why it is dirty, or why its latest execution ran
	execs    uint32  // completed executions
	whyTask  uint32  // with whyKind: what changed
	whySlot  uint32

	fn   *Func
	args any

	out        output
	outReaders []uint32
	cells      []cell
	deps       []dep
	exec       *execution // while running
	more       *taskExtra // collectibles, readers of the target; see collect.go

	// Room for the common small case, so that a typical task is one
	// allocation and one stretch of memory: propagation touches many tasks,
	// and each separate allocation is another cache miss.
	inlCell    [1]cell
	inlDeps    [1]dep
	inlReaders [2]uint32
}

func (e *Engine) addTaskLocked(fn *Func, args any) *Task {
	t := &Task{heapIdx: noHeap, fn: fn, args: args}
	e.mu.tasks.add(t)
	return t
}

func (t *Task) why() Why { return Why{Kind: t.whyKind, task: t.whyTask, slot: t.whySlot} }

func (t *Task) setWhy(w Why) {
	t.whyKind, t.whyTask, t.whySlot = w.Kind, w.task, w.slot
}

func (t *Task) freshRunning() bool { return t.state == stRunning && !t.exec.reexec }

func (t *Task) inFreshPhase() bool { return t.state == stQueued || t.freshRunning() }

func (t *Task) outputRaw(e uint32) Raw { return Raw{Eng: e, Task: t.id} }

// forReaders calls f with the id of every task that read t, through its
// output, its output's target, a cell or its meta (once per edge, not per
// reader).
func (t *Task) forReaders(f func(id uint32)) {
	for _, id := range t.outReaders {
		f(id)
	}
	for i := range t.cells {
		for _, id := range t.cells[i].readers {
			f(id)
		}
	}
	if m := t.more; m != nil {
		for _, id := range m.metaReaders {
			f(id)
		}
		for _, id := range m.targetReaders {
			f(id)
		}
	}
}

// Name returns the task's debug name, such as wordCount("a.txt").
func (t *Task) Name() string {
	if t.fn == nil {
		return "?"
	}
	return t.fn.Name + "(" + t.fn.Format(t.args) + ")"
}

// ID returns the task's index in its engine's table.
func (t *Task) ID() uint32 { return t.id }

// Func returns the function the task applies, and Args its arguments. Both
// are fixed when the task is created.
func (t *Task) Func() *Func { return t.fn }

// Args returns the task's arguments.
func (t *Task) Args() any { return t.args }

type output struct {
	vc  Raw // where the output points, when err is nil
	err *TaskError
}

func (o output) equal(p output) bool {
	if (o.err == nil) != (p.err == nil) {
		return false
	}
	if o.err != nil {
		return o.err == p.err || o.err.fp == p.err.fp
	}
	return o.vc == p.vc
}

// cell is a value slot. In Task.cells, readers are the dependency edges of
// the cell; a cell with a nil typ is a placeholder that only carries edges
// (for cells that exist only in a running execution). In execution.cells,
// readers lists the tasks that saw the new value before the execution ended.
type cell struct {
	value   any
	typ     *Type
	readers []uint32
}

func (c *cell) same(d *cell) bool {
	return c.typ != nil && c.typ == d.typ && !c.evicted() && c.typ.Equal(c.value, d.value)
}

// cellFor returns the cell r names in t's latest execution: the cell itself,
// or the cell t's output is, or nil.
func (t *Task) cellFor(r Raw) *cell {
	slot := r.Slot
	if slot == 0 && t.out.err == nil && t.out.vc.Task == t.id {
		slot = t.out.vc.Slot
	}
	if slot == 0 || slot == metaSlot || !t.hasCell(slot) {
		return nil
	}
	return &t.cells[slot-1]
}

// hasCell reports whether slot names a cell of t's latest execution.
func (t *Task) hasCell(slot uint32) bool {
	i := int(slot) - 1
	return i >= 0 && i < len(t.cells) && t.cells[i].typ != nil
}

// cellEvicted reports whether the cell r names had its content dropped.
func (t *Task) cellEvicted(r Raw) bool {
	c := t.cellFor(r)
	return c != nil && c.evicted()
}

// An *evictedCell is the value of a cell whose content was dropped after a
// final read; the cell keeps its type and readers, and fp is the fingerprint
// of what it held, so that a recomputation can still be compared with it.
type evictedCell struct{ fp Fingerprint }

func (c *cell) evicted() bool {
	_, ok := c.value.(*evictedCell)
	return ok
}

// dep is a dependency edge from a reader to a slot of a task. It holds the
// task itself rather than its id so that the next execution can recognise
// its calls without looking them up (see Run.Predict).
type dep struct {
	t    *Task
	slot uint32
	back bool // a read that closed a cycle; see Engine.backReaders
}
