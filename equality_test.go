package cellar_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cellar-go/cellar"
)

// Early cutoff: a task whose new result equals the old one does not make its
// readers run again. Results are compared with an Equal method when they
// have one (on the value or on the pointer), and by content when they are
// not comparable.

func TestEarlyCutoff(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	input := cellar.NewState(e, "input", 2)
	var parityRuns, labelRuns atomic.Int32
	parity := cellar.NewFunc1(e, "parity", func(ctx context.Context, _ struct{}) (int, error) {
		parityRuns.Add(1)
		return input.Get(ctx) % 2, nil
	})
	label := cellar.NewFunc1(e, "label", func(ctx context.Context, _ struct{}) (string, error) {
		labelRuns.Add(1)
		p, err := parity.Call(ctx, struct{}{}).Get(ctx)
		return fmt.Sprint("parity ", p), err
	})
	op := label.CallOperation(ctx, struct{}{})
	read := func() string {
		t.Helper()
		s, err := op.ReadStronglyConsistent(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if got := read(); got != "parity 0" {
		t.Fatalf("got %q", got)
	}
	input.Set(4) // same parity: label must not re-run
	if got := read(); got != "parity 0" {
		t.Fatalf("got %q", got)
	}
	if parityRuns.Load() != 2 || labelRuns.Load() != 1 {
		t.Fatalf("after an equal result: parity ran %d, label ran %d; want 2, 1", parityRuns.Load(), labelRuns.Load())
	}
	input.Set(5)
	if got := read(); got != "parity 1" {
		t.Fatalf("got %q", got)
	}
	if parityRuns.Load() != 3 || labelRuns.Load() != 2 {
		t.Fatalf("after a changed result: parity ran %d, label ran %d; want 3, 2", parityRuns.Load(), labelRuns.Load())
	}
	input.Set(5) // equal value: nothing runs
	read()
	if parityRuns.Load() != 3 {
		t.Fatalf("setting an equal value re-ran parity")
	}
	if s := e.Stats(); s.CutOff != 1 {
		t.Fatalf("Stats.CutOff = %d, want 1", s.CutOff)
	}
}

// caseless is equal to another caseless when they differ only in case.
type caseless string

func (c caseless) Equal(d caseless) bool { return strings.EqualFold(string(c), string(d)) }

// point has its Equal method on the pointer.
type point struct{ X, Y float64 }

func (p *point) Equal(q point) bool { return p.X == q.X } // Y is noise

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
