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

// entry is what the table stores for one value. Its count goes from 1
// down to 0 and never comes back: a count is only ever added to a
// positive one, so once the last release has dropped it to 0, every
// clone, release and raw round trip fails, whatever the table still says
// about the handle until the release deletes it. Each count belongs to
// one holder and is recorded in a lease word (see lease.go).
type entry struct {
	// more is the count minus 1, so that a new entry needs no atomic
	// store for it: 0 is one count, -1 is released.
	more   atomic.Int64
	seq    uint64 // creation order, from 1; assigned under the table's lock
	val    any    // the value, or an *extra holding it
	leases [inlineLeases]atomic.Uint64
	spill  atomic.Pointer[leaseChunk] // lease words beyond the inline ones
}

// extra holds the value of a reference that needs more than a value, so
// that the entry of a plain reference is 64 bytes (on 64-bit targets).
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

// Ref is one holder's count of an opaque host value: the value a
// WebAssembly guest sees as an externref. Its zero value is the null
// reference; every other Ref was made by [New] (or one of its variants),
// [Ref.Clone], [ID.Clone], [FromRaw] or [CloneFromRaw], and holds its
// count until its [Ref.Release].
//
// Each Ref is a lease of its own: [Ref.Clone] returns a new Ref, with a
// count of its own, and releasing a Ref gives back that count and no
// other. A Ref released twice, or used after its release, reports
// [ErrReleased] on the faulty call, even while other holders keep the
// value alive; it never takes their counts.
//
// A Ref is a small comparable value, and == compares leases: copies of
// one Ref are ==, a clone is not. The identity of the value, which
// clones share, is [Ref.ID]: [Ref.Equal], [Ref.Hash] and [Ref.Compare]
// compare IDs, and an ID is what a map key or an engine task argument
// should be when "the same value" is meant. Two references made by two
// calls of [New] are never Equal, even if their values are equal.
//
// A Ref is process-local: its raw value means nothing in another process
// and must never be persisted.
type Ref struct {
	id    ID
	lease uint64 // lease word index << 32 | its generation
	// e is the entry of id, so that Clone and Release need no lookup. A
	// lease word that matches lease proves e alive; a copy of a released
	// Ref keeps e (and the value) reachable, not alive.
	e *entry
}

// ID is the identity of a value held by references: what the clones of
// one Ref share, and what sets two calls of [New] apart. The zero ID is
// the identity of the null reference. An ID is comparable, == is identity,
// and it stays valid after the value is released (it then names nothing):
// use it as a map key, or as the argument of an engine task, where two
// holders of one value are one task and two values are two tasks, whatever
// their contents. An ID holds no count; [ID.Clone] takes one.
type ID struct {
	h   handle.Handle
	seq uint64
}

// New wraps v in a new reference with a count of 1.
func New(v any) Ref { return newRef(&entry{val: v}, leaseLive) }

// NewWith makes a reference to the value fn returns, calling fn once.
func NewWith(fn func() any) Ref { return newRef(&entry{val: fn()}, leaseLive) }

// NewWithRelease is [New] with a release callback: when the count drops to
// zero, release(v) runs exactly once, on the goroutine of that last
// [Ref.Release]; if it panics, the panic goes on to that Release's caller,
// after the reference is freed. A nil release is allowed.
func NewWithRelease(v any, release func(v any)) Ref {
	return newRef(&entry{val: &extra{v: v, release: release}}, leaseLive)
}

// TrackSites turns on (or off) the recording of the creation site of each
// new reference, shown by [Live] and [Scope.Leaks]. It costs a stack walk
// per creation, so it is off by default.
func TrackSites(on bool) { trackSites.Store(on) }

func newRef(e *entry, state uint64) Ref {
	if trackSites.Load() {
		x := e.extras()
		if x == nil {
			x = &extra{v: e.val}
			e.val = x
		}
		x.site = callerSite()
	}
	e.leases[0].Store(leaseWord(1, state))
	w := table.Lock()
	seq++
	e.seq = seq
	h := w.Insert(e)
	w.Unlock()
	return Ref{id: ID{h: h, seq: e.seq}, lease: lease(0, 1), e: e}
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
func (r Ref) IsNull() bool { return r.id.h == 0 }

// ID returns the identity of the value r holds, which r's clones share.
// It is the zero ID for the null reference, and stays the same after
// release.
func (r Ref) ID() ID { return r.id }

// held returns the entry of r if r holds its lease, in one of the states
// live or scoped (ok is false otherwise).
func (r Ref) held() (e *entry, ok bool) {
	if r.e == nil {
		return nil, false
	}
	switch r.e.stateOf(r.lease) {
	case leaseLive, leaseScoped:
		return r.e, true
	}
	return nil, false
}

// Clone returns a new reference to r's value, with a count of its own: a
// lease to be released once, independently of r. The clone is Equal to r
// (same [Ref.ID]) but not == to it. Cloning the null reference, or a
// reference that no longer holds its count, reports [ErrNull] or
// [ErrReleased]. Clone is lock-free.
func (r Ref) Clone() (Ref, error) {
	e, ok := r.held()
	if !ok || !e.acquire() {
		return Ref{}, r.fail("clone")
	}
	return Ref{id: r.id, lease: e.claim(leaseLive), e: e}, nil
}

// Clone takes a new count of the value id names and returns it as a
// reference, to be released once; it is [CloneFromRaw] for an ID. A task
// whose argument is an ID clones it to use the value, so that the value
// cannot be released under it. Cloning the zero ID reports [ErrNull], an
// ID whose value was released [ErrReleased].
func (id ID) Clone() (Ref, error) {
	e, ok := table.Get(id.h)
	if !ok || e.seq != id.seq || !e.acquire() {
		return Ref{}, Ref{id: id}.fail("clone")
	}
	return Ref{id: id, lease: e.claim(leaseLive), e: e}, nil
}

// Release gives back the count r holds. The release that gives back the
// last count of the value runs its release callback, if any, and frees
// it: from then on every reference to it, and every raw value of it,
// reports [ErrReleased] (or returns the zero value). Releasing r again, or
// releasing a reference whose count [Ref.IntoRaw] moved into a raw value,
// reports [ErrReleased] and changes no count; the null reference reports
// [ErrNull]; a reference lent by a [Scope] reports [ErrScoped]. Release is
// lock-free unless it frees the value.
//
// If the release callback panics, the panic goes on to the caller of
// Release; the value is freed all the same. [ReleaseAll] and
// [Scope.Close] report such panics as errors instead.
func (r Ref) Release() error {
	if r.e == nil || !r.e.move(r.lease, leaseLive, leaseFree) {
		return r.fail("release")
	}
	r.e.drop(r.id.h)
	return nil
}

// drop gives back one count of e, handle h, whose lease was freed, and
// frees e if it was the last.
func (e *entry) drop(h handle.Handle) {
	if e.more.Add(-1) == -1 {
		table.Delete(h)
		e.finish()
	}
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

// StrongCount returns the number of counts r's value has, r's included:
// 1 after [New], one more per [Ref.Clone], [ID.Clone] and [CloneFromRaw],
// one less per [Ref.Release]; a count moved into a raw value by
// [Ref.IntoRaw] still counts. It is 0 for the null reference and for a
// reference that no longer holds its count.
func (r Ref) StrongCount() int {
	e, ok := r.held()
	if !ok {
		return 0
	}
	return int(max(e.more.Load()+1, 0))
}

// Value returns the value r holds, or nil if r is null or no longer holds
// its count. Use [Ref.Err] to tell those apart from a reference to nil.
func (r Ref) Value() any {
	e, ok := r.held()
	if !ok {
		return nil
	}
	return e.value()
}

// Err reports whether r holds a count of a live value: nil if so,
// otherwise an [*Error] wrapping [ErrNull] or [ErrReleased].
func (r Ref) Err() error {
	if _, ok := r.held(); ok {
		return nil
	}
	return r.fail("check")
}

// Is reports whether r holds its count and its value has type T.
func Is[T any](r Ref) bool {
	_, ok := Downcast[T](r)
	return ok
}

// Downcast returns the value of r as a T, and false if r is null, no
// longer holds its count, or its value is not a T.
func Downcast[T any](r Ref) (T, bool) {
	e, ok := r.held()
	if !ok {
		var zero T
		return zero, false
	}
	v, ok := e.value().(T)
	return v, ok
}

// Equal reports whether r and s hold the same value: whether they have
// the same [Ref.ID]. Clones of one reference are Equal; == on Refs tells
// the clones apart.
func (r Ref) Equal(s Ref) bool { return r.id == s.id }

// Hash returns a hash of r's identity, never of its value: Equal Refs
// (clones of one another) hash equally, and the hash stays the same after
// release. It is r.ID().Hash().
func (r Ref) Hash() uint64 { return r.id.Hash() }

// Compare orders references by the creation of their values: -1 if r's
// value was created before s's, 1 if after, 0 if r and s are Equal. It is
// r.ID().Compare(s.ID()).
func (r Ref) Compare(s Ref) int { return r.id.Compare(s.id) }

// IsNull reports whether id is the identity of the null reference.
func (id ID) IsNull() bool { return id.h == 0 }

// Hash returns a hash of id, never of the value: equal IDs hash equally.
func (id ID) Hash() uint64 {
	// splitmix64 finaliser of the creation number.
	z := id.seq + 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// Compare orders identities by the creation of their values: -1 if id's
// value was created before other's, 1 if after, 0 if id == other. The
// zero ID comes first. The order is total and stable within a process,
// and ignores the values.
func (id ID) Compare(other ID) int {
	switch {
	case id.seq < other.seq:
		return -1
	case id.seq > other.seq:
		return 1
	}
	return 0
}

// String formats id by its handle, as "externref.ID(INDEX.GENERATION@TABLE)"
// or "externref.ID(null)".
func (id ID) String() string { return "externref.ID(" + id.h.String() + ")" }

// String formats r by its handle and lease, never its value, as
// "externref(INDEX.GENERATION@TABLE/LEASE.GENERATION)", or
// "externref(null)".
func (r Ref) String() string { return "externref(" + r.name() + ")" }

// GoString formats r as "externref.Ref(INDEX.GENERATION@TABLE/LEASE.GENERATION)".
func (r Ref) GoString() string { return "externref.Ref(" + r.name() + ")" }

func (r Ref) name() string {
	if r.IsNull() {
		return "null"
	}
	return r.id.h.String() + "/" + strconv.FormatUint(r.lease>>32, 10) + "." + strconv.FormatUint(r.lease&maxLeaseGen, 10)
}

// Format makes every fmt verb print [Ref.String] (and %#v print
// [Ref.GoString]), so that printing a reference never prints its value.
func (r Ref) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, r.GoString())
		return
	}
	fmt.Fprint(f, r.String())
}

// AsRaw returns the raw value of r's value, a 64-bit integer, without
// changing any count: 0 for the null reference. Every clone of r has the
// same raw value. Pass it to [CloneFromRaw] to get a counted reference
// back while some holder keeps the value alive.
func (r Ref) AsRaw() uint64 { return uint64(r.id.h) }

// IntoRaw moves r's count into the raw value it returns, for a holder
// that keeps integers: r no longer holds it (Release, Clone and Value of
// r fail, reporting [ErrReleased]) until [FromRaw] takes it back. The
// raw value is [Ref.AsRaw]'s: the count travels with the value, not with
// the integer, which tells no two holders apart. IntoRaw reports an
// [*Error] if r does not hold its count (wrapping [ErrNull],
// [ErrReleased] or [ErrScoped]).
func (r Ref) IntoRaw() (uint64, error) {
	if r.e == nil || !r.e.move(r.lease, leaseLive, leaseRaw) {
		return 0, r.fail("into raw")
	}
	return uint64(r.id.h), nil
}

// FromRaw takes back a count that [Ref.IntoRaw] moved into a raw value,
// and returns it as a reference to be released. It validates raw and
// reports an [*Error] wrapping [ErrNull] for 0, [ErrForged] for a value the
// package never issued, and [ErrReleased] for a value whose last count was
// released or which carries no count (every count IntoRaw moved into it
// was taken back already, or none was: use [CloneFromRaw] for a raw value
// of [Ref.AsRaw]). A raw value never yields another value than the one it
// was made from.
//
// The reference FromRaw returns is the one IntoRaw was called on (==) if
// that was the only count moved into the value's raw value; with several,
// it is one of them.
func FromRaw(raw uint64) (Ref, error) {
	h := handle.Handle(raw)
	e, ok := table.Get(h)
	if !ok {
		return Ref{}, Ref{id: ID{h: h}}.fail("from raw")
	}
	id := ID{h: h, seq: e.seq}
	l, ok := e.taken(leaseRaw, leaseLive)
	if !ok {
		return Ref{}, &Error{Op: "from raw", Raw: raw, Err: ErrReleased}
	}
	return Ref{id: id, lease: l, e: e}, nil
}

// CloneFromRaw takes a new count of the value raw names, as [Ref.Clone]
// does, and returns it as a reference to be released: the safe way back
// from [Ref.AsRaw], whose raw value holds no count. It validates raw as
// [FromRaw] does; a value whose last count was released reports
// [ErrReleased].
func CloneFromRaw(raw uint64) (Ref, error) {
	h := handle.Handle(raw)
	e, ok := table.Get(h)
	if !ok || !e.acquire() {
		return Ref{}, Ref{id: ID{h: h}}.fail("clone from raw")
	}
	return Ref{id: ID{h: h, seq: e.seq}, lease: e.claim(leaseLive), e: e}, nil
}

// fail explains why r does not hold a count of a live value.
func (r Ref) fail(op string) error {
	reason := ErrReleased
	if e, err := table.Lookup(r.id.h); err != nil {
		switch {
		case errors.Is(err, handle.ErrNull):
			reason = ErrNull
		case errors.Is(err, handle.ErrForeign), errors.Is(err, handle.ErrInvalid):
			reason = ErrForged
		}
	} else if op != "clone" && r.e == e && e.stateOf(r.lease) == leaseScoped {
		reason = ErrScoped
	}
	return &Error{Op: op, Raw: uint64(r.id.h), Err: reason}
}
