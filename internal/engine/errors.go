package engine

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// The engine's errors: sentinels, and the error types a failure reaches its
// readers as. Errors made under the lock must not run user code, so the
// types that name tasks name them when first printed.

// Sentinel errors. The module root re-exports them.
var (
	ErrClosed        = errors.New("cellar: engine is closed")
	ErrForeign       = errors.New("cellar: Vc belongs to another engine")
	ErrNullVc        = errors.New("cellar: read of a zero Vc")
	ErrInvalidVc     = errors.New("cellar: Vc does not name a task of this engine")
	ErrTaskReturned  = errors.New("cellar: read through the context of a task that has already returned")
	ErrCellGone      = errors.New("cellar: cell does not exist in the task's latest execution")
	ErrCycle         = errors.New("cellar: dependency cycle")
	ErrNotOperation  = errors.New("cellar: Vc names a cell, not a task's output")
	ErrNonLocalValue = errors.New("cellar: local Vc used outside the task execution that made it")
	ErrPanic         = errors.New("cellar: task function panicked")
	ErrGoexit        = errors.New("cellar: task function called runtime.Goexit (t.FailNow or t.SkipNow in a task?)")
	ErrIdleInTask    = errors.New("cellar: WaitIdle called inside a task function, which it would wait for")
	// ErrNotTaskContext is what a checked build (see checks_on.go)
	// returns for a read made on a goroutine running a task function, but
	// through a context that is not the task's.
	ErrNotTaskContext = errors.New("cellar: read inside a task function through a context that is not the task's (pass the context the function received, or one derived from it)")
)

// TaskError is the error a task produced, as its readers see it. Task is
// the debug name of the task; Err is what the task function returned, which
// is itself a *TaskError when the task passed on the failure of a task it
// read. Error prints the whole chain, outermost first:
//
//	wordCount("a.txt") -> readFile("a.txt"): open a.txt: no such file or directory
type TaskError struct {
	Task string
	Err  error

	// For the TaskErrors the engine makes, the task and the fingerprint
	// of the failure, by which outputs are compared (see
	// errorFingerprint).
	task *Task
	fp   Fingerprint
}

// Error prints the chain of task names, outermost first, then the
// original error.
func (e *TaskError) Error() string {
	names := []string{e.Task}
	err := e.Err
	for {
		next, ok := err.(*TaskError)
		if !ok {
			break
		}
		names = append(names, next.Task)
		err = next.Err
	}
	s := joinPath(names)
	if err != nil {
		s += ": " + err.Error()
	}
	return s
}

// pathEnds is how many names joinPath keeps at each end of a long path.
const pathEnds = 4

// joinPath joins task names with arrows, eliding the middle of long paths
// so that messages stay readable.
func joinPath(names []string) string {
	if len(names) > 2*pathEnds+1 {
		elided := fmt.Sprintf("... %d more ...", len(names)-2*pathEnds)
		names = append(append(names[:pathEnds:pathEnds], elided), names[len(names)-pathEnds:]...)
	}
	return strings.Join(names, " -> ")
}

// Unwrap returns the error the task function returned.
func (e *TaskError) Unwrap() error { return e.Err }

// Chain returns the debug names of the tasks the failure passed through,
// outermost first, ending with the task where it started. Error elides the
// middle of long chains; Chain does not.
func (e *TaskError) Chain() []string {
	var names []string
	var err error = e
	for {
		var te *TaskError
		if !errors.As(err, &te) {
			return names
		}
		names = append(names, te.Task)
		err = te.Err
	}
}

// BrokenError wraps an error whose Error method panicked, so that it can
// be printed. Err is the error the task function returned; Panic is what
// its Error method panicked with.
type BrokenError struct {
	Err   error
	Panic any
}

// Error says which error could not be printed and why.
func (e *BrokenError) Error() string {
	return fmt.Sprintf("cellar: the Error method of a %T panicked: %v", e.Err, e.Panic)
}

// Unwrap returns the error whose Error method panicked.
func (e *BrokenError) Unwrap() error { return e.Err }

// PanicError is the error of a task function that panicked. Stack is the
// goroutine's stack at the panic.
type PanicError struct {
	Value any
	Stack []byte
}

// Error prints the panic value; the stack is in Stack.
func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Unwrap returns the panic value when it is an error.
func (e *PanicError) Unwrap() error {
	if err, ok := e.Value.(error); ok {
		return err
	}
	return nil
}

// Is makes errors.Is(err, ErrPanic) true for every PanicError.
func (e *PanicError) Is(target error) bool { return target == ErrPanic }

// CycleError reports a dependency cycle. Tasks names the tasks on the cycle
// in dependency order; the first and last entries are the same task. Error
// elides the middle of long cycles; Tasks does not.
//
// The error is made while the engine's lock is held, where task names must
// not be formatted (an argument's String method may call into the engine),
// so it holds the tasks and names them when first asked.
type CycleError struct {
	tasks []*Task
	once  sync.Once
	names []string
}

func cycleOf(tasks ...*Task) *CycleError { return &CycleError{tasks: tasks} }

// Tasks returns the debug names of the tasks on the cycle.
func (e *CycleError) Tasks() []string {
	e.once.Do(func() {
		if e.names == nil {
			for _, t := range e.tasks {
				e.names = append(e.names, t.Name())
			}
		}
	})
	return slices.Clone(e.names)
}

// Error names the tasks of the cycle in order.
func (e *CycleError) Error() string {
	return "cellar: dependency cycle: " + joinPath(e.Tasks())
}

// cellGoneError is ErrCellGone for one cell, named when printed (see
// CycleError for why).
type cellGoneError struct {
	t    *Task
	cell uint32 // index from 0
}

func (e *cellGoneError) Error() string {
	return fmt.Sprintf("%v: %s#%d", ErrCellGone, e.t.Name(), e.cell)
}

func (e *cellGoneError) Unwrap() error { return ErrCellGone }

// Is makes errors.Is(err, ErrCycle) true for every CycleError.
func (e *CycleError) Is(target error) bool { return target == ErrCycle }
