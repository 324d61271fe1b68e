package selfref_test

import (
	"runtime"
	"testing"

	"github.com/cellar-go/cellar/selfref"
)

// badCloser is a dependent whose Close panics, or calls runtime.Goexit.
type badCloser struct {
	j      *journal
	goexit bool
}

func (b *badCloser) Close() error {
	b.j.add("close dependent")
	if b.goexit {
		runtime.Goexit()
	}
	panic("close failed")
}

// A dependent whose Close panics or exits the goroutine does not leave
// the owner open: the rest is closed on the way out, and the panic
// continues.
func TestClosePanicClosesTheRest(t *testing.T) {
	for _, goexit := range []bool{false, true} {
		j := new(journal)
		c := selfref.New(&res{name: "owner", j: j}, func(*(*res)) *badCloser { return &badCloser{j: j, goexit: goexit} })
		done := make(chan any)
		go func() {
			var v any
			defer func() { done <- v }()
			v = recovered(func() { c.Close() })
		}()
		v := <-done
		if !goexit && v != "close failed" {
			t.Errorf("Close panicked with %v, want the dependent's panic", v)
		}
		wantEvents(t, j, "close dependent", "close owner")
		wantErr(t, c.With(func(**res, **badCloser) {}), selfref.ErrClosed)
	}
}

// The same, for a subrental: the held head is closed too.
func TestSubClosePanicClosesTheHead(t *testing.T) {
	j := new(journal)
	head := newPair(j)
	sub, err := selfref.NewSub(head, func(**res, **borrower) *badCloser { return &badCloser{j: j} })
	if err != nil {
		t.Fatal(err)
	}
	if v := recovered(func() { sub.Close() }); v != "close failed" {
		t.Errorf("Close panicked with %v", v)
	}
	wantEvents(t, j, "close dependent", "close dependent", "close owner")
	wantErr(t, head.With(func(**res, **borrower) {}), selfref.ErrClosed)
}

// The Map functions and NewSub report a nil bundle instead of crashing.
func TestNilBundlesReportErrNotBuilt(t *testing.T) {
	_, err := selfref.NewSub[int, int, int](nil, func(*int, *int) int { return 0 })
	wantErr(t, err, selfref.ErrNotBuilt)
	_, err = selfref.MapDependent[int, int, int](nil, func(int) int { return 0 })
	wantErr(t, err, selfref.ErrNotBuilt)
	_, err = selfref.MapTail[int, int, int, int](nil, func(int) int { return 0 })
	wantErr(t, err, selfref.ErrNotBuilt)
}
