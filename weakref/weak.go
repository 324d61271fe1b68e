package weakref

import (
	"sync/atomic"

	"github.com/cellar-go/cellar/handle"
)

// Weak is a weak handle to an object of a [Registry]: it can be kept
// anywhere and passed to any goroutine, and [Weak.Upgrade] gives the object
// back if it is still there. Two Weak values are == when they name the
// same object of the same registry. The zero Weak names nothing.
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
	p, err := w.c.pin(w.h)
	if err != nil {
		return nil, err
	}
	s := &Strong[T]{w: w}
	s.p.Store(p)
	return s, nil
}

// Strong keeps an object from being deleted while it is held: a
// [Weak.Delete] meanwhile is carried out when the last Strong is released,
// and a collectable registry cannot lose the object, since the Strong
// references it. Each Strong must be released with [Strong.Release]; one
// that is never released keeps its object from ever being deleted.
type Strong[T any] struct {
	w Weak[T]
	p atomic.Pointer[T] // nil once released
}

// Value returns the object, or nil once s is released.
func (s *Strong[T]) Value() *T { return s.p.Load() }

// Weak returns the weak handle of the object.
func (s *Strong[T]) Weak() Weak[T] { return s.w }

// Release lets the object be deleted again, and carries out a deletion
// that was waiting for it. Releasing s again does nothing.
// A released Strong no longer references the object.
func (s *Strong[T]) Release() {
	if s.p.Swap(nil) != nil {
		s.w.c.unpin(s.w.h)
	}
}
