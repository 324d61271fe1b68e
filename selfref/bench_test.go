package selfref_test

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cellar-go/cellar/selfref"
)

// The benchmarks read an int through a dependent that points to the
// owner. Each pairs with BenchmarkBaselineDirectField (the same read from
// a plain struct) and BenchmarkBaselineAtomicPair (the two atomic
// additions that every counted view costs), so that a ratio can be read
// from one run.

// direct is the baseline: an owner and a dependent in a plain struct.
type direct struct {
	owner int
	dep   *int
}

func newDirect() *direct {
	s := &direct{owner: 1}
	s.dep = &s.owner
	return s
}

func newIntCell(b *testing.B) *selfref.Cell[int, *int] {
	c := selfref.New(1, func(o *int) *int { return o })
	b.Cleanup(func() {
		if err := c.Close(); err != nil {
			b.Error(err)
		}
	})
	return c
}

// BenchmarkBaselineDirectField reads the dependent as a plain field.
func BenchmarkBaselineDirectField(b *testing.B) {
	s := newDirect()
	n := 0
	for b.Loop() {
		n += *s.dep
	}
	runtime.KeepAlive(n)
}

// BenchmarkBaselineAtomicPair adds one to a counter and takes it off: the
// floor of a view that Close can wait for.
func BenchmarkBaselineAtomicPair(b *testing.B) {
	var c atomic.Int32
	s := newDirect()
	n := 0
	for b.Loop() {
		c.Add(1)
		n += *s.dep
		c.Add(-1)
	}
	runtime.KeepAlive(n)
}

// BenchmarkWithDependent reads the dependent through the shared view.
func BenchmarkWithDependent(b *testing.B) {
	c := newIntCell(b)
	n := 0
	for b.Loop() {
		if err := c.WithDependent(func(d **int) { n += **d }); err != nil {
			b.Fatal(err)
		}
	}
	runtime.KeepAlive(n)
}

// BenchmarkWith reads through the shared view of both fields, which goes
// through one more function literal than WithDependent.
func BenchmarkWith(b *testing.B) {
	c := newIntCell(b)
	n := 0
	for b.Loop() {
		if err := c.With(func(_ *int, d **int) { n += **d }); err != nil {
			b.Fatal(err)
		}
	}
	runtime.KeepAlive(n)
}

// BenchmarkWithDependentMut reads through the exclusive view, which locks.
func BenchmarkWithDependentMut(b *testing.B) {
	c := newIntCell(b)
	n := 0
	for b.Loop() {
		if err := c.WithDependentMut(func(d **int) { n += **d }); err != nil {
			b.Fatal(err)
		}
	}
	runtime.KeepAlive(n)
}

// BenchmarkBaselineMutex reads under a sync.Mutex: what
// BenchmarkWithDependentMut compares with.
func BenchmarkBaselineMutex(b *testing.B) {
	var mu sync.Mutex
	s := newDirect()
	n := 0
	for b.Loop() {
		mu.Lock()
		n += *s.dep
		mu.Unlock()
	}
	runtime.KeepAlive(n)
}

// BenchmarkBorrowedGet reads the dependent through a Borrowed, a shared
// view per read.
func BenchmarkBorrowedGet(b *testing.B) {
	c := newIntCell(b)
	d, err := c.BorrowDependent()
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for b.Loop() {
		p, err := d.Get()
		if err != nil {
			b.Fatal(err)
		}
		n += *p
	}
	runtime.KeepAlive(n)
}

// BenchmarkRentMutexWith reads the data a RentMutex lends, in a shared
// view.
func BenchmarkRentMutexWith(b *testing.B) {
	var mu sync.Mutex
	data := 1
	r := selfref.NewRentMutex(&mu, &data)
	b.Cleanup(func() { _ = r.Close() })
	n := 0
	for b.Loop() {
		if err := r.With(func(d *int) { n += *d }); err != nil {
			b.Fatal(err)
		}
	}
	runtime.KeepAlive(n)
}

// BenchmarkBaselineDirectFieldParallel is BenchmarkBaselineDirectField on
// every processor.
func BenchmarkBaselineDirectFieldParallel(b *testing.B) {
	s := newDirect()
	b.RunParallel(func(pb *testing.PB) {
		n := 0
		for pb.Next() {
			n += *s.dep
		}
		runtime.KeepAlive(n)
	})
}

// BenchmarkWithDependentParallel is BenchmarkWithDependent on every
// processor, on one Cell: the views count themselves on counters of their
// own, so they scale.
func BenchmarkWithDependentParallel(b *testing.B) {
	c := newIntCell(b)
	b.RunParallel(func(pb *testing.PB) {
		n := 0
		for pb.Next() {
			if err := c.WithDependent(func(d **int) { n += **d }); err != nil {
				b.Error(err)
				return
			}
		}
		runtime.KeepAlive(n)
	})
}

// BenchmarkBaselineRWMutexParallel reads under one sync.RWMutex's read
// lock on every processor: the shared counter the views avoid.
func BenchmarkBaselineRWMutexParallel(b *testing.B) {
	var mu sync.RWMutex
	s := newDirect()
	b.RunParallel(func(pb *testing.PB) {
		n := 0
		for pb.Next() {
			mu.RLock()
			n += *s.dep
			mu.RUnlock()
		}
		runtime.KeepAlive(n)
	})
}

// BenchmarkNewClose builds and closes a two-field Cell.
func BenchmarkNewClose(b *testing.B) {
	for b.Loop() {
		c := selfref.New(1, func(o *int) *int { return o })
		if err := c.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
