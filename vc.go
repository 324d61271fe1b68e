package cellar

import (
	"context"
	"fmt"
	"io"

	"github.com/cellar-go/cellar/internal/engine"
)

// Vc is a value cell: a small, comparable handle to a value computed by the
// engine, of type T. It points either at the output of a task (what a
// [Func1.Call] returns) or at a cell a task created ([Cell]). A Vc is a
// few integers: copy it, store it, pass it to other task functions, send it
// across goroutines.
//
// Reading a Vc with [Vc.Get] inside a task function records a dependency:
// when the value changes, the reading task runs again. Outside any task, Get
// is a strongly consistent read.
//
// Two Vcs can point at the same value through different routes (a task's
// output and the cell it returned), so == on Vcs says whether they are the
// same handle, not whether they point at the same cell. For a handle on
// which == is meaningful, resolve it: see [ResolvedVc].
//
// The zero Vc points at nothing; reading it fails with [ErrNullVc].
type Vc[T any] struct {
	r engine.Raw
}

// Get returns the value v points at.
//
// Inside a task function (ctx is the context the function received, or one
// derived from it) Get waits until the value is computed, records that the
// task depends on it, and returns it; if the task that produced it failed,
// Get returns that failure as a [*TaskError].
//
// Outside any task, Get waits until every task the value depends on is up
// to date, so that the result is what a from-scratch computation over the
// current inputs would give (a strongly consistent read, like
// [OperationVc.ReadStronglyConsistent]).
//
// Get returns ctx.Err() if ctx is done first.
func (v Vc[T]) Get(ctx context.Context) (T, error) {
	return read[T](ctx, v.r)
}

// GetFinal is [Vc.Get] with a hint that the value will not be read again
// soon, such as at the end of a pipeline that hands the value on: the
// engine drops its reference to the value (the content of the cell v
// resolves to), so that memory can be reclaimed. Should the value be read
// after all, its task runs again to recompute it, from unchanged inputs, so
// the tasks that read it before are not re-run. Values of states are never
// dropped.
func (v Vc[T]) GetFinal(ctx context.Context) (T, error) {
	var run *engine.Run
	core, err := engineOf(v.r)
	if x := engine.FromContext(ctx); x != nil {
		run, core, err = x, x.Engine(), nil
	}
	if err != nil {
		var zero T
		return zero, err
	}
	val, err := core.ReadFinal(ctx, run, v.r)
	return convert[T](val, err)
}

// GetUntracked is [Vc.Get] without a dependency: inside a task function,
// the task does not run again when the value changes. It still waits for
// the value to be up to date and still returns the error of a task that
// failed. Outside any task it is the same as Get.
func (v Vc[T]) GetUntracked(ctx context.Context) (T, error) {
	if x := engine.FromContext(ctx); x != nil {
		val, err := x.Engine().ReadUntracked(ctx, x, v.r)
		return convert[T](val, err)
	}
	return read[T](ctx, v.r)
}

// String returns an opaque description of the handle, not of the value, for
// example "Vc(3:out)" for the output of task 3 or "Vc(3#0)" for its first
// cell.
func (v Vc[T]) String() string { return formatRaw(v.r) }

// GoString returns the same as String, so that %#v of a struct holding a Vc
// stays readable.
func (v Vc[T]) GoString() string { return formatRaw(v.r) }

// Format prints the handle as String does, whatever the verb, so that no
// formatting of a Vc (or of a struct holding one) shows its internals or
// suggests it shows the value.
func (v Vc[T]) Format(f fmt.State, verb rune) { io.WriteString(f, formatRaw(v.r)) }

// Format prints the handle as String does, whatever the verb.
func (o OperationVc[T]) Format(f fmt.State, verb rune) { io.WriteString(f, o.String()) }

func formatRaw(r engine.Raw) string {
	switch {
	case r.IsZero():
		return "Vc(nil)"
	case r.Slot == 0:
		return fmt.Sprintf("Vc(%d:out)", r.Task)
	case r.IsLocal():
		return fmt.Sprintf("Vc(%d:local)", r.Task)
	default:
		return fmt.Sprintf("Vc(%d#%d)", r.Task, r.Slot-1)
	}
}

// cellarRaw and cellarWithRaw let argument resolution find and replace Vcs
// inside task arguments without knowing T.
func (v Vc[T]) cellarRaw() engine.Raw          { return v.r }
func (v Vc[T]) cellarWithRaw(r engine.Raw) any { return Vc[T]{r: r} }

type rawVc interface {
	cellarRaw() engine.Raw
	cellarWithRaw(engine.Raw) any
}

// OperationVc is the output of one task: a function applied to arguments.
// Unlike a [Vc], which may point at any cell, it always names the task
// itself, so it supports strongly consistent reads. Get one from
// [Func1.CallOperation] (or the other arities).
type OperationVc[T any] struct {
	r engine.Raw
}

// Connect returns a Vc of the operation's output, to read inside tasks or
// pass on.
func (o OperationVc[T]) Connect() Vc[T] { return Vc[T](o) }

// ReadStronglyConsistent waits until the operation and everything it
// depends on, transitively, are up to date with the current inputs, then
// returns its value: exactly what a from-scratch computation would return,
// never a mix of old and new. Edits made while it waits do not starve it:
// they are deferred until it returns, and it does not wait for unrelated
// work.
//
// Inside a task function it is the same as o.Connect().Get(ctx), which is
// tracked and just as consistent.
func (o OperationVc[T]) ReadStronglyConsistent(ctx context.Context) (T, error) {
	return read[T](ctx, o.r)
}

// String returns an opaque description of the handle.
func (o OperationVc[T]) String() string { return "Operation" + formatRaw(o.r) }

// GoString returns the same as String.
func (o OperationVc[T]) GoString() string { return o.String() }

// engineOf returns the live engine r belongs to.
func engineOf(r engine.Raw) (*engine.Engine, error) {
	e, err := liveEngine(r)
	if err != nil {
		return nil, err
	}
	return e.core, nil
}

func liveEngine(r engine.Raw) (*Engine, error) {
	if r.IsZero() {
		return nil, ErrNullVc
	}
	e, ok := engines.Load(r.Eng)
	if !ok {
		return nil, ErrClosed
	}
	return e.(*Engine), nil
}

// read reads r inside a task (tracked) or outside (strongly consistent).
func read[T any](ctx context.Context, r engine.Raw) (T, error) {
	if x := engine.FromContext(ctx); x != nil {
		v, err := x.Engine().Read(ctx, x, r)
		return convert[T](v, err)
	}
	var zero T
	core, err := engineOf(r)
	if err != nil {
		return zero, err
	}
	v, err := core.ReadStrong(ctx, r)
	return convert[T](v, err)
}

func convert[T any](v any, err error) (T, error) {
	var zero T
	if err != nil {
		return zero, err
	}
	if v == nil {
		return zero, nil
	}
	t, ok := v.(T)
	if !ok {
		return zero, fmt.Errorf("cellar: cell holds a %T, not a %T", v, zero)
	}
	return t, nil
}
