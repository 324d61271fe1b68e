package cellar_test

import (
	"context"
	"sync"
	"testing"

	"github.com/cellar-go/cellar"
)

type settings struct {
	Level int
	Name  string
}

func (settings) Default() settings { return settings{Level: 3, Name: "standard"} }

type ptrDefault struct{ N int }

func (*ptrDefault) Default() ptrDefault { return ptrDefault{N: 7} }

func TestDefault(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	if got := mustGet(t, cellar.Default[settings](ctx, e)); got != (settings{3, "standard"}) {
		t.Fatalf("Default[settings] = %+v", got)
	}
	if got := mustGet(t, cellar.Default[ptrDefault](ctx, e)); got.N != 7 {
		t.Fatalf("Default[ptrDefault] = %+v", got)
	}
	if got := mustGet(t, cellar.Default[int](ctx, e)); got != 0 {
		t.Fatalf("Default[int] = %d", got)
	}
	// Concurrent first calls share one task.
	vcs := make([]cellar.Vc[string], 8)
	var wg sync.WaitGroup
	for i := range vcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			vcs[i] = cellar.Default[string](ctx, e)
		}()
	}
	wg.Wait()
	for _, v := range vcs[1:] {
		if v != vcs[0] {
			t.Fatalf("Default[string] gave %v and %v", vcs[0], v)
		}
	}
	if got := vcs[0].DebugIdentifier(); got != "Default[string]()" {
		t.Fatalf("DebugIdentifier = %q", got)
	}
}
