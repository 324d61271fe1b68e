package selfref_test

import (
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/cellar-go/cellar/selfref"
)

// waitClosing returns once s (a bundle's String) reports it closed, which
// it does as soon as a Close has begun, while that Close waits for the
// views in progress; or fails the test if done closes first.
func waitClosing(t *testing.T, s stringer, done <-chan struct{}) {
	t.Helper()
	for !strings.HasSuffix(s.String(), "{closed}") {
		select {
		case <-done:
			t.Error("Close returned while a shared view was running")
			return
		default:
			runtime.Gosched()
		}
	}
}

type stringer interface{ String() string }

// Close on another goroutine waits for the shared view in progress: the
// view sees its fields open until it returns, and only then are they
// closed. (Before views were counted, Close ran under the view and reset
// its fields.)
func TestCloseWaitsForSharedViews(t *testing.T) {
	type view struct {
		name string
		run  func(c *selfref.Cell[*res, *borrower], fn func()) error
	}
	for _, v := range []view{
		{"With", func(c *selfref.Cell[*res, *borrower], fn func()) error {
			return c.With(func(*(*res), **borrower) { fn() })
		}},
		{"WithOwner", func(c *selfref.Cell[*res, *borrower], fn func()) error {
			return c.WithOwner(func(**res) { fn() })
		}},
		{"WithDependent", func(c *selfref.Cell[*res, *borrower], fn func()) error {
			return c.WithDependent(func(**borrower) { fn() })
		}},
		{"Borrowed.With", func(c *selfref.Cell[*res, *borrower], fn func()) error {
			b, err := c.BorrowDependent()
			if err != nil {
				return err
			}
			return b.With(func(**borrower) { fn() })
		}},
	} {
		t.Run(v.name, func(t *testing.T) {
			j := new(journal)
			c := newPair(j)
			closed := make(chan struct{})
			err := v.run(c, func() {
				go func() {
					if err := c.Close(); err != nil {
						t.Error(err)
					}
					close(closed)
				}()
				waitClosing(t, c, closed)
				// A new view once Close has begun neither waits nor runs.
				if err := c.WithOwner(func(**res) {}); !errors.Is(err, selfref.ErrClosed) {
					t.Errorf("a nested view while Close waits: %v, want ErrClosed", err)
				}
				wantEvents(t, j) // nothing is closed under the view
			})
			if err != nil {
				t.Fatal(err)
			}
			<-closed
			wantEvents(t, j, "close dependent", "close owner")
		})
	}
}

// A RentMutex keeps its lock until the views in progress end: Close on
// another goroutine does not unlock under a view.
func TestRentMutexCloseWaitsForViews(t *testing.T) {
	var mu sync.Mutex
	data := 1
	r := selfref.NewRentMutex(&mu, &data)
	closed := make(chan struct{})
	err := r.With(func(*int) {
		go func() {
			if err := r.Close(); err != nil {
				t.Error(err)
			}
			close(closed)
		}()
		waitClosing(t, r, closed)
		if mu.TryLock() {
			t.Error("the lock was released under a view")
			mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	<-closed
	if !mu.TryLock() {
		t.Fatal("Close did not release the lock")
	}
}

// Close, the consuming methods and the exclusive views of a bundle, called
// inside one of its own views, report ErrInView instead of waiting for
// the view that calls them (a deadlock) or closing the fields under it.
func TestOperationsInsideTheirOwnViewReportErrInView(t *testing.T) {
	j := new(journal)
	c := newPair(j)
	ops := map[string]func() error{
		"Close":            c.Close,
		"IntoOwner":        func() error { _, err := c.IntoOwner(); return err },
		"WithMut":          func() error { return c.WithMut(func(**res, **borrower) { t.Error("WithMut ran") }) },
		"WithDependentMut": func() error { return c.WithDependentMut(func(**borrower) { t.Error("ran") }) },
		"MapDependent": func() error {
			_, err := selfref.MapDependent(c, func(d *borrower) int { return 0 })
			return err
		},
		"String": func() error {
			// Readable inside a shared view, busy inside an exclusive one.
			if s := c.String(); s != "selfref.Cell{owner: owner, dependent: dependent}" && s != "selfref.Cell{busy}" {
				t.Errorf("String inside a view = %q", s)
			}
			return selfref.ErrInView
		},
	}
	for name, op := range ops {
		err := c.WithDependent(func(**borrower) {
			if err := op(); !errors.Is(err, selfref.ErrInView) {
				t.Errorf("%s inside a shared view: %v, want ErrInView", name, err)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		err = c.WithMut(func(**res, **borrower) {
			if err := op(); !errors.Is(err, selfref.ErrInView) && name != "String" {
				t.Errorf("%s inside an exclusive view: %v, want ErrInView", name, err)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	wantEvents(t, j)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	wantEvents(t, j, "close dependent", "close owner")
}

// A view of one bundle may close another that nobody views: only waiting
// is refused inside a view.
func TestCloseOfAnotherBundleInsideAView(t *testing.T) {
	j := new(journal)
	a, b := newPair(j), newPair(j)
	err := a.WithDependent(func(**borrower) {
		if err := b.Close(); err != nil {
			t.Errorf("closing another bundle inside a view: %v", err)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	wantEvents(t, j, "close dependent", "close owner")
	a.Close()
}

// A panic in a view ends the view: Close does not wait for it.
func TestPanickingViewEnds(t *testing.T) {
	j := new(journal)
	c := newPair(j)
	for _, view := range []func(){
		func() { c.WithDependent(func(**borrower) { panic("boom") }) },
		func() { c.WithDependentMut(func(**borrower) { panic("boom") }) },
		func() { c.With(func(**res, **borrower) { panic("boom") }) },
	} {
		if v := recovered(view); v != "boom" {
			t.Fatalf("recovered %v", v)
		}
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	wantEvents(t, j, "close dependent", "close owner")
}
