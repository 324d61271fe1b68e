package externref

import (
	"cmp"
	"errors"
	"reflect"
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
// A reference created by a scope must not be released by its creator: the
// scope's count is the scope's. Releasing it anyway is a double release,
// which [Scope.Close] reports.
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
	r := newRef(e)
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
// until their clones are released, and [Scope.Leaks] lists them. Close
// reports the references the scope could not release because their last
// count was already released (a double release by their creator), joined
// into one error. Closing a closed scope does nothing.
func (s *Scope) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	refs := s.refs
	s.mu.Unlock()
	var errs []error
	for _, r := range refs {
		if err := r.Release(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Leaks lists the references created by s that are still alive, in
// creation order. After [Scope.Close], these are the references some
// clone keeps alive.
func (s *Scope) Leaks() []Leak {
	s.mu.Lock()
	refs := slices.Clone(s.refs)
	s.mu.Unlock()
	var out []Leak
	for _, r := range refs {
		if l, ok := leakOf(r); ok {
			out = append(out, l)
		}
	}
	return out
}

// Leak describes a live reference, for leak reports.
type Leak struct {
	// Ref is the reference. Its count is not changed by the report.
	Ref Ref
	// Count is its [Ref.StrongCount] when the report was made.
	Count int
	// Type is the type of its value, as fmt's %T prints it.
	Type string
	// Site is the file:line that created it, if [TrackSites] was on then.
	Site string
}

// String formats l as "REF count=N type=T [at SITE]".
func (l Leak) String() string {
	s := l.Ref.String() + " count=" + itoa(l.Count) + " type=" + l.Type
	if l.Site != "" {
		s += " at " + l.Site
	}
	return s
}

// Live lists every live reference of the process, in creation order: at
// the end of a test or a program, the references nobody released. It is
// weakly consistent with concurrent creations and releases.
func Live() []Leak {
	var out []Leak
	for h, e := range table.All() {
		if l, ok := leakOf(Ref{h: h, seq: e.seq}); ok {
			out = append(out, l)
		}
	}
	slices.SortFunc(out, func(a, b Leak) int { return cmp.Compare(a.Ref.seq, b.Ref.seq) })
	return out
}

func leakOf(r Ref) (Leak, bool) {
	e, ok := table.Get(r.h)
	if !ok {
		return Leak{}, false
	}
	n := r.StrongCount()
	if n == 0 {
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
	return Leak{Ref: r, Count: n, Type: typ, Site: site}, true
}

func itoa(n int) string { return strconv.Itoa(n) }
