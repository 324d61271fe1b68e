package cellar_test

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/cellar-go/cellar"
)

type shape interface{ Area() float64 }
type polygon interface {
	shape
	Sides() int
}
type named interface{ Name() string }

type circle struct{ R float64 }
type square struct{ S float64 }

func (c circle) Area() float64 { return math.Pi * c.R * c.R }
func (s square) Area() float64 { return s.S * s.S }
func (s square) Sides() int    { return 4 }
func (s square) Name() string  { return "square" }

func TestInterfaceCasts(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	kind := cellar.NewState(e, "kind", "square")
	make := cellar.NewFunc1(e, "make", func(ctx context.Context, _ int) (shape, error) {
		if kind.Get(ctx) == "square" {
			return square{2}, nil
		}
		return circle{1}, nil
	})
	v := make.Call(ctx, 0)

	p, ok, err := cellar.TryDowncast[polygon](ctx, v)
	if err != nil || !ok {
		t.Fatalf("TryDowncast[polygon] of a square: %v, %v", ok, err)
	}
	if got, err := p.Get(ctx); err != nil || got.Sides() != 4 {
		t.Fatalf("polygon: %v, %v", got, err)
	}
	sq, ok, err := cellar.TryDowncastType[square](ctx, v)
	if err != nil || !ok {
		t.Fatalf("TryDowncastType[square]: %v, %v", ok, err)
	}
	if got := mustGet(t, sq); got != (square{2}) {
		t.Fatalf("square: %v", got)
	}
	if _, ok, _ := cellar.TryDowncastType[circle](ctx, v); ok {
		t.Fatal("a square downcast to circle")
	}
	n, ok, err := cellar.TrySidecast[named](ctx, v)
	if err != nil || !ok || mustGet(t, n).Name() != "square" {
		t.Fatalf("TrySidecast[named]: %v, %v", ok, err)
	}
	back := cellar.Upcast[shape](p)
	if got := mustGet(t, back); got.Area() != 4 {
		t.Fatalf("upcast back: %v", got)
	}

	// The casts follow the value: a circle is not a polygon.
	kind.Set("circle")
	if _, ok, err := cellar.TryDowncast[polygon](ctx, v); ok || err != nil {
		t.Fatalf("TryDowncast[polygon] of a circle: %v, %v", ok, err)
	}
	if _, ok, _ := cellar.TryDowncastType[circle](ctx, v); !ok {
		t.Fatal("a circle did not downcast to circle")
	}
}

// A task that casts runs again when the concrete type changes.
func TestCastInsideATaskIsTracked(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	kind := cellar.NewState(e, "kind", "circle")
	make := cellar.NewFunc1(e, "make", func(ctx context.Context, _ int) (shape, error) {
		if kind.Get(ctx) == "square" {
			return square{2}, nil
		}
		return circle{1}, nil
	})
	describe := cellar.NewFunc1(e, "describe", func(ctx context.Context, _ int) (string, error) {
		p, ok, err := cellar.TryDowncast[polygon](ctx, make.Call(ctx, 0))
		if err != nil || !ok {
			return "not a polygon", err
		}
		s, err := p.Get(ctx)
		return fmt.Sprint(s.Sides(), " sides"), err
	})
	op := describe.CallOperation(ctx, 0)
	if got, _ := op.ReadStronglyConsistent(ctx); got != "not a polygon" {
		t.Fatal(got)
	}
	kind.Set("square")
	if got, _ := op.ReadStronglyConsistent(ctx); got != "4 sides" {
		t.Fatal(got)
	}
}

func TestCastsThatCannotWorkPanic(t *testing.T) {
	var v cellar.Vc[shape]
	for name, f := range map[string]func(){
		"Upcast to a concrete type":        func() { cellar.Upcast[square](v) },
		"Upcast to an unimplemented":       func() { cellar.Upcast[polygon](cellar.Vc[circle]{}) },
		"TryDowncast to a wider interface": func() { cellar.TryDowncast[named](context.Background(), v) },
		"TryDowncastType to an interface":  func() { cellar.TryDowncastType[polygon](context.Background(), v) },
		"TryDowncastType to a non-member":  func() { cellar.TryDowncastType[int](context.Background(), v) },
		"TrySidecast to a concrete type":   func() { cellar.TrySidecast[square](context.Background(), v) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}
