package externref

import (
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync/atomic"

	"github.com/cellar-go/cellar/handle"
)

// TableID is the table id of the process-wide table that holds every
// reference; raw values carry it in their top 12 bits, and a raw value
// with another id is rejected as [ErrForged]. It is a fixed id (see
// handle.FirstFixedID), which no other table gets.
const TableID = handle.MaxTableID

// entry is what the table stores for one reference. Its count goes from 1
// down to 0 and never comes back: a count is only ever added to a
// positive one, so once the last release has dropped it to 0, every
// clone, release and raw round trip fails, whatever the table still says
// about the handle until the release deletes it.
type entry struct {
	// more is the count minus 1, so that a new entry needs no atomic
	// store: 0 is one count, -1 is released.
	more atomic.Int64
	seq  uint64 // creation order, from 1; assigned under the table's lock
	val  any    // the value, or an *extra holding it
}

// extra holds the value of a reference that needs more than a value, so
// that a plain reference is 32 bytes.
type extra struct {
	v       any
	release func(any) // run once, by the release that drops the count to zero
	scope   *Scope    // the scope that created the reference, if any
	site    string    // the creation site, if site tracking was on
}

var (
	table      = handle.New[entry](TableID)
	seq        uint64 // the last creation number; guarded by the table's lock
	trackSites atomic.Bool
)

// Ref is a reference-counted handle to an opaque host value: the value a
// WebAssembly guest sees as an externref. Its zero value is the null
// reference; every other Ref names one value created by [New] (or one of
// its variants) and is counted until its last [Ref.Release].
//
// A Ref is a small comparable value. == is identity: two Refs are equal
// exactly when they name the same allocation, that is when one was copied,
// cloned or round-tripped through a raw value from the other. Two Refs
// made by two calls of [New] are never equal, even if their values are
// equal (New(1) != New(1)); [Ref.Hash] and [Ref.Compare] agree with ==.
// A Ref is therefore usable as a map key and as the argument of an engine
// task, where the same Ref (or a clone) is the same task and two Refs with
// equal values are two tasks.
//
// A Ref is process-local: its raw value means nothing in another process
// and must never be persisted.
type Ref struct {
	h   handle.Handle
	seq uint64
}

// New wraps v in a new reference with a count of 1.
func New(v any) Ref { return newRef(&entry{val: v}) }

// NewWith makes a reference to the value fn returns, calling fn once.
func NewWith(fn func() any) Ref { return newRef(&entry{val: fn()}) }

// NewWithRelease is [New] with a release callback: when the count drops to
// zero, release(v) runs exactly once, on the goroutine of that last
// [Ref.Release]. A nil release is allowed.
func NewWithRelease(v any, release func(v any)) Ref {
	return newRef(&entry{val: &extra{v: v, release: release}})
}

// TrackSites turns on (or off) the recording of the creation site of each
// new reference, shown by [Live] and [Scope.Leaks]. It costs a stack walk
// per creation, so it is off by default.
func TrackSites(on bool) { trackSites.Store(on) }

func newRef(e *entry) Ref {
	if trackSites.Load() {
		x := e.extras()
		if x == nil {
			x = &extra{v: e.val}
			e.val = x
		}
		x.site = callerSite()
	}
	w := table.Lock()
	seq++
	e.seq = seq
	h := w.Insert(e)
	w.Unlock()
	return Ref{h: h, seq: e.seq}
}

// acquire adds a count to e if it has one.
func (e *entry) acquire() bool {
	for {
		n := e.more.Load()
		if n < 0 {
			return false
		}
		if e.more.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

func callerSite() string {
	for skip := 3; skip < 8; skip++ {
		_, file, line, ok := runtime.Caller(skip)
		if !ok {
			break
		}
		if !isOwnFile(file) {
			return file + ":" + strconv.Itoa(line)
		}
	}
	return "unknown"
}

var ownDir = func() string {
	_, file, _, _ := runtime.Caller(0)
	for i := len(file) - 1; i >= 0; i-- {
		if file[i] == '/' {
			return file[:i+1]
		}
	}
	return file
}()

// isOwnFile reports whether file is a non-test source file of this package.
func isOwnFile(file string) bool {
	if len(file) <= len(ownDir) || file[:len(ownDir)] != ownDir {
		return false
	}
	rest := file[len(ownDir):]
	for i := range len(rest) {
		if rest[i] == '/' {
			return false
		}
	}
	return len(rest) < 8 || rest[len(rest)-8:] != "_test.go"
}

// IsNull reports whether r is the null reference.
func (r Ref) IsNull() bool { return r.h == 0 }

// Clone adds a count to r and returns r itself: a clone is the same
// reference (== r), to be released once more. Cloning the null reference
// or a reference whose last count was released reports [ErrNull] or
// [ErrReleased]. Clone is lock-free.
func (r Ref) Clone() (Ref, error) {
	e, ok := table.Get(r.h)
	if !ok || !e.acquire() {
		return Ref{}, r.fail("clone")
	}
	return r, nil
}

// Release drops one count of r. The release that drops the last count
// runs the release callback, if any, and frees the reference: from then on
// every operation on r, or on a copy or clone of it, reports
// [ErrReleased] (or returns the zero value). Releasing more times than r
// was counted is detected and reported as [ErrReleased]; releasing the
// null reference reports [ErrNull].
func (r Ref) Release() error {
	e, ok := table.Get(r.h)
	if !ok {
		return r.fail("release")
	}
	// Dead is terminal: once the count is -1 nothing adds to it, so an
	// over-release that takes it lower only has to undo its decrement.
	switch n := e.more.Add(-1); {
	case n == -1:
		table.Delete(r.h)
		e.finish()
	case n < -1:
		e.more.Add(1)
		return r.fail("release")
	}
	return nil
}

// value returns the value of e.
func (e *entry) value() any {
	if x, ok := e.val.(*extra); ok {
		return x.v
	}
	return e.val
}

// extras returns the extra data of e, or nil.
func (e *entry) extras() *extra {
	x, _ := e.val.(*extra)
	return x
}

// finish runs when the last count of e is released, once.
func (e *entry) finish() {
	x := e.extras()
	if x == nil {
		return
	}
	if x.scope != nil {
		x.scope.forget()
	}
	if x.release != nil {
		x.release(x.v)
	}
}

// StrongCount returns the number of counts r holds: 1 after [New], one
// more per [Ref.Clone] and [CloneFromRaw], one less per [Ref.Release]. It
// is 0 for the null reference and for a released one.
func (r Ref) StrongCount() int {
	e, ok := table.Get(r.h)
	if !ok {
		return 0
	}
	return int(max(e.more.Load()+1, 0))
}

// Value returns the value r names, or nil if r is null or released. Use
// [Ref.Err] to tell those apart from a reference to nil.
func (r Ref) Value() any {
	e, ok := table.Get(r.h)
	if !ok {
		return nil
	}
	return e.value()
}

// Err reports whether r names a live value: nil if so, otherwise an
// [*Error] wrapping [ErrNull] or [ErrReleased].
func (r Ref) Err() error {
	if _, ok := table.Get(r.h); ok {
		return nil
	}
	return r.fail("check")
}

// Is reports whether r is live and its value has type T.
func Is[T any](r Ref) bool {
	_, ok := Downcast[T](r)
	return ok
}

// Downcast returns the value of r as a T, and false if r is null,
// released, or its value is not a T.
func Downcast[T any](r Ref) (T, bool) {
	e, ok := table.Get(r.h)
	if !ok {
		var zero T
		return zero, false
	}
	v, ok := e.value().(T)
	return v, ok
}

// Hash returns a hash of r's identity, never of its value: equal Refs hash
// equally, and the hash stays the same after release.
func (r Ref) Hash() uint64 {
	// splitmix64 finaliser of the creation number.
	z := r.seq + 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// Compare orders references by creation: -1 if r was created before s, 1
// if after, 0 if r == s. The null reference comes first. The order is
// total and stable within a process, and ignores the values.
func (r Ref) Compare(s Ref) int {
	switch {
	case r.seq < s.seq:
		return -1
	case r.seq > s.seq:
		return 1
	}
	return 0
}

// Equal reports whether r and s are the same reference; it is r == s.
func (r Ref) Equal(s Ref) bool { return r == s }

// String formats r by its handle, never its value, as
// "externref(INDEX.GENERATION@TABLE)", or "externref(null)".
func (r Ref) String() string { return "externref(" + r.h.String() + ")" }

// GoString formats r as "externref.Ref(INDEX.GENERATION@TABLE)".
func (r Ref) GoString() string { return "externref.Ref(" + r.h.String() + ")" }

// Format makes every fmt verb print [Ref.String] (and %#v print
// [Ref.GoString]), so that printing a reference never prints its value.
func (r Ref) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, r.GoString())
		return
	}
	fmt.Fprint(f, r.String())
}

// AsRaw returns r as a 64-bit raw value without changing its count: 0 for
// the null reference. Pass it to [CloneFromRaw] to get a counted
// reference back, or to [FromRaw] for an uncounted look.
func (r Ref) AsRaw() uint64 { return uint64(r.h) }

// IntoRaw returns r as a raw value and transfers r's count to it: the
// caller must not release r afterwards, and must eventually turn the raw
// value back into a reference with [FromRaw] and release that. (Go cannot
// consume r; the transfer is a convention, but a second release is still
// detected.)
func (r Ref) IntoRaw() uint64 { return uint64(r.h) }

// FromRaw returns the reference a raw value from [Ref.IntoRaw] or
// [Ref.AsRaw] names, without changing its count: the reference takes back
// the count IntoRaw transferred. It validates raw and reports an [*Error]
// wrapping [ErrNull] for 0, [ErrForged] for a value the package never
// issued, and [ErrReleased] for a reference whose last count was
// released. A raw value never yields another reference than the one it was
// made from.
func FromRaw(raw uint64) (Ref, error) {
	h := handle.Handle(raw)
	e, ok := table.Get(h)
	if !ok {
		return Ref{}, Ref{h: h}.fail("from raw")
	}
	return Ref{h: h, seq: e.seq}, nil
}

// CloneFromRaw is [FromRaw] plus a count: the returned reference must be
// released. It is the safe way back from [Ref.AsRaw], whose raw value
// holds no count.
func CloneFromRaw(raw uint64) (Ref, error) {
	h := handle.Handle(raw)
	e, ok := table.Get(h)
	if !ok || !e.acquire() {
		return Ref{}, Ref{h: h}.fail("clone from raw")
	}
	return Ref{h: h, seq: e.seq}, nil
}

// fail explains why r does not name a live reference.
func (r Ref) fail(op string) error {
	reason := ErrReleased
	if _, err := table.Lookup(r.h); err != nil {
		switch {
		case errors.Is(err, handle.ErrNull):
			reason = ErrNull
		case errors.Is(err, handle.ErrForeign), errors.Is(err, handle.ErrInvalid):
			reason = ErrForged
		}
	}
	return &Error{Op: op, Raw: uint64(r.h), Err: reason}
}
