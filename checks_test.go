//go:build race || cellar_checks

package cellar_test

import (
	"context"
	"errors"
	"testing"

	"github.com/cellar-go/cellar"
)

// Checked builds (the race detector's, or -tags cellar_checks) catch a read
// made inside a task function through a context that is not the task's: it
// would record no dependency, so the task would never see a change.
func TestReadThroughAForeignContextInATaskIsReported(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	s := cellar.NewState(e, "s", 1)
	leaf := cellar.NewFunc1(e, "leaf", func(ctx context.Context, _ int) (int, error) { return s.Get(ctx), nil })
	mistaken := cellar.NewFunc1(e, "mistaken", func(_ context.Context, _ int) (int, error) {
		return leaf.Call(context.Background(), 0).Get(context.Background())
	})
	_, err := mistaken.Call(ctx, 0).Get(ctx)
	if !errors.Is(err, cellar.ErrNotTaskContext) {
		t.Fatalf("err = %v, want ErrNotTaskContext", err)
	}
	// The same read through the task's context is fine, and reads from
	// outside any task are too.
	right := cellar.NewFunc1(e, "right", func(ctx context.Context, _ int) (int, error) {
		return leaf.Call(ctx, 0).Get(ctx)
	})
	if got := mustGet(t, right.Call(ctx, 0)); got != 1 {
		t.Fatalf("right = %d", got)
	}
	if got := mustGet(t, leaf.Call(ctx, 0)); got != 1 {
		t.Fatalf("leaf = %d", got)
	}
}
