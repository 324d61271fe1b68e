package selfref_test

import (
	"testing"

	"github.com/cellar-go/cellar/selfref"
)

// sink keeps the benchmarks' reads from being optimized away.
var sink int

// direct is the baseline: an owner and a dependent in a plain struct.
type direct struct {
	owner int
	dep   *int
}

// BenchmarkBaselineDirectField reads the dependent as a plain field: what
// BenchmarkWithDependent and BenchmarkBorrowDependent are measured against.
func BenchmarkBaselineDirectField(b *testing.B) {
	s := &direct{owner: 1}
	s.dep = &s.owner
	for b.Loop() {
		sink += *s.dep
	}
}

// BenchmarkWithDependent reads the dependent through the scoped shared
// view, which checks that the Cell is open and calls the function; both
// calls inline.
func BenchmarkWithDependent(b *testing.B) {
	c := selfref.New(1, func(o *int) *int { return o })
	defer c.Close()
	for b.Loop() {
		_ = c.WithDependent(func(d **int) { sink += **d })
	}
}

// BenchmarkBorrowDependent reads the dependent through the lock-free
// borrow.
func BenchmarkBorrowDependent(b *testing.B) {
	c := selfref.New(1, func(o *int) *int { return o })
	defer c.Close()
	for b.Loop() {
		d, err := c.BorrowDependent()
		if err == nil {
			sink += **d
		}
	}
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
