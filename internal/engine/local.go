package engine

import (
	"context"
	"fmt"
)

// Local outputs. A call made inside a task with arguments that point at
// task outputs cannot be looked up before they are resolved to cells. Such
// a call returns a local output: a Raw that stands for a step of the
// calling execution, which resolves the arguments (as reads of the caller)
// and looks the task up. The step runs when the caller first reads or
// resolves the local output, and at the latest when the caller's function
// returns. A local output means something only to the execution that made
// it: everywhere else it is an error, ErrNonLocalValue.
//
// The slot of a local output is localBit, the execution's local generation
// and the index of the step:
//
//	1 | generation (14 bits) | index (17 bits)
//
// The generation tells a stale local output of an earlier execution of the
// same task from one of the running execution.
const (
	localBit     = 1 << 31
	localIdxBits = 17
	localGenMask = 1<<(31-localIdxBits) - 1
	// maxLocals leaves out the three highest indexes, so that no local
	// slot is a pseudo-slot: metaSlot, untrackedSlot or targetSlot.
	maxLocals = 1<<localIdxBits - 3
)

// IsLocal reports whether r is a local output.
func (r Raw) IsLocal() bool { return r.Slot&localBit != 0 }

// LocalStep computes what a local output stands for: the Raw of the task
// its call names. ctx is a context of the execution that made it.
type LocalStep func(ctx context.Context) (Raw, error)

type local struct {
	step   LocalStep // nil once it has run
	target Raw
	err    error
}

// NewLocal records step as a local output of run's execution and returns
// it. It reports false when the execution has returned or holds maxLocals
// local outputs already; the caller then makes a task of the step instead.
func (e *Engine) NewLocal(run *Run, step LocalStep) (Raw, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := run.x
	if run.e != e || x == nil {
		return Raw{}, false
	}
	ex := x.extra()
	if len(ex.locals) >= maxLocals {
		return Raw{}, false
	}
	if len(ex.locals) == 0 {
		e.mu.alloc.localGens++
		x.localGen = e.mu.alloc.localGens & localGenMask
		run.flags.Or(runHasLocals)
	}
	ex.locals = append(ex.locals, local{step: step})
	return x.localRaw(len(ex.locals) - 1), true
}

func (x *execution) localRaw(i int) Raw {
	return Raw{Eng: x.e.id, Task: x.t.id, Slot: localBit | x.localGen<<localIdxBits | uint32(i)}
}

// localLocked returns the local output r of run's execution.
func (e *Engine) localLocked(run *Run, r Raw) (*local, error) {
	if run == nil {
		return nil, fmt.Errorf("%w (read outside any task)", ErrNonLocalValue)
	}
	if run.e != e || r.Eng != e.id {
		return nil, ErrForeign
	}
	x := run.x
	if x == nil {
		return nil, ErrTaskReturned
	}
	gen, i := r.Slot>>localIdxBits&localGenMask, int(r.Slot&(1<<localIdxBits-1))
	if r.Task != x.t.id || x.more == nil || gen != x.localGen || i >= len(x.more.locals) {
		return nil, fmt.Errorf("%w (read by a task of %s)", ErrNonLocalValue, x.t.fn.Name)
	}
	return &x.more.locals[i], nil
}

// localTarget returns the Raw the local output r of run's execution stands
// for, running its step first if it has not run. The step runs with mu
// released, on the calling goroutine; should two goroutines of the
// execution run it at once, the first result is kept (both are the same).
func (e *Engine) localTarget(ctx context.Context, run *Run, r Raw) (Raw, error) {
	e.mu.Lock()
	l, err := e.localLocked(run, r)
	if err != nil || l.step == nil {
		e.mu.Unlock()
		if err != nil {
			return Raw{}, err
		}
		return l.target, l.err
	}
	step := l.step
	e.mu.Unlock()
	target, err := step(ctx)
	e.mu.Lock()
	defer e.mu.Unlock()
	if l, err2 := e.localLocked(run, r); err2 != nil {
		return Raw{}, err2
	} else if l.step != nil {
		l.step, l.target, l.err = nil, target, err
	}
	return target, err
}

// resolveLocal replaces a local output r by what it stands for, for a read
// through run (nil outside any task).
func (e *Engine) resolveLocal(ctx context.Context, run *Run, r Raw) (Raw, error) {
	if !r.IsLocal() {
		return r, nil
	}
	return e.localTarget(ctx, run, r)
}

// runPendingLocals runs the steps of run's local outputs that have not run
// yet, so that every call a task function makes is looked up (and its task
// scheduled) even if the function never read its result. It is called once
// the function has returned, on its goroutine.
func (e *Engine) runPendingLocals(run *Run) {
	for i := 0; ; i++ {
		e.mu.Lock()
		x := run.x
		if x == nil || i >= len(x.more.locals) {
			e.mu.Unlock()
			return
		}
		pending, r := x.more.locals[i].step != nil, x.localRaw(i)
		e.mu.Unlock()
		if pending {
			e.localTarget(run, run, r) // an error stays with the local output, which nobody reads
		}
	}
}
