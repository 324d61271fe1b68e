package externref_test

import (
	"sync/atomic"
	"testing"

	"github.com/cellar-go/cellar/externref"
	"github.com/cellar-go/cellar/handle"
)

type file struct{ name string }

// BenchmarkCloneRelease takes a lease of its own on a live reference and
// gives it back. Its baselines are BenchmarkBaselineAtomicAddSub and
// BenchmarkBaselineSharedCount.
func BenchmarkCloneRelease(b *testing.B) {
	r := externref.New(&file{})
	defer r.Release()
	b.ReportAllocs()
	for b.Loop() {
		c, err := r.Clone()
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Release(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBaselineAtomicAddSub is the floor of any shared count: one
// atomic add and one atomic subtract.
func BenchmarkBaselineAtomicAddSub(b *testing.B) {
	var n atomic.Int64
	for b.Loop() {
		n.Add(1)
		n.Add(-1)
	}
	if n.Load() != 0 {
		b.Fatal("count", n.Load())
	}
}

// BenchmarkBaselineSharedCount is a count shared by every holder, with
// no lease of its own: a handle lookup and a compare-and-swap to add, a
// lookup and an add to drop. It is what Clone and Release cost when
// clones were the same reference.
func BenchmarkBaselineSharedCount(b *testing.B) {
	t := handle.New[atomic.Int64](1)
	h := t.Insert(new(atomic.Int64))
	for b.Loop() {
		n, ok := t.Get(h)
		if !ok {
			b.Fatal("lost")
		}
		if v := n.Load(); v < 0 || !n.CompareAndSwap(v, v+1) {
			b.Fatal("contended")
		}
		n, ok = t.Get(h)
		if !ok {
			b.Fatal("lost")
		}
		n.Add(-1)
	}
}

// BenchmarkIntoRawFromRaw moves a count into a raw value and takes it
// back, validating the raw value.
func BenchmarkIntoRawFromRaw(b *testing.B) {
	r := externref.New(&file{})
	b.ReportAllocs()
	for b.Loop() {
		raw, err := r.IntoRaw()
		if err != nil {
			b.Fatal(err)
		}
		if r, err = externref.FromRaw(raw); err != nil {
			b.Fatal(err)
		}
	}
	if err := r.Release(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCloneFromRawRelease takes a count from a raw value of
// Ref.AsRaw, validating it, and gives it back.
func BenchmarkCloneFromRawRelease(b *testing.B) {
	r := externref.New(&file{})
	defer r.Release()
	raw := r.AsRaw()
	b.ReportAllocs()
	for b.Loop() {
		c, err := externref.CloneFromRaw(raw)
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Release(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewRelease is the life of a reference: create, release (which
// frees it).
func BenchmarkNewRelease(b *testing.B) {
	v := &file{}
	b.ReportAllocs()
	for b.Loop() {
		r := externref.New(v)
		if err := r.Release(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewReleaseParallel is BenchmarkNewRelease on every core at
// once: creation and the last release share the table's lock.
func BenchmarkNewReleaseParallel(b *testing.B) {
	v := &file{}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := externref.New(v)
			if err := r.Release(); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkCloneReleaseParallel clones and releases one shared reference
// on every core at once.
func BenchmarkCloneReleaseParallel(b *testing.B) {
	r := externref.New(&file{})
	defer r.Release()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c, err := r.Clone()
			if err != nil {
				b.Error(err)
				return
			}
			if err := c.Release(); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
