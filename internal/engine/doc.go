// Package engine is the type-erased core of cellar's incremental computation
// engine: the task table, the dependency graph, the scheduler and strongly
// consistent reads. The typed API (Vc, Func, State) lives in the module root
// and is a thin layer over this package.
//
// # Model
//
// A Task is a function applied to arguments, or a State input. A task owns
// cells (values indexed by creation order) and an output, which points at a
// cell (its own or another task's) or holds an error. A Raw names either the
// output of a task (Slot 0) or one of its cells (Slot i+1).
//
// Reads made by a running task record dependency edges (reader -> cell) once
// the value has been observed. When a cell's value changes, its readers are
// marked dirty and re-executed; a re-execution that produces equal values
// stops the propagation there (early cutoff).
//
// # Ordering
//
// Every task has a height greater than the height of everything it has read.
// Dirty tasks wait in a heap ordered by height and are re-executed lowest
// first; the "level" is the lowest height among dirty tasks and running
// re-executions. A clean task whose height is below the level cannot be
// affected by pending work, so reading it is safe; a read of anything at or
// above the level waits until the level has passed it. This is what makes
// every task execute at most once per edit, and only when a value it read
// changed.
//
// Waits never deadlock: while work is pending, a task that waits is higher
// than what it waits for (the waiter is raised if needed), and work below a
// height never waits on work above it. Cycles in what tasks wait for, in the
// recorded graph, and mixed (a task reading a cell of a running task that
// waits for it), are detected and reported as *CycleError; see heights.go.
//
// # Threads and slots
//
// Task functions run on worker goroutines; at most Workers of them hold a
// slot at a time. A goroutine that blocks in a read gives its slot back, so a
// task blocked on a read never holds a slot. A read of a task that has not
// started runs it inline on the reading goroutine, which is cheaper than a
// hand-off.
//
// # Locking
//
// One mutex (Engine.mu) guards the graph and the scheduler. Methods whose
// names end in Locked must be called with it held; some of them release and
// re-acquire it while they wait or run a task inline, as their comments say.
package engine
