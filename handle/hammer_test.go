package handle

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
)

// self is a value that records its own handle once inserted; a lookup that
// returns a value whose recorded handle is not the one looked up returned
// the wrong value.
type self struct{ h atomic.Uint64 }

// TestHammer runs inserts, deletes, lookups, pins and iterations at once
// (meant for -race). Handles travel between goroutines through a shared
// ring of atomics, as they would through a global; most are stale by the
// time they are used.
func TestHammer(t *testing.T) {
	tab := New[self](3)
	var ring [512]atomic.Uint64
	var inserted, removed atomic.Int64
	rounds := 20000
	if testing.Short() {
		rounds = 2000
	}

	// check fails the test if p is not the value of h.
	check := func(h Handle, p *self) {
		if got := Handle(p.h.Load()); got != h {
			t.Errorf("looking up %v returned the value of %v", h, got)
		}
	}
	var wg sync.WaitGroup
	for g := range 2 { // writers
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			for range rounds {
				if rng.IntN(2) == 0 {
					p := new(self)
					h := tab.Insert(p)
					p.h.Store(uint64(h))
					inserted.Add(1)
					ring[rng.IntN(len(ring))].Store(uint64(h))
				} else if ok, _ := tab.Delete(Handle(ring[rng.IntN(len(ring))].Load())); ok {
					removed.Add(1) // or pending, for the last Unpin to count
				}
			}
		})
	}
	for g := range 2 { // readers
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 2))
			for i := range rounds {
				h := Handle(ring[rng.IntN(len(ring))].Load())
				if p, ok := tab.Get(h); ok {
					check(h, p)
				}
				if p, err := tab.Lookup(h); err == nil {
					check(h, p)
				}
				pin := new(Pin)
				if p, err := tab.Pin(pin, h); err == nil {
					check(h, p)
					// Pinned: it cannot go away, whatever the writers do.
					if q, ok := tab.Get(h); !ok || q != p {
						t.Errorf("pinned %v disappeared", h)
					}
					if ok, err := tab.Unpin(pin); err != nil {
						t.Errorf("Unpin(%v): %v", h, err)
					} else if ok {
						removed.Add(1)
					}
				}
				if i%1000 == 0 {
					for h, p := range tab.All() {
						// A value just inserted may not know its handle yet.
						if p.h.Load() != 0 {
							check(h, p)
						}
					}
				}
			}
		})
	}
	wg.Wait()

	live := 0
	for h, p := range tab.All() {
		check(h, p)
		if n, _ := tab.Pins(h); n != 0 {
			t.Errorf("%v still holds %d pins", h, n)
		}
		live++
	}
	if want := int(inserted.Load() - removed.Load()); tab.Len() != want || live != want {
		t.Errorf("Len %d, All %d, inserted-removed %d", tab.Len(), live, want)
	}
}

// TestPinDeleteRace races one Pin against one Delete, many times: either
// the pin comes first and the value outlives it, removed by the Unpin, or
// the delete comes first and the pin fails. Exactly one of them removes the
// value.
func TestPinDeleteRace(t *testing.T) {
	var tab Table[self]
	rounds := 5000
	if testing.Short() {
		rounds = 500
	}
	for range rounds {
		p := new(self)
		h := tab.Insert(p)
		p.h.Store(uint64(h))
		var byDelete, byUnpin atomic.Bool
		var wg sync.WaitGroup
		wg.Go(func() {
			ok, err := tab.Delete(h)
			if err != nil {
				t.Errorf("Delete: %v", err)
			}
			byDelete.Store(ok)
		})
		wg.Go(func() {
			pin := new(Pin)
			q, err := tab.Pin(pin, h)
			if err != nil {
				return // deleted first
			}
			if q != p {
				t.Errorf("Pin returned another value")
			}
			if _, ok := tab.Get(h); !ok {
				t.Errorf("pinned value gone")
			}
			ok, err := tab.Unpin(pin)
			if err != nil {
				t.Errorf("Unpin: %v", err)
			}
			byUnpin.Store(ok)
		})
		wg.Wait()
		if byDelete.Load() == byUnpin.Load() {
			t.Fatalf("removed by Delete: %v, by Unpin: %v; want exactly one", byDelete.Load(), byUnpin.Load())
		}
		if _, ok := tab.Get(h); ok {
			t.Fatal("value still there")
		}
	}
	if tab.Len() != 0 {
		t.Fatalf("Len = %d", tab.Len())
	}
}

// TestGrowWhileReading reads the first value continuously while another
// goroutine grows the table through many chunks.
func TestGrowWhileReading(t *testing.T) {
	var tab Table[self]
	p := new(self)
	h := tab.Insert(p)
	p.h.Store(uint64(h))
	var done atomic.Bool
	var wg sync.WaitGroup
	wg.Go(func() {
		for !done.Load() {
			if q, ok := tab.Get(h); !ok || q != p {
				t.Errorf("lost %v while the table grew", h)
				return
			}
		}
	})
	for range 64 * chunkSize {
		q := new(self)
		q.h.Store(uint64(tab.Insert(q)))
	}
	done.Store(true)
	wg.Wait()
	for h, q := range tab.All() {
		if Handle(q.h.Load()) != h {
			t.Fatalf("%v holds the value of %v", h, Handle(q.h.Load()))
		}
	}
}

// TestHammerOneSlot concentrates the churn on one slot: a writer deletes
// and reinserts into it as fast as it can while readers look up the handle
// it last published. A lookup that read the state word only once would,
// now and then, read the successor's value under the old handle.
func TestHammerOneSlot(t *testing.T) {
	var tab Table[self]
	var published atomic.Uint64
	var done atomic.Bool
	rounds := 200000
	if testing.Short() {
		rounds = 20000
	}
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for !done.Load() {
				h := Handle(published.Load())
				if p, ok := tab.Get(h); ok {
					if got := Handle(p.h.Load()); got != h {
						t.Errorf("Get(%v) returned the value of %v", h, got)
						return
					}
				}
			}
		})
	}
	for range rounds {
		p := new(self)
		h := tab.Insert(p)
		p.h.Store(uint64(h))
		published.Store(uint64(h))
		tab.Delete(h)
	}
	done.Store(true)
	wg.Wait()
}
