package cellar

import (
	"context"

	"github.com/cellar-go/cellar/internal/engine"
)

// Invalidator re-runs one task when something outside the engine that the
// task looked at has changed: a file, a directory listing, an environment
// variable. A task function gets its own with [InvalidatorFor], hands it to
// whatever watches that resource, and the watcher calls Invalidate from any
// goroutine. The zero Invalidator does nothing.
type Invalidator struct {
	e *engine.Engine
	t *engine.Task
}

// InvalidatorFor returns the Invalidator of the running task. It panics if
// ctx is not the context of a task function, or if the function has
// returned: those are programming errors.
func InvalidatorFor(ctx context.Context) Invalidator {
	run := engine.FromContext(ctx)
	if run == nil {
		panic("cellar: InvalidatorFor called outside a task function")
	}
	t := run.Task()
	if t == nil {
		panic("cellar: InvalidatorFor called after the task function returned")
	}
	return Invalidator{e: run.Engine(), t: t}
}

// Invalidate marks the task as out of date. It runs again in the background,
// and the tasks that read it run again if its result changes. Invalidate is
// safe to call from any goroutine, any number of times, and after the
// engine was closed (when it does nothing).
func (i Invalidator) Invalidate() {
	if i.e != nil {
		i.e.Invalidate(i.t)
	}
}
