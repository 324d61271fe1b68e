package engine

import (
	"cmp"
	"slices"
)

// Snapshots: a consistent copy of the graph, for export.

// MetaSlot is the Slot of an EdgeSnapshot that reads a task's collectibles
// (its meta; see collect.go) rather than its output or a cell.
const MetaSlot = metaSlot

// Snapshot is a copy of an engine's task graph taken at one instant, under
// the engine's lock: every task and edge in it existed together, which
// separate Info calls cannot promise while tasks run.
type Snapshot struct {
	// Tasks holds every task, by increasing ID.
	Tasks []TaskSnapshot
	// Edges holds every recorded dependency, sorted by reader, task read,
	// slot, and back edges after ordinary ones.
	Edges []EdgeSnapshot
}

// TaskSnapshot is one task of a Snapshot.
type TaskSnapshot struct {
	ID uint32
	// Info is what Engine.Info would have returned at the same instant.
	Info TaskInfo
	// Function is the name of the task's function: "State" for states,
	// "collectibles" for internal collect tasks.
	Function string
	IsState  bool
	// Internal marks the engine's own collect tasks, which users never
	// call directly.
	Internal bool
	// Cells counts the cells of the latest execution; placeholders, which
	// only carry reader edges, do not count.
	Cells int
	// Err is the output error of the latest execution, if it failed. It
	// is the error itself, not its message, so that no error method (which
	// may be user code) runs under the engine's lock.
	Err error
}

// EdgeSnapshot is one recorded dependency: Reader read Slot of Task.
type EdgeSnapshot struct {
	Reader uint32
	Task   uint32
	// Slot is 0 for the output, i+1 for cell i and MetaSlot for the
	// collectibles, as in Raw.
	Slot uint32
	// Back marks a read that closed a cycle; such edges do not order
	// heights (see Engine.backReaders).
	Back bool
}

// Snapshot returns a consistent copy of the task graph. A running task
// appears with the cells and dependencies of its previous execution: those of
// the running one are only recorded when it completes.
func (e *Engine) Snapshot() Snapshot {
	e.mu.Lock()
	s := Snapshot{Tasks: make([]TaskSnapshot, 0, len(e.mu.tasks.all()))}
	tasks := e.mu.tasks.all()
	for _, t := range e.mu.tasks.all() {
		ts := TaskSnapshot{
			ID:       t.id,
			Info:     e.infoLocked(t),
			IsState:  t.isState,
			Internal: t.fn == &collectFunc,
		}
		if t.out.err != nil {
			ts.Err = t.out.err
		}
		if t.fn != nil {
			ts.Function = t.fn.Name
		}
		for i := range t.cells {
			if t.cells[i].typ != nil {
				ts.Cells++
			}
		}
		s.Tasks = append(s.Tasks, ts)
		for _, d := range t.deps {
			s.Edges = append(s.Edges, EdgeSnapshot{Reader: t.id, Task: d.t.id, Slot: d.slot, Back: d.back})
		}
	}
	e.mu.Unlock()
	// Names format arguments, whose methods must not run under mu.
	for i, t := range tasks {
		s.Tasks[i].Info.name(t)
	}
	slices.SortFunc(s.Edges, compareEdges)
	return s
}

func compareEdges(a, b EdgeSnapshot) int {
	if c := cmp.Compare(a.Reader, b.Reader); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Task, b.Task); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Slot, b.Slot); c != 0 {
		return c
	}
	switch {
	case a.Back == b.Back:
		return 0
	case b.Back:
		return -1
	}
	return 1
}
