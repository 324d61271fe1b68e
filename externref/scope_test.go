package externref_test

import (
	"errors"
	"runtime"
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

// TestScopeCreatorRelease releases the scope's count by its creator,
// with and without a clone alive: the release is refused at once, and
// Close still releases the scope's count, once.
func TestScopeCreatorRelease(t *testing.T) {
	for _, cloned := range []bool{false, true} {
		s := externref.NewScope()
		var freed int
		r := s.NewWithRelease("x", func(any) { freed++ })
		var c externref.Ref
		if cloned {
			c, _ = r.Clone()
		}
		if err := r.Release(); !errors.Is(err, externref.ErrScoped) {
			t.Fatalf("creator's Release (cloned %v) = %v, want ErrScoped", cloned, err)
		}
		if _, err := r.IntoRaw(); !errors.Is(err, externref.ErrScoped) {
			t.Fatalf("creator's IntoRaw = %v, want ErrScoped", err)
		}
		if n := r.StrongCount(); n != 1+btoi(cloned) || r.Value() != "x" {
			t.Fatalf("count %d after a refused release", n)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if cloned {
			if freed != 0 || len(s.Leaks()) != 1 || c.StrongCount() != 1 {
				t.Fatalf("the clone lost its count: freed %d, leaks %v", freed, s.Leaks())
			}
			mustRelease(t, c)
		}
		if freed != 1 || s.Len() != 0 {
			t.Fatalf("freed %d, Len %d", freed, s.Len())
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestScopeCloseAfterCallbackPanics closes a scope whose callbacks panic:
// every reference is released, and Close reports each panic.
func TestScopeCloseAfterCallbackPanics(t *testing.T) {
	s := externref.NewScope()
	var freed []int
	boom := errors.New("boom")
	var ids []externref.ID
	for i := range 4 {
		r := s.NewWithRelease(i, func(v any) {
			freed = append(freed, v.(int))
			switch v.(int) {
			case 1:
				panic(boom)
			case 2:
				panic("two")
			}
		})
		ids = append(ids, r.ID())
	}
	err := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				t.Errorf("Close panicked: %v", p)
			}
		}()
		return s.Close()
	}()
	if !slices.Equal(freed, []int{0, 1, 2, 3}) || s.Len() != 0 {
		t.Fatalf("freed %v, Len %d: Close stopped halfway", freed, s.Len())
	}
	if !errors.Is(err, externref.ErrPanic) || !errors.Is(err, boom) {
		t.Fatalf("Close = %v, want the panics", err)
	}
	var pe *externref.PanicError
	if !errors.As(err, &pe) || pe.ID != ids[1] || pe.Value != boom || !strings.Contains(string(pe.Stack), "scope_test.go") {
		t.Fatalf("first panic = %+v", pe)
	}
	if !strings.Contains(err.Error(), "panicked: two") {
		t.Fatalf("Close = %q, missing the second panic", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
}

// TestReleaseAll releases references whatever the others do: a double
// release and a panicking callback are reported, the rest are released.
func TestReleaseAll(t *testing.T) {
	var freed int
	a := externref.NewWithRelease(0, func(any) { freed++; panic("a") })
	b := externref.NewWithRelease(0, func(any) { freed++ })
	c, _ := b.Clone()
	err := externref.ReleaseAll(a, b, c, b, externref.Ref{})
	if freed != 2 || a.Err() == nil || b.Err() == nil {
		t.Fatalf("freed %d", freed)
	}
	var pe *externref.PanicError
	if !errors.As(err, &pe) || pe.Value != "a" || !errors.Is(err, externref.ErrReleased) || !errors.Is(err, externref.ErrNull) {
		t.Fatalf("ReleaseAll = %v", err)
	}
	if externref.ReleaseAll() != nil {
		t.Fatal("ReleaseAll() of nothing failed")
	}
}

func TestLiveAndSites(t *testing.T) {
	externref.TrackSites(true)
	defer externref.TrackSites(false)
	r := externref.New(&file{name: "leak"})
	var found bool
	for _, l := range externref.Live() {
		if l.ID == r.ID() {
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
		if l.ID == r.ID() {
			t.Fatal("released reference in Live")
		}
	}
}

// TestScopeCloseAfterCallbackGoexit: a release callback that ends its
// goroutine with runtime.Goexit (as t.FailNow does) gets past every
// recover, yet Close still releases every other reference before the
// goroutine goes; so does ReleaseAll.
func TestScopeCloseAfterCallbackGoexit(t *testing.T) {
	for _, viaScope := range []bool{true, false} {
		s := externref.NewScope()
		var freed []int
		var refs []externref.Ref
		for i := range 4 {
			release := func(v any) {
				freed = append(freed, v.(int))
				if v.(int)%2 == 1 {
					runtime.Goexit()
				}
			}
			if viaScope {
				s.NewWithRelease(i, release)
			} else {
				refs = append(refs, externref.NewWithRelease(i, release))
			}
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			if viaScope {
				s.Close()
			} else {
				externref.ReleaseAll(refs...)
			}
		}()
		<-done
		if !slices.Equal(freed, []int{0, 1, 2, 3}) || s.Len() != 0 || len(s.Leaks()) != 0 {
			t.Fatalf("scope=%v: freed %v, Len %d, leaks %v: a Goexit stopped the release halfway", viaScope, freed, s.Len(), s.Leaks())
		}
		for _, r := range refs {
			if r.StrongCount() != 0 {
				t.Fatalf("%v still has %d counts after ReleaseAll", r, r.StrongCount())
			}
		}
	}
}
