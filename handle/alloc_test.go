package handle

import "testing"

// TestNoAllocations checks that lookups and an insert-delete cycle
// allocate nothing once the table has grown, and a pin only the state its
// copies share.
func TestNoAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	var tab Table[obj]
	o := &obj{}
	h := tab.Insert(o)
	tab.Delete(tab.Insert(o)) // grow the free list once
	cases := map[string]func(){
		"Get":       func() { tab.Get(h) },
		"Get stale": func() { tab.Get(Make(0, 1, 1)) },
		"Insert, Get, Delete": func() {
			h := tab.Insert(o)
			tab.Get(h)
			tab.Delete(h)
		},
	}
	pins := make([]Pin, 200)
	cases["Pin, Unpin"] = func() {
		p := &pins[0]
		pins = pins[1:]
		tab.Pin(p, h)
		tab.Unpin(p)
	}
	for name, f := range cases {
		want := 0.0
		if name == "Pin, Unpin" {
			want = 1
		}
		if n := testing.AllocsPerRun(100, f); n != want {
			t.Errorf("%s: %v allocations, want %v", name, n, want)
		}
	}
}
