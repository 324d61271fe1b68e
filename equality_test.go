package cellar_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cellar-go/cellar"
)

// caseless is equal to another caseless when they differ only in case.
type caseless string

func (c caseless) Equal(d caseless) bool { return strings.EqualFold(string(c), string(d)) }

// point has its Equal method on the pointer.
type point struct{ X, Y float64 }

func (p *point) Equal(q point) bool { return p.X == q.X } // Y is noise

// countReruns builds input -> produce -> consume and returns a function that
// sets the input and reports how often consume has run.
func countReruns[T, In any](t *testing.T, initial In, produce func(In) T) func(In) int32 {
	t.Helper()
	e := newEngine(t, nil)
	ctx := context.Background()
	in := cellar.NewState(e, "in", initial)
	p := cellar.NewFunc1(e, "produce", func(ctx context.Context, _ int) (T, error) {
		return produce(in.Get(ctx)), nil
	})
	var runs atomic.Int32
	c := cellar.NewFunc1(e, "consume", func(ctx context.Context, _ int) (T, error) {
		runs.Add(1)
		return p.Call(ctx, 0).Get(ctx)
	})
	op := c.CallOperation(ctx, 0)
	if _, err := op.ReadStronglyConsistent(ctx); err != nil {
		t.Fatal(err)
	}
	return func(v In) int32 {
		in.Set(v)
		if _, err := op.ReadStronglyConsistent(ctx); err != nil {
			t.Fatal(err)
		}
		return runs.Load()
	}
}

func TestCutoffUsesEqualMethod(t *testing.T) {
	set := countReruns(t, "Hello", func(s string) caseless { return caseless(s) })
	if n := set("HELLO"); n != 1 {
		t.Fatalf("consume ran %d times after a value equal by its Equal method", n)
	}
	if n := set("bye"); n != 2 {
		t.Fatalf("consume ran %d times after a different value", n)
	}
}

func TestCutoffUsesPointerEqualMethod(t *testing.T) {
	set := countReruns(t, 1.0, func(y float64) point { return point{X: 1, Y: y} })
	if n := set(2.0); n != 1 {
		t.Fatalf("consume ran %d times after a value equal by (*point).Equal", n)
	}
}

func TestCutoffComparesUncomparableValuesByContent(t *testing.T) {
	set := countReruns(t, "a b c", func(s string) []string { return strings.Fields(s) })
	if n := set("a  b   c"); n != 1 { // a new slice with the same contents
		t.Fatalf("consume ran %d times after an equal slice", n)
	}
	if n := set("a b d"); n != 2 {
		t.Fatalf("consume ran %d times after a different slice", n)
	}
	setMap := countReruns(t, 1, func(n int) map[string]int { return map[string]int{"a": 1, "b": n / 10} })
	if n := setMap(2); n != 1 {
		t.Fatalf("consume ran %d times after an equal map", n)
	}
}

func TestCutoffComparesInterfacesHoldingUncomparableValues(t *testing.T) {
	set := countReruns(t, 1, func(n int) any { return []int{n / 10} })
	if n := set(2); n != 1 {
		t.Fatalf("consume ran %d times after an equal value", n)
	}
	if n := set(20); n != 2 {
		t.Fatalf("consume ran %d times after a different value", n)
	}
}
