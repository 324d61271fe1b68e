package weakref

import (
	"cmp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

var trackSites atomic.Bool

// TrackSites turns on (or off) the recording of where each new [Strong]
// is taken, shown by [Registry.Leaks]. It costs a stack walk and a map
// entry per Strong, so it is off by default.
func TrackSites(on bool) { trackSites.Store(on) }

// Leak describes an object that some [Strong]s still hold, for leak
// reports.
type Leak[T any] struct {
	// Weak is the object's handle. The report changes nothing about it.
	Weak Weak[T]
	// Count is the number of Strongs holding it when the report was made.
	Count int
	// Pending reports that the object was deleted, and is removed when
	// the last of those Strongs is released.
	Pending bool
	// Sites lists the file:line where each of those Strongs was taken, in
	// no particular order, for those taken while [TrackSites] was on.
	Sites []string
}

// String formats l as "weakref.Weak(HANDLE) strong=N [pending] [at SITE, ...]".
func (l Leak[T]) String() string {
	s := l.Weak.String() + " strong=" + strconv.Itoa(l.Count)
	if l.Pending {
		s += " pending"
	}
	if len(l.Sites) > 0 {
		s += " at " + strings.Join(l.Sites, ", ")
	}
	return s
}

// Leaks lists the objects of r that [Strong]s still hold, in handle
// order: at the end of a test or a program, the Strongs nobody released.
// It is weakly consistent with concurrent Strongs and releases.
func (r *Registry[T]) Leaks() []Leak[T] {
	c := r.core()
	var out []Leak[T]
	add := func(w Weak[T], n int) {
		if n > 0 {
			out = append(out, Leak[T]{Weak: w, Count: n, Pending: c.pending(w.h)})
		}
	}
	if c.collect {
		for h := range c.weak.All() {
			n, _ := c.weak.Pins(h)
			add(Weak[T]{c: c, h: h}, n)
		}
	} else {
		for h := range c.strong.All() {
			n, _ := c.strong.Pins(h)
			add(Weak[T]{c: c, h: h}, n)
		}
	}
	c.sites.fill(out)
	return out
}

// sites records where the Strongs taken while TrackSites was on were
// taken, until they are released.
type sites[T any] struct {
	n  atomic.Int64 // len(m), read without the lock
	mu sync.Mutex
	m  map[*Strong[T]]string
}

func (x *sites[T]) add(s *Strong[T], site string) {
	x.mu.Lock()
	if x.m == nil {
		x.m = make(map[*Strong[T]]string)
	}
	x.m[s] = site
	x.n.Store(int64(len(x.m)))
	x.mu.Unlock()
}

// remove forgets the site of s, if it has one. Without any site recorded,
// it costs one atomic load.
func (x *sites[T]) remove(s *Strong[T]) {
	if x.n.Load() == 0 {
		return
	}
	x.mu.Lock()
	delete(x.m, s)
	x.n.Store(int64(len(x.m)))
	x.mu.Unlock()
}

// fill adds the recorded sites to the leaks they belong to.
func (x *sites[T]) fill(leaks []Leak[T]) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for s, site := range x.m {
		// Leaks are in slot order, and a held Strong's slot is live.
		h := s.pin.Handle()
		i, ok := slices.BinarySearchFunc(leaks, h.Index(), func(l Leak[T], i uint32) int {
			return cmp.Compare(l.Weak.h.Index(), i)
		})
		if ok && leaks[i].Weak.h == h {
			leaks[i].Sites = append(leaks[i].Sites, site)
		}
	}
}

// callerSite returns the file:line of the first caller outside the
// package's own source files.
func callerSite() string {
	var pcs [8]uintptr
	n := runtime.Callers(3, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if f.File == "" {
			break
		}
		if !strings.HasPrefix(f.Function, pkgPath+".") || strings.HasSuffix(f.File, "_test.go") {
			return f.File + ":" + strconv.Itoa(f.Line)
		}
		if !more {
			break
		}
	}
	return "unknown"
}

const pkgPath = "github.com/cellar-go/cellar/weakref"
