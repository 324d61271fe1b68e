package weakref

import (
	"testing"

	"github.com/cellar-go/cellar/handle"
	"pgregory.net/rapid"
)

// TestIndexModel checks the identity index against a map under random
// inserts and removals. Hashes come from a small set, so that runs collide
// and wrap around the end of the table, and removals shift entries back.
func TestIndexModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var x index
		model := map[handle.Handle]uint64{}
		next := uint32(0)
		t.Repeat(map[string]func(*rapid.T){
			"insert": func(t *rapid.T) {
				hash := rapid.Uint64Range(0, 40).Draw(t, "hash") * 0x10000000001 // low and high bits
				if rapid.Bool().Draw(t, "last bucket") {
					hash |= 0xF
				}
				h := handle.Make(1, next, 1)
				next++
				x.insert(hash, h)
				model[h] = hash
			},
			"remove": func(t *rapid.T) {
				if len(model) == 0 {
					t.Skip("empty")
				}
				var hs []handle.Handle
				for h := range model {
					hs = append(hs, h)
				}
				h := rapid.SampledFrom(hs).Draw(t, "handle")
				if !x.remove(model[h], h) {
					t.Fatalf("remove(%v) found nothing", h)
				}
				delete(model, h)
			},
			"remove absent": func(t *rapid.T) {
				h := handle.Make(1, next+1, 1)
				if x.remove(rapid.Uint64Range(0, 40).Draw(t, "hash"), h) {
					t.Fatalf("removed %v, which was never inserted", h)
				}
			},
			"": func(t *rapid.T) {
				if x.n != len(model) {
					t.Fatalf("n = %d, model %d", x.n, len(model))
				}
				if x.used > 0 && 2*x.used > len(x.e) {
					t.Fatalf("%d entries and tombstones in %d slots", x.used, len(x.e))
				}
				stored, used := 0, 0
				for _, e := range x.e {
					if e.h != 0 {
						used++
					}
					if e.h != 0 && e.h != tomb {
						stored++
						if model[e.h] != e.hash {
							t.Fatalf("entry %v with hash %#x, model %#x", e.h, e.hash, model[e.h])
						}
					}
				}
				if stored != len(model) || used != x.used {
					t.Fatalf("%d entries stored, model %d; %d used, counted %d", stored, len(model), used, x.used)
				}
				// Every entry is reachable by probing from its hash.
				for h, hash := range model {
					if !probe(&x, hash, h) {
						t.Fatalf("%v (hash %#x) not reachable", h, hash)
					}
				}
			},
		})
	})
}

func probe(x *index, hash uint64, h handle.Handle) bool {
	mask := uint64(len(x.e) - 1)
	for i := hash & mask; x.e[i].h != 0; i = (i + 1) & mask {
		if x.e[i].h == h {
			return true
		}
	}
	return false
}

func TestIndexShrinks(t *testing.T) {
	var x index
	for i := range 1000 {
		x.insert(uint64(i)*0x9E3779B97F4A7C15, handle.Make(1, uint32(i), 1))
	}
	big := len(x.e)
	for i := range 990 {
		if !x.remove(uint64(i)*0x9E3779B97F4A7C15, handle.Make(1, uint32(i), 1)) {
			t.Fatalf("entry %d lost", i)
		}
	}
	if len(x.e) >= big/8 || len(x.e) < minIndex {
		t.Fatalf("index of %d entries has %d slots (was %d)", x.n, len(x.e), big)
	}
	for i := 990; i < 1000; i++ {
		if !probe(&x, uint64(i)*0x9E3779B97F4A7C15, handle.Make(1, uint32(i), 1)) {
			t.Fatalf("entry %d lost in shrinking", i)
		}
	}
}
