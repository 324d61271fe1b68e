package weakref

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

func TestStrongDefersDelete(t *testing.T) {
	var r Registry[thing]
	o := &thing{name: "o"}
	w := r.Weak(o)
	s, err := w.Strong()
	if err != nil {
		t.Fatal(err)
	}
	if s.Value() != o || s.Weak() != w {
		t.Fatal("Strong does not hold the object")
	}
	if err := w.Delete(); err != nil {
		t.Fatalf("Delete while held = %v", err)
	}
	// Not deleted while the Strong is held: upgradable, found by FromRaw;
	// but no longer registered, nor counted (see TestWeakDuringPendingDelete).
	if p, ok := w.Upgrade(); !ok || p != o {
		t.Fatal("a held object was deleted")
	}
	if _, err := r.FromRaw(w.Raw()); err != nil {
		t.Fatalf("FromRaw while held: %v", err)
	}
	if _, ok := r.Lookup(o); ok {
		t.Fatal("Lookup finds an object whose deletion is pending")
	}
	if r.Len() != 0 {
		t.Fatalf("Len = %d", r.Len())
	}
	if err := w.Delete(); err != nil {
		t.Fatalf("second Delete while held = %v", err)
	}
	s2, err := w.Strong()
	if err != nil {
		t.Fatalf("second Strong while the deletion waits: %v", err)
	}
	s.Release()
	if s.Value() != nil {
		t.Fatal("Value after Release")
	}
	if _, ok := w.Upgrade(); !ok {
		t.Fatal("deleted while a second Strong is held")
	}
	s2.Release()
	// The deletion is carried out now.
	if _, ok := w.Upgrade(); ok {
		t.Fatal("still there after the last Release")
	}
	if _, err := r.FromRaw(w.Raw()); !errors.Is(err, ErrGone) {
		t.Fatalf("FromRaw after the last Release = %v", err)
	}
	if _, ok := r.Lookup(o); ok {
		t.Fatal("the identity index still has the object")
	}
	if r.Len() != 0 {
		t.Fatalf("Len = %d", r.Len())
	}
	if w2 := r.Weak(o); w2 == w {
		t.Fatal("the deleted handle came back")
	}
}

func TestStrongWithoutDelete(t *testing.T) {
	var r Registry[thing]
	o := &thing{}
	w := r.Weak(o)
	s, _ := w.Strong()
	if err := s.Release(); err != nil {
		t.Fatal(err)
	}
	if err := s.Release(); !errors.Is(err, ErrNotHeld) {
		t.Fatalf("second Release = %v, want ErrNotHeld", err)
	}
	if p, ok := w.Upgrade(); !ok || p != o {
		t.Fatal("releasing a Strong deleted the object")
	}
	// The extra Release did not eat a pin of another Strong.
	s2, _ := w.Strong()
	if err := s.Release(); !errors.Is(err, ErrNotHeld) {
		t.Fatalf("stale Release = %v, want ErrNotHeld", err)
	}
	w.Delete()
	if _, ok := w.Upgrade(); !ok {
		t.Fatal("a stale Release unpinned another Strong")
	}
	s2.Release()
	if _, ok := w.Upgrade(); ok {
		t.Fatal("not deleted")
	}
}

func TestStrongOfGoneObject(t *testing.T) {
	var r Registry[thing]
	w := r.Weak(&thing{})
	w.Delete()
	s, err := w.Strong()
	if s != nil || !errors.Is(err, ErrGone) {
		t.Fatalf("Strong = %v, %v", s, err)
	}
	var we *Error
	if !errors.As(err, &we) || we.Op != "strong" {
		t.Fatalf("error %#v", we)
	}
}

// TestStrongDeleteRace races Strong against Delete: while a Strong is
// held, the object must stay upgradable, and in the end it is gone.
func TestStrongDeleteRace(t *testing.T) {
	var r Registry[thing]
	rounds := 3000
	if testing.Short() {
		rounds = 300
	}
	for range rounds {
		o := &thing{}
		w := r.Weak(o)
		var wg sync.WaitGroup
		wg.Go(func() {
			if err := w.Delete(); err != nil {
				t.Errorf("Delete: %v", err)
			}
		})
		wg.Go(func() {
			s, err := w.Strong()
			if err != nil {
				return // deleted first
			}
			if p, ok := w.Upgrade(); !ok || p != o || s.Value() != o {
				t.Errorf("held object gone")
			}
			s.Release()
		})
		wg.Wait()
		if _, ok := w.Upgrade(); ok {
			t.Fatal("object survived Delete and Release")
		}
		if _, ok := r.Lookup(o); ok {
			t.Fatal("identity index kept the object")
		}
	}
	if r.Len() != 0 {
		t.Fatalf("Len = %d", r.Len())
	}
}

// member is an object that records the raw form of its own handle, so an
// upgrade that returns another object is caught.
type member struct {
	name string
	raw  atomic.Uint64
}

// TestHammer registers, deletes, upgrades, converts raw values and takes
// Strongs at once (meant for -race). Raw handles travel through a shared
// ring of atomics, as through a global.
func TestHammer(t *testing.T) {
	for _, collectable := range []bool{false, true} {
		r := New[member](Options{Collectable: collectable})
		var ring [256]atomic.Uint64
		var keep [256]atomic.Pointer[member] // keeps collectable objects alive
		rounds := 10000
		if testing.Short() {
			rounds = 1000
		}
		check := func(raw uint64, p *member) {
			if got := p.raw.Load(); got != raw {
				t.Errorf("upgrading %#x returned the object of %#x", raw, got)
			}
		}
		var wg sync.WaitGroup
		for g := range 2 { // writers
			wg.Go(func() {
				for i := range rounds {
					k := (i*7 + g*101) % len(ring)
					if i%3 != 2 {
						p := &member{}
						w := r.Weak(p)
						if r.Weak(p) != w { // before anyone else can delete it
							t.Errorf("second Weak gave another handle")
						}
						p.raw.Store(w.Raw())
						keep[k].Store(p)
						ring[k].Store(w.Raw())
					} else if w, err := r.FromRaw(ring[(k+13)%len(ring)].Load()); err == nil {
						w.Delete()
					}
				}
			})
		}
		for g := range 2 { // readers
			wg.Go(func() {
				for i := range rounds {
					raw := ring[(i*13+g*57)%len(ring)].Load()
					w, err := r.FromRaw(raw)
					if err != nil {
						if raw != 0 && !errors.Is(err, ErrGone) {
							t.Errorf("FromRaw(%#x): %v", raw, err)
						}
						continue
					}
					if p, ok := w.Upgrade(); ok {
						check(raw, p)
					}
					if s, err := w.Strong(); err == nil {
						check(raw, s.Value())
						if p, ok := w.Upgrade(); !ok || p != s.Value() {
							t.Errorf("held object %#x gone", raw)
						}
						s.Release()
					}
				}
			})
		}
		wg.Wait()
		n := 0
		for w, p := range r.All() {
			check(w.Raw(), p)
			if got, ok := r.Lookup(p); !ok || got != w {
				t.Errorf("Lookup of %#x = %v, %v", w.Raw(), got, ok)
			}
			n++
		}
		if !collectable && n != r.Len() {
			t.Errorf("All %d, Len %d", n, r.Len())
		}
	}
}

// TestConcurrentWeakSameObject asks for the handles of the same objects on
// several goroutines at once: each object gets exactly one.
func TestConcurrentWeakSameObject(t *testing.T) {
	var r Registry[thing]
	objs := make([]*thing, 500)
	for i := range objs {
		objs[i] = &thing{id: i}
	}
	got := make([][]Weak[thing], 4)
	var wg sync.WaitGroup
	for g := range got {
		got[g] = make([]Weak[thing], len(objs))
		wg.Go(func() {
			for i := range objs {
				j := (i + g*131) % len(objs) // different orders
				got[g][j] = r.Weak(objs[j])
			}
		})
	}
	wg.Wait()
	for i := range objs {
		for g := 1; g < len(got); g++ {
			if got[g][i] != got[0][i] {
				t.Fatalf("object %d: %v and %v", i, got[0][i], got[g][i])
			}
		}
	}
	if r.Len() != len(objs) {
		t.Fatalf("Len = %d, want %d", r.Len(), len(objs))
	}
}
