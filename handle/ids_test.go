package handle_test

import (
	"testing"

	"github.com/cellar-go/cellar/handle"
)

// NewID hands out distinct ids, never a fixed one, until its sequence
// wraps; the tables made with them reject each other's handles.
func TestNewIDIsDistinctAndNeverFixed(t *testing.T) {
	seen := make(map[uint16]bool)
	for range handle.FirstFixedID - 1 {
		id := handle.NewID()
		if id == 0 || id >= handle.FirstFixedID {
			t.Fatalf("NewID = %#x, outside 1..%#x", id, handle.FirstFixedID-1)
		}
		if seen[id] {
			t.Fatalf("NewID returned %#x twice within one cycle", id)
		}
		seen[id] = true
	}
	a, b := handle.New[int](handle.NewID()), handle.New[int](handle.NewID())
	h := a.Insert(new(int))
	if _, err := b.Lookup(h); err == nil {
		t.Fatal("a table accepted a handle of a table with another id from NewID")
	}
}
