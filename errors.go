package cellar

import (
	"errors"

	"github.com/cellar-go/cellar/internal/engine"
)

// Errors reported by reads. Compare with errors.Is.
var (
	// ErrClosed is returned by reads after [Engine.Close], and by reads
	// that were waiting when the engine closed.
	ErrClosed = engine.ErrClosed
	// ErrForeign is returned when a Vc of one engine is read through
	// another engine, or from a task of another engine.
	ErrForeign = engine.ErrForeign
	// ErrNullVc is returned when the zero Vc is read.
	ErrNullVc = engine.ErrNullVc
	// ErrTaskReturned is returned by a read made through the context of a
	// task function that has already returned, for example from a
	// goroutine it started and did not wait for.
	ErrTaskReturned = engine.ErrTaskReturned
	// ErrCellGone is returned by a read of a cell that the task's latest
	// execution did not create.
	ErrCellGone = engine.ErrCellGone
	// ErrCycle matches every [CycleError].
	ErrCycle = engine.ErrCycle
	// ErrPanic matches every [PanicError].
	ErrPanic = engine.ErrPanic
	// ErrGoexit is the error of a task function that ended its goroutine
	// with runtime.Goexit, as t.FailNow and t.SkipNow do: the task fails
	// with it, and the engine goes on.
	ErrGoexit = engine.ErrGoexit
	// ErrIdleInTask is returned by [Engine.WaitIdle] called with the
	// context of a running task function: the engine is not idle before
	// that task returns.
	ErrIdleInTask = engine.ErrIdleInTask
	// ErrInvalidVc is returned by reads of a handle that names no task of
	// its engine (a forged or corrupted handle).
	ErrInvalidVc = engine.ErrInvalidVc
	// ErrNonLocalValue is the error of a local Vc (see [Vc.IsLocal]) used
	// outside the task execution that made it: read from another task or
	// from outside any task, returned as a task's result, stored in a cell
	// or a state, or marshaled.
	ErrNonLocalValue = engine.ErrNonLocalValue
	// ErrNotTaskContext is returned, in builds with the race detector or
	// the build tag cellar_checks, by a read made on the goroutine of a
	// running task function through a context that is not the task's
	// (context.Background(), say). Such a read records no dependency, so
	// the task would not run again when the value changes; pass the
	// function's context instead. Other builds do not detect it (see the
	// package documentation's caveats).
	ErrNotTaskContext = engine.ErrNotTaskContext
	// ErrBadHandle is returned when unmarshaling text or bytes that are not
	// a handle of the expected kind.
	ErrBadHandle = errors.New("cellar: not a valid Vc handle encoding")
)

// TaskError is how a task's failure reaches the tasks that read it and,
// from there, the caller: Task is the debug name of the task, Err what its
// function returned. When a task returns the error of a task it read, the
// errors nest, and Error prints the chain, outermost first:
//
//	wordCount("a.txt") -> readFile("a.txt"): open a.txt: no such file or directory
//
// Chain returns those names. errors.Is and errors.As see through the chain
// to the original error. Failures are memoized like values: the task is not
// run again until something it read changes.
type TaskError = engine.TaskError

// PanicError is the error of a task function that panicked; the panic does
// not escape the engine. Value is what was passed to panic, Stack the stack
// of the goroutine when it panicked. It matches [ErrPanic], and unwraps to
// Value when Value is an error.
type PanicError = engine.PanicError

// BrokenError stands for an error whose Error method panicked (a typed
// nil pointer, the classic case) when a task function returned it: the
// engine compares failures by message, and a panic there must not crash
// it. Err is the original error, Panic what its Error method panicked with.
type BrokenError = engine.BrokenError

// CycleError reports that tasks depend on each other in a cycle, directly
// (a task reads itself), through other tasks, or through tasks running on
// other goroutines. Its Tasks method lists the debug names along the cycle;
// the first and the last are the same. The read that would have closed the cycle
// fails with this error instead of waiting forever. It matches [ErrCycle].
type CycleError = engine.CycleError
