package cellar

import (
	"context"
	"fmt"
	"reflect"

	"github.com/cellar-go/cellar/internal/engine"
)

// A task function is a Go function registered on an engine under a name.
// Applied to arguments it makes a task, identified by the name and the
// arguments: calling it again with equal arguments finds the same task and
// reuses its result instead of running the function, as long as nothing the
// task read has changed.
//
// Arguments must be comparable (==). Two arguments are the same when they
// are ==; the identity that will outlive the process is the function name
// plus a deterministic encoding of the arguments, which is equal exactly
// when the arguments are ==. Arguments holding pointers or channels have an
// identity only within the process. A Vc argument (or a Vc field of a
// struct argument, which must be exported) is first resolved to the cell it
// points at, so that two handles of one cell share one task.
//
// The function receives a context that belongs to the task: reads made
// through it are tracked, and it is cancelled when the engine closes or when
// nobody needs the task's result any more. It carries no values of the
// caller's context.
//
// The function must be deterministic in what it reads through the engine:
// given equal values it must return an equal result. Anything else it
// depends on (files, time) must be reported through an [Invalidator].
//
// Func1 to Func4 are task functions of one to four arguments. Create them
// with NewFunc1 to NewFunc4 when the function returns a value, and with
// NewVcFunc1 to NewVcFunc4 when it returns a Vc it got from elsewhere
// (which is then not copied). Their code is generated from one template, in
// func_gen.go.

//go:generate go run ./internal/gen/funcs

// valueRun adapts a function returning a value: the value goes into a new
// cell, the task's last. The adapter is the engine's Func.Run itself, so
// that an execution goes through no further layer to reach fn.
func valueRun[K any, R any](fn func(context.Context, K) (R, error)) func(context.Context, any, *engine.Result) {
	typ := typeFor[R]()
	mayHoldVc := mayHoldVc(reflect.TypeFor[R]())
	return func(ctx context.Context, args any, res *engine.Result) {
		r, err := fn(ctx, args.(K))
		switch {
		case err != nil:
			res.Err = err
		case mayHoldVc && valueHoldsLocal(r):
			res.Err = errLocalResult
		default:
			res.Value, res.Type = r, typ
		}
	}
}

var errLocalResult = fmt.Errorf("%w (stored in the task's result)", ErrNonLocalValue)

// vcRun adapts a function returning a Vc: the task's output points at it.
func vcRun[K any, R any](fn func(context.Context, K) (Vc[R], error)) func(context.Context, any, *engine.Result) {
	return func(ctx context.Context, args any, res *engine.Result) {
		v, err := fn(ctx, args.(K))
		if err != nil {
			res.Err = err
			return
		}
		res.IsVc, res.Vc = true, v.r
	}
}
