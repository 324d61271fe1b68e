package cellar

import (
	"context"

	"github.com/cellar-go/cellar/internal/engine"
)

// Cell stores v in a new cell of the running task and returns a Vc of it.
// A task's cells are numbered in creation order; when the task runs again,
// its cell i is compared with the previous run's cell i, and tasks that read
// the cell run again only if the value changed.
//
// A task function usually just returns its value, which becomes its last
// cell. Cell is for tasks that hand out several values separately, so that
// readers of one are not re-run when another changes.
//
// Cell panics if ctx is not the context of a task function, if the
// function has already returned, or if v holds a local Vc (with an error
// wrapping [ErrNonLocalValue]; see [Vc.IsLocal]): those are programming
// errors, and the panic becomes the task's error.
func Cell[T any](ctx context.Context, v T) Vc[T] {
	run := engine.FromContext(ctx)
	if run == nil {
		panic("cellar: Cell called outside a task function")
	}
	if err := checkNoLocal(v, "a cell"); err != nil {
		panic(err)
	}
	r, err := run.Engine().NewCell(run, v, typeFor[T]())
	if err != nil {
		panic("cellar: Cell called after the task function returned")
	}
	return Vc[T]{r: r}
}
