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
// of the bundle wait (and new ones wait for fn to return). Any number of
// shared views may run at once, on any goroutines; each costs two atomic
// additions on a counter that goroutines share only by chance, so they
// scale across cores. Shared returns nil after calling fn, or, without
// calling it, [ErrClosed], [ErrCopied], [ErrNotBuilt], or [ErrInView]
// when it would have to wait for an exclusive operation that a view
// enclosing the call may be holding up (see "Views inside views" in the
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
// the bundle is not open, or an exclusive operation holds or waits for
// it: under a read lock. Inside a view it does not wait, and returns
// ErrInView instead: the exclusive operation may be waiting for the
// enclosing view.
func sharedSlow[T any](l *Lifecycle, arg T, fn func(T)) error {
	if l.self != l {
		return l.err()
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
	if err := l.exclusiveErr(); err != nil {
		return err
	}
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

// begin takes l for an exclusive operation (an exclusive view, Close, a
// consuming method): it waits for the exclusive operation in progress,
// turns new shared views to the slow path, where they wait, and waits for
// the shared views in progress. Inside a view it does not wait, and
// returns ErrInView instead. Every nil return is paired with one end.
func (l *Lifecycle) begin() error {
	if l.self != l {
		return l.err()
	}
	if !l.mu.TryLock() {
		if inView() {
			return ErrInView
		}
		l.mu.Lock()
	}
	l.fast.Store(nil)
	v := l.views
	if !v.busy() {
		return nil
	}
	if inView() {
		l.end()
		return ErrInView
	}
	v.mu.Lock()
	for v.busy() {
		v.drained.Wait()
	}
	v.mu.Unlock()
	return nil
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
	viewNames = []string{"Exclusive[", "Shared[", "(*Lifecycle).peek"}
)

// inView reports whether the calling goroutine is inside a view, from the
// frames of its stack: a view runner's frame below the frames of this
// package that called inView, which are the operation about to wait. It
// walks the stack, so it is called only before waiting.
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
	for {
		f, more := frames.Next()
		name, ours := strings.CutPrefix(f.Function, pkgPrefix)
		if !ours {
			outside = true
		} else if outside {
			for _, v := range viewNames {
				if strings.HasPrefix(name, v) {
					return true
				}
			}
		}
		if !more {
			return false
		}
	}
}
