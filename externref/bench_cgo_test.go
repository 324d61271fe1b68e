//go:build cgo

package externref_test

import (
	"runtime/cgo"
	"testing"
)

// BenchmarkBaselineCgoHandleNewDelete is the baseline for
// BenchmarkNewRelease: a runtime/cgo.Handle made, read and deleted.
func BenchmarkBaselineCgoHandleNewDelete(b *testing.B) {
	v := &file{}
	b.ReportAllocs()
	for b.Loop() {
		h := cgo.NewHandle(v)
		if h.Value() != v {
			b.Fatal("lost")
		}
		h.Delete()
	}
}

// BenchmarkBaselineCgoHandleValue is the baseline for
// BenchmarkCloneFromRawRelease: a runtime/cgo.Handle read back (which
// takes no count).
func BenchmarkBaselineCgoHandleValue(b *testing.B) {
	v := &file{}
	h := cgo.NewHandle(v)
	defer h.Delete()
	b.ReportAllocs()
	for b.Loop() {
		if h.Value() != v {
			b.Fatal("lost")
		}
	}
}
