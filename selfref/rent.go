package selfref

import "sync"

// RentMutex is a bundle that holds a lock from its construction until
// Close, and lends the data the lock guards in between: rental's prefab
// RentMutex (a mutex and its guard in one value). Go's mutexes do not own
// their data, so the bundle pairs a [sync.Locker] with a pointer to the
// data it guards.
//
// The views of a RentMutex order the goroutines that share it, as those
// of a [Cell] do; the lock itself is taken once, by [NewRentMutex], and
// released once, by [RentMutex.Close].
type RentMutex[T any] struct {
	life Lifecycle
	mu   sync.Locker
	data *T
}

// NewRentMutex locks mu, waiting for it as mu.Lock does, and returns a
// [RentMutex] that holds it and lends data. mu may be a *sync.Mutex, or a
// *sync.RWMutex to hold its write lock.
func NewRentMutex[T any](mu sync.Locker, data *T) *RentMutex[T] {
	mu.Lock()
	r := &RentMutex[T]{mu: mu, data: data}
	r.life.markOpen()
	return r
}

// With lends the data to fn in a shared view.
func (r *RentMutex[T]) With(fn func(data *T)) error {
	if !r.life.isOpen() {
		return r.life.err()
	}
	fn(r.data)
	return nil
}

// WithMut lends the data to fn in an exclusive view, so that fn may
// modify it.
func (r *RentMutex[T]) WithMut(fn func(data *T)) error {
	if err := r.life.ViewMut(); err != nil {
		return err
	}
	defer r.life.EndViewMut()
	fn(r.data)
	return nil
}

// Borrow returns the pointer to the data, or the reason the bundle cannot
// be used. The pointer must not be used after, or concurrently with,
// Close, which releases the lock.
func (r *RentMutex[T]) Borrow() (*T, error) {
	if err := r.life.Check(); err != nil {
		return nil, err
	}
	return r.data, nil
}

// Close releases the lock, once: exclusive views in progress finish
// first, shared views must not be in progress (see [Cell.Close]), later
// views return [ErrClosed], and closing again does nothing.
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
// returns a [RentRWMutex] that holds the read lock and lends data.
func NewRentRWMutex[T any](mu *sync.RWMutex, data *T) *RentRWMutex[T] {
	mu.RLock()
	r := &RentRWMutex[T]{mu: mu, data: data}
	r.life.markOpen()
	return r
}

// With lends the data to fn in a shared view; fn must not modify it.
func (r *RentRWMutex[T]) With(fn func(data *T)) error {
	if !r.life.isOpen() {
		return r.life.err()
	}
	fn(r.data)
	return nil
}

// Borrow returns the pointer to the data for reading, with the rules of
// [RentMutex.Borrow].
func (r *RentRWMutex[T]) Borrow() (*T, error) {
	if err := r.life.Check(); err != nil {
		return nil, err
	}
	return r.data, nil
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
