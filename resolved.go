package cellar

import (
	"context"
	"fmt"
	"io"

	"github.com/cellar-go/cellar/internal/engine"
)

// ResolvedVc is a Vc known to point at a cell rather than at a task's
// output: a task and the index of one of its cells. Get one with
// [Vc.ToResolved].
//
// Unlike on Vc, == on ResolvedVc is meaningful: two ResolvedVcs are equal
// exactly when they name the same cell. Store ResolvedVcs in values that
// are compared or used as map keys; a plain Vc there would make two handles
// of one value look different, depending on the route that produced them.
//
// The zero ResolvedVc points at nothing; reading it fails with [ErrNullVc].
type ResolvedVc[T any] struct {
	r engine.Raw
}

// ToResolved follows v through task outputs to the cell it ends at. Inside
// a task function it waits for the tasks it passes through and depends on
// their outputs (not on the cell's value: the task runs again if v comes to
// point at another cell, not when the cell's value changes). Outside any
// task it is strongly consistent.
func (v Vc[T]) ToResolved(ctx context.Context) (ResolvedVc[T], error) {
	r, err := resolveRaw(ctx, v.r)
	return ResolvedVc[T]{r: r}, err
}

// Resolve is [Vc.ToResolved] returning a plain Vc, for code that passes Vcs
// on.
func (v Vc[T]) Resolve(ctx context.Context) (Vc[T], error) {
	r, err := resolveRaw(ctx, v.r)
	return Vc[T]{r: r}, err
}

// IsResolved reports whether v points at a cell rather than at a task's
// output, so that ToResolved would return it as it is.
func (v Vc[T]) IsResolved() bool { return v.r.IsCell() }

// IsLocal reports whether v is a local Vc: the result of a call made inside
// a task function with arguments that were not resolved yet (Vcs of task
// outputs rather than of cells).
//
// Such a call cannot be looked up until its arguments are resolved, so it
// is a step of the calling execution rather than a task of its own: the
// step resolves the arguments, as reads of the caller, and finds the task,
// when the caller first reads or resolves the Vc (and at the latest when
// the caller returns, so that every call runs). Nothing is cached for the
// step itself, and it is freed with the execution.
//
// A local Vc means something only inside the execution that made it. Pass
// it to other calls there (they resolve it), read it, or resolve it with
// [Vc.ToResolved] to get a handle that may go anywhere. Reading it
// anywhere else, returning it as the task's result, storing it in a cell
// or a state, or marshaling it fails with [ErrNonLocalValue]. The check
// covers Vcs held directly, in struct fields, arrays, slices and map
// values; a local Vc hidden behind a pointer or an interface is caught
// when it is read.
//
// Calls made outside any task, and [Func1.CallOperation], never return
// local Vcs. Whether a Vc is local changes nothing but caching: reading it
// gives what reading the task's output would.
func (v Vc[T]) IsLocal() bool { return v.r.IsLocal() }

func resolveRaw(ctx context.Context, r engine.Raw) (engine.Raw, error) {
	if r.IsCell() {
		return r, nil
	}
	if run := engine.FromContext(ctx); run != nil {
		return run.Engine().Resolve(ctx, run, r)
	}
	core, err := engineOf(r)
	if err != nil {
		return engine.Raw{}, err
	}
	return core.ResolveStrong(ctx, r)
}

// Vc returns r as a plain Vc.
func (r ResolvedVc[T]) Vc() Vc[T] { return Vc[T](r) }

// Get returns the value of the cell, as [Vc.Get] does.
func (r ResolvedVc[T]) Get(ctx context.Context) (T, error) { return read[T](ctx, r.r) }

// String returns an opaque description of the handle, as [Vc.String] does.
func (r ResolvedVc[T]) String() string { return formatRaw(r.r) }

// GoString returns the same as String.
func (r ResolvedVc[T]) GoString() string { return formatRaw(r.r) }

// Format prints the handle as String does, whatever the verb.
func (r ResolvedVc[T]) Format(f fmt.State, verb rune) { io.WriteString(f, formatRaw(r.r)) }

// DebugIdentifier names the cell, as in wordCount("a.txt")#0.
func (r ResolvedVc[T]) DebugIdentifier() string { return debugIdentifier(r.r) }

// cellarRaw and cellarWithRaw make ResolvedVcs inside task arguments known
// to argument resolution (they are resolved already).
func (r ResolvedVc[T]) cellarRaw() engine.Raw          { return r.r }
func (r ResolvedVc[T]) cellarWithRaw(x engine.Raw) any { return ResolvedVc[T]{r: x} }
