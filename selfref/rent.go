package selfref

import "sync"

// RentMutex is a bundle that holds a lock from its construction until
// Close, and lends the data the lock guards in between: rental's prefab
// RentMutex (a mutex and its guard in one value). Go's mutexes do not own
// their data, so the bundle pairs a [sync.Locker] with a pointer to the
// data it guards.
//
// The views of a RentMutex order the goroutines that share it, as those
// of a [Cell] do: Close waits for the views in progress, so the lock is
// never released under a view. The lock itself is taken once, by
// [NewRentMutex], and released once, by [RentMutex.Close].
type RentMutex[T any] struct {
	life Lifecycle
	mu   sync.Locker
	data *T
}

// NewRentMutex locks mu, waiting for it as mu.Lock does, and returns a
// [RentMutex] that holds it and lends data. mu may be a *sync.Mutex, or a
// *sync.RWMutex to hold its write lock. A nil mu or data is a
// programming error: NewRentMutex panics, before locking anything.
func NewRentMutex[T any](mu sync.Locker, data *T) *RentMutex[T] {
	if isNil(mu) || data == nil {
		panic("selfref: NewRentMutex needs a non-nil lock and data")
	}
	mu.Lock()
	r := &RentMutex[T]{mu: mu, data: data}
	r.life.markOpen("selfref.RentMutex")
	return r
}

// With lends the data to fn in a shared view; see [Shared].
func (r *RentMutex[T]) With(fn func(data *T)) error {
	return Shared(&r.life, r, func(r *RentMutex[T]) { fn(r.data) })
}

// WithMut lends the data to fn in an exclusive view, so that fn may
// modify it; see [Exclusive].
func (r *RentMutex[T]) WithMut(fn func(data *T)) error {
	return Exclusive(&r.life, r, func(r *RentMutex[T]) { fn(r.data) })
}

// Borrow returns the data as a [Borrowed], which reads it in a shared
// view each time it is used and reports [ErrClosed] once the lock is
// released; or the reason the bundle cannot be used.
func (r *RentMutex[T]) Borrow() (Borrowed[T], error) {
	if err := r.life.Check(); err != nil {
		return Borrowed[T]{}, err
	}
	return Borrow(&r.life, r.data)
}

// Close releases the lock, once: the views in progress finish first (see
// [Cell.Close]), later views return [ErrClosed], and closing again does
// nothing.
func (r *RentMutex[T]) Close() error {
	return r.life.release(func() {
		r.mu.Unlock()
		r.data = nil
	})
}

// String formats r for debugging, as selfref.RentMutex{data: ...}; see
// [Cell.String].
func (r *RentMutex[T]) String() string {
	return r.life.DebugString("selfref.RentMutex", func() []any { return []any{"data", *r.data} })
}

// RentRWMutex is a bundle that holds the read lock of a [sync.RWMutex]
// from its construction until Close, and lends the data in between:
// rental's prefab RentRwLock. Since other readers may hold the same lock,
// it lends the data for reading only; hold the write lock with a
// [RentMutex] to modify it.
type RentRWMutex[T any] struct {
	life Lifecycle
	mu   *sync.RWMutex
	data *T
}

// NewRentRWMutex read-locks mu, waiting for it as mu.RLock does, and
// returns a [RentRWMutex] that holds the read lock and lends data. A nil
// mu or data is a programming error: NewRentRWMutex panics, before
// locking anything.
func NewRentRWMutex[T any](mu *sync.RWMutex, data *T) *RentRWMutex[T] {
	if mu == nil || data == nil {
		panic("selfref: NewRentRWMutex needs a non-nil lock and data")
	}
	mu.RLock()
	r := &RentRWMutex[T]{mu: mu, data: data}
	r.life.markOpen("selfref.RentRWMutex")
	return r
}

// With lends the data to fn in a shared view; fn must not modify it.
func (r *RentRWMutex[T]) With(fn func(data *T)) error {
	return Shared(&r.life, r, func(r *RentRWMutex[T]) { fn(r.data) })
}

// Borrow returns the data for reading as a [Borrowed], as
// [RentMutex.Borrow] does.
func (r *RentRWMutex[T]) Borrow() (Borrowed[T], error) {
	if err := r.life.Check(); err != nil {
		return Borrowed[T]{}, err
	}
	return Borrow(&r.life, r.data)
}

// Close releases the read lock, once, as [RentMutex.Close] does.
func (r *RentRWMutex[T]) Close() error {
	return r.life.release(func() {
		r.mu.RUnlock()
		r.data = nil
	})
}

// String formats r for debugging, as selfref.RentRWMutex{data: ...}; see
// [Cell.String].
func (r *RentRWMutex[T]) String() string {
	return r.life.DebugString("selfref.RentRWMutex", func() []any { return []any{"data", *r.data} })
}
