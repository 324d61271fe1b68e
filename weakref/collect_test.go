package weakref

import (
	"errors"
	"runtime"
	"testing"
)

// gcAttempts bounds the garbage collections a test waits for: collection
// is not deterministic, so a test collects until what it expects happens
// and fails only after this many attempts.
const gcAttempts = 500

// collectUntil runs the garbage collector until done reports true, and
// reports whether it did.
func collectUntil(done func() bool) bool {
	for range gcAttempts {
		if done() {
			return true
		}
		runtime.GC()
		runtime.Gosched() // let the cleanup goroutine run
	}
	return done()
}

// registerGarbage registers a new object and returns its handle only, so
// that nothing but the registry refers to the object afterwards.
//
//go:noinline
func registerGarbage(r *Registry[thing], name string) Weak[thing] {
	return r.Weak(&thing{name: name})
}

func TestCollectableForgetsUnreferencedObject(t *testing.T) {
	r := New[thing](Options{Collectable: true})
	w := registerGarbage(r, "garbage")
	raw := w.Raw()
	if !collectUntil(func() bool { return r.Len() == 0 }) {
		t.Fatalf("not collected after %d collections", gcAttempts)
	}
	if p, ok := w.Upgrade(); ok || p != nil {
		t.Fatal("a collected object upgrades")
	}
	if _, err := r.FromRaw(raw); !errors.Is(err, ErrGone) {
		t.Fatalf("FromRaw of a collected object = %v", err)
	}
	if err := w.Delete(); !errors.Is(err, ErrGone) {
		t.Fatalf("Delete of a collected object = %v", err)
	}
	if _, err := w.Strong(); !errors.Is(err, ErrGone) {
		t.Fatalf("Strong of a collected object = %v", err)
	}
}

func TestCollectableKeepsReferencedObject(t *testing.T) {
	r := New[thing](Options{Collectable: true})
	o := &thing{name: "kept"}
	w := r.Weak(o)
	for range 5 {
		runtime.GC()
	}
	if p, ok := w.Upgrade(); !ok || p != o {
		t.Fatal("a referenced object was collected")
	}
	if r.Weak(o) != w {
		t.Fatal("second handle for the same object")
	}
	runtime.KeepAlive(o)
}

// strongGarbage registers a new object and returns a Strong to it, which is
// then the only reference to it.
//
//go:noinline
func strongGarbage(r *Registry[thing]) (Weak[thing], *Strong[thing]) {
	w := r.Weak(&thing{name: "held"})
	s, err := w.Strong()
	if err != nil {
		panic(err)
	}
	return w, s
}

func TestCollectableStrongKeepsObject(t *testing.T) {
	r := New[thing](Options{Collectable: true})
	w, s := strongGarbage(r)
	for range 5 {
		runtime.GC()
		runtime.Gosched()
	}
	if p, ok := w.Upgrade(); !ok || p != s.Value() || p.name != "held" {
		t.Fatal("an object held by a Strong was collected")
	}
	s.Release() // the released Strong no longer references the object
	if !collectUntil(func() bool { return r.Len() == 0 }) {
		t.Fatalf("not collected after release and %d collections", gcAttempts)
	}
	if _, ok := w.Upgrade(); ok {
		t.Fatal("collected object upgrades")
	}
}

func TestCollectableExplicitDelete(t *testing.T) {
	r := New[thing](Options{Collectable: true})
	o := &thing{}
	w := r.Weak(o)
	s, _ := w.Strong()
	if err := w.Delete(); err != nil {
		t.Fatal(err)
	}
	if _, ok := w.Upgrade(); !ok {
		t.Fatal("deleted while held")
	}
	s.Release()
	if _, ok := w.Upgrade(); ok {
		t.Fatal("not deleted after release")
	}
	if _, ok := r.Lookup(o); ok || r.Len() != 0 {
		t.Fatal("registry still has the object")
	}
	w2 := r.Weak(o)
	if w2 == w {
		t.Fatal("the deleted handle came back")
	}
	if err := w2.Delete(); err != nil {
		t.Fatal(err)
	}
	// The cleanup was stopped by Delete; collecting o does nothing more.
	runtime.KeepAlive(o)
	o = nil
	runtime.GC()
	if r.Len() != 0 {
		t.Fatalf("Len = %d", r.Len())
	}
}

// TestCollectableAddressReuse registers many short-lived objects while
// collecting: a new object may get the address of a collected one whose
// cleanup has not run yet, and must still get a handle of its own.
func TestCollectableAddressReuse(t *testing.T) {
	r := New[thing](Options{Collectable: true})
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for i := range n {
		o := &thing{id: i}
		w := r.Weak(o)
		if p, ok := w.Upgrade(); !ok || p != o {
			t.Fatalf("object %d: upgrade gave %v, %v", i, p, ok)
		}
		if i%1000 == 0 {
			runtime.GC()
		}
	}
	for w, p := range r.All() {
		if q, ok := w.Upgrade(); ok && q != p {
			t.Fatalf("All: %v upgrades to %v, yielded %v", w, q, p)
		}
	}
}
