package selfref_test

import (
	"errors"
	"testing"

	"github.com/cellar-go/cellar/selfref"
)

// anyCloser is a closer whose type is comparable but whose values may not be.
type anyCloser struct{ v any }

func (anyCloser) Close() error { return nil }

// Close must not panic on two closers of a comparable type holding
// uncomparable values (lifecycle.go sameCloser).
func TestCloseWithUncomparableCloserValues(t *testing.T) {
	ch := selfref.NewChain3(anyCloser{[]int{1}},
		func(*anyCloser) anyCloser { return anyCloser{[]int{2}} },
		func(*anyCloser, *anyCloser) int { return 0 })
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("Close panicked: %v", r)
		}
	}()
	if err := ch.Close(); err != nil {
		t.Fatal(err)
	}
}

type probeRes struct{ closed bool }

func (r *probeRes) Close() error { r.closed = true; return nil }

// A Cell held as the head of a NewSub bundle must stay open until that
// bundle closes it, even when another bundle that has it as a field is
// closed or consumed.
func TestHeldHeadIsNotClosedThroughAnotherBundle(t *testing.T) {
	res := &probeRes{}
	head := selfref.New(res, func(**probeRes) int { return 1 })
	sub, err := selfref.NewSub(head, func(o **probeRes, d *int) int { return *d })
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	wrap := selfref.New(head, func(**selfref.Cell[*probeRes, int]) int { return 0 })
	_ = wrap.Close()
	if err := head.WithOwner(func(**probeRes) {}); err != nil {
		t.Fatalf("head of an open sub-bundle was closed by another bundle: %v (owner closed: %v)", err, res.closed)
	}
	if err := head.Close(); !errors.Is(err, selfref.ErrHeld) {
		t.Fatalf("head.Close while held = %v, want ErrHeld", err)
	}
}

// IntoOwner of a Cell whose owner is a held Cell must not release the hold
// that another bundle (NewSub) has on it.
func TestIntoOwnerKeepsAnotherBundlesHold(t *testing.T) {
	res := &probeRes{}
	head := selfref.New(res, func(**probeRes) int { return 1 })
	sub, err := selfref.NewSub(head, func(o **probeRes, d *int) int { return *d })
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	wrap := selfref.New(head, func(**selfref.Cell[*probeRes, int]) int { return 0 })
	if _, err := wrap.IntoOwner(); err != nil {
		t.Fatal(err)
	}
	if err := head.Close(); !errors.Is(err, selfref.ErrHeld) {
		t.Fatalf("head.Close while held by sub = %v, want ErrHeld (owner closed: %v)", err, res.closed)
	}
}

// A sub-bundle mapped with MapDependent, or cloned, still holds its head
// and closes it with the last of them.
func TestHeldHeadIsClosedByAMapOrTheLastCloneOfItsHolder(t *testing.T) {
	t.Run("map", func(t *testing.T) {
		res := &probeRes{}
		head := selfref.New(res, func(**probeRes) int { return 1 })
		sub, err := selfref.NewSub(head, func(_ **probeRes, d *int) int { return *d })
		if err != nil {
			t.Fatal(err)
		}
		m, err := selfref.MapDependent(sub, func(d int) string { return "x" })
		if err != nil {
			t.Fatal(err)
		}
		if err := head.Close(); !errors.Is(err, selfref.ErrHeld) {
			t.Fatalf("head.Close while the map holds it = %v, want ErrHeld", err)
		}
		if err := m.Close(); err != nil || !res.closed {
			t.Fatalf("closing the map: %v, head's owner closed: %v", err, res.closed)
		}
	})
	t.Run("clone", func(t *testing.T) {
		res := &probeRes{}
		head := selfref.New(res, func(**probeRes) int { return 1 })
		sub, err := selfref.NewSub(head, func(_ **probeRes, d *int) int { return *d })
		if err != nil {
			t.Fatal(err)
		}
		c2, err := sub.Clone(func(_ **selfref.Cell[*probeRes, int], d *int) int { return *d })
		if err != nil {
			t.Fatal(err)
		}
		if err := sub.Close(); err != nil || res.closed {
			t.Fatalf("closing the first of two clones: %v, head's owner closed: %v", err, res.closed)
		}
		if err := c2.Close(); err != nil || !res.closed {
			t.Fatalf("closing the last clone: %v, head's owner closed: %v", err, res.closed)
		}
	})
}

// TestSharedViewInsideExclusiveView: a shared view nested in an
// exclusive view of the same bundle, on the same goroutine, would wait for
// its caller; it reports ErrInView instead of hanging.
func TestSharedViewInsideExclusiveView(t *testing.T) {
	c := selfref.New(1, func(o *int) *int { return o })
	err := c.WithDependentMut(func(d **int) {
		wantErr(t, c.WithDependent(func(e **int) { t.Error("nested shared view ran") }), selfref.ErrInView)
	})
	if err != nil {
		t.Fatal(err)
	}
}
