package handle

import (
	"errors"
	"testing"
)

// forceGeneration sets the generation of the free slot i to gen, as if it
// had held gen values already. It is the test's way to reach the end of a
// slot's generations without 2²⁰ inserts per case.
func forceGeneration[T any](t testing.TB, tab *Table[T], i uint32, gen uint32) {
	t.Helper()
	s := &tab.chunks[i>>chunkBits][i&chunkMask]
	st := s.state.Load()
	if st&(liveBit|retiredBit) != 0 {
		t.Fatalf("slot %d is not free: %#x", i, st)
	}
	s.state.Store(uint64(gen) << genShift)
}

func TestGenerationWrapRetiresSlot(t *testing.T) {
	tab := New[obj](7)
	first := tab.Insert(&obj{name: "first"}) // slot 0, generation 1
	other := tab.Insert(&obj{name: "other"}) // slot 1
	tab.Delete(first)

	forceGeneration(t, tab, 0, MaxGeneration-1)
	o := &obj{name: "last"}
	last := tab.Insert(o)
	if last.Index() != 0 || last.Generation() != MaxGeneration {
		t.Fatalf("insert into the forced slot gave %v, want 0.%d@7", last, MaxGeneration)
	}
	if p, ok := tab.Get(last); !ok || p != o {
		t.Fatalf("Get(%v) = %v, %v", last, p, ok)
	}
	if removed, err := tab.Delete(last); !removed || err != nil {
		t.Fatalf("Delete(%v) = %v, %v", last, removed, err)
	}

	// The slot is retired: no later insert uses index 0, so neither the
	// first handle (whose generation a wrapped counter would reach again)
	// nor the last one can ever name a value again.
	for i := range 3 * chunkSize {
		h := tab.Insert(&obj{})
		if h.Index() == 0 {
			t.Fatalf("insert %d reused the retired slot: %v", i, h)
		}
	}
	for _, h := range []Handle{first, last, Make(7, 0, 1), Make(7, 0, MaxGeneration)} {
		if _, ok := tab.Get(h); ok {
			t.Errorf("Get(%v) found a value in the retired slot", h)
		}
		if _, err := tab.Lookup(h); !errors.Is(err, ErrStale) {
			t.Errorf("Lookup(%v) = %v, want ErrStale", h, err)
		}
		if _, err := tab.Pin(new(Pin), h); !errors.Is(err, ErrStale) {
			t.Errorf("Pin(%v) = %v, want ErrStale", h, err)
		}
	}
	if st := tab.chunks[0][0].state.Load(); st != genMask|retiredBit {
		t.Errorf("retired slot state %#x, want %#x", st, genMask|retiredBit)
	}
	if tab.chunks[0][0].val.Load() != nil {
		t.Error("the retired slot still references its last value")
	}
	for h := range tab.All() {
		if h.Index() == 0 {
			t.Errorf("All yields the retired slot: %v", h)
		}
	}
	if _, ok := tab.Get(other); !ok {
		t.Error("a neighbouring slot was disturbed")
	}
	if want := 1 + 3*chunkSize; tab.Len() != want {
		t.Errorf("Len = %d, want %d", tab.Len(), want)
	}
}

func TestGenerationBeforeWrapIsReused(t *testing.T) {
	// One generation short of the end, the slot is still reused.
	var tab Table[obj]
	h := tab.Insert(&obj{})
	tab.Delete(h)
	forceGeneration(t, &tab, 0, MaxGeneration-2)
	h1 := tab.Insert(&obj{})
	tab.Delete(h1)
	h2 := tab.Insert(&obj{})
	if h1.Generation() != MaxGeneration-1 || h2.Index() != 0 || h2.Generation() != MaxGeneration {
		t.Fatalf("got %v then %v", h1, h2)
	}
}

func TestGenerationWrapAfterPendingDelete(t *testing.T) {
	// The last Unpin of a pending deletion retires the slot too.
	var tab Table[obj]
	tab.Delete(tab.Insert(&obj{}))
	forceGeneration(t, &tab, 0, MaxGeneration-1)
	h := tab.Insert(&obj{})
	var pin Pin
	tab.Pin(&pin, h)
	if removed, _ := tab.Delete(h); removed {
		t.Fatal("pinned value removed")
	}
	if removed, err := tab.Unpin(&pin); !removed || err != nil {
		t.Fatalf("Unpin = %v, %v", removed, err)
	}
	if h2 := tab.Insert(&obj{}); h2.Index() == 0 {
		t.Fatalf("retired slot reused: %v", h2)
	}
	if _, err := tab.Lookup(h); !errors.Is(err, ErrStale) {
		t.Fatalf("Lookup = %v", err)
	}
}

func TestPinLimitPanics(t *testing.T) {
	var tab Table[obj]
	h := tab.Insert(&obj{})
	s := &tab.chunks[0][0]
	s.state.Add(maxPins - 1) // one pin short of the limit
	if _, err := tab.Pin(new(Pin), h); err != nil {
		t.Fatalf("Pin up to the limit: %v", err)
	}
	mustPanic(t, "too many pins", func() { tab.Pin(new(Pin), h) })
	if n, _ := tab.Pins(h); n != maxPins {
		t.Fatalf("Pins = %d", n)
	}
}
