package selfref

import (
	"cmp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// TrackOpen turns on (or off) the list of open bundles that [Open]
// reports: while it is on, every bundle built joins the list, with the
// file and line that built it, and leaves it when it is closed or taken
// apart. It costs a stack walk and a lock per build, so it is off by
// default; bundles built while it was off are not listed.
func TrackOpen(on bool) { tracking.Store(on) }

// Open lists the bundles built while [TrackOpen] was on that are still
// open, in build order: at the end of a test or a program, the bundles
// nobody closed. It is weakly consistent with concurrent builds and
// closes.
func Open() []Leak {
	openMu.Lock()
	out := make([]Leak, 0, len(openSet))
	for t := range openSet {
		out = append(out, Leak{Bundle: t.what, Site: t.site, seq: t.seq})
	}
	openMu.Unlock()
	slices.SortFunc(out, func(a, b Leak) int { return cmp.Compare(a.seq, b.seq) })
	return out
}

// Leak describes an open bundle, for leak reports.
type Leak struct {
	// Bundle names the bundle's type ("selfref.Cell", ...) or, for a
	// generated bundle, lists its fields ("{db, tx, stmt}").
	Bundle string
	// Site is the file:line that built it.
	Site string
	seq  uint64
}

// String formats l as "BUNDLE built at SITE".
func (l Leak) String() string { return l.Bundle + " built at " + l.Site }

// tracked is a bundle's entry in the list of open bundles.
type tracked struct {
	what, site string
	seq        uint64
}

var (
	tracking atomic.Bool
	openMu   sync.Mutex
	openSet  = map[*tracked]struct{}{}
	openSeq  uint64
)

func trackOpen(what string) *tracked {
	t := &tracked{what: what, site: buildSite()}
	openMu.Lock()
	openSeq++
	t.seq = openSeq
	openSet[t] = struct{}{}
	openMu.Unlock()
	return t
}

func untrack(t *tracked) {
	openMu.Lock()
	delete(openSet, t)
	openMu.Unlock()
}

// buildSite returns the file:line of the first caller outside this
// package and outside generated bundle code: the line that built the
// bundle.
func buildSite() string {
	pcs := make([]uintptr, 32)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs)])
	for {
		f, more := frames.Next()
		if !strings.HasPrefix(f.Function, pkgPrefix) && !strings.HasSuffix(f.File, "_selfref.go") {
			return f.File + ":" + strconv.Itoa(f.Line)
		}
		if !more {
			return "unknown"
		}
	}
}
