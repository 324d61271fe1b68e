package handle

import (
	"slices"
	"testing"
)

type userID Handle

func TestKeyedTable(t *testing.T) {
	users := NewKeyed[userID, obj](9)
	id := users.Insert(&obj{name: "ann"})
	if p, ok := users.Get(id); !ok || p.name != "ann" {
		t.Fatal("Get")
	}
	if Handle(id).TableID() != 9 {
		t.Fatalf("id %v", Handle(id))
	}
	for k := range users.All() {
		if k != id {
			t.Fatalf("All yields %v", k)
		}
	}
	w := users.Lock()
	w.Delete(id)
	w.Unlock()
	if _, err := users.Lookup(id); err == nil {
		t.Fatal("Lookup after Delete")
	}
}

func TestRetainAndClear(t *testing.T) {
	var tab Table[obj]
	var hs []Handle
	for _, name := range []string{"a", "b", "c", "d"} {
		hs = append(hs, tab.Insert(&obj{name: name}))
	}
	var pin Pin
	tab.Pin(&pin, hs[1])
	var offered []string
	tab.Retain(func(h Handle, p *obj) bool {
		offered = append(offered, p.name)
		return p.name == "c"
	})
	if !slices.Equal(offered, []string{"a", "b", "c", "d"}) {
		t.Fatalf("offered %v", offered)
	}
	if _, ok := tab.Get(hs[0]); ok {
		t.Fatal("a kept")
	}
	if !tab.Pending(hs[1]) || tab.Len() != 2 {
		t.Fatalf("pinned b: pending %v, Len %d", tab.Pending(hs[1]), tab.Len())
	}
	offered = nil
	tab.Retain(func(h Handle, p *obj) bool { offered = append(offered, p.name); return true })
	if !slices.Equal(offered, []string{"c"}) {
		t.Fatalf("offered %v: a pending value was offered again", offered)
	}
	tab.Clear()
	if _, ok := tab.Get(hs[2]); ok || tab.Len() != 1 {
		t.Fatalf("after Clear: Len %d", tab.Len())
	}
	if removed, _ := tab.Unpin(&pin); !removed || tab.Len() != 0 {
		t.Fatal("the pinned value outlived its last pin")
	}
	tab.Clear() // of an empty table
}

func TestSecondaryMap(t *testing.T) {
	var tab Table[obj]
	m := NewSecondaryMap[Handle, obj, string](&tab)
	a, b := tab.Insert(&obj{}), tab.Insert(&obj{})
	if !m.Insert(a, "a") || !m.Insert(b, "b") {
		t.Fatal("Insert of a live handle")
	}
	if v, ok := m.Get(a); !ok || v != "a" || m.Len() != 2 {
		t.Fatalf("Get = %q, %v; Len %d", v, ok, m.Len())
	}
	tab.Delete(a)
	if _, ok := m.Get(a); ok || m.Len() != 1 {
		t.Fatal("a stale handle's entry found")
	}
	if m.Insert(a, "again") {
		t.Fatal("Insert of a stale handle")
	}
	a2 := tab.Insert(&obj{}) // a's slot, next generation
	if _, ok := m.Get(a2); ok {
		t.Fatal("the new handle finds the old entry")
	}
	if n := m.Prune(); n != 1 {
		t.Fatalf("Prune dropped %d", n)
	}
	m.Insert(a2, "a2")
	tab.Delete(b)
	if _, ok := m.Remove(b); ok {
		t.Fatal("Remove of a stale handle found a value")
	}
	var got []string
	for h, v := range m.All() {
		if h != a2 {
			t.Fatalf("All yields %v", h)
		}
		got = append(got, v)
	}
	if !slices.Equal(got, []string{"a2"}) || m.Prune() != 0 {
		t.Fatalf("All = %v", got)
	}
	if v, ok := m.Remove(a2); !ok || v != "a2" || m.Len() != 0 {
		t.Fatal("Remove")
	}
	if _, ok := m.Get(0); ok {
		t.Fatal("Get(null)")
	}
	if _, ok := m.Get(Make(0, 99, 1)); ok {
		t.Fatal("Get past the end")
	}
}
