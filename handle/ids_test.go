package handle_test

import (
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/cellar-go/cellar/handle"
)

// Tables with leased ids never share one while alive: tens of thousands of
// tables come and go, far more than there are ids, while two stay alive,
// and none of them ever accepts a handle of another live table.
func TestAutoIDNeverSharedByLiveTables(t *testing.T) {
	a, b := handle.New[int](handle.AutoID), handle.New[int](handle.AutoID)
	ha, hb := a.Insert(new(int)), b.Insert(new(int))
	if a.ID() == b.ID() {
		t.Fatalf("two live tables have id %d", a.ID())
	}
	n := 20000
	if testing.Short() {
		n = 5000
	}
	for i := range n {
		c := handle.New[int](handle.AutoID)
		if id := c.ID(); id == 0 || id >= handle.FirstFixedID {
			t.Fatalf("leased id %#x, outside 1..%#x", id, handle.FirstFixedID-1)
		}
		c.Insert(new(int)) // slot 0, generation 1: like ha and hb
		for _, h := range []handle.Handle{ha, hb} {
			if _, err := c.Lookup(h); !errors.Is(err, handle.ErrForeign) {
				t.Fatalf("table %d (id %d) looked up %v of a live table: %v", i, c.ID(), h, err)
			}
		}
	}
	if _, err := a.Lookup(hb); !errors.Is(err, handle.ErrForeign) {
		t.Fatalf("a looked up b's handle: %v", err)
	}
	if p, err := b.Lookup(hb); err != nil || p == nil {
		t.Fatalf("b lost its value: %v", err)
	}
	runtime.KeepAlive(a)
}

// When every id is leased by a live table, New panics instead of giving an
// id out twice; the ids come back once the tables are gone.
func TestAutoIDExhaustionPanics(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the garbage collector")
	}
	var live []*handle.Table[int]
	func() {
		defer func() {
			r := recover()
			if s, _ := r.(string); !strings.Contains(s, "table ids are in use") {
				t.Fatalf("panic %v after %d tables, want one about ids in use", r, len(live))
			}
		}()
		for range handle.FirstFixedID {
			live = append(live, handle.New[int](handle.AutoID))
		}
	}()
	if len(live) > handle.FirstFixedID-1 {
		t.Fatalf("%d live tables with leased ids", len(live))
	}
	seen := make(map[uint16]bool)
	for _, tab := range live {
		if seen[tab.ID()] {
			t.Fatalf("id %d leased twice", tab.ID())
		}
		seen[tab.ID()] = true
	}
	live = nil
	handle.New[int](handle.AutoID) // ids of the dropped tables come back
}

// Goroutines make and drop tables at once: no two tables alive at the same
// time ever share an id.
func TestAutoIDLeaseInParallel(t *testing.T) {
	var mu sync.Mutex
	live := make(map[uint16]bool)
	rounds := 3000
	if testing.Short() {
		rounds = 500
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			var held []*handle.Table[int]
			for i := range rounds {
				tab := handle.New[int](handle.AutoID)
				mu.Lock()
				if live[tab.ID()] {
					t.Errorf("id %d leased to two live tables", tab.ID())
				}
				live[tab.ID()] = true
				mu.Unlock()
				held = append(held, tab)
				if len(held) == 50 || i == rounds-1 {
					mu.Lock()
					for _, h := range held {
						delete(live, h.ID())
					}
					mu.Unlock()
					clear(held) // the tables are unreachable from here on
					held = held[:0]
				}
			}
		})
	}
	wg.Wait()
}
