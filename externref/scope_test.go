package externref_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/cellar-go/cellar/externref"
)

func TestScope(t *testing.T) {
	s := externref.NewScope()
	var freed []int
	for i := range 5 {
		s.NewWithRelease(i, func(v any) { freed = append(freed, v.(int)) })
	}
	if s.Len() != 5 || len(s.Leaks()) != 5 {
		t.Fatalf("Len %d, Leaks %d", s.Len(), len(s.Leaks()))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(freed, []int{0, 1, 2, 3, 4}) || s.Len() != 0 || len(s.Leaks()) != 0 {
		t.Fatalf("after Close: freed %v, Len %d", freed, s.Len())
	}
	if err := s.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("New on a closed scope did not panic")
		}
	}()
	s.New(0)
}

func TestScopeDoubleRelease(t *testing.T) {
	s := externref.NewScope()
	r := s.New("x")
	r.Release() // the scope's count: a programming error Close reports
	if err := s.Close(); !errors.Is(err, externref.ErrReleased) {
		t.Fatalf("Close = %v, want ErrReleased", err)
	}
}

func TestLiveAndSites(t *testing.T) {
	externref.TrackSites(true)
	defer externref.TrackSites(false)
	r := externref.New(&file{name: "leak"})
	var found bool
	for _, l := range externref.Live() {
		if l.Ref == r {
			found = true
			if l.Type != "*externref_test.file" || l.Count != 1 || !strings.Contains(l.Site, "scope_test.go:") {
				t.Fatalf("leak = %v", l)
			}
			if !strings.Contains(l.String(), "scope_test.go") {
				t.Fatalf("leak prints %q", l)
			}
		}
	}
	if !found {
		t.Fatal("live reference missing from Live")
	}
	r.Release()
	for _, l := range externref.Live() {
		if l.Ref == r {
			t.Fatal("released reference in Live")
		}
	}
}
