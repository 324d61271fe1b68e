package wazeroref

import (
	"errors"
	"math"
	"testing"

	"github.com/cellar-go/cellar/externref"
)

// fuzzTable holds references whose values are their guest values, so that
// a wrong reference is recognised; fuzzDropped is a guest value it
// dropped.
var fuzzTable, fuzzDropped = func() (*Table, uintptr) {
	t := newTable()
	for range 16 {
		p := new(uintptr)
		r := externref.New(p)
		v, err := t.Put(r)
		if err != nil {
			panic(err)
		}
		*p = v
		r.Release()
	}
	r := externref.New(new(uintptr))
	v, _ := t.Put(r)
	r.Release()
	if err := t.Drop(v); err != nil {
		panic(err)
	}
	return t, v
}()

// FuzzGet decodes guest values: a value yields the reference the table
// gave the guest for it, or an error; never another reference.
func FuzzGet(f *testing.F) {
	var live uintptr
	for r := range fuzzTable.byRef {
		if p, ok := externref.Downcast[*uintptr](r); ok {
			live = *p
			break
		}
	}
	// Wide values (whole handles) and narrow ones (generation << 16 | index,
	// on 32-bit targets): generation 0, the first slot, the last one.
	for _, v := range []uint64{0, uint64(live), uint64(live) + 1, uint64(fuzzDropped), uint64(live) + 1<<32, 5, 1 << 16, 1<<16 | narrowMax, math.MaxUint32, math.MaxUint64} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, raw uint64) {
		v := uintptr(raw)
		r, err := fuzzTable.Get(v)
		if err != nil {
			if !errors.Is(err, externref.ErrForged) && !errors.Is(err, externref.ErrReleased) {
				t.Fatalf("Get(%#x): unexpected error %v", v, err)
			}
			return
		}
		if v == 0 {
			if !r.IsNull() {
				t.Fatalf("Get(0) = %v", r)
			}
			return
		}
		if p, ok := externref.Downcast[*uintptr](r); !ok || *p != v {
			t.Fatalf("Get(%#x) = %v, which was put for another value", v, r)
		}
	})
}
