package selfref

import (
	"context"
	"fmt"
	"sync/atomic"
)

// Cell is a bundle of two values: an owner, and a dependent built from a
// pointer to the owner, typically something that reads from, points into
// or otherwise borrows the owner (a file and a reader over it, a buffer and
// slices of it). The owner lives in storage of its own that never moves, so
// the dependent may keep the pointer its builder received.
//
// A Cell is used through the pointer its constructor returned: views
// ([Cell.With], [Cell.WithDependent], ...) lend the fields to a function
// for the duration of the call, borrows ([Cell.BorrowDependent], ...)
// return a [Borrowed] that reads them in a view each time, and
// [Cell.Close] closes the dependent, then the owner. After Close, every
// view and borrow returns [ErrClosed].
//
// Shared views may run on any number of goroutines at once. Close, the
// consuming methods and the exclusive views (the Mut methods) wait for
// the views in progress and run one at a time; once Close has begun, new
// views return [ErrClosed] at once. See "Concurrency" in the
// package documentation.
type Cell[O, D any] struct {
	life  Lifecycle
	owner *O                      // its own storage, so it never moves
	dep   D                       //
	refs  atomic.Pointer[sharers] // set by Clone: the cells sharing owner
}

// sharers counts the open cells that share an owner; IntoOwner sets the
// count from 1 to 0, after which no clone can join.
type sharers struct{ n atomic.Int64 }

// sharers returns the count of the cells sharing c's owner, made on first
// use with c as the only one.
func (c *Cell[O, D]) sharers() *sharers {
	if r := c.refs.Load(); r != nil {
		return r
	}
	r := new(sharers)
	r.n.Store(1)
	if !c.refs.CompareAndSwap(nil, r) {
		r = c.refs.Load()
	}
	return r
}

// join counts one more cell sharing the owner, unless IntoOwner has
// taken it (the count is 0).
func (r *sharers) join() bool {
	for {
		n := r.n.Load()
		if n <= 0 {
			return false
		}
		if r.n.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// New builds a [Cell] from owner and the dependent build returns. build
// receives a pointer to the Cell's copy of owner, which stays valid, at the
// same address, as long as the Cell is open. If build panics, owner is
// closed (when it is an [io.Closer]) and the panic continues. An owner
// that is itself a bundle is not held, and may be closed on its own:
// build a Cell over another Cell with [NewSub] to hold it.
func New[O, D any](owner O, build func(owner *O) D) *Cell[O, D] {
	c := &Cell[O, D]{owner: &owner}
	defer c.closeOwnerIfUnbuilt()
	c.dep = build(c.owner)
	c.life.markOpen("selfref.Cell")
	return c
}

// closeOwnerIfUnbuilt closes the owner of a Cell whose builder panicked.
func (c *Cell[O, D]) closeOwnerIfUnbuilt() {
	if c.life.self == nil {
		cl := closing{by: c.owner}
		closeField(&cl, "owner", c.owner)
	}
}

// TryNew is [New] with a builder that can fail. If build returns an error,
// owner is closed and TryNew returns a [*BuildError] with Field
// "dependent".
func TryNew[O, D any](owner O, build func(owner *O) (D, error)) (*Cell[O, D], error) {
	c, _, err := newCell(context.Background(), owner, false, func(_ context.Context, o *O) (D, error) { return build(o) })
	return c, err
}

// TryNewOrRecover is [TryNew], except that if build fails the owner is
// not closed but handed back, with the error, for the caller to reuse or
// close. On success the returned owner is the zero value. If build panics,
// the owner is closed and the panic continues.
func TryNewOrRecover[O, D any](owner O, build func(owner *O) (D, error)) (*Cell[O, D], O, error) {
	return newCell(context.Background(), owner, true, func(_ context.Context, o *O) (D, error) { return build(o) })
}

// NewContext is [TryNew] with a builder that takes a context, Go's
// counterpart of an async builder. If ctx has already ended, build is not
// called and the error wraps ctx.Err().
func NewContext[O, D any](ctx context.Context, owner O, build func(ctx context.Context, owner *O) (D, error)) (*Cell[O, D], error) {
	c, _, err := newCell(ctx, owner, false, build)
	return c, err
}

// NewContextOrRecover is [NewContext] that hands the owner back on error,
// as [TryNewOrRecover] does.
func NewContextOrRecover[O, D any](ctx context.Context, owner O, build func(ctx context.Context, owner *O) (D, error)) (*Cell[O, D], O, error) {
	return newCell(ctx, owner, true, build)
}

func newCell[O, D any](ctx context.Context, owner O, recover bool, build func(context.Context, *O) (D, error)) (*Cell[O, D], O, error) {
	var zo O
	c := &Cell[O, D]{owner: &owner}
	finished := false
	defer func() {
		if !finished { // build panicked
			cl := closing{by: c.owner}
			closeField(&cl, "owner", c.owner)
		}
	}()
	err := ctx.Err()
	if err == nil {
		c.dep, err = build(ctx, c.owner)
	}
	finished = true
	if err == nil {
		c.life.markOpen("selfref.Cell")
		return c, zo, nil
	}
	if recover {
		return nil, owner, &BuildError{Field: "dependent", Err: err}
	}
	cl := closing{by: c.owner}
	closeField(&cl, "owner", c.owner)
	return nil, zo, &BuildError{Field: "dependent", Err: err, CloseErr: cl.err()}
}

// With lends the owner and the dependent to fn, in a shared view: fn may
// read both, and must not modify the owner, which the dependent borrows.
// While fn runs, Close and the exclusive views wait. It returns
// [ErrClosed] (or [ErrCopied], [ErrNotBuilt], [ErrInView]; see [Shared])
// without calling fn if the view cannot begin.
func (c *Cell[O, D]) With(fn func(owner *O, dep *D)) error {
	return Shared(&c.life, c, func(c *Cell[O, D]) { fn(c.owner, &c.dep) })
}

// WithMut is [Cell.With] in an exclusive view, so that fn may modify the
// dependent: it waits for the views and the Close in progress, and keeps
// new ones waiting until fn returns. It returns [ErrHeld] while c is the
// head of another bundle (see [NewSub]); see [Exclusive].
func (c *Cell[O, D]) WithMut(fn func(owner *O, dep *D)) error {
	return Exclusive(&c.life, c, func(c *Cell[O, D]) { fn(c.owner, &c.dep) })
}

// WithOwner lends the owner to fn in a shared view, as [Cell.With] does.
func (c *Cell[O, D]) WithOwner(fn func(owner *O)) error {
	return Shared(&c.life, c, func(c *Cell[O, D]) { fn(c.owner) })
}

// WithDependent lends the dependent to fn in a shared view, as
// [Cell.With] does.
func (c *Cell[O, D]) WithDependent(fn func(dep *D)) error {
	return Shared(&c.life, &c.dep, fn)
}

// WithDependentMut lends the dependent to fn in an exclusive view, as
// [Cell.WithMut] does.
func (c *Cell[O, D]) WithDependentMut(fn func(dep *D)) error {
	return Exclusive(&c.life, &c.dep, fn)
}

// BorrowOwner returns the owner as a [Borrowed], which reads it in a
// shared view each time it is used and reports [ErrClosed] once c is
// closed; or the reason c cannot be used.
func (c *Cell[O, D]) BorrowOwner() (Borrowed[O], error) {
	return Borrow(&c.life, c.owner)
}

// BorrowDependent returns the dependent as a [Borrowed], as
// [Cell.BorrowOwner] does.
func (c *Cell[O, D]) BorrowDependent() (Borrowed[D], error) {
	return Borrow(&c.life, &c.dep)
}

// Close closes the dependent and then the owner, each if it is an
// [io.Closer], and joins their errors. It marks c closed, so that new
// views return [ErrClosed] at once, then waits for the views in progress
// before closing anything. Closing again, even while the first Close is
// still closing the fields (from a field's own Close, say), does nothing
// and returns nil. If the dependent's Close panics or calls
// runtime.Goexit, the owner is closed on the way out and the panic
// continues. If the
// owner is shared with clones ([Cell.Clone]), it is closed with the last
// of them. Close returns [ErrHeld], closing nothing, while c is the head
// of another bundle, and [ErrInView] inside a view when it would have to
// wait.
func (c *Cell[O, D]) Close() error {
	if c.life.self == &c.life && !c.life.isOpen() {
		return nil
	}
	if err := c.life.beginClose(true, nil); err != nil {
		if err == ErrClosed {
			return nil
		}
		return err
	}
	defer c.life.end()
	cl := closing{by: c.owner}
	fields := []Slot{Field("dependent", &c.dep)}
	if r := c.refs.Load(); r == nil || r.n.Add(-1) == 0 {
		fields = []Slot{Field("owner", c.owner), fields[0]}
	}
	defer func() { c.owner = nil }()
	cl.slots(fields)
	return cl.err()
}

// IntoOwner ends the Cell without closing its owner: it closes the
// dependent and returns the owner. The error joins the error of closing
// the dependent (the owner is returned even then); or it is [ErrClosed],
// [ErrHeld], [ErrInView], or [ErrShared] while a clone ([Cell.Clone])
// shares the owner or is being made, and the owner is the zero value and c
// is unchanged. An owner that is a head held by c (see [NewSub]) is
// released, even if the dependent's Close panics (the panic continues,
// and the head is left open).
func (c *Cell[O, D]) IntoOwner() (O, error) {
	var zo O
	err := c.life.beginClose(false, func() error {
		// Taking the count from 1 to 0 stops clones joining: a Clone
		// counts itself before it builds, so one that this misses
		// fails instead.
		if !c.sharers().n.CompareAndSwap(1, 0) {
			return ErrShared
		}
		return nil
	})
	if err != nil {
		return zo, err
	}
	defer c.life.end()
	storage := c.owner
	defer func() {
		// Release a held head on every path, a panicking dependent's
		// Close included.
		if h := lifecycleOf(*storage); h != nil {
			h.unhold(storage)
		}
		c.owner = nil
	}()
	cl := closing{by: storage}
	closeField(&cl, "dependent", &c.dep)
	return *storage, cl.err()
}

// Clone returns a new Cell that shares c's owner (rental's clone, for a
// head that can be shared), with a dependent that cloneDep builds from the
// shared owner and c's dependent. The owner is closed when the last Cell
// sharing it is closed; each Cell closes its own dependent. cloneDep runs
// in a shared view of c. If cloneDep panics, the panic continues and
// nothing changes. Clone returns [ErrClosed] once Close or IntoOwner of c
// has begun. A clone of a Cell that holds a head (see [NewSub]) holds it
// too: the last of them closes it, and every one's Close checks it, so
// inside a view of the head each returns [ErrInView].
func (c *Cell[O, D]) Clone(cloneDep func(owner *O, dep *D) D) (*Cell[O, D], error) {
	var n *Cell[O, D]
	joined := true
	err := Shared(&c.life, c, func(c *Cell[O, D]) {
		// Count the clone before building it, so that an IntoOwner
		// either sees it (ErrShared) or stops it here.
		r := c.sharers()
		if joined = r.join(); !joined {
			return
		}
		built := false
		defer func() {
			if !built { // cloneDep panicked: c still counts, so this is not the last
				r.n.Add(-1)
			}
		}()
		dep := cloneDep(c.owner, &c.dep)
		built = true
		n = &Cell[O, D]{owner: c.owner, dep: dep}
		n.refs.Store(r)
		// The clone holds c's heads too: the last Cell sharing the
		// owner closes them, and must check them first as c would.
		n.life.held = c.life.held
		n.life.markOpen("selfref.Cell")
	})
	if err == nil && !joined {
		err = ErrClosed // IntoOwner has begun
	}
	return n, err
}

// String formats c for debugging, as selfref.Cell{owner: ..., dependent:
// ...}, or selfref.Cell{closed} and the like when c cannot be read (see
// [Lifecycle.DebugString]). It never blocks.
func (c *Cell[O, D]) String() string {
	return c.life.DebugString("selfref.Cell", func() []any {
		return []any{"owner", *c.owner, "dependent", c.dep}
	})
}

// MapDependent ends c and returns a Cell with the same owner, at the same
// address, and the dependent f makes of c's dependent (rental's
// map_suffix): for example, narrowing a reader to a section of it. f runs
// in an exclusive view of c and takes over the old dependent, which is not
// closed; inside f, c is being viewed, so its methods return [ErrInView]
// rather than wait. If f panics, c stays open. A nil c returns
// [ErrNotBuilt].
func MapDependent[O, D, E any](c *Cell[O, D], f func(dep D) E) (*Cell[O, E], error) {
	if c == nil {
		return nil, fmt.Errorf("selfref: MapDependent of a nil Cell: %w", ErrNotBuilt)
	}
	if err := c.life.begin(); err != nil {
		return nil, err
	}
	defer c.life.end()
	n := &Cell[O, E]{owner: c.owner}
	n.dep = f(c.dep)
	n.refs.Store(c.refs.Load())
	n.life.held = c.life.held
	c.life.markClosed()
	var z D
	c.dep, c.owner = z, nil
	n.life.markOpen("selfref.Cell")
	return n, nil
}

// NewSub builds a Cell whose owner is another Cell, head (rental's
// subrental): build receives pointers to head's owner and dependent, and
// the result's dependent may borrow both. The new Cell holds head: until
// it is closed, head allows only shared views, and its Close, IntoOwner
// and Mut methods return [ErrHeld]. Closing the new Cell closes its
// dependent, then head (head's dependent, then head's owner); inside a
// view, that Close returns [ErrInView], closing nothing, if closing head
// would have to wait; if head gets busy after that check (another
// goroutine begins a view of it), the error reports head's ErrInView and
// head is left open, no longer held. IntoOwner hands head back, no longer
// held. If build panics, head is closed (inside a view of head, it is
// left open and released instead) and the panic continues. A nil head
// returns [ErrNotBuilt].
func NewSub[A, B, D any](head *Cell[A, B], build func(owner *A, dep *B) D) (*Cell[*Cell[A, B], D], error) {
	if head == nil {
		return nil, fmt.Errorf("selfref: NewSub of a nil head: %w", ErrNotBuilt)
	}
	c := &Cell[*Cell[A, B], D]{owner: &head}
	if err := head.life.hold(c.owner); err != nil {
		return nil, fmt.Errorf("selfref: NewSub: %w", err)
	}
	c.life.held = []*Lifecycle{&head.life}
	defer c.closeOwnerIfUnbuilt()
	c.dep = build(head.owner, &head.dep)
	c.life.markOpen("selfref.Cell")
	return c, nil
}
