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
	if p, err := r.Borrow(); err != nil || p != &data {
		t.Errorf("Borrow = %p, %v", p, err)
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
	if p, err := r.Borrow(); err != nil || *p != 7 {
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
