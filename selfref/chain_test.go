package selfref_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cellar-go/cellar/selfref"
)

func newTriple(j *journal) *selfref.Chain3[*res, *borrower, *borrower] {
	return selfref.NewChain3(&res{name: "head", j: j},
		func(h **res) *borrower { return newBorrower("middle", *h) },
		func(_ **res, m **borrower) *borrower { return newBorrower("tail", &(*m).res) })
}

func TestChain3ClosesInReverse(t *testing.T) {
	j := new(journal)
	ch := newTriple(j)
	err := ch.With(func(h **res, m **borrower, tl **borrower) {
		if (*m).from != *h || (*tl).from != &(*m).res {
			t.Error("the fields do not borrow each other")
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Close(); err != nil {
		t.Fatal(err)
	}
	ch.Close()
	wantEvents(t, j, "close tail", "close middle", "close head")
	wantErr(t, ch.WithTail(func(**borrower) { t.Error("view after Close") }), selfref.ErrClosed)
	wantErr(t, ch.WithHead(func(**res) { t.Error("view after Close") }), selfref.ErrClosed)
	wantErr(t, ch.WithMiddle(func(**borrower) { t.Error("view after Close") }), selfref.ErrClosed)
	wantErr(t, ch.WithTailMut(func(**borrower) { t.Error("view after Close") }), selfref.ErrClosed)
	wantErr(t, ch.WithMut(func(**res, **borrower, **borrower) { t.Error("view after Close") }), selfref.ErrClosed)
	for _, err := range []error{
		func() error { _, err := ch.BorrowHead(); return err }(),
		func() error { _, err := ch.BorrowMiddle(); return err }(),
		func() error { _, err := ch.BorrowTail(); return err }(),
		func() error { _, err := ch.IntoHead(); return err }(),
	} {
		wantErr(t, err, selfref.ErrClosed)
	}
	if ch.String() != "selfref.Chain3{closed}" {
		t.Errorf("String = %q", ch.String())
	}
}

func TestChain3Borrows(t *testing.T) {
	ch := selfref.NewChain3("text", func(h *string) []byte { return []byte(*h) }, func(h *string, m *[]byte) int { return len(*h) + len(*m) })
	defer ch.Close()
	hb, err1 := ch.BorrowHead()
	mb, err2 := ch.BorrowMiddle()
	tb, err3 := ch.BorrowTail()
	h, m, tl := addr(hb, err1), addr(mb, err2), addr(tb, err3)
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatal(err)
	}
	if *h != "text" || string(*m) != "text" || *tl != 8 {
		t.Errorf("borrows %q %q %d", *h, *m, *tl)
	}
	ch.WithTailMut(func(tl *int) { *tl = 9 })
	ch.WithTail(func(tl *int) {
		if *tl != 9 {
			t.Errorf("tail %d after WithTailMut", *tl)
		}
	})
	if got := ch.String(); got != "selfref.Chain3{head: text, middle: [116 101 120 116], tail: 9}" {
		t.Errorf("String = %q", got)
	}
}

func TestChain3FailuresCloseWhatWasBuilt(t *testing.T) {
	fail := func(**res, **borrower) (*borrower, error) { return nil, errBuild }
	okMiddle := func(h **res) (*borrower, error) { return newBorrower("middle", *h), nil }

	j := new(journal)
	_, err := selfref.TryNewChain3(&res{name: "head", j: j}, okMiddle, fail)
	wantErr(t, err, errBuild)
	var be *selfref.BuildError
	if !errors.As(err, &be) || be.Field != "tail" {
		t.Errorf("err = %v, want a BuildError for tail", err)
	}
	wantEvents(t, j, "close middle", "close head")

	j = new(journal)
	_, err = selfref.TryNewChain3(&res{name: "head", j: j}, func(**res) (*borrower, error) { return nil, errBuild }, fail)
	if !errors.As(err, &be) || be.Field != "middle" {
		t.Errorf("err = %v, want a BuildError for middle", err)
	}
	wantEvents(t, j, "close head")

	j = new(journal)
	head := &res{name: "head", j: j}
	ch, got, err := selfref.TryNewChain3OrRecover(head, okMiddle, fail)
	if ch != nil || got != head {
		t.Errorf("TryNewChain3OrRecover = %v, %v", ch, got)
	}
	wantErr(t, err, errBuild)
	wantEvents(t, j, "close middle")

	j = new(journal)
	if v := recovered(func() {
		selfref.NewChain3(&res{name: "head", j: j}, func(h **res) *borrower { return newBorrower("middle", *h) },
			func(**res, **borrower) int { panic("boom") })
	}); v != "boom" {
		t.Errorf("panic value %v", v)
	}
	wantEvents(t, j, "close middle", "close head")
}

func TestChain3Context(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	j := new(journal)
	ch, err := selfref.NewChain3Context(ctx, &res{name: "head", j: j},
		func(ctx context.Context, h **res) (*borrower, error) {
			cancel() // the tail's builder must not run
			return newBorrower("middle", *h), nil
		},
		func(context.Context, **res, **borrower) (int, error) {
			t.Error("tail built with an ended context")
			return 0, nil
		})
	if ch != nil {
		t.Error("a chain with an error")
	}
	wantErr(t, err, context.Canceled)
	wantEvents(t, j, "close middle", "close head")

	j = new(journal)
	head := &res{name: "head", j: j}
	_, got, err := selfref.NewChain3ContextOrRecover(ctx, head,
		func(context.Context, **res) (int, error) { return 0, nil },
		func(context.Context, **res, *int) (int, error) { return 0, nil })
	wantErr(t, err, context.Canceled)
	if got != head {
		t.Error("the head was not handed back")
	}
	wantEvents(t, j)
}

func TestChain3IntoHead(t *testing.T) {
	j := new(journal)
	ch := newTriple(j)
	h, err := ch.IntoHead()
	if err != nil || h.name != "head" {
		t.Fatalf("IntoHead = %v, %v", h, err)
	}
	wantEvents(t, j, "close tail", "close middle")
}

func TestMapTail(t *testing.T) {
	j := new(journal)
	ch := newTriple(j)
	m, err := selfref.MapTail(ch, func(tl *borrower) string { return strings.ToUpper(tl.name) })
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, ch.WithTail(func(**borrower) {}), selfref.ErrClosed)
	if err := ch.Close(); err != nil {
		t.Errorf("Close of the mapped-from chain: %v", err)
	}
	m.WithTail(func(s *string) {
		if *s != "TAIL" {
			t.Errorf("tail %q", *s)
		}
	})
	m.Close()
	wantEvents(t, j, "close middle", "close head")
}
