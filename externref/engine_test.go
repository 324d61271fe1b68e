package externref_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/cellar-go/cellar"
	"github.com/cellar-go/cellar/externref"
)

// TestEngineArgumentIdentity uses the identities of references as task
// arguments: the engine keys tasks by ==, so a reference and its clones
// are one task and two references to equal values are two.
func TestEngineArgumentIdentity(t *testing.T) {
	e := cellar.New(nil)
	defer e.Close()
	var runs atomic.Int32
	name := cellar.NewFunc1(e, "name", func(ctx context.Context, id externref.ID) (string, error) {
		runs.Add(1)
		r, err := id.Clone()
		if err != nil {
			return "", err
		}
		defer r.Release()
		f, _ := externref.Downcast[*file](r)
		return f.name, nil
	})
	ctx := context.Background()
	a, b := externref.New(&file{name: "same"}), externref.New(&file{name: "same"})
	defer a.Release()
	defer b.Release()
	c, _ := a.Clone()
	defer c.Release()
	for _, r := range []externref.Ref{a, a, c, b, b} {
		got, err := name.Call(ctx, r.ID()).Get(ctx)
		if err != nil || got != "same" {
			t.Fatalf("Call(%v) = %q, %v", r, got, err)
		}
	}
	if n := runs.Load(); n != 2 {
		t.Fatalf("%d executions, want 2 (one per reference)", n)
	}
}
