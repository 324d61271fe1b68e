package handle

import (
	"slices"
	"testing"
)

// keep may use the table: here it releases the last pin of a value whose
// deletion is pending, which removes that value, and deletes and inserts
// other values. Retain completes, and deletes what keep rejected.
func TestRetainKeepWritesTheTable(t *testing.T) {
	var tab Table[obj]
	pinned := tab.Insert(&obj{name: "pinned"})
	var pin Pin
	tab.Pin(&pin, pinned)
	tab.Delete(pinned) // pending: not offered to keep
	a := tab.Insert(&obj{name: "a"})
	b := tab.Insert(&obj{name: "b"})
	c := tab.Insert(&obj{name: "c"})
	var offered []string
	var added Handle
	tab.Retain(func(h Handle, p *obj) bool {
		offered = append(offered, p.name)
		if p.name == "a" {
			if removed, err := tab.Unpin(&pin); !removed || err != nil {
				t.Errorf("Unpin in keep = %v, %v", removed, err)
			}
			if _, err := tab.Delete(c); err != nil {
				t.Errorf("Delete in keep: %v", err)
			}
			added = tab.Insert(&obj{name: "added"})
		}
		return p.name != "b"
	})
	if len(offered) < 2 || !slices.Equal(offered[:2], []string{"a", "b"}) || slices.Contains(offered, "pinned") || slices.Contains(offered, "c") {
		t.Fatalf("offered %v", offered)
	}
	if _, ok := tab.Get(b); ok {
		t.Fatal("b kept")
	}
	if _, ok := tab.Get(a); !ok {
		t.Fatal("a deleted")
	}
	if _, ok := tab.Get(added); !ok || tab.Len() != 2 || tab.Pending(pinned) {
		t.Fatalf("Len %d, pending %v", tab.Len(), tab.Pending(pinned))
	}
	tab.Clear()
	if tab.Len() != 0 {
		t.Fatalf("Len %d after Clear", tab.Len())
	}
}
