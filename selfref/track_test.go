package selfref_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/cellar-go/cellar/selfref"
)

// Open lists the bundles built while tracking is on and not closed yet,
// with the line that built each; closing one takes it off the list.
func TestOpenListsUnclosedBundles(t *testing.T) {
	selfref.TrackOpen(true)
	defer selfref.TrackOpen(false)
	before := len(selfref.Open())
	c := selfref.New(1, func(o *int) *int { return o })
	ch := selfref.NewChain3(1, func(*int) int { return 2 }, func(*int, *int) int { return 3 })
	leaks := selfref.Open()
	if len(leaks) != before+2 {
		t.Fatalf("Open lists %d bundles, want %d: %v", len(leaks), before+2, leaks)
	}
	got := leaks[len(leaks)-2:]
	if got[0].Bundle != "selfref.Cell" || got[1].Bundle != "{head, middle, tail}" {
		t.Errorf("bundles %q, %q", got[0].Bundle, got[1].Bundle)
	}
	for _, l := range got {
		if !strings.Contains(l.Site, "track_test.go:") {
			t.Errorf("site of %v is not the line that built it", l)
		}
	}
	if s := got[0].String(); !strings.HasPrefix(s, "selfref.Cell built at ") || !strings.Contains(s, "track_test.go:") {
		t.Errorf("String = %q", s)
	}
	c.Close()
	ch.Close()
	if n := len(selfref.Open()); n != before {
		t.Errorf("after Close, Open lists %d bundles, want %d", n, before)
	}
}

// Bundles built while tracking is off are not listed.
func TestOpenIgnoresUntrackedBundles(t *testing.T) {
	selfref.TrackOpen(false)
	before := selfref.Open()
	c := selfref.New(1, func(o *int) *int { return o })
	defer c.Close()
	if after := selfref.Open(); !slices.Equal(after, before) {
		t.Errorf("Open = %v, want %v", after, before)
	}
}
