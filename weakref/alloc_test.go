package weakref

import "testing"

// TestNoAllocations checks what the benchmarks report: upgrading,
// converting a raw handle, and a whole register-upgrade-delete cycle
// allocate nothing once the registry has grown.
func TestNoAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	var r Registry[thing]
	o := &thing{}
	w := r.Weak(o)
	other := &thing{}
	r.Weak(other).Delete() // grow the tables once
	cases := map[string]func(){
		"Upgrade":                     func() { w.Upgrade() },
		"UpgradeOr":                   func() { w.UpgradeOr(nil) },
		"FromRaw":                     func() { r.FromRaw(w.Raw()) },
		"Weak of a registered object": func() { r.Weak(o) },
		"register, upgrade, delete": func() {
			w := r.Weak(other)
			w.Upgrade()
			w.Delete()
		},
	}
	for name, f := range cases {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s: %v allocations", name, n)
		}
	}
}
