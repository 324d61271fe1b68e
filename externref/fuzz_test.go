package externref_test

import (
	"errors"
	"math"
	"testing"

	"github.com/cellar-go/cellar/externref"
	"github.com/cellar-go/cellar/handle"
)

// fuzzRefs are live references the fuzz targets may hit; each value is
// its own raw value, so a wrong object is recognised. Every other one has
// a second count moved into its raw value (fuzzInRaw), for FromRaw to
// take.
var fuzzRefs, fuzzInRaw = func() (map[uint64]externref.Ref, map[uint64]bool) {
	m, in := map[uint64]externref.Ref{}, map[uint64]bool{}
	for i := range 16 {
		r := externref.NewWith(func() any { return new(uint64) })
		*(r.Value().(*uint64)) = r.AsRaw()
		m[r.AsRaw()] = r
		if i%2 == 0 {
			c, _ := r.Clone()
			if _, err := c.IntoRaw(); err != nil {
				panic(err)
			}
			in[r.AsRaw()] = true
		}
	}
	return m, in
}()

func fuzzSeeds(f *testing.F) {
	var live, inRaw uint64
	for raw := range fuzzRefs {
		if fuzzInRaw[raw] {
			inRaw = raw
		} else {
			live = raw
		}
	}
	stale := externref.New(0)
	staleRaw := stale.AsRaw()
	stale.Release()
	f.Add(uint64(0))
	f.Add(uint64(math.MaxUint64))
	f.Add(live)
	f.Add(inRaw)
	f.Add(staleRaw)
	f.Add(live + 1<<32) // next generation of a live slot
	f.Add(uint64(handle.Make(1, handle.Handle(live).Index(), handle.Handle(live).Generation())))
	f.Add(uint64(handle.Make(externref.TableID, handle.MaxIndex, 1)))
}

// checkRaw checks what a raw round trip returned: a failure with a
// sentinel error, or the very reference the raw value was issued for.
func checkRaw(t *testing.T, raw uint64, got externref.Ref, err error) {
	t.Helper()
	if err != nil {
		if !errors.Is(err, externref.ErrNull) && !errors.Is(err, externref.ErrForged) && !errors.Is(err, externref.ErrReleased) {
			t.Fatalf("%#x: unexpected error %v", raw, err)
		}
		if !got.IsNull() {
			t.Fatalf("%#x: failure with a reference %v", raw, got)
		}
		return
	}
	want, ok := fuzzRefs[raw]
	if !ok || !got.Equal(want) || got.AsRaw() != raw {
		t.Fatalf("%#x accepted as %v, which was never issued for it", raw, got)
	}
	if p, ok := externref.Downcast[*uint64](got); !ok || *p != raw {
		t.Fatalf("%#x yields another object", raw)
	}
}

func FuzzFromRaw(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, raw uint64) {
		got, err := externref.FromRaw(raw)
		checkRaw(t, raw, got, err)
		if err == nil {
			if !fuzzInRaw[raw] {
				t.Fatalf("%#x: FromRaw took a count that was never moved into it", raw)
			}
			// Put the count back for the next input.
			if back, err := got.IntoRaw(); err != nil || back != raw {
				t.Fatal(back, err)
			}
		} else if fuzzInRaw[raw] {
			t.Fatalf("%#x: FromRaw found no count: %v", raw, err)
		}
	})
}

func FuzzCloneFromRaw(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, raw uint64) {
		got, err := externref.CloneFromRaw(raw)
		checkRaw(t, raw, got, err)
		if err == nil {
			if want := 2 + btoi(fuzzInRaw[raw]); got.StrongCount() != want {
				t.Fatalf("count after CloneFromRaw = %d, want %d", got.StrongCount(), want)
			}
			if err := got.Release(); err != nil {
				t.Fatal(err)
			}
			if got.AsRaw() != raw {
				t.Fatal("AsRaw of the round trip differs")
			}
		}
	})
}
