package handle

import (
	"errors"
	"testing"
)

// fuzzTable builds a table of id 3 whose slots are in every state: live,
// deleted, reused, pinned with a pending deletion, retired, allocated but
// never used. It returns the table and the live values by handle.
func fuzzTable(t testing.TB) (*Table[obj], map[Handle]*obj, []Handle) {
	tab := New[obj](3)
	live := map[Handle]*obj{}
	insert := func() Handle {
		o := &obj{}
		o.h = tab.Insert(o)
		live[o.h] = o
		return o.h
	}
	del := func(h Handle) {
		if _, err := tab.Delete(h); err != nil {
			t.Fatal(err)
		}
		delete(live, h)
	}
	var stale []Handle
	for range chunkSize + 10 {
		insert()
	}
	for i := uint32(0); i < 40; i += 3 {
		h := Make(3, i, 1)
		del(h)
		stale = append(stale, h)
	}
	for range 5 { // reuse some slots: generation 2
		insert()
	}
	// Slot 1 retired.
	h1 := Make(3, 1, 1)
	del(h1)
	stale = append(stale, h1)
	forceGeneration(t, tab, 1, MaxGeneration-1)
	for {
		if h := insert(); h.Index() == 1 {
			del(h)
			stale = append(stale, h)
			break
		}
	}
	// Slot 2: pinned, deletion pending; it stays live.
	if _, err := tab.Pin(new(Pin), Make(3, 2, 1)); err != nil {
		t.Fatal(err)
	}
	tab.Delete(Make(3, 2, 1))
	return tab, live, stale
}

// FuzzGet looks up arbitrary 64-bit values: no lookup panics, none
// returns a value other than the one its handle was issued for, and the
// reason for a failure is the right one.
func FuzzGet(f *testing.F) {
	tab, live, stale := fuzzTable(f)
	f.Add(uint64(0))
	f.Add(^uint64(0))
	f.Add(uint64(Make(3, 5, 1)))             // valid
	f.Add(uint64(Make(3, 2, 1)))             // valid, pending deletion
	f.Add(uint64(stale[0]))                  // stale
	f.Add(uint64(Make(3, 1, MaxGeneration))) // retired
	f.Add(uint64(Make(4, 5, 1)))             // foreign
	f.Add(uint64(Make(0, 5, 1)))             // foreign: table id 0
	f.Add(uint64(Make(3, 5, 0)))             // generation 0
	f.Add(uint64(Make(3, 5, 2)))             // generation not issued yet
	f.Add(uint64(Make(3, chunkSize+20, 1)))  // allocated, never used
	f.Add(uint64(Make(3, MaxIndex, 1)))      // past every chunk
	sec := NewSecondaryMap[Handle, obj, *obj](tab)
	for h, p := range live {
		sec.Insert(h, p)
	}
	f.Fuzz(func(t *testing.T, raw uint64) {
		h := Handle(raw)
		want, isLive := live[h]
		if v, ok := sec.Get(h); ok != isLive || v != want {
			t.Fatalf("SecondaryMap.Get(%v) = %p, %v; want %p, %v", h, v, ok, want, isLive)
		}
		p, ok := tab.Get(h)
		if ok != isLive || p != want {
			t.Fatalf("Get(%v) = %p, %v; want %p, %v", h, p, ok, want, isLive)
		}
		p, err := tab.Lookup(h)
		if p != want {
			t.Fatalf("Lookup(%v) = %p, want %p", h, p, want)
		}
		if wantErr := expectedReason(tab, h, isLive); !errors.Is(err, wantErr) || (wantErr == nil) != (err == nil) {
			t.Fatalf("Lookup(%v) error %v, want %v", h, err, wantErr)
		}
		pin := new(Pin)
		if p, err := tab.Pin(pin, h); err == nil {
			if p != want {
				t.Fatalf("Pin(%v) = %p, want %p", h, p, want)
			}
			if removed, err := tab.Unpin(pin); removed || err != nil {
				t.Fatalf("Unpin(%v) = %v, %v", h, removed, err)
			}
		} else if isLive {
			t.Fatalf("Pin(%v) of a live handle: %v", h, err)
		}
	})
}

// expectedReason computes from the handle alone, and the fuzz table's
// construction, what Lookup must report.
func expectedReason(tab *Table[obj], h Handle, isLive bool) error {
	switch {
	case isLive:
		return nil
	case h == 0:
		return ErrNull
	case h.TableID() != 3:
		return ErrForeign
	case uint64(h.Index()) >= tab.next || h.Generation() == 0:
		return ErrInvalid
	}
	st := tab.chunks[h.Index()>>chunkBits][h.Index()&chunkMask].state.Load()
	if uint64(h)&genMask > st&genMask {
		return ErrInvalid
	}
	return ErrStale
}

func TestFuzzTableShape(t *testing.T) {
	// The fuzz table has what the seed corpus says it has.
	tab, live, stale := fuzzTable(t)
	if len(stale) < 3 {
		t.Fatalf("only %d stale handles", len(stale))
	}
	if _, ok := live[Make(3, 2, 1)]; !ok {
		t.Fatal("the pending slot is not live")
	}
	if n, _ := tab.Pins(Make(3, 2, 1)); n != 1 {
		t.Fatalf("the pending slot has %d pins", n)
	}
	if st := tab.chunks[0][1].state.Load(); st&retiredBit == 0 {
		t.Fatalf("slot 1 is not retired: %#x", st)
	}
	if tab.Len() != len(live) {
		t.Fatalf("Len %d, model %d", tab.Len(), len(live))
	}
}
