package selfref

// Borrowed is one field of a bundle, lent by a Borrow method (such as
// [Cell.BorrowDependent]) for as long as the bundle is open. It is the Go
// form of a borrow that Rust's compiler stops from outliving its bundle:
// it gives no pointer to keep, but reads the field in a shared view each
// time it is used, so once the bundle is closed, using it returns
// [ErrClosed] instead of reading a field that Close has reset.
//
// A Borrowed is a small value, safe to copy and to use from any
// goroutine. Its zero value reports [ErrNotBuilt].
type Borrowed[T any] struct {
	l *Lifecycle
	p *T
}

// Borrow returns the [Borrowed] of the field p points to, in the bundle
// whose [Lifecycle] is l, or the reason the bundle cannot be used. It is
// what the Borrow methods of the bundles call.
func Borrow[T any](l *Lifecycle, p *T) (Borrowed[T], error) {
	if err := l.Check(); err != nil {
		return Borrowed[T]{}, err
	}
	return Borrowed[T]{l: l, p: p}, nil
}

// Get returns the field's value, read in a shared view, or, once the
// bundle is closed, the zero value and [ErrClosed]. A field that is a
// pointer gives the pointer: what it points to is the caller's to use
// while the bundle is open.
func (b Borrowed[T]) Get() (T, error) {
	var v T
	err := b.With(func(p *T) { v = *p })
	return v, err
}

// With lends the field to fn in a shared view of its bundle, as the
// bundle's With methods do, and returns what [Shared] returns.
func (b Borrowed[T]) With(fn func(field *T)) error {
	if b.l == nil {
		return ErrNotBuilt
	}
	return Shared(b.l, b.p, fn)
}
