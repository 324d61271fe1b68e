package weakref

import (
	"runtime"
	"sync"
	"testing"
)

// Weak of an object whose deletion waits for a Strong registers it afresh:
// the new handle outlives the pending deletion, and the old one goes with
// the last Strong, in both kinds of registry.
func TestWeakDuringPendingDelete(t *testing.T) {
	for _, collectable := range []bool{false, true} {
		r := New[thing](Options{Collectable: collectable})
		o := &thing{name: "o"}
		old := r.Weak(o)
		s, err := old.Strong()
		if err != nil {
			t.Fatal(err)
		}
		old.Delete() // pending: s holds it
		if _, ok := r.Lookup(o); ok {
			t.Fatalf("collectable %v: Lookup finds a deleted object", collectable)
		}
		fresh := r.Weak(o)
		if fresh == old {
			t.Fatalf("collectable %v: Weak returned the handle whose deletion is pending", collectable)
		}
		if r.Weak(o) != fresh {
			t.Fatalf("collectable %v: the fresh registration is not stable", collectable)
		}
		if got, ok := r.Lookup(o); !ok || got != fresh {
			t.Fatalf("collectable %v: Lookup = %v, %v; want %v", collectable, got, ok, fresh)
		}
		if err := s.Release(); err != nil {
			t.Fatal(err)
		}
		if _, ok := old.Upgrade(); ok {
			t.Fatalf("collectable %v: the deleted handle survived its last Strong", collectable)
		}
		if p, ok := fresh.Upgrade(); !ok || p != o {
			t.Fatalf("collectable %v: the fresh registration was lost with the pending deletion", collectable)
		}
		if got, ok := r.Lookup(o); !ok || got != fresh || r.Len() != 1 {
			t.Fatalf("collectable %v: after the release, Lookup = %v, %v; Len %d", collectable, got, ok, r.Len())
		}
	}
}

// Goroutines take Strongs, delete and re-register the same objects at
// once: whatever the interleaving, Weak returns a handle that upgrades
// unless it is deleted afterwards, and an object never has two live
// registrations once the Strongs are gone.
func TestWeakWhilePendingDeleteHammer(t *testing.T) {
	var r Registry[thing]
	objs := make([]*thing, 8)
	for i := range objs {
		objs[i] = &thing{id: i}
	}
	rounds := 3000
	if testing.Short() {
		rounds = 300
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range rounds {
				o := objs[(i+g)%len(objs)]
				w := r.Weak(o)
				switch i % 3 {
				case 0:
					if s, err := w.Strong(); err == nil {
						if s.Value() != o {
							t.Errorf("Strong holds another object")
						}
						s.Release()
					}
				case 1:
					w.Delete()
				default:
					if p, ok := w.Upgrade(); ok && p != o {
						t.Errorf("upgraded to another object")
					}
				}
			}
		})
	}
	wg.Wait()
	for _, o := range objs {
		w, ok := r.Lookup(o)
		n := 0
		for w2, p := range r.All() {
			if p == o {
				n++
				if !ok || w2 != w {
					t.Errorf("object %d: registered as %v, Lookup %v, %v", o.id, w2, w, ok)
				}
			}
		}
		if n > 1 {
			t.Errorf("object %d registered %d times", o.id, n)
		}
	}
	if leaks := r.Leaks(); len(leaks) != 0 {
		t.Errorf("leaks: %v", leaks)
	}
	n := 0
	for range r.All() {
		n++
	}
	if n != r.Len() {
		t.Errorf("All yields %d objects, Len is %d", n, r.Len())
	}
}

// An object whose deletion waits for a Strong is not registered: Len does
// not count it and All does not yield it. Registered again, it counts and
// is yielded once, under its new handle, before and after the release.
func TestLenAndAllDuringPendingDelete(t *testing.T) {
	for _, collectable := range []bool{false, true} {
		r := New[thing](Options{Collectable: collectable})
		o, other := &thing{name: "o"}, &thing{name: "other"}
		r.Weak(other)
		old := r.Weak(o)
		s, err := old.Strong()
		if err != nil {
			t.Fatal(err)
		}
		check := func(when string, want map[*thing]Weak[thing]) {
			t.Helper()
			got := make(map[*thing]Weak[thing])
			n := 0
			for w, p := range r.All() {
				got[p] = w
				n++
			}
			if n != len(want) || r.Len() != len(want) {
				t.Fatalf("collectable %v, %s: All yields %d, Len %d; want %d", collectable, when, n, r.Len(), len(want))
			}
			for p, w := range want {
				if got[p] != w {
					t.Fatalf("collectable %v, %s: All yields %v for %s, want %v", collectable, when, got[p], p.name, w)
				}
			}
		}
		old.Delete() // pending: s holds it
		old.Delete() // does nothing
		check("pending", map[*thing]Weak[thing]{other: r.Weak(other)})
		fresh := r.Weak(o)
		check("registered again", map[*thing]Weak[thing]{other: r.Weak(other), o: fresh})
		if err := s.Release(); err != nil {
			t.Fatal(err)
		}
		check("released", map[*thing]Weak[thing]{other: r.Weak(other), o: fresh})
		fresh.Delete()
		check("deleted", map[*thing]Weak[thing]{other: r.Weak(other)})
		runtime.KeepAlive(o)
	}
}
