package cellar_test

import (
	"context"
	"sync"
	"testing"

	"github.com/cellar-go/cellar"
)

// Default[T]: one task per type gives its Default method's value, or the
// zero value.

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

// Default[T] for two distinct function-local types with the same name gives
// each its own task.
func TestDefaultOfTwoLocalTypesWithTheSameName(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("Default panicked: %v", r)
		}
	}()
	{
		type local struct{ A int }
		if got := mustGet(t, cellar.Default[local](ctx, e)); got != (local{}) {
			t.Fatal(got)
		}
	}
	{
		type local struct{ B string }
		if got := mustGet(t, cellar.Default[local](ctx, e)); got != (local{}) {
			t.Fatal(got)
		}
	}
}
