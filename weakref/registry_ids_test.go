package weakref

import (
	"errors"
	"testing"
)

// Registries take ids on first use; tens of thousands of them come and go,
// far more than there are table ids, while two stay alive. No registry
// ever accepts the raw handle of another live one.
func TestRegistryIDsNeverSharedByLiveRegistries(t *testing.T) {
	var a, b Registry[thing]
	oa, ob := &thing{name: "a"}, &thing{name: "b"}
	ra, rb := a.Weak(oa).Raw(), b.Weak(ob).Raw()
	n := 20000
	if testing.Short() {
		n = 5000
	}
	for i := range n {
		var c Registry[thing]
		c.Weak(&thing{}) // the first use: takes an id, fills slot 0
		for _, raw := range []uint64{ra, rb} {
			if w, err := c.FromRaw(raw); !errors.Is(err, ErrForeign) {
				t.Fatalf("registry %d took the raw handle %#x of a live registry: %v, %v", i, raw, w, err)
			}
		}
	}
	if _, err := a.FromRaw(rb); !errors.Is(err, ErrForeign) {
		t.Fatalf("a took b's raw handle: %v", err)
	}
	if w, err := b.FromRaw(rb); err != nil || w.UpgradeOr(nil) != ob {
		t.Fatalf("b lost its object: %v", err)
	}
	if w, err := a.FromRaw(ra); err != nil || w.UpgradeOr(nil) != oa {
		t.Fatalf("a lost its object: %v", err)
	}
}
