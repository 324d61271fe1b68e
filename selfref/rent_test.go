package selfref_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/cellar-go/cellar/selfref"
)

func TestRentMutexHoldsTheLock(t *testing.T) {
	var mu sync.Mutex
	data := []int{1, 2}
	r := selfref.NewRentMutex(&mu, &data)
	if mu.TryLock() {
		t.Fatal("the mutex is not held")
	}
	r.WithMut(func(d *[]int) { *d = append(*d, 3) })
	r.With(func(d *[]int) {
		if len(*d) != 3 {
			t.Errorf("data %v", *d)
		}
	})
	if p := addr(r.Borrow()); p != &data {
		t.Errorf("Borrow = %p", p)
	}
	if got := r.String(); got != "selfref.RentMutex{data: [1 2 3]}" {
		t.Errorf("String = %q", got)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil { // a second Close must not unlock again
		t.Fatal(err)
	}
	if !mu.TryLock() {
		t.Fatal("the mutex is still held after Close")
	}
	mu.Unlock()
	wantErr(t, r.With(func(*[]int) { t.Error("view after Close") }), selfref.ErrClosed)
	wantErr(t, r.WithMut(func(*[]int) { t.Error("view after Close") }), selfref.ErrClosed)
	if _, err := r.Borrow(); !errors.Is(err, selfref.ErrClosed) {
		t.Errorf("Borrow after Close: %v", err)
	}
	if got := r.String(); got != "selfref.RentMutex{closed}" {
		t.Errorf("String = %q", got)
	}
}

func TestRentMutexWriteLocksAnRWMutex(t *testing.T) {
	var mu sync.RWMutex
	n := 0
	r := selfref.NewRentMutex(&mu, &n)
	if mu.TryRLock() {
		t.Fatal("readers got in while the write lock is held")
	}
	r.Close()
	if !mu.TryLock() {
		t.Fatal("not released")
	}
}

func TestRentRWMutexHoldsTheReadLock(t *testing.T) {
	var mu sync.RWMutex
	n := 7
	r := selfref.NewRentRWMutex(&mu, &n)
	if mu.TryLock() {
		t.Fatal("a writer got in while the read lock is held")
	}
	if !mu.TryRLock() {
		t.Fatal("another reader was kept out")
	}
	mu.RUnlock()
	r.With(func(p *int) {
		if *p != 7 {
			t.Errorf("data %d", *p)
		}
	})
	if p, err := r.Borrow(); err != nil || must(p.Get()) != 7 {
		t.Errorf("Borrow = %v, %v", p, err)
	}
	if got := r.String(); got != "selfref.RentRWMutex{data: 7}" {
		t.Errorf("String = %q", got)
	}
	r.Close()
	r.Close()
	if !mu.TryLock() {
		t.Fatal("the read lock is still held after Close")
	}
	wantErr(t, r.With(func(*int) { t.Error("view after Close") }), selfref.ErrClosed)
}

// A RentMutex held as the head of a chain is closed with the chain, not on
// its own.
func TestHeldRentMutexIsClosedWithItsHolder(t *testing.T) {
	var mu sync.Mutex
	data := 1
	r := selfref.NewRentMutex(&mu, &data)
	ch := selfref.NewChain3(r, func(**selfref.RentMutex[int]) int { return 2 }, func(_ **selfref.RentMutex[int], m *int) int { return *m })
	if err := r.Close(); !errors.Is(err, selfref.ErrHeld) {
		t.Fatalf("Close of a held RentMutex = %v, want ErrHeld", err)
	}
	if mu.TryLock() {
		t.Fatal("the lock of a held RentMutex was released")
	}
	if err := ch.Close(); err != nil {
		t.Fatal(err)
	}
	if !mu.TryLock() {
		t.Fatal("closing the chain did not release the lock")
	}
}
