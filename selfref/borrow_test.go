package selfref_test

import (
	"sync"
	"testing"

	"github.com/cellar-go/cellar/selfref"
)

// A Borrowed kept after Close reports ErrClosed, never the zero value
// Close left in the field: Rust's "this will cause an error", at run time.
func TestBorrowedAfterCloseReportsErrClosed(t *testing.T) {
	j := new(journal)
	c := newPair(j)
	o, err := c.BorrowOwner()
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.BorrowDependent()
	if err != nil {
		t.Fatal(err)
	}
	if v, err := d.Get(); err != nil || v.name != "dependent" {
		t.Fatalf("Get = %v, %v", v, err)
	}
	c.Close()
	if v, err := o.Get(); v != nil {
		t.Errorf("owner after Close = %v, %v; want nil, ErrClosed", v, err)
	} else {
		wantErr(t, err, selfref.ErrClosed)
	}
	wantErr(t, d.With(func(**borrower) { t.Error("a borrow's view ran after Close") }), selfref.ErrClosed)

	var mu sync.Mutex
	data := 1
	r := selfref.NewRentMutex(&mu, &data)
	b, err := r.Borrow()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	if _, err := b.Get(); err == nil {
		t.Error("the data of a released RentMutex was read through a kept borrow")
	}
}

// The zero Borrowed reports ErrNotBuilt.
func TestZeroBorrowed(t *testing.T) {
	var b selfref.Borrowed[int]
	_, err := b.Get()
	wantErr(t, err, selfref.ErrNotBuilt)
}
