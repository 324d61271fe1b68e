package externref_test

import (
	"errors"
	"math"
	"testing"

	"github.com/cellar-go/cellar/externref"
	"github.com/cellar-go/cellar/handle"
)

// fuzzRefs are live references the fuzz targets may hit; each value is
// its own raw value, so a wrong object is recognised.
var fuzzRefs = func() map[uint64]externref.Ref {
	m := map[uint64]externref.Ref{}
	for range 16 {
		r := externref.NewWith(func() any { return new(uint64) })
		*(r.Value().(*uint64)) = r.AsRaw()
		m[r.AsRaw()] = r
	}
	return m
}()

func fuzzSeeds(f *testing.F) {
	var live uint64
	for raw := range fuzzRefs {
		live = raw
		break
	}
	stale := externref.New(0)
	staleRaw := stale.AsRaw()
	stale.Release()
	f.Add(uint64(0))
	f.Add(uint64(math.MaxUint64))
	f.Add(live)
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
	if !ok || got != want {
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
	})
}

func FuzzCloneFromRaw(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, raw uint64) {
		got, err := externref.CloneFromRaw(raw)
		checkRaw(t, raw, got, err)
		if err == nil {
			if got.StrongCount() != 2 {
				t.Fatalf("count after CloneFromRaw = %d, want 2", got.StrongCount())
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
