package engine

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// The Run: the context.Context a task function receives. It identifies the
// execution, so that reads through it are tracked, and predicts the calls of
// a re-execution from the previous one's dependencies.

// Run is the context.Context a task function receives: it identifies one
// execution, which is how reads made through it are tracked. It outlives the
// execution: once the function has returned, reads through it fail with
// ErrTaskReturned, and it is done.
type Run struct {
	e *Engine
	x *execution // guarded by e.mu; nil once the execution has ended

	// Ending a run must be cheap, since every execution does it, while
	// Done is rarely called: finish touches sig only if Done was asked
	// for. The flags live in one word so that finish and Done, each
	// setting its flag and looking at the other's in one atomic
	// operation, cannot both miss each other.
	flags      atomic.Uint32
	callCursor atomic.Int32
	sig        atomic.Pointer[runSignal] // created on first Done or cancel

	// The previous execution's dependencies, which predict the calls of
	// this one (see Predict). They live here rather than in the execution
	// because a Run is never reused, so reading them needs no lock.
	old []dep
}

// runSignal is the part of a Run that only cancellation and Done need. A
// Run is allocated for every execution, so it is kept out of line.
type runSignal struct {
	mu   sync.Mutex
	done chan struct{}
	err  error // why the run was cancelled
}

// signal returns r's runSignal, creating it if needed.
func (r *Run) signal() *runSignal {
	if s := r.sig.Load(); s != nil {
		return s
	}
	r.sig.CompareAndSwap(nil, new(runSignal))
	return r.sig.Load()
}

// Run flags.
const (
	runFinished  = 1 << iota // the function has returned
	runCancelled             // err is set
	runDoneAsked             // Done has been called
	runHasLocals             // the execution made local outputs
)

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
	if r.x != nil {
		return r.x.t
	}
	return nil
}

// Deadline implements context.Context: runs have none.
func (r *Run) Deadline() (time.Time, bool) { return time.Time{}, false }

// Done implements context.Context. The channel is closed when the execution
// is abandoned, when the engine closes, and when the function has returned.
func (r *Run) Done() <-chan struct{} {
	s := r.signal()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done == nil {
		if r.flags.Or(runDoneAsked)&(runFinished|runCancelled) != 0 {
			return closedChan
		}
		s.done = make(chan struct{})
	}
	return s.done
}

// Err implements context.Context.
func (r *Run) Err() error {
	f := r.flags.Load()
	switch {
	case f&runCancelled != 0:
		s := r.sig.Load()
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.err
	case f&runFinished != 0:
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

// String describes the context without naming its task: a context may be
// printed from anywhere, and the task is guarded by the engine's lock.
func (r *Run) String() string { return "cellar task context" }

// cancel ends the run with err and reports whether it was still going.
func (r *Run) cancel(err error) bool {
	s := r.signal()
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.flags.Load()&(runFinished|runCancelled) != 0 {
		return false
	}
	s.err = err
	r.flags.Or(runCancelled)
	if s.done != nil {
		close(s.done)
	}
	return true
}

// finish detaches the run from its execution, which may then be reused, and
// makes the run done. Call it with e.mu held.
func (r *Run) finish() {
	r.x = nil
	if r.flags.Or(runFinished)&runDoneAsked != 0 {
		s := r.sig.Load()
		s.mu.Lock()
		if s.done != nil && r.flags.Load()&runCancelled == 0 {
			close(s.done)
		}
		s.mu.Unlock()
	}
}

// Predict returns the task the next call made through r probably names: the
// next function task among those the previous execution depended on, in
// order. A task that calls the same tasks as last time, as re-executions
// mostly do, then finds them without a memo table lookup. The caller must
// check that the task applies fn to equal arguments, and then call Confirm.
func (r *Run) Predict(fn *Func) *Task {
	for c := int(r.callCursor.Load()); c < len(r.old); c++ {
		t := r.old[c].t
		if t.fn == fn {
			return t
		}
		if !t.isState {
			return nil
		}
	}
	return nil
}

// Confirm records that the task Predict returned was called, so that the
// next prediction looks past it.
func (r *Run) Confirm(t *Task) {
	for c := int(r.callCursor.Load()); c < len(r.old); c++ {
		if r.old[c].t == t {
			r.callCursor.Store(int32(c + 1))
			return
		}
	}
}
