package engine

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Run is the context.Context a task function receives: it identifies one
// execution, which is how reads made through it are tracked. It outlives the
// execution: once the function has returned, reads through it fail with
// ErrTaskReturned, and it is done.
type Run struct {
	e *Engine
	x atomic.Pointer[execution] // nil once the execution has ended

	// Ending a run must be cheap, since every execution does it, while
	// Done is rarely called: finish only takes mu if Done was asked for.
	// The two flags are set before they are checked (finish sets finished,
	// then checks doneAsked; Done the reverse), so at least one of the two
	// sees the other.
	finished  atomic.Bool
	doneAsked atomic.Bool

	mu        sync.Mutex
	done      chan struct{} // created on first Done call
	err       error         // why it was cancelled
	cancelled atomic.Bool   // err is set
}

type ctxKey struct{}

// closedChan is the Done channel of runs that ended before anyone asked.
var closedChan = func() chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}()

// FromContext returns the Run behind ctx, or nil when ctx does not belong to
// a task function.
func FromContext(ctx context.Context) *Run {
	if r, ok := ctx.(*Run); ok {
		return r
	}
	r, _ := ctx.Value(ctxKey{}).(*Run)
	return r
}

// Engine returns the engine the run belongs to.
func (r *Run) Engine() *Engine { return r.e }

// Task returns the task being executed, or nil once it has returned.
func (r *Run) Task() *Task {
	r.e.mu.Lock()
	defer r.e.mu.Unlock()
	if x := r.x.Load(); x != nil {
		return x.t
	}
	return nil
}

// Deadline implements context.Context: runs have none.
func (r *Run) Deadline() (time.Time, bool) { return time.Time{}, false }

// Done implements context.Context. The channel is closed when the execution
// is abandoned, when the engine closes, and when the function has returned.
func (r *Run) Done() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.doneAsked.Store(true)
	if r.done == nil {
		if r.err != nil || r.finished.Load() {
			return closedChan
		}
		r.done = make(chan struct{})
	}
	return r.done
}

// Err implements context.Context.
func (r *Run) Err() error {
	if r.cancelled.Load() {
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.err
	}
	if r.finished.Load() {
		return context.Canceled
	}
	return nil
}

// Value implements context.Context.
func (r *Run) Value(key any) any {
	if key == (ctxKey{}) {
		return r
	}
	return nil
}

func (r *Run) String() string { return "cellar task context" }

// cancel ends the run with err and reports whether it was still going.
func (r *Run) cancel(err error) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil || r.finished.Load() {
		return false
	}
	r.err = err
	r.cancelled.Store(true)
	if r.done != nil {
		close(r.done)
	}
	return true
}

// finish detaches the run from its execution, which may then be reused, and
// makes the run done.
func (r *Run) finish() {
	r.x.Store(nil)
	r.finished.Store(true)
	if r.doneAsked.Load() {
		r.mu.Lock()
		if r.done != nil && r.err == nil {
			close(r.done)
		}
		r.mu.Unlock()
	}
}
