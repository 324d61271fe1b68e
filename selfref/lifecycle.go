package selfref

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
)

// noCopy makes go vet's copylocks check report copies of the structs that
// contain it (a [Lifecycle], and so every bundle).
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}

// Lifecycle is the state every bundle carries: whether it is built, open
// or closed, the lock that orders its exclusive views and locked views
// against each other and against Close, and a pointer to itself that
// detects copies. [Cell], [Chain3] and
// the rent types use one, and so does every bundle that cmd/selfrefgen
// generates: the struct given to the generator declares a Lifecycle field,
// and the generated code calls the methods below. Code outside generated
// files rarely needs them.
//
// A Lifecycle must not be copied after its bundle is built; go vet reports
// copies, and the methods below return [ErrCopied] when called on one.
type Lifecycle struct {
	_ noCopy
	// open is l itself while the bundle is open, nil before it is built
	// and after it is closed, and the original's address in a copy: one
	// load and compare tell whether a bundle may be used. It is written
	// under mu and read without it by Check.
	open   atomic.Pointer[Lifecycle]
	self   *Lifecycle   // l itself once built; a copy's is the original's
	holder any          // under mu: while the bundle is the head of another, that one's owner storage
	mu     sync.RWMutex // shared views read-lock, exclusive ones lock
}

// markOpen marks a freshly built bundle open.
func (l *Lifecycle) markOpen() {
	l.self = l
	l.open.Store(l)
}

// isOpen reports whether the bundle is open, and l is not a copy.
func (l *Lifecycle) isOpen() bool { return l.open.Load() == l }

// markClosed marks the bundle closed; l.mu is held.
func (l *Lifecycle) markClosed() { l.open.Store(nil) }

// Check reports whether the bundle can be used: nil while it is open,
// otherwise [ErrNotBuilt], [ErrCopied] or [ErrClosed]. It does not lock:
// the answer may be stale by the time it returns if another goroutine is
// closing the bundle. It is what the shared views and the Borrow methods
// call; it inlines, and so do they.
func (l *Lifecycle) Check() error {
	if l.isOpen() {
		return nil
	}
	return l.err()
}

// err explains why the bundle cannot be used; call it only when it cannot.
// It is small enough to inline, and so are the views that call it.
func (l *Lifecycle) err() error {
	if l.self != l {
		if l.self == nil {
			return ErrNotBuilt
		}
		return ErrCopied
	}
	return ErrClosed
}

// View begins a locked shared view: it waits while an exclusive view or
// Close is in progress, then returns nil if the bundle is open, with the
// view begun, or the reason it is not, with no view begun. Every nil
// return must be paired with one [Lifecycle.EndView]. Any number of
// shared views may be in progress at once, and Close waits for the locked
// ones: use View where another goroutine may close the bundle during the
// view. It costs a read lock, a few nanoseconds more than the unlocked
// shared views that [Lifecycle.Check] serves.
func (l *Lifecycle) View() error {
	if l.self != l {
		return l.err()
	}
	l.mu.RLock()
	if !l.isOpen() {
		l.mu.RUnlock()
		return ErrClosed
	}
	return nil
}

// EndView ends a shared view begun by [Lifecycle.View].
func (l *Lifecycle) EndView() { l.mu.RUnlock() }

// ViewMut begins an exclusive view: it waits until no other locked view
// is in progress and keeps new ones waiting until [Lifecycle.EndViewMut];
// no unlocked shared view may be in progress either. It
// returns nil if the bundle is open (and, for a [Cell], not the head of
// another bundle), or the reason it cannot begin.
func (l *Lifecycle) ViewMut() error {
	if l.self != l {
		return l.err()
	}
	l.mu.Lock()
	if err := l.exclusiveErr(); err != nil {
		l.mu.Unlock()
		return err
	}
	return nil
}

// EndViewMut ends an exclusive view begun by [Lifecycle.ViewMut].
func (l *Lifecycle) EndViewMut() { l.mu.Unlock() }

// exclusiveErr is what stops an exclusive operation; l.mu is held.
func (l *Lifecycle) exclusiveErr() error {
	if !l.isOpen() {
		return ErrClosed
	}
	if l.holder != nil {
		return ErrHeld
	}
	return nil
}

// Close closes the bundle: it waits for the locked views in progress (no
// unlocked shared view may be in progress), marks the bundle closed so
// that later views report [ErrClosed], then closes the fields, given in build order, in reverse order. Each field that is an
// [io.Closer] (or whose address is) is closed once, nil ones are skipped,
// a closer that appears in two fields is closed once, and every field is
// reset to its zero value. The errors are joined, each prefixed with the
// field's name. Closing a closed bundle does nothing and returns nil.
func (l *Lifecycle) Close(fields ...Slot) error {
	if l.self != l {
		return l.err()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.isOpen() {
		return nil
	}
	if l.holder != nil {
		return ErrHeld
	}
	l.markClosed()
	c := closing{by: l}
	for i := len(fields) - 1; i >= 0; i-- {
		c.slot(fields[i])
	}
	return c.err()
}

// release closes a bundle whose fields are not closers, as the rent types
// are: once, and under the lock, it marks the bundle closed and calls
// undo, which gives back what the bundle held.
func (l *Lifecycle) release(undo func()) error {
	if l.self != l {
		return l.err()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.isOpen() {
		l.markClosed()
		undo()
	}
	return nil
}

// IntoHeads ends the bundle without closing its head fields: it waits for
// the locked views in progress (as Close does), marks the bundle closed, closes the dependents
// (the fields that are not heads, given in build order) in reverse order
// as [Lifecycle.Close] does, then calls take, which moves the heads out.
// take runs only if the bundle was open. The error joins the errors of
// closing the dependents; the heads are taken even then.
func (l *Lifecycle) IntoHeads(take func(), dependents ...Slot) error {
	if l.self != l {
		return l.err()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.exclusiveErr(); err != nil {
		return err
	}
	l.markClosed()
	c := closing{by: l}
	for i := len(dependents) - 1; i >= 0; i-- {
		c.slot(dependents[i])
	}
	take()
	return c.err()
}

// DebugString formats the bundle for debugging as name{field: value, ...},
// with fields returning alternately a field's name and its value; or, when
// the bundle cannot be read, as name{closed}, name{not built},
// name{copied} or name{busy} (an exclusive view or Close is in progress).
// It never blocks and never panics because of the bundle's state, so it is
// safe in String methods, even inside a view of the same bundle.
func (l *Lifecycle) DebugString(name string, fields func() []any) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('{')
	switch {
	case l.self == nil:
		b.WriteString("not built")
	case l.self != l:
		b.WriteString("copied")
	case !l.mu.TryRLock():
		if !l.isOpen() {
			b.WriteString("closed")
		} else {
			b.WriteString("busy")
		}
	default:
		if !l.isOpen() {
			b.WriteString("closed")
		} else {
			kv := fields()
			for i := 0; i+1 < len(kv); i += 2 {
				if i > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "%v: %v", kv[i], kv[i+1])
			}
		}
		l.mu.RUnlock()
	}
	b.WriteByte('}')
	return b.String()
}

// A Slot is one field of a bundle, as the lifecycle methods see it: its
// name, what closes it, and how to reset it. Make one with [Field].
type Slot interface {
	slotName() string
	closer() io.Closer
	zero()
}

// Field returns the [Slot] for the field that p points to, named name in
// error messages.
func Field[T any](name string, p *T) Slot { return fieldSlot[T]{name, p} }

type fieldSlot[T any] struct {
	name string
	p    *T
}

func (f fieldSlot[T]) slotName() string  { return f.name }
func (f fieldSlot[T]) closer() io.Closer { return closerOf(f.p) }
func (f fieldSlot[T]) zero()             { var z T; *f.p = z }

// Take returns *p and resets *p to its zero value: how generated
// IntoHeads methods move the heads out of a bundle.
func Take[T any](p *T) T {
	v := *p
	var z T
	*p = z
	return v
}

// closerOf returns what closes the field *p: the field's value if it is a
// non-nil io.Closer, otherwise p if *T has a Close method, otherwise nil.
func closerOf[T any](p *T) io.Closer {
	if c, ok := any(*p).(io.Closer); ok {
		if isNil(c) {
			return nil
		}
		return c
	}
	if c, ok := any(p).(io.Closer); ok {
		return c
	}
	return nil
}

// isNil reports whether v holds a nil pointer, map, slice, func or chan.
func isNil(v any) bool {
	r := reflect.ValueOf(v)
	switch r.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.Interface, reflect.UnsafePointer:
		return r.IsNil()
	}
	return false
}

// releaser is implemented by bundles that can be the head of another
// bundle: release(by) lets the bundle whose owner storage is by, if it is
// the one that holds it (or a clone or map of it, which share the
// storage), close it or take it back.
type releaser interface{ release(by any) }

// closing closes fields one after the other, each closer once, and
// collects the errors. by is the bundle whose fields they are: a head it
// holds is released before it is closed, a head another bundle holds is
// not (its Close then reports ErrHeld).
type closing struct {
	by   any
	seen []io.Closer
	errs []error
}

func (c *closing) slot(s Slot) {
	c.close(s.slotName(), s.closer())
	s.zero()
}

// field closes the field *p, then resets it.
func closeField[T any](c *closing, name string, p *T) {
	c.close(name, closerOf(p))
	var z T
	*p = z
}

func (c *closing) close(name string, cl io.Closer) {
	if cl == nil {
		return
	}
	for _, s := range c.seen {
		if sameCloser(s, cl) {
			return
		}
	}
	c.seen = append(c.seen, cl)
	if r, ok := cl.(releaser); ok {
		r.release(c.by)
	}
	if err := cl.Close(); err != nil {
		c.errs = append(c.errs, fmt.Errorf("selfref: closing %s: %w", name, err))
	}
}

func (c *closing) err() error { return errors.Join(c.errs...) }

// sameCloser reports whether a and b are the same closer, without
// panicking on closers of uncomparable types.
func sameCloser(a, b io.Closer) bool {
	if reflect.TypeOf(a) != reflect.TypeOf(b) {
		return false
	}
	// A comparable type can still hold uncomparable values (an interface
	// field holding a slice): ask the values.
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	return va.Comparable() && vb.Comparable() && va.Equal(vb)
}

// A Step is one field of a bundle under construction: its [Slot], and
// the function that builds it in place, or nil for a field whose value was
// given to the constructor and is already in place. Head marks a head
// field: one that borrows nothing, which [Lifecycle.BuildOrRecover] hands
// back instead of closing. Generated constructors pass the steps, in
// declaration order, to [Lifecycle.Build] and its variants.
type Step struct {
	Slot  Slot
	Build func(ctx context.Context) error
	Head  bool
}

// MustBuild builds a bundle with builders that cannot fail, as
// [Lifecycle.Build] does with a context that never ends; a step that
// returns an error is a programming error and panics.
func (l *Lifecycle) MustBuild(steps ...Step) {
	if err := l.build(context.Background(), false, steps); err != nil {
		panic(err)
	}
}

// Build runs the builders of steps in order and then marks the bundle
// open. Before each builder it checks ctx; if ctx has ended or a builder
// returns an error, it closes, in reverse order, the fields built so far
// and the values given, and returns a [*BuildError] naming the field. If a builder panics, it closes the
// same way and the panic continues, unchanged. Build panics if the bundle
// was already built.
func (l *Lifecycle) Build(ctx context.Context, steps ...Step) error {
	return l.build(ctx, false, steps)
}

// BuildOrRecover is [Lifecycle.Build], except that on an error the head
// fields (the steps marked Head) are left in place, neither closed nor
// reset, for the caller to hand back. A panic still closes everything.
func (l *Lifecycle) BuildOrRecover(ctx context.Context, steps ...Step) error {
	return l.build(ctx, true, steps)
}

func (l *Lifecycle) build(ctx context.Context, keepHeads bool, steps []Step) error {
	if l.self != nil {
		panic("selfref: Lifecycle.Build called on a bundle that is already built")
	}
	k := 0
	finished := false
	defer func() {
		if !finished { // a builder panicked or called runtime.Goexit
			_ = unwind(steps, k, false)
		}
	}()
	for ; k < len(steps); k++ {
		s := steps[k]
		if s.Build == nil {
			continue
		}
		err := ctx.Err()
		if err == nil {
			err = s.Build(ctx)
		}
		if err != nil {
			finished = true
			return &BuildError{Field: s.Slot.slotName(), Err: err, CloseErr: unwind(steps, k, keepHeads)}
		}
	}
	finished = true
	l.markOpen()
	return nil
}

// unwind undoes a build that failed at step failed: it closes, in reverse
// order, the values given (but not the heads if keepHeads) and the fields
// built before failed, and resets the failed field without closing it.
func unwind(steps []Step, failed int, keepHeads bool) error {
	var c closing
	for i := len(steps) - 1; i >= 0; i-- {
		s := steps[i]
		switch {
		case s.Build == nil:
			if !keepHeads || !s.Head {
				c.slot(s.Slot)
			}
		case i < failed:
			c.slot(s.Slot)
		case i == failed:
			s.Slot.zero()
		}
	}
	return c.err()
}
