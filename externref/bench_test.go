package externref_test

import (
	"testing"

	"github.com/cellar-go/cellar/externref"
)

type file struct{ name string }

// BenchmarkCloneRelease adds and drops a count on a live reference.
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

// BenchmarkFromRawValidated turns a raw value back into a reference,
// validating it.
func BenchmarkFromRawValidated(b *testing.B) {
	r := externref.New(&file{})
	defer r.Release()
	raw := r.AsRaw()
	b.ReportAllocs()
	for b.Loop() {
		got, err := externref.FromRaw(raw)
		if err != nil || got != r {
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
			c.Release()
		}
	})
}
