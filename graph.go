package cellar

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/cellar-go/cellar/internal/engine"
)

// Graph is a snapshot of an engine's task graph: every task with its state
// and history, and every dependency recorded by the tasks' latest
// executions. It answers questions that one task's [TaskInfo] cannot, such as
// what an edit will reach or why a task is part of a computation at all.
//
// The snapshot is taken at one instant, so its tasks and edges are
// consistent with each other even while tasks run; it is a plain value that
// the engine never changes afterwards. Encode it with encoding/json for
// tools, or write it with [Graph.WriteDOT] to draw it with Graphviz.
type Graph struct {
	// Tasks holds every task of the engine, sorted by ID.
	Tasks []GraphTask `json:"tasks"`
	// Edges holds every dependency, sorted by Reader, then Task, then
	// slot (the output, the cells by index, the collectibles), so that
	// the same graph always exports to the same bytes.
	Edges []GraphEdge `json:"edges"`
}

// GraphTask is one task of a [Graph].
type GraphTask struct {
	// ID is the engine's index of the task; edges refer to tasks by it.
	ID uint32 `json:"id"`
	// Name is the task's debug name, such as wordCount("a.txt").
	Name string `json:"name"`
	// Function is the name the task's function was registered under:
	// "State" for states and "collectibles" for the internal tasks that
	// gather collectibles for [Peek] and [Take].
	Function string `json:"function"`
	// Kind is "task" for a task function applied to arguments, "state"
	// for a [State], and "internal" for the engine's collect tasks, so
	// that tools can tell inputs and bookkeeping from the user's work.
	Kind string `json:"kind"`
	// State is "new", "queued", "running", "done" or "dirty", as in
	// [TaskInfo].
	State string `json:"state"`
	// Executions counts the task's completed executions.
	Executions int `json:"executions"`
	// Cause is the [Cause] of its latest execution (or of the coming one,
	// for a dirty task) in words, as Cause.String gives it.
	Cause string `json:"cause"`
	// Cells is the number of cells its latest execution produced,
	// including the one holding its result when it returned a value
	// rather than a Vc or an error.
	Cells int `json:"cells"`
	// Error is the message of the error its latest execution failed
	// with, and empty if it succeeded.
	Error string `json:"error,omitempty"`
	// DurationNS is how long its latest execution took, in nanoseconds,
	// when the engine was created with [Options].Observe.
	DurationNS int64 `json:"duration_ns,omitempty"`
}

// GraphEdge is one dependency of a [Graph]: Reader read Slot of Task in its
// latest execution, so a change there makes Reader run again.
type GraphEdge struct {
	// Reader is the ID of the task that read.
	Reader uint32 `json:"reader"`
	// Task is the ID of the task read.
	Task uint32 `json:"task"`
	// Slot is what was read: "out" for the task's output, "#i" for its
	// cell i (a State's value is its cell #0), and "collectibles" for
	// what it emitted and read, which collect tasks depend on.
	Slot string `json:"slot"`
	// Cycle marks a read that closed a dependency cycle: it failed with
	// a [CycleError], and the edge is what makes the reader look again
	// once the cycle may be gone.
	Cycle bool `json:"cycle,omitempty"`
}

// Graph returns a snapshot of the engine's task graph. It does not wait for
// running tasks: a running task appears with the cells and dependencies of
// its previous execution. To export a settled graph, call [Engine.WaitIdle]
// first. Graph takes the engine's lock for time proportional to the graph's
// size, so it is meant for debugging and tools, not for hot paths.
func (e *Engine) Graph() Graph {
	s := e.core.Snapshot()
	g := Graph{Tasks: make([]GraphTask, len(s.Tasks)), Edges: make([]GraphEdge, len(s.Edges))}
	for i, t := range s.Tasks {
		kind := "task"
		switch {
		case t.IsState:
			kind = "state"
		case t.Internal:
			kind = "internal"
		}
		gt := GraphTask{
			ID:         t.ID,
			Name:       t.Info.Name,
			Function:   t.Function,
			Kind:       kind,
			State:      t.Info.State,
			Executions: int(t.Info.Executions),
			Cause:      Cause{Kind: CauseKind(t.Info.Why.Kind), Changed: t.Info.Changed}.String(),
			Cells:      t.Cells,
			DurationNS: int64(t.Info.Duration),
		}
		if t.Err != nil {
			gt.Error = t.Err.Error()
		}
		g.Tasks[i] = gt
	}
	for i, d := range s.Edges {
		g.Edges[i] = GraphEdge{Reader: d.Reader, Task: d.Task, Slot: slotName(d.Slot), Cycle: d.Back}
	}
	return g
}

// slotName names an engine slot as in GraphEdge.Slot.
func slotName(slot uint32) string {
	switch slot {
	case 0:
		return "out"
	case engine.MetaSlot:
		return "collectibles"
	}
	return "#" + strconv.FormatUint(uint64(slot-1), 10)
}

// WriteDOT writes g in the Graphviz DOT language, for example to render it
// with "dot -Tsvg". Each task is a node labelled with its name, state and
// executions: states are boxes, internal collect tasks are dashed, and
// failed tasks are red, with their error as tooltip. Edges point from the
// task read to its reader, the direction in which values and invalidations
// flow, and are labelled with the slot unless it is the output; edges that
// closed a cycle are dashed and red. The output depends only on g, so equal
// graphs give identical bytes. WriteDOT returns the error of writing to w.
func (g Graph) WriteDOT(w io.Writer) error {
	var b strings.Builder
	b.WriteString("digraph cellar {\n")
	for _, t := range g.Tasks {
		runs := "runs"
		if t.Executions == 1 {
			runs = "run"
		}
		label := fmt.Sprintf("%s\nstate %s, %d %s", t.Name, t.State, t.Executions, runs)
		fmt.Fprintf(&b, "\tt%d [label=%s", t.ID, dotString(label))
		switch t.Kind {
		case "state":
			b.WriteString(", shape=box")
		case "internal":
			b.WriteString(", style=dashed")
		}
		if t.Error != "" {
			fmt.Fprintf(&b, ", color=red, fontcolor=red, tooltip=%s", dotString(t.Error))
		}
		b.WriteString("];\n")
	}
	for _, d := range g.Edges {
		fmt.Fprintf(&b, "\tt%d -> t%d", d.Task, d.Reader)
		var attrs []string
		if d.Slot != "out" {
			attrs = append(attrs, "label="+dotString(d.Slot))
		}
		if d.Cycle {
			attrs = append(attrs, "style=dashed", "color=red")
		}
		if len(attrs) > 0 {
			b.WriteString(" [" + strings.Join(attrs, ", ") + "]")
		}
		b.WriteString(";\n")
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// dotEscaper escapes text for a DOT quoted string used as a label or
// tooltip. Graphviz reads \" as a quote and \\ as a backslash; any other
// backslash would start an escape of its own (\N is the node's name), and
// line breaks become \n, which Graphviz draws as a line break.
var dotEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)

// dotString returns s as a DOT quoted string.
func dotString(s string) string { return `"` + dotEscaper.Replace(s) + `"` }
