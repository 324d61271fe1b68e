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
// (which is then not copied).

// Func1 is a task function of one argument. See [NewFunc1].
type Func1[A comparable, R any] struct{ m memo[A] }

// Func2 is a task function of two arguments. See [NewFunc2].
type Func2[A, B comparable, R any] struct{ m memo[args2[A, B]] }

// Func3 is a task function of three arguments. See [NewFunc3].
type Func3[A, B, C comparable, R any] struct{ m memo[args3[A, B, C]] }

// Func4 is a task function of four arguments. See [NewFunc4].
type Func4[A, B, C, D comparable, R any] struct{ m memo[args4[A, B, C, D]] }

type args2[A, B comparable] struct {
	V0 A
	V1 B
}

type args3[A, B, C comparable] struct {
	V0 A
	V1 B
	V2 C
}

type args4[A, B, C, D comparable] struct {
	V0 A
	V1 B
	V2 C
	V3 D
}

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

// NewFunc1 registers fn on e under name and returns the task function.
// Registering a nil function, an empty name, or a name already registered
// on e panics: these are programming errors.
func NewFunc1[A comparable, R any](e *Engine, name string, fn func(ctx context.Context, a A) (R, error)) *Func1[A, R] {
	e.register(name, fn == nil)
	f := new(Func1[A, R])
	f.m.init(e, name, valueRun(fn), format1[A])
	return f
}

// NewVcFunc1 is [NewFunc1] for functions that return a Vc.
func NewVcFunc1[A comparable, R any](e *Engine, name string, fn func(ctx context.Context, a A) (Vc[R], error)) *Func1[A, R] {
	e.register(name, fn == nil)
	f := new(Func1[A, R])
	f.m.init(e, name, vcRun(fn), format1[A])
	return f
}

func format1[A any](a A) string { return formatArgs(a) }

// Call returns a Vc of the result of the task for a, which is created and
// started if it does not exist yet. Call does not wait: the task runs in the
// background, and reading the Vc waits for it. Every task called from a task
// function runs to completion, whether or not anyone reads it.
//
// ctx decides who needs the result: inside a task function, pass the
// context it received; outside, the task may be cancelled once ctx is done
// and nothing else needs it.
func (f *Func1[A, R]) Call(ctx context.Context, a A) Vc[R] {
	return Vc[R]{r: f.m.call(ctx, a)}
}

// CallOperation is [Func1.Call] returning the task's OperationVc.
func (f *Func1[A, R]) CallOperation(ctx context.Context, a A) OperationVc[R] {
	return OperationVc[R]{r: f.m.call(ctx, a)}
}

// Name returns the name the function was registered under.
func (f *Func1[A, R]) Name() string { return f.m.fn.Name }

// NewFunc2 is [NewFunc1] for functions of two arguments.
func NewFunc2[A, B comparable, R any](e *Engine, name string, fn func(ctx context.Context, a A, b B) (R, error)) *Func2[A, B, R] {
	e.register(name, fn == nil)
	f := new(Func2[A, B, R])
	f.m.init(e, name, valueRun(func(ctx context.Context, k args2[A, B]) (R, error) { return fn(ctx, k.V0, k.V1) }), format2[A, B])
	return f
}

// NewVcFunc2 is [NewFunc2] for functions that return a Vc.
func NewVcFunc2[A, B comparable, R any](e *Engine, name string, fn func(ctx context.Context, a A, b B) (Vc[R], error)) *Func2[A, B, R] {
	e.register(name, fn == nil)
	f := new(Func2[A, B, R])
	f.m.init(e, name, vcRun(func(ctx context.Context, k args2[A, B]) (Vc[R], error) { return fn(ctx, k.V0, k.V1) }), format2[A, B])
	return f
}

func format2[A, B comparable](k args2[A, B]) string { return formatArgs(k.V0, k.V1) }

// Call is [Func1.Call] for two arguments.
func (f *Func2[A, B, R]) Call(ctx context.Context, a A, b B) Vc[R] {
	return Vc[R]{r: f.m.call(ctx, args2[A, B]{a, b})}
}

// CallOperation is [Func1.CallOperation] for two arguments.
func (f *Func2[A, B, R]) CallOperation(ctx context.Context, a A, b B) OperationVc[R] {
	return OperationVc[R]{r: f.m.call(ctx, args2[A, B]{a, b})}
}

// Name returns the name the function was registered under.
func (f *Func2[A, B, R]) Name() string { return f.m.fn.Name }

// NewFunc3 is [NewFunc1] for functions of three arguments.
func NewFunc3[A, B, C comparable, R any](e *Engine, name string, fn func(ctx context.Context, a A, b B, c C) (R, error)) *Func3[A, B, C, R] {
	e.register(name, fn == nil)
	f := new(Func3[A, B, C, R])
	f.m.init(e, name, valueRun(func(ctx context.Context, k args3[A, B, C]) (R, error) { return fn(ctx, k.V0, k.V1, k.V2) }), format3[A, B, C])
	return f
}

// NewVcFunc3 is [NewFunc3] for functions that return a Vc.
func NewVcFunc3[A, B, C comparable, R any](e *Engine, name string, fn func(ctx context.Context, a A, b B, c C) (Vc[R], error)) *Func3[A, B, C, R] {
	e.register(name, fn == nil)
	f := new(Func3[A, B, C, R])
	f.m.init(e, name, vcRun(func(ctx context.Context, k args3[A, B, C]) (Vc[R], error) { return fn(ctx, k.V0, k.V1, k.V2) }), format3[A, B, C])
	return f
}

func format3[A, B, C comparable](k args3[A, B, C]) string { return formatArgs(k.V0, k.V1, k.V2) }

// Call is [Func1.Call] for three arguments.
func (f *Func3[A, B, C, R]) Call(ctx context.Context, a A, b B, c C) Vc[R] {
	return Vc[R]{r: f.m.call(ctx, args3[A, B, C]{a, b, c})}
}

// CallOperation is [Func1.CallOperation] for three arguments.
func (f *Func3[A, B, C, R]) CallOperation(ctx context.Context, a A, b B, c C) OperationVc[R] {
	return OperationVc[R]{r: f.m.call(ctx, args3[A, B, C]{a, b, c})}
}

// Name returns the name the function was registered under.
func (f *Func3[A, B, C, R]) Name() string { return f.m.fn.Name }

// NewFunc4 is [NewFunc1] for functions of four arguments.
func NewFunc4[A, B, C, D comparable, R any](e *Engine, name string, fn func(ctx context.Context, a A, b B, c C, d D) (R, error)) *Func4[A, B, C, D, R] {
	e.register(name, fn == nil)
	f := new(Func4[A, B, C, D, R])
	f.m.init(e, name, valueRun(func(ctx context.Context, k args4[A, B, C, D]) (R, error) { return fn(ctx, k.V0, k.V1, k.V2, k.V3) }), format4[A, B, C, D])
	return f
}

// NewVcFunc4 is [NewFunc4] for functions that return a Vc.
func NewVcFunc4[A, B, C, D comparable, R any](e *Engine, name string, fn func(ctx context.Context, a A, b B, c C, d D) (Vc[R], error)) *Func4[A, B, C, D, R] {
	e.register(name, fn == nil)
	f := new(Func4[A, B, C, D, R])
	f.m.init(e, name, vcRun(func(ctx context.Context, k args4[A, B, C, D]) (Vc[R], error) { return fn(ctx, k.V0, k.V1, k.V2, k.V3) }), format4[A, B, C, D])
	return f
}

func format4[A, B, C, D comparable](k args4[A, B, C, D]) string {
	return formatArgs(k.V0, k.V1, k.V2, k.V3)
}

// Call is [Func1.Call] for four arguments.
func (f *Func4[A, B, C, D, R]) Call(ctx context.Context, a A, b B, c C, d D) Vc[R] {
	return Vc[R]{r: f.m.call(ctx, args4[A, B, C, D]{a, b, c, d})}
}

// CallOperation is [Func1.CallOperation] for four arguments.
func (f *Func4[A, B, C, D, R]) CallOperation(ctx context.Context, a A, b B, c C, d D) OperationVc[R] {
	return OperationVc[R]{r: f.m.call(ctx, args4[A, B, C, D]{a, b, c, d})}
}

// Name returns the name the function was registered under.
func (f *Func4[A, B, C, D, R]) Name() string { return f.m.fn.Name }
