package wazeroref

import (
	"errors"
	"testing"

	"github.com/cellar-go/cellar/externref"
	"github.com/cellar-go/cellar/handle"
)

// TestNarrowValues checks the guest values of 32-bit targets: they name
// their handle, the first handle of a table included, and a handle that
// does not fit has none.
func TestNarrowValues(t *testing.T) {
	const id = 7
	for _, h := range []handle.Handle{
		handle.Make(id, 0, 1), // the first handle of a table
		handle.Make(id, 1, 1),
		handle.Make(id, narrowMax, narrowMax),
	} {
		v, ok := encode(h, false)
		if !ok || v == 0 || v > 1<<32-1 {
			t.Fatalf("encode(%v) = %#x, %v", h, v, ok)
		}
		if got := decode(v, id, false); got != h {
			t.Fatalf("decode(encode(%v)) = %v", h, got)
		}
	}
	for _, h := range []handle.Handle{handle.Make(id, narrowMax+1, 1), handle.Make(id, 0, narrowMax+1)} {
		if v, ok := encode(h, false); ok {
			t.Fatalf("encode(%v) = %#x, want none", h, v)
		}
	}
	if g := decode(5, id, false).Generation(); g != 0 {
		t.Fatalf("a value without generation decodes to generation %d", g)
	}
}

// TestSlotRetiresPastNarrowGeneration puts and drops references until a
// slot's generation has no narrow value: on a 32-bit target the table
// retires the slot, and its values never name a later reference.
func TestSlotRetiresPastNarrowGeneration(t *testing.T) {
	if testing.Short() {
		t.Skip("65536 puts")
	}
	tab := newTable()
	r := externref.New("x")
	defer r.Release()
	first, err := tab.Put(r)
	if err != nil {
		t.Fatal(err)
	}
	last := first
	for range narrowMax + 1 {
		if err := tab.Drop(last); err != nil {
			t.Fatal(err)
		}
		if last, err = tab.Put(r); err != nil {
			t.Fatal(err)
		}
	}
	if tab.Len() != 1 {
		t.Fatalf("Len = %d, want 1", tab.Len())
	}
	if _, err := tab.Get(first); !errors.Is(err, externref.ErrReleased) && !errors.Is(err, externref.ErrForged) {
		t.Fatalf("the first value names %v", err)
	}
	if !wide {
		if h := decode(last, tab.refs.ID(), false); h.Index() == 0 {
			t.Fatalf("slot 0 reused past generation %d", narrowMax)
		}
	}
	if got, err := tab.Get(last); err != nil || !got.Equal(r) {
		t.Fatalf("Get(last) = %v, %v", got, err)
	}
	if err := tab.Close(); err != nil {
		t.Fatal(err)
	}
}
