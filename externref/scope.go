package externref

import (
	"cmp"
	"errors"
	"reflect"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
)

// Scope groups the references created through it so that they can be
// released at once: per call, per request, per WebAssembly instance. The
// scope owns the count each reference starts with; [Scope.Close] releases
// it. Code that needs a reference to outlive the scope clones it, and the
// clone keeps the value alive (and shows up in [Scope.Leaks]) until it is
// released.
//
// The Ref a scope returns is the scope's own count, lent to its creator:
// it can be used and cloned, but [Ref.Release] and [Ref.IntoRaw] on it
// report [ErrScoped] and change nothing.
//
// A Scope is safe for concurrent use. The zero Scope is ready to use.
type Scope struct {
	mu     sync.Mutex
	refs   []Ref
	closed bool
	live   int // references of the scope not yet freed
}

// NewScope returns an empty scope.
func NewScope() *Scope { return new(Scope) }

// New is [New] within s. It panics if s is closed: that is a programming
// error.
func (s *Scope) New(v any) Ref { return s.add(&extra{v: v}) }

// NewWithRelease is [NewWithRelease] within s. It panics if s is closed.
func (s *Scope) NewWithRelease(v any, release func(v any)) Ref {
	return s.add(&extra{v: v, release: release})
}

func (s *Scope) add(x *extra) Ref {
	x.scope = s
	e := &entry{val: x}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		panic("externref: New on a closed Scope")
	}
	r := newRef(e, leaseScoped)
	s.refs = append(s.refs, r)
	s.live++
	return r
}

// forget records that one reference of s was freed.
func (s *Scope) forget() {
	s.mu.Lock()
	s.live--
	s.mu.Unlock()
}

// Len returns the number of references created by s that are not yet
// freed.
func (s *Scope) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.live
}

// Close releases the count the scope holds on each reference it created,
// once each, and refuses new references from then on. References nobody
// cloned are freed (their release callbacks run); the others stay alive
// until their clones are released, and [Scope.Leaks] lists them. A
// release callback that panics does not stop Close: every reference is
// released, then Close returns the panics as [*PanicError] values joined
// into one error (nil if none panicked). Closing a closed scope does
// nothing.
func (s *Scope) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	refs := s.refs
	s.mu.Unlock()
	return releaseAll(refs, leaseScoped)
}

// ReleaseAll releases every reference of refs, as [Ref.Release] does,
// whatever happens to the others: a failed release or a release callback
// that panics does not stop it. It returns the failures, as [*Error]
// values, and the panics, as [*PanicError] values, joined into one error,
// or nil.
func ReleaseAll(refs ...Ref) error { return releaseAll(refs, leaseLive) }

func releaseAll(refs []Ref, state uint64) error {
	var errs []error
	next := 0
	defer func() {
		// A release callback that calls runtime.Goexit (t.FailNow in a
		// test, say) ends the goroutine from inside the loop, past any
		// recover. The rest is released on the way out all the same.
		if next < len(refs) {
			releaseAll(refs[next:], state)
		}
	}()
	for next < len(refs) {
		r := refs[next]
		next++
		if err := release(r, state); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// release is [Ref.Release] of a lease held in state, reporting a
// panicking release callback as a *PanicError.
func release(r Ref, state uint64) (err error) {
	e := r.e
	if e == nil || !e.move(r.lease, state, leaseFree) {
		return r.fail("release")
	}
	defer func() {
		if p := recover(); p != nil {
			err = &PanicError{ID: r.id, Value: p, Stack: debug.Stack()}
		}
	}()
	e.drop(r.id.h)
	return nil
}

// Leaks lists the values created by s that are still alive, in creation
// order. After [Scope.Close], these are the values some clone keeps
// alive.
func (s *Scope) Leaks() []Leak {
	s.mu.Lock()
	refs := slices.Clone(s.refs)
	s.mu.Unlock()
	var out []Leak
	for _, r := range refs {
		if l, ok := leakOf(r.id); ok {
			out = append(out, l)
		}
	}
	return out
}

// Leak describes a live value, for leak reports.
type Leak struct {
	// ID is the identity of the value. The report takes no count.
	ID ID
	// Count is the value's number of counts when the report was made.
	Count int
	// Type is the type of its value, as fmt's %T prints it.
	Type string
	// Site is the file:line that created it, if [TrackSites] was on then.
	Site string
}

// String formats l as "ID count=N type=T [at SITE]".
func (l Leak) String() string {
	s := l.ID.String() + " count=" + strconv.Itoa(l.Count) + " type=" + l.Type
	if l.Site != "" {
		s += " at " + l.Site
	}
	return s
}

// Live lists every live value of the process, in creation order: at the
// end of a test or a program, the references nobody released. It is
// weakly consistent with concurrent creations and releases.
func Live() []Leak {
	var out []Leak
	for h, e := range table.All() {
		if l, ok := leakOf(ID{h: h, seq: e.seq}); ok {
			out = append(out, l)
		}
	}
	slices.SortFunc(out, func(a, b Leak) int { return cmp.Compare(a.ID.seq, b.ID.seq) })
	return out
}

func leakOf(id ID) (Leak, bool) {
	e, ok := table.Get(id.h)
	if !ok {
		return Leak{}, false
	}
	n := int(e.more.Load() + 1)
	if n <= 0 {
		return Leak{}, false
	}
	typ := "<nil>"
	if v := e.value(); v != nil {
		typ = reflect.TypeOf(v).String()
	}
	var site string
	if x := e.extras(); x != nil {
		site = x.site
	}
	return Leak{ID: id, Count: n, Type: typ, Site: site}, true
}
