package selfref_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/cellar-go/cellar/selfref"
)

// newSubPair builds a subrental over a fresh head whose dependent is
// named "sub".
func newSubPair(t *testing.T, j *journal) (*selfref.Cell[*res, *borrower], *selfref.Cell[*selfref.Cell[*res, *borrower], *borrower]) {
	t.Helper()
	head := newPair(j)
	sub, err := selfref.NewSub(head, func(o **res, _ **borrower) *borrower { return newBorrower("sub", *o) })
	if err != nil {
		t.Fatal(err)
	}
	return head, sub
}

// A clone of a subrental carries the held head: when it is the last Cell
// sharing the head, its Close inside a view of the head returns ErrInView
// before closing anything, as the subrental's own Close does.
func TestCloneOfSubChecksTheHeldHead(t *testing.T) {
	j := new(journal)
	head, sub := newSubPair(t, j)
	cl, err := sub.Clone(func(o **selfref.Cell[*res, *borrower], _ **borrower) *borrower {
		return newBorrower("clone", &res{name: "x", j: j})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := sub.Close(); err != nil {
		t.Fatal(err)
	}
	wantEvents(t, j, "close sub")
	noHang(t, "the last clone's Close inside a view of the head", func() {
		err := head.WithDependent(func(**borrower) {
			wantErr(t, cl.Close(), selfref.ErrInView)
		})
		if err != nil {
			t.Error(err)
		}
	})
	wantEvents(t, j, "close sub")
	wantErr(t, head.Close(), selfref.ErrHeld)
	if err := cl.Close(); err != nil {
		t.Fatal(err)
	}
	wantEvents(t, j, "close sub", "close clone", "close dependent", "close owner")
}

// A NewSub whose builder panics inside a view of the head cannot close the
// head without waiting for that view: the head's Close returns ErrInView
// instead (the panic continues), and the head is left open and released,
// for its owner to close.
func TestNewSubPanicInsideHeadViewDoesNotWait(t *testing.T) {
	j := new(journal)
	head := newPair(j)
	noHang(t, "NewSub panicking inside a view of its head", func() {
		err := head.With(func(**res, **borrower) {
			v := recovered(func() {
				selfref.NewSub(head, func(**res, **borrower) int { panic("build failed") })
			})
			if v != "build failed" {
				t.Errorf("NewSub panicked with %v", v)
			}
		})
		if err != nil {
			t.Error(err)
		}
	})
	wantEvents(t, j)
	if err := head.WithMut(func(**res, **borrower) {}); err != nil {
		t.Errorf("head still held: %v", err)
	}
	if err := head.Close(); err != nil {
		t.Fatal(err)
	}
	wantEvents(t, j, "close dependent", "close owner")
}

// While a subrental closes its head, another goroutine's Close of the
// head, inside a view of the head, never waits for that view: it returns
// at once (ErrHeld, ErrInView, or nil once the head is closed).
func TestHeadCloseWhileHolderClosesRace(t *testing.T) {
	for range 2000 {
		j := new(journal)
		head, sub := newSubPair(t, j)
		noHang(t, "head.Close in a view of the head while its holder closes it", func() {
			var wg sync.WaitGroup
			wg.Go(func() {
				if err := sub.Close(); err != nil {
					t.Error(err)
				}
			})
			wg.Go(func() {
				head.With(func(**res, **borrower) {
					err := head.Close()
					if err != nil && !errors.Is(err, selfref.ErrHeld) && !errors.Is(err, selfref.ErrInView) {
						t.Error(err)
					}
				})
			})
			wg.Wait()
		})
		if t.Failed() {
			return
		}
		wantEvents(t, j, "close sub", "close dependent", "close owner")
	}
}

// If the dependent's Close panics during IntoOwner of a subrental, the
// head is released anyway (the panic continues): it is neither closed nor
// held for good.
func TestSubIntoOwnerPanicReleasesTheHead(t *testing.T) {
	j := new(journal)
	head := newPair(j)
	sub, err := selfref.NewSub(head, func(**res, **borrower) *badCloser { return &badCloser{j: j} })
	if err != nil {
		t.Fatal(err)
	}
	if v := recovered(func() { sub.IntoOwner() }); v != "close failed" {
		t.Errorf("IntoOwner panicked with %v", v)
	}
	wantEvents(t, j, "close dependent")
	if err := head.WithMut(func(**res, **borrower) {}); err != nil {
		t.Errorf("head still held: %v", err)
	}
	if err := head.Close(); err != nil {
		t.Fatal(err)
	}
	wantEvents(t, j, "close dependent", "close dependent", "close owner")
}
