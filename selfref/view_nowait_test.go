package selfref_test

import (
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/cellar-go/cellar/selfref"
)

// noHang runs fn and fails the test, with every goroutine's stack, if it
// has not returned within a bound far above what it needs: the operations
// tested here must return at once, and a hang is the failure.
func noHang(t *testing.T, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		buf := make([]byte, 1<<20)
		t.Fatalf("%s hangs; goroutines:\n%s", what, buf[:runtime.Stack(buf, true)])
	}
}

// selfUser is a dependent whose Close uses the bundle that is closing it.
type selfUser struct {
	j   *journal
	use func() error
	err error
}

func (s *selfUser) Close() error {
	s.j.add("close dependent")
	s.err = s.use()
	return nil
}

// A field's Close that uses its own bundle finds it closed: the bundle is
// marked closed before its fields are closed, so nothing waits for the
// Close in progress.
func TestFieldCloseUsingItsBundleReportsErrClosed(t *testing.T) {
	type use struct {
		name string
		run  func(c *selfref.Cell[*res, *selfUser]) error
		want error
	}
	for _, u := range []use{
		{"Borrowed.Get", func(c *selfref.Cell[*res, *selfUser]) error {
			b, err := c.BorrowOwner()
			if err != nil {
				return err
			}
			_, err = b.Get()
			return err
		}, selfref.ErrClosed},
		{"With", func(c *selfref.Cell[*res, *selfUser]) error {
			return c.With(func(**res, **selfUser) { t.Error("a view ran during Close") })
		}, selfref.ErrClosed},
		{"WithMut", func(c *selfref.Cell[*res, *selfUser]) error {
			return c.WithMut(func(**res, **selfUser) { t.Error("a view ran during Close") })
		}, selfref.ErrClosed},
		{"IntoOwner", func(c *selfref.Cell[*res, *selfUser]) error {
			_, err := c.IntoOwner()
			return err
		}, selfref.ErrClosed},
		{"Close", func(c *selfref.Cell[*res, *selfUser]) error { return c.Close() }, nil},
	} {
		t.Run(u.name, func(t *testing.T) {
			j := new(journal)
			var c *selfref.Cell[*res, *selfUser]
			var dep *selfUser
			c = selfref.New(&res{name: "owner", j: j}, func(**res) *selfUser {
				dep = &selfUser{j: j, use: func() error { return u.run(c) }}
				return dep
			})
			noHang(t, "Close", func() {
				if err := c.Close(); err != nil {
					t.Error(err)
				}
			})
			if !errors.Is(dep.err, u.want) || (u.want == nil && dep.err != nil) {
				t.Errorf("%s in the field's Close: %v, want %v", u.name, dep.err, u.want)
			}
			wantEvents(t, j, "close dependent", "close owner")
		})
	}
}

// After Close, a borrow read inside a view of another bundle reports
// ErrClosed, not ErrInView.
func TestBorrowedGetInViewAfterCloseReportsErrClosed(t *testing.T) {
	c := newPair(new(journal))
	b, err := c.BorrowDependent()
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	other := selfref.New(1, func(*int) int { return 2 })
	defer other.Close()
	err = other.With(func(*int, *int) {
		_, err := b.Get()
		wantErr(t, err, selfref.ErrClosed)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// User code run by MapDependent or MapTail is inside an exclusive view of
// the bundle: using the bundle there returns ErrInView instead of waiting.
func TestMapFunctionsUsingTheirBundleReportErrInView(t *testing.T) {
	t.Run("MapDependent", func(t *testing.T) {
		c := newPair(new(journal))
		defer c.Close()
		noHang(t, "MapDependent", func() {
			n, err := selfref.MapDependent(c, func(d *borrower) *borrower {
				wantErr(t, c.With(func(**res, **borrower) {}), selfref.ErrInView)
				b, err := c.BorrowOwner()
				if err != nil {
					t.Error(err)
				} else {
					_, err := b.Get()
					wantErr(t, err, selfref.ErrInView)
				}
				wantErr(t, c.WithMut(func(**res, **borrower) {}), selfref.ErrInView)
				wantErr(t, c.Close(), selfref.ErrInView)
				return d
			})
			if err != nil {
				t.Error(err)
				return
			}
			c = n
		})
	})
	t.Run("MapTail", func(t *testing.T) {
		ch := newTriple(new(journal))
		defer ch.Close()
		noHang(t, "MapTail", func() {
			n, err := selfref.MapTail(ch, func(tail *borrower) *borrower {
				wantErr(t, ch.WithTail(func(**borrower) {}), selfref.ErrInView)
				wantErr(t, ch.Close(), selfref.ErrInView)
				return tail
			})
			if err != nil {
				t.Error(err)
				return
			}
			ch = n
		})
	})
}

// Closing a subrental inside a view of its head returns ErrInView before
// closing anything; an exclusive operation on the held head meanwhile
// returns ErrHeld at once instead of waiting for the view; and IntoOwner,
// which releases the head without its lock, works inside the view.
func TestSubCloseInsideHeadViewReportsErrInViewFirst(t *testing.T) {
	j := new(journal)
	head := newPair(j)
	sub, err := selfref.NewSub(head, func(o **res, _ **borrower) *borrower { return newBorrower("sub", *o) })
	if err != nil {
		t.Fatal(err)
	}
	noHang(t, "sub.Close inside head.With", func() {
		err := head.With(func(**res, **borrower) {
			done := make(chan error)
			go func() { done <- head.WithMut(func(**res, **borrower) {}) }()
			wantErr(t, <-done, selfref.ErrHeld)
			wantErr(t, sub.Close(), selfref.ErrInView)
			wantEvents(t, j) // nothing closed
		})
		if err != nil {
			t.Error(err)
		}
	})
	wantErr(t, head.Close(), selfref.ErrHeld) // still held
	noHang(t, "sub.IntoOwner inside head.With", func() {
		err := head.With(func(**res, **borrower) {
			h, err := sub.IntoOwner()
			if err != nil || h != head {
				t.Errorf("IntoOwner = %p, %v", h, err)
			}
		})
		if err != nil {
			t.Error(err)
		}
	})
	wantEvents(t, j, "close sub")
	if err := head.Close(); err != nil {
		t.Fatal(err)
	}
	wantEvents(t, j, "close sub", "close dependent", "close owner")
}

// A view that hands work to another goroutine, which views the same
// bundle, while a third goroutine's Close waits: the new view returns
// ErrClosed at once instead of waiting for the Close that waits for the
// enclosing view.
func TestFanOutViewsWhileClosingConcurrent(t *testing.T) {
	for range 50 {
		j := new(journal)
		c := newPair(j)
		closed := make(chan struct{})
		noHang(t, "a fanned-out view during Close", func() {
			err := c.With(func(**res, **borrower) {
				go func() {
					if err := c.Close(); err != nil {
						t.Error(err)
					}
					close(closed)
				}()
				waitClosing(t, c, closed)
				got := make(chan error)
				go func() { got <- c.WithDependent(func(**borrower) {}) }()
				wantErr(t, <-got, selfref.ErrClosed)
				wantEvents(t, j)
			})
			if err != nil {
				t.Error(err)
			}
			<-closed
		})
		wantEvents(t, j, "close dependent", "close owner")
	}
}

// A deferred call that runs while a panic unwinds out of a view still
// counts as inside the view, wherever it was deferred (the stack cannot
// tell): its Close of a bundle that another goroutine is viewing returns
// ErrInView, closing nothing, instead of waiting.
func TestCloseDeferredPastAPanickingViewReportsErrInView(t *testing.T) {
	j := new(journal)
	c := newPair(j)
	other := selfref.New(1, func(*int) int { return 2 })
	defer other.Close()
	started, release, viewed := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(viewed)
		c.WithOwner(func(**res) {
			close(started)
			<-release
		})
	}()
	<-started
	noHang(t, "Close after a panicking view", func() {
		err := func() (err error) {
			defer func() {
				recover()
				err = c.Close()
			}()
			return other.With(func(*int, *int) { panic("boom") })
		}()
		wantErr(t, err, selfref.ErrInView)
	})
	wantEvents(t, j)
	close(release)
	<-viewed
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	wantEvents(t, j, "close dependent", "close owner")
}

// A deferred call inside a view, run while a panic unwinds in that view,
// is still inside it: Close of the view's bundle returns ErrInView.
func TestCloseDeferredInsideAPanickingViewReportsErrInView(t *testing.T) {
	c := newPair(new(journal))
	defer c.Close()
	noHang(t, "Close deferred in a view", func() {
		err := c.With(func(**res, **borrower) {
			defer func() {
				recover()
				wantErr(t, c.Close(), selfref.ErrInView)
			}()
			panic("boom")
		})
		if err != nil {
			t.Error(err)
		}
	})
}

// A call deferred inside a view by a closure written outside it, run
// while a panic or runtime.Goexit unwinds the view, is still inside the
// view: the view's frame is below it. Close, IntoOwner and the exclusive
// views of the view's bundle return ErrInView instead of waiting for the
// view.
func TestDeferredOutsideClosureInPanickingViewReportsErrInView(t *testing.T) {
	ops := map[string]func(c *selfref.Cell[int, int]) error{
		"Close":     func(c *selfref.Cell[int, int]) error { return c.Close() },
		"WithMut":   func(c *selfref.Cell[int, int]) error { return c.WithMut(func(*int, *int) {}) },
		"IntoOwner": func(c *selfref.Cell[int, int]) error { _, err := c.IntoOwner(); return err },
	}
	ends := map[string]func(){"panic": func() { panic("boom") }, "Goexit": runtime.Goexit}
	for end, unwind := range ends {
		for name, op := range ops {
			for _, mut := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/mut=%v/%s", end, mut, name), func(t *testing.T) {
					c := selfref.New(1, func(*int) int { return 2 })
					var err error
					noHang(t, name+" deferred in an unwinding view", func() {
						done := make(chan struct{})
						go func() {
							defer close(done)
							defer func() { recover() }()
							deferInEndingView(c, mut, func() { err = op(c) }, unwind)
						}()
						<-done
					})
					wantErr(t, err, selfref.ErrInView)
					if err := c.Close(); err != nil {
						t.Error(err)
					}
				})
			}
		}
	}
}

// deferInEndingView runs op from a call deferred inside a view of c by a
// closure written here, below the view, while unwind ends the view.
func deferInEndingView(c *selfref.Cell[int, int], mut bool, op, unwind func()) {
	closeIt := func() { op() }
	if mut {
		c.WithMut(func(*int, *int) { defer closeIt(); unwind() })
	} else {
		c.WithDependent(func(*int) { defer closeIt(); unwind() })
	}
}
