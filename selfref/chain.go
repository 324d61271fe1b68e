package selfref

import (
	"context"
	"fmt"
)

// Chain3 is a bundle of three values, each borrowing from those before it:
// a head, a middle built from a pointer to the head, and a tail built from
// pointers to both (a database, a transaction on it and a statement
// prepared in the transaction; a file, a decoder over it and a cursor over
// the decoder). It is closed in reverse: tail, middle, head. The head and
// the middle live in storage that never moves, so the middle and the tail
// may keep the pointers their builders received.
//
// Chain3 has the views, borrows and lifecycle of a [Cell], with the fields
// named head, middle and tail; the same rules and caveats apply. Longer
// chains, or chains with named fields, are what cmd/selfrefgen generates.
type Chain3[A, B, C any] struct {
	life Lifecycle
	p    *chainPrefix[A, B] // its own storage, so it never moves
	tail C
}

type chainPrefix[A, B any] struct {
	head   A
	middle B
}

// NewChain3 builds a [Chain3] from head, the middle that buildMiddle
// returns and the tail that buildTail returns, in that order. If a builder
// panics, what was built is closed in reverse order and the panic
// continues. A head that is itself a bundle is held until the chain
// closes it or hands it back (see [Lifecycle.Build]); NewChain3 panics if
// it cannot be held, and [TryNewChain3] returns the error.
func NewChain3[A, B, C any](head A, buildMiddle func(head *A) B, buildTail func(head *A, middle *B) C) *Chain3[A, B, C] {
	ch, _, err := newChain3(context.Background(), head, false,
		func(_ context.Context, a *A) (B, error) { return buildMiddle(a), nil },
		func(_ context.Context, a *A, b *B) (C, error) { return buildTail(a, b), nil })
	if err != nil {
		panic(err) // the builders cannot fail: the head could not be held
	}
	return ch
}

// TryNewChain3 is [NewChain3] with builders that can fail. If one does,
// what was built is closed in reverse order, head included, and the error
// is a [*BuildError] with Field "middle" or "tail".
func TryNewChain3[A, B, C any](head A, buildMiddle func(head *A) (B, error), buildTail func(head *A, middle *B) (C, error)) (*Chain3[A, B, C], error) {
	ch, _, err := newChain3(context.Background(), head, false,
		func(_ context.Context, a *A) (B, error) { return buildMiddle(a) },
		func(_ context.Context, a *A, b *B) (C, error) { return buildTail(a, b) })
	return ch, err
}

// TryNewChain3OrRecover is [TryNewChain3], except that on an error the
// head is not closed but handed back; a middle already built is closed.
func TryNewChain3OrRecover[A, B, C any](head A, buildMiddle func(head *A) (B, error), buildTail func(head *A, middle *B) (C, error)) (*Chain3[A, B, C], A, error) {
	return newChain3(context.Background(), head, true,
		func(_ context.Context, a *A) (B, error) { return buildMiddle(a) },
		func(_ context.Context, a *A, b *B) (C, error) { return buildTail(a, b) })
}

// NewChain3Context is [TryNewChain3] with builders that take a context.
// ctx is checked before each builder runs.
func NewChain3Context[A, B, C any](ctx context.Context, head A, buildMiddle func(ctx context.Context, head *A) (B, error), buildTail func(ctx context.Context, head *A, middle *B) (C, error)) (*Chain3[A, B, C], error) {
	ch, _, err := newChain3(ctx, head, false, buildMiddle, buildTail)
	return ch, err
}

// NewChain3ContextOrRecover is [NewChain3Context] that hands the head back
// on error, as [TryNewChain3OrRecover] does.
func NewChain3ContextOrRecover[A, B, C any](ctx context.Context, head A, buildMiddle func(ctx context.Context, head *A) (B, error), buildTail func(ctx context.Context, head *A, middle *B) (C, error)) (*Chain3[A, B, C], A, error) {
	return newChain3(ctx, head, true, buildMiddle, buildTail)
}

func newChain3[A, B, C any](ctx context.Context, head A, recover bool, buildMiddle func(context.Context, *A) (B, error), buildTail func(context.Context, *A, *B) (C, error)) (*Chain3[A, B, C], A, error) {
	ch := &Chain3[A, B, C]{p: &chainPrefix[A, B]{head: head}}
	p := ch.p
	var za A
	err := ch.life.build(ctx, recover, []Step{
		{Slot: Field("head", &p.head), Head: true},
		{Slot: Field("middle", &p.middle), Build: func(ctx context.Context) (err error) {
			p.middle, err = buildMiddle(ctx, &p.head)
			return err
		}},
		{Slot: Field("tail", &ch.tail), Build: func(ctx context.Context) (err error) {
			ch.tail, err = buildTail(ctx, &p.head, &p.middle)
			return err
		}},
	})
	if err != nil {
		if recover {
			return nil, p.head, err
		}
		return nil, za, err
	}
	return ch, za, nil
}

// With lends the three fields to fn in a shared view; see [Cell.With].
func (ch *Chain3[A, B, C]) With(fn func(head *A, middle *B, tail *C)) error {
	return Shared(&ch.life, ch, func(ch *Chain3[A, B, C]) { fn(&ch.p.head, &ch.p.middle, &ch.tail) })
}

// WithMut lends the three fields to fn in an exclusive view; fn may
// modify the tail. See [Cell.WithMut].
func (ch *Chain3[A, B, C]) WithMut(fn func(head *A, middle *B, tail *C)) error {
	return Exclusive(&ch.life, ch, func(ch *Chain3[A, B, C]) { fn(&ch.p.head, &ch.p.middle, &ch.tail) })
}

// WithHead lends the head to fn in a shared view.
func (ch *Chain3[A, B, C]) WithHead(fn func(head *A)) error {
	return Shared(&ch.life, ch, func(ch *Chain3[A, B, C]) { fn(&ch.p.head) })
}

// WithMiddle lends the middle to fn in a shared view.
func (ch *Chain3[A, B, C]) WithMiddle(fn func(middle *B)) error {
	return Shared(&ch.life, ch, func(ch *Chain3[A, B, C]) { fn(&ch.p.middle) })
}

// WithTail lends the tail to fn in a shared view.
func (ch *Chain3[A, B, C]) WithTail(fn func(tail *C)) error {
	return Shared(&ch.life, &ch.tail, fn)
}

// WithTailMut lends the tail to fn in an exclusive view.
func (ch *Chain3[A, B, C]) WithTailMut(fn func(tail *C)) error {
	return Exclusive(&ch.life, &ch.tail, fn)
}

// BorrowHead returns the head as a [Borrowed]; see [Cell.BorrowOwner].
func (ch *Chain3[A, B, C]) BorrowHead() (Borrowed[A], error) {
	if err := ch.life.Check(); err != nil {
		return Borrowed[A]{}, err
	}
	return Borrow(&ch.life, &ch.p.head)
}

// BorrowMiddle returns the middle as a [Borrowed]; see [Cell.BorrowOwner].
func (ch *Chain3[A, B, C]) BorrowMiddle() (Borrowed[B], error) {
	if err := ch.life.Check(); err != nil {
		return Borrowed[B]{}, err
	}
	return Borrow(&ch.life, &ch.p.middle)
}

// BorrowTail returns the tail as a [Borrowed]; see [Cell.BorrowOwner].
func (ch *Chain3[A, B, C]) BorrowTail() (Borrowed[C], error) {
	return Borrow(&ch.life, &ch.tail)
}

// Close closes the tail, the middle and the head, in that order, each if
// it is an [io.Closer], and joins their errors. As with [Cell.Close], the
// views in progress finish first and later views return [ErrClosed].
// Closing again does nothing. A head that is a bundle is held by the
// chain (see [Lifecycle.Build]) and closed with it. See [Lifecycle.Close]
// for what happens when a field's Close panics.
func (ch *Chain3[A, B, C]) Close() error {
	if ch.life.self != &ch.life {
		return ch.life.err()
	}
	p := ch.p
	return ch.life.Close(Field("head", &p.head), Field("middle", &p.middle), Field("tail", &ch.tail))
}

// IntoHead ends the chain without closing its head: it closes the tail
// and the middle, in that order, and returns the head. The error joins the
// errors of those closes (the head is returned even then, and no longer
// held), or it is [ErrClosed], [ErrHeld] or [ErrInView].
func (ch *Chain3[A, B, C]) IntoHead() (A, error) {
	var head A
	if ch.life.self != &ch.life {
		return head, ch.life.err()
	}
	p := ch.p
	err := ch.life.IntoHeads(func() { head = Take(&p.head) }, Field("middle", &p.middle), Field("tail", &ch.tail))
	return head, err
}

// String formats ch for debugging, as selfref.Chain3{head: ..., middle:
// ..., tail: ...}; see [Cell.String].
func (ch *Chain3[A, B, C]) String() string {
	return ch.life.DebugString("selfref.Chain3", func() []any {
		return []any{"head", ch.p.head, "middle", ch.p.middle, "tail", ch.tail}
	})
}

// MapTail ends ch and returns a chain with the same head and middle, at
// the same addresses, and the tail f makes of ch's tail; see
// [MapDependent]. A nil ch returns [ErrNotBuilt].
func MapTail[A, B, C, E any](ch *Chain3[A, B, C], f func(tail C) E) (*Chain3[A, B, E], error) {
	if ch == nil {
		return nil, fmt.Errorf("selfref: MapTail of a nil Chain3: %w", ErrNotBuilt)
	}
	if err := ch.life.begin(); err != nil {
		return nil, err
	}
	defer ch.life.end()
	n := &Chain3[A, B, E]{p: ch.p}
	n.tail = f(ch.tail)
	ch.life.markClosed()
	var z C
	ch.tail = z // ch.p stays: it never changes after a build, so Close may read it unlocked
	n.life.held, ch.life.held = ch.life.held, nil
	for _, h := range n.life.held {
		h.rehold(&ch.life, &n.life)
	}
	n.life.markOpen("selfref.Chain3")
	return n, nil
}
