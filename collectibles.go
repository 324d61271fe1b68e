package cellar

import (
	"context"
	"iter"

	"github.com/cellar-go/cellar/internal/engine"
)

// Emit records v as a collectible of type T of the running task: a value
// it produces besides its result, such as a diagnostic, for [Peek] and
// [Take] on an operation above it to gather. When the task runs again, what
// it emits then replaces what it emitted before.
//
// T is the type the value is collected under: Emit[error](ctx, err) is
// found by Peek[error], not by Peek[*os.PathError].
//
// Emit panics if ctx is not the context of a task function, or if the
// function has already returned: those are programming errors.
func Emit[T any](ctx context.Context, v T) {
	run := engine.FromContext(ctx)
	if run == nil {
		panic("cellar: Emit called outside a task function")
	}
	if err := run.Engine().Emit(run, v, typeFor[T]()); err != nil {
		panic("cellar: Emit called after the task function returned")
	}
}

// Peek returns the collectibles of type T of op: every value emitted with
// [Emit][T] by op's task and by the tasks it read (or whose output it
// returned), transitively. Values are deduplicated (by ==, or by their
// deterministic encoding for types that are not comparable) and come in a
// deterministic order: a task's own emissions in the order it made them,
// then those of the tasks it read, in the order it first read them.
// Collectibles of a task that failed are included.
//
// Collectibles flow along reads: a task that was called but whose result
// nobody read contributes nothing.
//
// Inside a task function Peek is tracked: the task runs again when the
// collectibles change. Outside, it is strongly consistent, like
// [OperationVc.ReadStronglyConsistent]. The result is computed once and
// cached like any task's; peeking an unchanged operation costs about as much
// as a clean read, however large its graph.
func Peek[T, R any](ctx context.Context, op OperationVc[R]) (iter.Seq[T], error) {
	return collect[T](ctx, op.r, false)
}

// Take is [Peek] that also keeps what it returns from reaching the tasks
// above through the caller: the caller's own collectibles of type T no
// longer include those of op (nor those of the tasks op read). The effect is
// on that one edge, not on op: a task that reads op without taking, and the
// tasks above it, still collect op's values. Outside a task function Take
// is the same as Peek.
func Take[T, R any](ctx context.Context, op OperationVc[R]) (iter.Seq[T], error) {
	return collect[T](ctx, op.r, true)
}

func collect[T any](ctx context.Context, r engine.Raw, take bool) (iter.Seq[T], error) {
	core, err := engineOf(r)
	if err != nil {
		return nil, err
	}
	run := engine.FromContext(ctx)
	if run != nil && run.Engine() != core {
		return nil, ErrForeign
	}
	cr, err := core.Collect(ctx, run, r, typeFor[T](), take)
	if err != nil {
		return nil, err
	}
	list, err := read[[]any](ctx, cr)
	if err != nil {
		return nil, err
	}
	return func(yield func(T) bool) {
		for _, v := range list {
			t, _ := v.(T) // nil for a nil interface value
			if !yield(t) {
				return
			}
		}
	}, nil
}
