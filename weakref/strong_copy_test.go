package weakref

import (
	"errors"
	"reflect"
	"sync"
	"testing"
)

// copyStrong makes a struct copy of s, as s2 := *s would (which go vet
// rejects).
func copyStrong[T any](s *Strong[T]) *Strong[T] {
	c := new(Strong[T])
	reflect.ValueOf(c).Elem().Set(reflect.ValueOf(s).Elem())
	return c
}

// A copy of a Strong holds nothing: releasing it reports ErrNotHeld and
// leaves the original's reference, and every other holder's, in place.
func TestCopiedStrongReleasesNothing(t *testing.T) {
	for _, collectable := range []bool{false, true} {
		r := New[thing](Options{Collectable: collectable})
		o := &thing{}
		w := r.Weak(o)
		s, _ := w.Strong()
		other, _ := w.Strong()
		w.Delete() // pending until both are released
		c := copyStrong(s)
		if c.Value() != nil {
			t.Fatal("a copy's Value returns the object")
		}
		if err := c.Release(); !errors.Is(err, ErrNotHeld) {
			t.Fatalf("Release of a copy = %v, want ErrNotHeld", err)
		}
		if err := c.Release(); !errors.Is(err, ErrNotHeld) {
			t.Fatalf("second Release of a copy = %v", err)
		}
		if s.Value() != o || other.Value() != o {
			t.Fatal("the copy's Release dropped a held reference")
		}
		if err := s.Release(); err != nil {
			t.Fatal(err)
		}
		if _, ok := w.Upgrade(); !ok {
			t.Fatal("deleted while other still holds it")
		}
		if err := other.Release(); err != nil {
			t.Fatal(err)
		}
		if _, ok := w.Upgrade(); ok {
			t.Fatal("not deleted after the last release")
		}
		var zero Strong[thing]
		if err := zero.Release(); !errors.Is(err, ErrNotHeld) {
			t.Fatalf("Release of the zero Strong = %v", err)
		}
	}
}

// Many goroutines release the same Strong at once: one release counts,
// and another holder's reference survives.
func TestStrongDoubleReleaseRace(t *testing.T) {
	var r Registry[thing]
	w := r.Weak(&thing{})
	keep, _ := w.Strong()
	for range 300 {
		s, _ := w.Strong()
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for range 4 {
			wg.Go(func() {
				if s.Release() == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if ok != 1 {
			t.Fatalf("%d releases succeeded", ok)
		}
		if leaks := r.Leaks(); len(leaks) != 1 || leaks[0].Count != 1 {
			t.Fatalf("leaks %v, want keep's only", leaks)
		}
	}
	keep.Release()
}
