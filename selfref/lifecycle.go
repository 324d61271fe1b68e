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
// or closed, the counters of the shared views in progress, the lock that
// orders the exclusive operations (exclusive views, Close, the consuming
// methods) against each other and against the shared views, and a pointer
// to itself that detects copies. [Cell], [Chain3] and the rent types use
// one, and so does every bundle that cmd/selfrefgen generates: the struct
// given to the generator declares a Lifecycle field, and the generated
// code calls [Shared], [Exclusive] and the methods below. Code outside
// generated files rarely needs them.
//
// A Lifecycle must not be copied after its bundle is built; go vet reports
// copies, and the methods below return [ErrCopied] when called on one.
type Lifecycle struct {
	_ noCopy
	// fast is l itself while the bundle is open and no exclusive
	// operation holds or waits for mu: a shared view that counts itself
	// and then loads l here may run without the lock. It is written under
	// mu.
	fast atomic.Pointer[Lifecycle]
	// open is l itself while the bundle is open, nil before it is built
	// and after it is closed, and the original's address in a copy. It is
	// written under mu and read without it by Check.
	open  atomic.Pointer[Lifecycle]
	self  *Lifecycle // l itself once built; a copy's is the original's
	views *views     // set when built
	// holder holds a holderRef: while the bundle is the head of another,
	// what identifies that one. It is set under mu, and cleared (or moved
	// to another holder) without it, so that releasing a head never waits.
	holder atomic.Value
	// held lists the heads this bundle holds (see hold), which
	// IntoHeads hands back released. Written when built, then under mu.
	held []*Lifecycle
	// track is the bundle's entry in the list of open bundles, when
	// [TrackOpen] was on as it was built.
	track *tracked
	mu    sync.RWMutex // slow-path shared views read-lock, exclusive operations lock
}

// markOpen marks a freshly built bundle open; what describes it in leak
// reports (see [Open]).
func (l *Lifecycle) markOpen(what string) {
	l.self = l
	l.views = newViews()
	if tracking.Load() {
		l.track = trackOpen(what)
	}
	l.open.Store(l)
	l.fast.Store(l)
}

// isOpen reports whether the bundle is open, and l is not a copy.
func (l *Lifecycle) isOpen() bool { return l.open.Load() == l }

// markClosed marks the bundle closed; l is taken by begin (or being
// built).
func (l *Lifecycle) markClosed() {
	l.open.Store(nil)
	l.fast.Store(nil)
	if l.track != nil {
		untrack(l.track)
		l.track = nil
	}
}

// Check reports whether the bundle can be used: nil while it is open,
// otherwise [ErrNotBuilt], [ErrCopied] or [ErrClosed]. It does not lock,
// and nothing keeps the bundle open after it returns: another goroutine
// may close it at once. Use [Shared] to read the fields.
func (l *Lifecycle) Check() error {
	if l.isOpen() {
		return nil
	}
	return l.err()
}

// err explains why the bundle cannot be used; call it only when it cannot.
func (l *Lifecycle) err() error {
	if l.self != l {
		if l.self == nil {
			return ErrNotBuilt
		}
		return ErrCopied
	}
	return ErrClosed
}

// holderRef is what Lifecycle.holder stores: a comparable box, since
// atomic.Value cannot hold nil.
type holderRef struct{ by any }

// closedByHolder is the holder of a head that the bundle holding it is
// closing: its Close is let through, with the checks of any Close (inside
// a view it returns ErrInView rather than wait), while its exclusive
// operations still return ErrHeld. Who calls that Close cannot be told,
// so no caller skips a check.
var closedByHolder any = new(byte)

// heldBy returns what identifies the bundle that holds l, or nil.
func (l *Lifecycle) heldBy() any {
	r, _ := l.holder.Load().(holderRef)
	return r.by
}

// Close closes the bundle: it marks the bundle closed, so that new views
// report [ErrClosed] at once, waits for the views in progress, then
// closes the fields, given in build order, in reverse order. Each field that is an
// [io.Closer] (or whose address is) is closed once, nil ones are skipped,
// a closer that appears in two fields is closed once, and every field is
// reset to its zero value. The errors are joined, each prefixed with the
// field's name. Closing a closed bundle, or one being closed, does
// nothing and returns nil at once. If a field's Close panics or calls
// runtime.Goexit, the fields before it are closed on the way out, from a
// deferred call that does not recover, and the panic continues.
// Close returns [ErrHeld], closing nothing, while the bundle is the head
// of another, and [ErrInView] when it is called inside a view and would
// have to wait.
func (l *Lifecycle) Close(fields ...Slot) error {
	if l.self == l && !l.isOpen() {
		return nil
	}
	if err := l.beginClose(true, nil); err != nil {
		if err == ErrClosed {
			return nil
		}
		return err
	}
	defer l.end()
	c := closing{by: l}
	c.slots(fields)
	return c.err()
}

// release closes a bundle whose fields are not closers, as the rent types
// are: once, after the views in progress, it marks the bundle closed and
// calls undo, which gives back what the bundle held. While the bundle is
// the head of another, it returns ErrHeld.
func (l *Lifecycle) release(undo func()) error {
	if l.self == l && !l.isOpen() {
		return nil
	}
	if err := l.beginClose(false, nil); err != nil {
		if err == ErrClosed {
			return nil
		}
		return err
	}
	defer l.end()
	undo()
	return nil
}

// IntoHeads ends the bundle without closing its head fields: it waits for
// the views in progress (as Close does), marks the bundle closed, closes
// the dependents (the fields that are not heads, given in build order) in
// reverse order as [Lifecycle.Close] does, then calls take, which moves
// the heads out; heads that are bundles are no longer held (see
// [Lifecycle.Build]). take runs only if the bundle was open. The error
// joins the errors of closing the dependents; the heads are taken even
// then, and even if closing a dependent panics (the panic then continues).
func (l *Lifecycle) IntoHeads(take func(), dependents ...Slot) error {
	if err := l.beginClose(false, nil); err != nil {
		return err
	}
	defer l.end()
	defer func() {
		l.unholdAll()
		take()
	}()
	c := closing{by: l}
	c.slots(dependents)
	return c.err()
}

// DebugString formats the bundle for debugging as name{field: value, ...},
// with fields returning alternately a field's name and its value; or, when
// the bundle cannot be read, as name{closed}, name{not built},
// name{copied} or name{busy} (an exclusive view or a Map function is in
// progress; a bundle whose Close has begun is closed).
// It never blocks and never panics because of the bundle's state, so it is
// safe in String methods, even inside a view of the same bundle. fields
// runs in a shared view; if it panics, the view ends and the panic
// continues. (A field's String method that panics is caught by fmt, which
// prints the panic in the field's place.)
func (l *Lifecycle) DebugString(name string, fields func() []any) string {
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('{')
	switch {
	case l.self == nil:
		b.WriteString("not built")
	case l.self != l:
		b.WriteString("copied")
	case !l.peek(func() { writeFields(&b, fields()) }):
		if !l.isOpen() {
			b.WriteString("closed")
		} else {
			b.WriteString("busy")
		}
	}
	b.WriteByte('}')
	return b.String()
}

func writeFields(b *strings.Builder, kv []any) {
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(b, "%v: %v", kv[i], kv[i+1])
	}
}

// A Slot is one field of a bundle, as the lifecycle methods see it: its
// name, what closes it, and how to reset it. Make one with [Field].
type Slot interface {
	slotName() string
	closer() io.Closer
	value() any
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
func (f fieldSlot[T]) value() any        { return *f.p }
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

// lifeType is the type of the Lifecycle field by which a bundle is
// recognised.
var lifeType = reflect.TypeFor[Lifecycle]()

// lifeFields caches, per pointer type, the index of the Lifecycle field
// of the struct it points to, or -1.
var lifeFields sync.Map // reflect.Type -> int

// lifecycleOf returns the Lifecycle of v if v is a bundle (a non-nil
// pointer to a struct with a Lifecycle field: a [Cell], a [Chain3], a rent
// type or a generated bundle), or nil. This is how a bundle recognises a
// head that is itself a bundle, so that it can hold it.
func lifecycleOf(v any) *Lifecycle {
	t := reflect.TypeOf(v)
	if t == nil || t.Kind() != reflect.Pointer {
		return nil
	}
	i, ok := lifeFields.Load(t)
	if !ok {
		idx := -1
		if e := t.Elem(); e.Kind() == reflect.Struct {
			for j := range e.NumField() {
				if e.Field(j).Type == lifeType {
					idx = j
					break
				}
			}
		}
		i, _ = lifeFields.LoadOrStore(t, idx)
	}
	r := reflect.ValueOf(v)
	if i.(int) < 0 || r.IsNil() {
		return nil
	}
	// The field is unexported, so it cannot be read as an interface; its
	// address is the Lifecycle's.
	return (*Lifecycle)(r.Elem().Field(i.(int)).Addr().UnsafePointer())
}

// hold makes l the head of the bundle identified by by: until unhold, its
// exclusive and consuming operations return [ErrHeld].
func (l *Lifecycle) hold(by any) error {
	if err := l.lock(); err != nil {
		return err
	}
	defer l.mu.Unlock()
	if l.heldBy() != nil {
		return ErrHeld
	}
	l.holder.Store(holderRef{by})
	return nil
}

// unhold releases l if the bundle identified by by holds it. It never
// waits: it may run inside a view of l.
func (l *Lifecycle) unhold(by any) {
	l.rehold(by, nil)
}

// rehold moves l, if the bundle identified by from holds it, to the one
// identified by to (nil releases it), and reports whether it did.
func (l *Lifecycle) rehold(from, to any) bool {
	return l.self == l && l.holder.CompareAndSwap(holderRef{from}, holderRef{to})
}

// closing closes fields one after the other, each closer once, and
// collects the errors. by identifies the bundle whose fields they are: a
// head it holds is released before it is closed, a head another bundle
// holds is not (its Close then reports ErrHeld).
type closing struct {
	by   any
	seen []io.Closer
	errs []error
}

func (c *closing) slot(s Slot) {
	c.close(s.slotName(), s.closer())
	s.zero()
}

// slots closes fields, given in build order, in reverse order. If a
// field's Close panics or calls runtime.Goexit, the fields before it are
// closed on the way out, from a deferred call that does not recover, and
// the panic continues.
func (c *closing) slots(fields []Slot) {
	i := len(fields)
	defer func() {
		if i > 0 { // fields[i-1].Close did not return
			fields[i-1].zero()
			c.slots(fields[:i-1])
		}
	}()
	for ; i > 0; i-- {
		c.slot(fields[i-1])
	}
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
	if h := lifecycleOf(cl); h != nil && c.by != nil && h.rehold(c.by, closedByHolder) {
		// A head held by c.by's bundle: its Close is let through.
		// Release it however that ends, so that a head it leaves open
		// (ErrInView, a panic) can be closed on its own.
		defer h.rehold(closedByHolder, nil)
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
// returns an error, or a head that cannot be held, is a programming error
// and panics with the [*BuildError].
func (l *Lifecycle) MustBuild(steps ...Step) {
	if err := l.build(context.Background(), false, steps); err != nil {
		panic(err)
	}
}

// Build runs the builders of steps in order and then marks the bundle
// open. A head field whose value is itself a bundle (a pointer to a
// [Cell], a [Chain3] or a generated bundle) is held first, as [NewSub]
// holds its head: until this bundle closes it or hands it back, its
// exclusive and consuming methods, Close included, return [ErrHeld]; a
// head that cannot be held (it is closed, or held already) fails the build
// with a [*BuildError] naming its field, and is neither closed nor reset.
// Before each builder Build checks ctx; if ctx has ended or a builder
// returns an error, it closes, in reverse order, the fields built so far
// and the values given, and returns a [*BuildError] naming the field. If a
// builder panics, it closes the same way and the panic continues,
// unchanged. Build panics if the bundle was already built.
func (l *Lifecycle) Build(ctx context.Context, steps ...Step) error {
	return l.build(ctx, false, steps)
}

// BuildOrRecover is [Lifecycle.Build], except that on an error the head
// fields (the steps marked Head) are left in place, neither closed nor
// reset, and not held, for the caller to hand back. A panic still closes
// everything.
func (l *Lifecycle) BuildOrRecover(ctx context.Context, steps ...Step) error {
	return l.build(ctx, true, steps)
}

func (l *Lifecycle) build(ctx context.Context, keepHeads bool, steps []Step) error {
	if l.self != nil {
		panic("selfref: Lifecycle.Build called on a bundle that is already built")
	}
	for i, s := range steps {
		if s.Build != nil {
			continue
		}
		h := lifecycleOf(s.Slot.value())
		if h == nil {
			continue
		}
		if err := h.hold(l); err != nil {
			l.unholdAll()
			return &BuildError{Field: s.Slot.slotName(), Err: err, CloseErr: unwind(steps, -1, keepHeads, i)}
		}
		l.held = append(l.held, h)
	}
	k := 0
	finished := false
	defer func() {
		if !finished { // a builder panicked or called runtime.Goexit
			l.unholdAll()
			_ = unwind(steps, k, false, -1)
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
			l.unholdAll()
			return &BuildError{Field: s.Slot.slotName(), Err: err, CloseErr: unwind(steps, k, keepHeads, -1)}
		}
	}
	finished = true
	names := make([]string, len(steps))
	for i, s := range steps {
		names[i] = s.Slot.slotName()
	}
	l.markOpen("{" + strings.Join(names, ", ") + "}")
	return nil
}

// unholdAll releases the heads l holds.
func (l *Lifecycle) unholdAll() {
	for _, h := range l.held {
		h.unhold(l)
	}
	l.held = nil
}

// unwind undoes a build that failed at step failed: it closes, in reverse
// order, the values given (but not the heads if keepHeads, nor the value
// of step skip) and the fields built before failed, and resets the failed
// field without closing it. The heads must have been released.
func unwind(steps []Step, failed int, keepHeads bool, skip int) error {
	var c closing
	for i := len(steps) - 1; i >= 0; i-- {
		s := steps[i]
		switch {
		case i == skip:
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
