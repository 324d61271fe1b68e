package cellar

import (
	"context"
	"reflect"
)

// Defaulter is implemented by types whose default value is not their zero
// value; see [Default].
type Defaulter[T any] interface {
	Default() T
}

// Default returns a Vc of T's default value: what T's Default method
// returns if T (or *T) implements [Defaulter], otherwise T's zero value. The
// value is computed once per engine and type by a task named
// Default[T] (with T's full package path, and a number if another task
// function has that name); every caller gets the same task.
func Default[T any](ctx context.Context, e *Engine) Vc[T] {
	f := builtin(e, "Default", reflect.TypeFor[T](), func(name string) *Func1[struct{}, T] {
		return NewFunc1(e, name, func(context.Context, struct{}) (T, error) { return defaultOf[T](), nil })
	})
	return f.Call(ctx, struct{}{})
}

func defaultOf[T any]() T {
	var zero T
	if d, ok := any(zero).(Defaulter[T]); ok {
		return d.Default()
	}
	if d, ok := any(&zero).(Defaulter[T]); ok {
		return d.Default()
	}
	return zero
}
