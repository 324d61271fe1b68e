package weakref

import "github.com/cellar-go/cellar/handle"

// Weak is a weak handle to an object of a [Registry]: it can be kept
// anywhere and passed to any goroutine, and [Weak.Upgrade] gives the object
// back if it is still there. Two Weak values are == when they are the same
// registration of an object: the same registry gave them out for the same
// object, with no deletion in between. An object deleted while a [Strong]
// holds it and then registered again has two handles, which are not ==;
// the old one stops upgrading when the last Strong is released. The zero
// Weak names nothing.
type Weak[T any] struct {
	c *core[T]
	h handle.Handle
}

// Upgrade returns the object and true, or nil and false if it was deleted
// (or, in a collectable registry, collected). It never returns another
// object, takes no lock and does not allocate.
func (w Weak[T]) Upgrade() (*T, bool) {
	if w.c == nil {
		return nil, false
	}
	if !w.c.collect {
		return w.c.strong.Get(w.h)
	}
	p := w.c.get(w.h)
	return p, p != nil
}

// UpgradeOr returns the object, or fallback if it is gone.
func (w Weak[T]) UpgradeOr(fallback *T) *T {
	if p, ok := w.Upgrade(); ok {
		return p
	}
	return fallback
}

// Delete deletes the object from its registry: from then on every handle
// to it reports it gone, and the registry no longer references it. If a
// [Strong] to it is held, the deletion waits until the last one is
// released, and the object stays upgradable until then.
//
// Delete returns an [*Error] wrapping [ErrNull] for the zero Weak and
// [ErrGone] if the object was already gone. Deleting an object whose
// deletion is waiting for a Strong to be released does nothing.
func (w Weak[T]) Delete() error {
	return w.c.delete(w.h)
}

// Raw returns the handle as a plain integer, 0 for the zero Weak. It holds
// no pointer: store it in a global, a file, a C or WebAssembly value, and
// turn it back into a handle with [Registry.FromRaw] of the same registry,
// which validates it.
func (w Weak[T]) Raw() uint64 { return uint64(w.h) }

// IsZero reports whether w is the zero Weak.
func (w Weak[T]) IsZero() bool { return w.c == nil }

// String formats the handle as "weakref.Weak(index.generation@registry)".
func (w Weak[T]) String() string { return "weakref.Weak(" + w.h.String() + ")" }

// Strong returns a [Strong] to the object, which keeps it from being
// deleted until released. It returns an [*Error] wrapping [ErrNull] for
// the zero Weak, and [ErrGone] if the object is gone.
func (w Weak[T]) Strong() (*Strong[T], error) {
	if w.c == nil {
		return nil, &Error{Op: "strong", Err: ErrNull}
	}
	s := &Strong[T]{c: w.c}
	s.self = s
	p, err := w.c.pin(&s.pin, w.h)
	if err != nil {
		return nil, err
	}
	s.keep = p
	if trackSites.Load() {
		w.c.sites.add(s, callerSite())
	}
	return s, nil
}

// Strong keeps an object from being deleted while it is held: a
// [Weak.Delete] meanwhile is carried out when the last Strong is released,
// and a collectable registry cannot lose the object, since the Strong
// references it. Each Strong must be released with [Strong.Release]; one
// that is never released keeps its object from ever being deleted, and
// [Registry.Leaks] lists it.
//
// Each Strong holds its own reference: releasing one never releases
// another's. A Strong must be used through the pointer [Weak.Strong]
// returns; a copy of the struct holds nothing (go vet reports such
// copies), and its Release reports [ErrNotHeld].
type Strong[T any] struct {
	c *core[T]
	// s itself. A copy of s has s's address here, so it holds nothing:
	// unlike a handle.Pin, whose copies share its pin, a Strong is used
	// through its pointer, and a copy is a mistake.
	self *Strong[T]
	pin  handle.Pin // the reference, and the handle: held from Weak.Strong to Release
	// The object, so that a collectable registry cannot lose it; nil once
	// released. Written only before s is returned and by the one Release
	// that succeeds; never read, so Value needs no atomic for it.
	keep *T
}

// Value returns the object, or nil once s is released (and for a copy of
// a Strong).
func (s *Strong[T]) Value() *T {
	if s.self != s || !s.pin.Held() {
		return nil
	}
	// While s holds its pin, the handle is live (a deletion waits), so
	// the lookup finds the object; after a concurrent Release it may find
	// nothing, and never another object.
	return s.c.get(s.pin.Handle())
}

// Weak returns the weak handle of the object.
func (s *Strong[T]) Weak() Weak[T] { return Weak[T]{c: s.c, h: s.pin.Handle()} }

// Release lets the object be deleted again, and carries out a deletion
// that was waiting for it. A released Strong no longer references the
// object.
//
// Releasing s again, or a copy of a Strong, releases nothing and returns
// an [*Error] wrapping [ErrNotHeld]; so does the zero Strong.
func (s *Strong[T]) Release() error {
	if s.self != s || !s.c.unpin(&s.pin) {
		return &Error{Op: "release", Raw: uint64(s.pin.Handle()), Err: ErrNotHeld}
	}
	s.keep = nil
	s.c.sites.remove(s)
	return nil
}
