package selfref_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cellar-go/cellar/selfref"
)

func newPair(j *journal) *selfref.Cell[*res, *borrower] {
	return selfref.New(&res{name: "owner", j: j}, func(o **res) *borrower { return newBorrower("dependent", *o) })
}

func TestNewBuildsFromTheOwnerInTheCell(t *testing.T) {
	var seen *[4]byte
	c := selfref.New([4]byte{1, 2, 3, 4}, func(o *[4]byte) []byte {
		seen = o
		return o[1:3]
	})
	defer c.Close()
	if o := addr(c.BorrowOwner()); o != seen {
		t.Fatalf("BorrowOwner lends %p; the builder saw %p", o, seen)
	}
	// The dependent shares the owner's storage: a change through the
	// dependent shows in the owner.
	if err := c.WithDependentMut(func(d *[]byte) { (*d)[0] = 20 }); err != nil {
		t.Fatal(err)
	}
	if err := c.With(func(o *[4]byte, d *[]byte) {
		if o[1] != 20 || string(*d) != "\x14\x03" {
			t.Errorf("owner %v, dependent %v: not sharing storage", *o, *d)
		}
	}); err != nil {
		t.Fatal(err)
	}
}

func TestCloseClosesDependentThenOwnerOnce(t *testing.T) {
	j := new(journal)
	c := newPair(j)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	wantEvents(t, j, "close dependent", "close owner")
}

func TestCloseJoinsErrors(t *testing.T) {
	j := new(journal)
	errOwner, errDep := errors.New("owner failed"), errors.New("dependent failed")
	c := selfref.New(&res{name: "owner", j: j, err: errOwner}, func(o **res) *borrower {
		b := newBorrower("dependent", *o)
		b.err = errDep
		return b
	})
	err := c.Close()
	wantErr(t, err, errOwner)
	wantErr(t, err, errDep)
	if !strings.Contains(err.Error(), "selfref: closing dependent: dependent failed") ||
		!strings.Contains(err.Error(), "selfref: closing owner: owner failed") {
		t.Errorf("error %q does not name the fields", err)
	}
}

// valueCloser is closed through a pointer to the field that holds it.
type valueCloser struct{ j *journal }

func (v *valueCloser) Close() error { v.j.add("close value"); return nil }

func TestCloseSkipsNilAndRepeatedClosers(t *testing.T) {
	j := new(journal)
	owner := &res{name: "owner", j: j}
	// The dependent is the owner itself: it is closed once.
	same := selfref.New(owner, func(o **res) *res { return *o })
	if err := same.Close(); err != nil {
		t.Fatal(err)
	}
	wantEvents(t, j, "close owner")

	// A nil dependent is skipped; a value field with a pointer-receiver
	// Close is closed.
	j2 := new(journal)
	c := selfref.New(valueCloser{j2}, func(*valueCloser) *res { return nil })
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	wantEvents(t, j2, "close value")
}

func TestUseAfterCloseReportsErrClosed(t *testing.T) {
	c := newPair(new(journal))
	c.Close()
	called := false
	call := func(...any) { called = true }
	wantErr(t, c.With(func(o **res, d **borrower) { call(o, d) }), selfref.ErrClosed)
	wantErr(t, c.WithMut(func(o **res, d **borrower) { call(o, d) }), selfref.ErrClosed)
	wantErr(t, c.WithOwner(func(o **res) { call(o) }), selfref.ErrClosed)
	wantErr(t, c.WithDependent(func(d **borrower) { call(d) }), selfref.ErrClosed)
	wantErr(t, c.WithDependentMut(func(d **borrower) { call(d) }), selfref.ErrClosed)
	if p, err := c.BorrowOwner(); p != (selfref.Borrowed[*res]{}) || !errors.Is(err, selfref.ErrClosed) {
		t.Errorf("BorrowOwner = %v, %v", p, err)
	}
	if p, err := c.BorrowDependent(); p != (selfref.Borrowed[*borrower]{}) || !errors.Is(err, selfref.ErrClosed) {
		t.Errorf("BorrowDependent = %v, %v", p, err)
	}
	if o, err := c.IntoOwner(); o != nil || !errors.Is(err, selfref.ErrClosed) {
		t.Errorf("IntoOwner = %v, %v", o, err)
	}
	if _, err := c.Clone(func(o **res, d **borrower) *borrower { return *d }); !errors.Is(err, selfref.ErrClosed) {
		t.Errorf("Clone: %v", err)
	}
	if _, err := selfref.MapDependent(c, func(d *borrower) int { return 0 }); !errors.Is(err, selfref.ErrClosed) {
		t.Errorf("MapDependent: %v", err)
	}
	if called {
		t.Error("a view's function ran after Close")
	}
	if got := c.String(); got != "selfref.Cell{closed}" {
		t.Errorf("String = %q", got)
	}
}

func TestZeroCellReportsErrNotBuilt(t *testing.T) {
	var c selfref.Cell[int, int]
	wantErr(t, c.WithDependent(func(*int) { t.Error("view ran") }), selfref.ErrNotBuilt)
	wantErr(t, c.Close(), selfref.ErrNotBuilt)
	if _, err := c.BorrowOwner(); !errors.Is(err, selfref.ErrNotBuilt) {
		t.Errorf("BorrowOwner: %v", err)
	}
	if got := c.String(); got != "selfref.Cell{not built}" {
		t.Errorf("String = %q", got)
	}
}

func TestCopiedCellReportsErrCopied(t *testing.T) {
	j := new(journal)
	c := newPair(j)
	cp := copyOf(c)
	wantErr(t, cp.WithDependent(func(**borrower) { t.Error("view ran on a copy") }), selfref.ErrCopied)
	wantErr(t, cp.WithMut(func(**res, **borrower) { t.Error("view ran on a copy") }), selfref.ErrCopied)
	if _, err := cp.BorrowDependent(); !errors.Is(err, selfref.ErrCopied) {
		t.Errorf("BorrowDependent on a copy: %v", err)
	}
	wantErr(t, cp.Close(), selfref.ErrCopied)
	if got := cp.String(); got != "selfref.Cell{copied}" {
		t.Errorf("String = %q", got)
	}
	wantEvents(t, j) // closing the copy closed nothing
	if err := c.WithDependent(func(**borrower) {}); err != nil {
		t.Errorf("the original after a copy: %v", err)
	}
	c.Close()
	wantEvents(t, j, "close dependent", "close owner")
}

func TestTryNewFailureClosesOwner(t *testing.T) {
	j := new(journal)
	c, err := selfref.TryNew(&res{name: "owner", j: j}, func(**res) (*borrower, error) { return nil, errBuild })
	if c != nil {
		t.Error("TryNew returned a Cell with an error")
	}
	wantErr(t, err, errBuild)
	var be *selfref.BuildError
	if !errors.As(err, &be) || be.Field != "dependent" || be.CloseErr != nil {
		t.Errorf("err = %#v, want a BuildError for dependent", err)
	}
	if err.Error() != "selfref: building dependent: build failed" {
		t.Errorf("message %q", err)
	}
	wantEvents(t, j, "close owner")
}

func TestTryNewFailureReportsCloseErrors(t *testing.T) {
	errClose := errors.New("close failed")
	_, err := selfref.TryNew(&res{name: "owner", j: new(journal), err: errClose}, func(**res) (int, error) { return 0, errBuild })
	wantErr(t, err, errBuild)
	wantErr(t, err, errClose)
}

func TestTryNewOrRecoverHandsTheOwnerBack(t *testing.T) {
	j := new(journal)
	owner := &res{name: "owner", j: j}
	c, got, err := selfref.TryNewOrRecover(owner, func(**res) (int, error) { return 0, errBuild })
	if c != nil || got != owner {
		t.Errorf("TryNewOrRecover = %v, %v; want nil and the owner", c, got)
	}
	wantErr(t, err, errBuild)
	wantEvents(t, j) // not closed

	c, got, err = selfref.TryNewOrRecover(owner, func(o **res) (int, error) { return 7, nil })
	if err != nil || got != nil || c == nil {
		t.Fatalf("success: %v, %v, %v", c, got, err)
	}
	c.Close()
	wantEvents(t, j, "close owner")
}

func TestNewContextChecksTheContext(t *testing.T) {
	j := new(journal)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c, err := selfref.NewContext(ctx, &res{name: "owner", j: j}, func(context.Context, **res) (int, error) {
		t.Error("builder ran with an ended context")
		return 0, nil
	})
	if c != nil {
		t.Error("a Cell with an error")
	}
	wantErr(t, err, context.Canceled)
	wantEvents(t, j, "close owner")

	owner := &res{name: "again", j: j}
	_, got, err := selfref.NewContextOrRecover(ctx, owner, func(context.Context, **res) (int, error) { return 0, nil })
	wantErr(t, err, context.Canceled)
	if got != owner {
		t.Error("NewContextOrRecover did not hand the owner back")
	}

	type key struct{}
	vctx := context.WithValue(context.Background(), key{}, "v")
	c2, err := selfref.NewContext(vctx, 1, func(ctx context.Context, o *int) (string, error) {
		return ctx.Value(key{}).(string), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := c2.BorrowDependent(); must(d.Get()) != "v" {
		t.Errorf("the builder did not get the context: %q", must(d.Get()))
	}
}

func TestPanickingBuilderClosesOwner(t *testing.T) {
	for name, build := range map[string]func(*res){
		"New": func(o *res) {
			selfref.New(o, func(**res) int { panic("boom") })
		},
		"TryNew": func(o *res) {
			selfref.TryNew(o, func(**res) (int, error) { panic("boom") })
		},
		"TryNewOrRecover": func(o *res) {
			selfref.TryNewOrRecover(o, func(**res) (int, error) { panic("boom") })
		},
		"NewContext": func(o *res) {
			selfref.NewContext(context.Background(), o, func(context.Context, **res) (int, error) { panic("boom") })
		},
	} {
		t.Run(name, func(t *testing.T) {
			j := new(journal)
			if v := recovered(func() { build(&res{name: "owner", j: j}) }); v != "boom" {
				t.Errorf("panic value %v, want boom", v)
			}
			wantEvents(t, j, "close owner")
		})
	}
}

func TestIntoOwnerClosesOnlyTheDependent(t *testing.T) {
	j := new(journal)
	c := newPair(j)
	o, err := c.IntoOwner()
	if err != nil || o == nil || o.name != "owner" {
		t.Fatalf("IntoOwner = %v, %v", o, err)
	}
	wantEvents(t, j, "close dependent")
	wantErr(t, c.WithOwner(func(**res) {}), selfref.ErrClosed)
	if err := c.Close(); err != nil {
		t.Errorf("Close after IntoOwner: %v", err)
	}
	wantEvents(t, j, "close dependent")
}

func TestMutViewsAreExclusive(t *testing.T) {
	c := selfref.New(1, func(o *int) *int { return o })
	defer c.Close()
	// String never blocks: it reports busy while an exclusive view holds
	// the Cell, which proves the shared lock cannot be taken.
	c.WithMut(func(*int, **int) {
		if got := c.String(); got != "selfref.Cell{busy}" {
			t.Errorf("inside WithMut: String = %q", got)
		}
	})
	c.WithDependentMut(func(**int) {
		if got := c.String(); got != "selfref.Cell{busy}" {
			t.Errorf("inside WithDependentMut: String = %q", got)
		}
	})
	c.With(func(*int, **int) {
		if got := c.String(); !strings.HasPrefix(got, "selfref.Cell{owner: 1, dependent: 0x") {
			t.Errorf("inside With: String = %q", got)
		}
	})
}

func TestCloneSharesTheOwner(t *testing.T) {
	j := new(journal)
	c := newPair(j)
	var cloneOwner **res
	d, err := c.Clone(func(o **res, dep **borrower) *borrower {
		cloneOwner = o
		return newBorrower("clone", (*dep).from)
	})
	if err != nil {
		t.Fatal(err)
	}
	if o := addr(c.BorrowOwner()); o != cloneOwner {
		t.Error("the clone's owner is not the shared one")
	}
	if _, err := c.IntoOwner(); !errors.Is(err, selfref.ErrShared) {
		t.Errorf("IntoOwner of a shared owner: %v", err)
	}
	c.Close()
	wantEvents(t, j, "close dependent")
	e, err := d.Clone(func(_ **res, dep **borrower) *borrower { return newBorrower("clone2", (*dep).from) })
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	wantEvents(t, j, "close dependent", "close clone")
	o, err := e.IntoOwner()
	if err != nil || o.name != "owner" {
		t.Fatalf("IntoOwner of the last clone = %v, %v", o, err)
	}
	wantEvents(t, j, "close dependent", "close clone", "close clone2")
}

func TestMapDependentKeepsTheOwner(t *testing.T) {
	j := new(journal)
	c := newPair(j)
	before := addr(c.BorrowOwner())
	m, err := selfref.MapDependent(c, func(d *borrower) string { return d.name + " mapped" })
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, c.WithDependent(func(**borrower) {}), selfref.ErrClosed)
	if after := addr(m.BorrowOwner()); after != before {
		t.Error("the owner moved")
	}
	if d, _ := m.BorrowDependent(); must(d.Get()) != "dependent mapped" {
		t.Errorf("dependent %q", must(d.Get()))
	}
	wantEvents(t, j) // the old dependent was taken over, not closed
	m.Close()
	wantEvents(t, j, "close owner")
}

func TestNewSubHoldsItsHead(t *testing.T) {
	j := new(journal)
	head := newPair(j)
	sub, err := selfref.NewSub(head, func(o **res, d **borrower) *borrower {
		return newBorrower("sub", &(*d).res)
	})
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, head.Close(), selfref.ErrHeld)
	wantErr(t, head.WithDependentMut(func(**borrower) {}), selfref.ErrHeld)
	if _, err := head.IntoOwner(); !errors.Is(err, selfref.ErrHeld) {
		t.Errorf("IntoOwner of a held head: %v", err)
	}
	if err := head.WithDependent(func(**borrower) {}); err != nil {
		t.Errorf("a shared view of a held head: %v", err)
	}
	if _, err := selfref.NewSub(head, func(**res, **borrower) int { return 0 }); !errors.Is(err, selfref.ErrHeld) {
		t.Errorf("a second NewSub on a held head: %v", err)
	}
	if err := sub.Close(); err != nil {
		t.Fatal(err)
	}
	wantEvents(t, j, "close sub", "close dependent", "close owner")
	wantErr(t, head.WithDependent(func(**borrower) {}), selfref.ErrClosed)
}

func TestNewSubIntoOwnerReleasesTheHead(t *testing.T) {
	j := new(journal)
	head := newPair(j)
	sub, err := selfref.NewSub(head, func(o **res, d **borrower) int { return 1 })
	if err != nil {
		t.Fatal(err)
	}
	h, err := sub.IntoOwner()
	if err != nil || h != head {
		t.Fatalf("IntoOwner = %v, %v", h, err)
	}
	if err := head.WithDependentMut(func(**borrower) {}); err != nil {
		t.Errorf("the released head: %v", err)
	}
	head.Close()
	wantEvents(t, j, "close dependent", "close owner")
}

func TestNewSubPanicClosesTheHead(t *testing.T) {
	j := new(journal)
	head := newPair(j)
	if v := recovered(func() {
		selfref.NewSub(head, func(**res, **borrower) int { panic("boom") })
	}); v != "boom" {
		t.Errorf("panic value %v", v)
	}
	wantEvents(t, j, "close dependent", "close owner")
}
