package selfref

import (
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Shared runs fn(arg) in a shared view of the bundle whose [Lifecycle] is
// l: while fn runs, Close, the consuming methods and the exclusive views
// of the bundle wait (and new ones wait for fn to return). Shared never
// waits for a Close: once one has begun, Shared returns [ErrClosed]. Any number of
// shared views may run at once, on any goroutines; each costs two atomic
// additions on a counter that goroutines share only by chance, so they
// scale across cores. Shared returns nil after calling fn, or, without
// calling it, [ErrClosed], [ErrCopied], [ErrNotBuilt], or [ErrInView]
// when it would have to wait for an exclusive view or a Map function that
// a view enclosing the call may be holding up (see "Views inside views" in the
// package documentation).
//
// arg must not read the bundle's fields: pass pointers to them, and let
// fn read through the pointers. Generated bundles and every shared view
// of this package use Shared; a panic in fn ends the view and continues.
func Shared[T any](l *Lifecycle, arg T, fn func(T)) error {
	// The fast path is enter, written out: a call less per view.
	v := l.views
	if v == nil {
		return sharedSlow(l, arg, fn)
	}
	s := v.shard()
	s.n.Add(1)
	if l.fast.Load() != l {
		l.backOff(s)
		return sharedSlow(l, arg, fn)
	}
	defer l.leave(s)
	fn(arg)
	return nil
}

// sharedSlow runs a shared view that cannot take the fast path because
// the bundle is not open, or an exclusive view or a consuming method
// holds or waits for it: under a read lock. A closed bundle (one whose
// Close has begun) returns ErrClosed before anything else, so a view
// never waits for a Close. Inside a view it does not wait, and returns
// ErrInView instead: the exclusive operation may be waiting for the
// enclosing view.
func sharedSlow[T any](l *Lifecycle, arg T, fn func(T)) error {
	if l.self != l {
		return l.err()
	}
	if !l.isOpen() {
		return ErrClosed
	}
	if !l.mu.TryRLock() {
		if inView() {
			return ErrInView
		}
		l.mu.RLock()
	}
	defer l.mu.RUnlock()
	if !l.isOpen() {
		return ErrClosed
	}
	fn(arg)
	return nil
}

// Exclusive runs fn(arg) in an exclusive view of the bundle whose
// [Lifecycle] is l: it waits for the views and the Close in progress,
// keeps new ones waiting until fn returns, and so lets fn modify the
// fields that no other field borrows. It returns nil after calling fn, or,
// without calling it, [ErrClosed], [ErrCopied], [ErrNotBuilt], [ErrHeld]
// (the bundle is the head of another bundle), or [ErrInView] when it is
// called inside a view and would have to wait (see "Views inside views"
// in the package documentation). A panic in fn ends the view and
// continues.
func Exclusive[T any](l *Lifecycle, arg T, fn func(T)) error {
	if err := l.begin(); err != nil {
		return err
	}
	defer l.end()
	fn(arg)
	return nil
}

// views counts the shared views in progress on the fast path, in shards
// padded to their own cache lines so that goroutines on different cores
// rarely touch the same line.
type views struct {
	shards [shardCount]shard
	mu     sync.Mutex // with drained: an exclusive operation waits for the counts to reach zero
	// drained is broadcast by a view that ends while an exclusive
	// operation may be waiting for it.
	drained sync.Cond
}

type shard struct {
	n atomic.Int32
	_ [64 - 4]byte
}

// shardCount is the number of counters of each bundle, a power of two:
// enough that a few goroutines viewing one bundle at once seldom share a
// counter, few enough that a bundle stays small (512 bytes of counters).
// A constant, so that picking a counter needs no bounds check.
const (
	shardBits  = 3
	shardCount = 1 << shardBits
)

func newViews() *views {
	v := new(views)
	v.drained.L = &v.mu
	return v
}

// shard picks the counter of the calling goroutine from the address of
// its stack: goroutines have stacks of their own, at least 2 KiB apart,
// so they tend to pick different counters, at no cost. The address is
// only hashed (a Fibonacci hash of its 2 KiB block), never turned back
// into a pointer; a goroutine whose stack moves picks another counter next
// time, and leaves the one it counted on.
func (v *views) shard() *shard {
	var x byte
	a := uint32(uintptr(unsafe.Pointer(&x)) >> 11)
	return &v.shards[(a*0x9E3779B9)>>(32-shardBits)]
}

// busy reports whether a shared view is counted on the fast path.
func (v *views) busy() bool {
	for i := range v.shards {
		if v.shards[i].n.Load() != 0 {
			return true
		}
	}
	return false
}

// enter begins a shared view on the fast path: it counts the view and
// returns its counter, or returns nil, counting nothing, if the view must
// take the slow path.
func (l *Lifecycle) enter() *shard {
	v := l.views
	if v == nil {
		return nil
	}
	s := v.shard()
	s.n.Add(1)
	if l.fast.Load() == l {
		return s
	}
	l.backOff(s)
	return nil
}

// backOff ends a view counted on s that found the fast path closed.
func (l *Lifecycle) backOff(s *shard) {
	s.n.Add(-1)
	l.views.wake()
}

// leave ends a fast-path view counted on s, and wakes the exclusive
// operation that may be waiting for it.
func (l *Lifecycle) leave(s *shard) {
	s.n.Add(-1)
	if l.fast.Load() != l {
		l.views.wake()
	}
}

func (v *views) wake() {
	v.mu.Lock()
	v.drained.Broadcast()
	v.mu.Unlock()
}

// begin takes l for an exclusive operation that leaves the bundle open
// (an exclusive view, a Map function): it checks that l is open and not
// held, turns new shared views to the slow path, where they wait, and
// waits for the shared views in progress. Inside a view it does not wait,
// and returns ErrInView instead. Every nil return is paired with one end.
func (l *Lifecycle) begin() error {
	if err := l.lock(); err != nil {
		return err
	}
	if l.heldBy() != nil {
		l.end()
		return ErrHeld
	}
	l.fast.Store(nil)
	if l.views.busy() && inView() {
		l.end()
		return ErrInView
	}
	l.views.wait()
	return nil
}

// beginClose takes l for an operation that ends the bundle (Close, a
// consuming method): it checks that l is open and not held (a head that
// its holder is closing may be closed: see closing.close), marks it
// closed, so that new shared views return ErrClosed at once instead of
// waiting, and waits for the shared views in progress. Inside a view it
// returns ErrInView instead of waiting, before changing anything; so it
// does, if heads (the operation closes the heads l holds), when closing
// one would have to wait. check adds the operation's own condition; it
// runs last, so that nothing fails after it. Every nil return is paired
// with one end.
func (l *Lifecycle) beginClose(heads bool, check func() error) error {
	if err := l.lock(); err != nil {
		return err
	}
	if by := l.heldBy(); by != nil && by != closedByHolder {
		l.end()
		return ErrHeld
	}
	if (l.views.busy() || heads && l.headsBusy()) && inView() {
		l.end()
		return ErrInView
	}
	if check != nil {
		if err := check(); err != nil {
			l.end()
			return err
		}
	}
	l.markClosed()
	l.views.wait()
	return nil
}

// lock takes mu for an exclusive operation on l, an open original. Inside
// a view it does not wait for mu, and returns ErrInView instead.
func (l *Lifecycle) lock() error {
	if l.self != l {
		return l.err()
	}
	if !l.isOpen() {
		return ErrClosed
	}
	if !l.mu.TryLock() {
		if inView() {
			return ErrInView
		}
		l.mu.Lock()
	}
	if !l.isOpen() {
		l.mu.Unlock()
		return ErrClosed
	}
	return nil
}

// headsBusy reports whether closing the heads that l holds would have to
// wait now; l is locked.
func (l *Lifecycle) headsBusy() bool {
	for _, h := range l.held {
		if h.busy() {
			return true
		}
	}
	return false
}

// busy reports whether closing l would have to wait now: a view or an
// exclusive operation is in progress on l, or on a head it holds.
func (l *Lifecycle) busy() bool {
	if l.self != l || !l.isOpen() {
		return false
	}
	if l.views.busy() || !l.mu.TryLock() {
		return true
	}
	defer l.mu.Unlock()
	return l.headsBusy()
}

// wait waits for the shared views counted on the fast path to end; the
// fast path is closed.
func (v *views) wait() {
	if !v.busy() {
		return
	}
	v.mu.Lock()
	for v.busy() {
		v.drained.Wait()
	}
	v.mu.Unlock()
}

// end ends an exclusive operation begun by begin, reopening the fast path
// if the bundle is still open.
func (l *Lifecycle) end() {
	if l.isOpen() {
		l.fast.Store(l)
	}
	l.mu.Unlock()
}

// peek runs fn in a shared view if one can begin without waiting, and
// reports whether it did: what String methods use, so that they never
// block.
func (l *Lifecycle) peek(fn func()) bool {
	if s := l.enter(); s != nil {
		defer l.leave(s)
		fn()
		return true
	}
	if l.self != l || !l.mu.TryRLock() {
		return false
	}
	defer l.mu.RUnlock()
	if !l.isOpen() {
		return false
	}
	fn()
	return true
}

// The functions whose frames mark a view in progress, by name: the view
// runners, with or without type arguments.
var (
	pkgPrefix = reflect.TypeFor[Lifecycle]().PkgPath() + "."
	viewNames = []string{"Exclusive[", "Shared[", "(*Lifecycle).peek", "MapDependent[", "MapTail["}
)

// inView reports whether the calling goroutine is inside a view, from the
// frames of its stack: a view runner's frame below the frames of this
// package that called inView, which are the operation about to wait. It
// walks the stack, so it is called only before waiting.
//
// A view runner's frame counts even while a panic or runtime.Goexit
// unwinds through it. The deferred calls the runtime then runs may belong
// to functions above the view, whose deferred calls run before the view's
// own deferred end, or to functions below it, after; the stack does not
// say which (a closure's name says where it was written, not which frame
// deferred it), so such a call counts as inside the view. At worst that
// returns ErrInView where waiting was safe, never a wait for the calling
// goroutine's own view.
func inView() bool {
	pcs := make([]uintptr, 64)
	for {
		n := runtime.Callers(2, pcs)
		if n < len(pcs) {
			pcs = pcs[:n]
			break
		}
		pcs = make([]uintptr, 2*len(pcs))
	}
	frames := runtime.CallersFrames(pcs)
	outside := false
	for more := true; more; {
		var f runtime.Frame
		f, more = frames.Next()
		name, ours := strings.CutPrefix(f.Function, pkgPrefix)
		if !ours {
			outside = true
			continue
		}
		if !outside {
			continue
		}
		for _, v := range viewNames {
			if strings.HasPrefix(name, v) {
				return true
			}
		}
	}
	return false
}
