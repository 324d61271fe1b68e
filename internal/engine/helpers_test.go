package engine

import (
	"context"
	"testing"
)

// Helpers for the engine's own tests, which drive it through its
// type-erased API.

var intType = &Type{Name: "int", Equal: func(a, b any) bool { return a == b }}

func blank(any) string { return "" }

// readInt reads r through the task context ctx, panicking on an error (the
// task then fails with it).
func readInt(ctx context.Context, r Raw) int {
	run := FromContext(ctx)
	v, err := run.Engine().Read(ctx, run, r)
	if err != nil {
		panic(err)
	}
	return v.(int)
}

// sumTask adds a task that returns the sum of what it reads.
func sumTask(e *Engine, name string, reads ...func() Raw) *Task {
	return e.NewTask(context.Background(), &Func{Name: name, Format: blank, Run: func(ctx context.Context, _ any, res *Result) {
		n := 0
		for _, r := range reads {
			n += readInt(ctx, r())
		}
		*res = Result{Value: n, Type: intType}
	}}, name)
}

func strongInt(t *testing.T, e *Engine, tk *Task) int {
	t.Helper()
	v, err := e.ReadStrong(context.Background(), tk.outputRaw(e.id))
	if err != nil {
		t.Fatalf("%s: %v", tk.Name(), err)
	}
	return v.(int)
}
