package handle

import (
	"errors"
	"strings"
	"testing"
)

// obj is a test value that knows its own handle, so that a lookup that
// returns the wrong value is caught.
type obj struct {
	name string
	h    Handle
}

func TestHandleLayout(t *testing.T) {
	cases := []struct {
		id    uint16
		index uint32
		gen   uint32
		want  Handle
	}{
		{0, 0, 0, 0},
		{0, 1, 0, 1},
		{0, MaxIndex, 0, 0x0000_0000_FFFF_FFFF},
		{0, 0, 1, 0x0000_0001_0000_0000},
		{0, 0, MaxGeneration, 0x000F_FFFF_0000_0000},
		{1, 0, 0, 0x0010_0000_0000_0000},
		{MaxTableID, 0, 0, 0xFFF0_0000_0000_0000},
		{MaxTableID, MaxIndex, MaxGeneration, Handle(^uint64(0))},
		{0x123, 0x4567_89AB, 0xCDEF0, 0x123C_DEF0_4567_89AB},
	}
	for _, c := range cases {
		h := Make(c.id, c.index, c.gen)
		if h != c.want {
			t.Errorf("Make(%d, %d, %d) = %#x, want %#x", c.id, c.index, c.gen, uint64(h), uint64(c.want))
		}
		if h.TableID() != c.id || h.Index() != c.index || h.Generation() != c.gen {
			t.Errorf("%#x: got id %d index %d gen %d, want %d %d %d", uint64(h), h.TableID(), h.Index(), h.Generation(), c.id, c.index, c.gen)
		}
	}
	if IndexBits+GenerationBits+TableIDBits != 64 {
		t.Fatalf("the fields take %d bits", IndexBits+GenerationBits+TableIDBits)
	}
	if MaxTableID != 4095 || MaxGeneration != 1<<20-1 || MaxIndex != 1<<32-1 {
		t.Errorf("limits changed: id %d, generation %d, index %d", MaxTableID, MaxGeneration, uint64(MaxIndex))
	}
}

func TestMakePanicsOutOfRange(t *testing.T) {
	mustPanic(t, "table id", func() { Make(MaxTableID+1, 0, 1) })
	mustPanic(t, "generation", func() { Make(0, 0, MaxGeneration+1) })
}

func TestHandleString(t *testing.T) {
	for h, want := range map[Handle]string{
		0:              "null",
		Make(0, 0, 1):  "0.1@0",
		Make(7, 42, 3): "42.3@7",
		Make(MaxTableID, MaxIndex, MaxGeneration): "4294967295.1048575@4095",
	} {
		if got := h.String(); got != want {
			t.Errorf("%#x.String() = %q, want %q", uint64(h), got, want)
		}
	}
	if Handle(0).IsNull() != true || Make(0, 0, 1).IsNull() {
		t.Error("IsNull is wrong")
	}
}

func TestNewTableID(t *testing.T) {
	for _, id := range []uint16{0, 1, MaxTableID} {
		tab := New[obj](id)
		if tab.ID() != id {
			t.Errorf("New(%d).ID() = %d", id, tab.ID())
		}
		h := tab.Insert(&obj{})
		if h.TableID() != id {
			t.Errorf("table %d issued %v", id, h)
		}
		if _, ok := tab.Get(h); !ok {
			t.Errorf("table %d does not find its own handle %v", id, h)
		}
	}
	mustPanic(t, "out of range", func() { New[obj](MaxTableID + 1) })
}

func TestZeroTable(t *testing.T) {
	var tab Table[obj]
	if tab.ID() != 0 || tab.Len() != 0 {
		t.Fatalf("zero table: id %d, len %d", tab.ID(), tab.Len())
	}
	if _, ok := tab.Get(0); ok {
		t.Fatal("Get(null) succeeded")
	}
	if _, err := tab.Lookup(Make(0, 0, 1)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Lookup on an empty table: %v", err)
	}
	for range tab.All() {
		t.Fatal("All yields something on an empty table")
	}
	o := &obj{name: "a"}
	h := tab.Insert(o)
	if h != Make(0, 0, 1) {
		t.Fatalf("first handle of a zero table = %v, want 0.1@0", h)
	}
	if p, ok := tab.Get(h); !ok || p != o {
		t.Fatalf("Get = %v, %v", p, ok)
	}
}

func TestInsertGetDelete(t *testing.T) {
	tab := New[obj](9)
	const n = 3*chunkSize + 17 // several chunks
	hs := make([]Handle, n)
	for i := range hs {
		o := &obj{}
		hs[i] = tab.Insert(o)
		o.h = hs[i]
		if hs[i].Index() != uint32(i) || hs[i].Generation() != 1 || hs[i].TableID() != 9 {
			t.Fatalf("handle %d = %v", i, hs[i])
		}
	}
	if tab.Len() != n {
		t.Fatalf("Len = %d, want %d", tab.Len(), n)
	}
	for _, h := range hs {
		p, ok := tab.Get(h)
		if !ok || p.h != h {
			t.Fatalf("Get(%v) = %v, %v", h, p, ok)
		}
		if q, err := tab.Lookup(h); err != nil || q != p {
			t.Fatalf("Lookup(%v) = %v, %v", h, q, err)
		}
	}
	for i := 0; i < n; i += 2 {
		removed, err := tab.Delete(hs[i])
		if !removed || err != nil {
			t.Fatalf("Delete(%v) = %v, %v", hs[i], removed, err)
		}
	}
	if want := n / 2; tab.Len() != want {
		t.Fatalf("Len = %d, want %d", tab.Len(), want)
	}
	for i, h := range hs {
		_, ok := tab.Get(h)
		_, err := tab.Lookup(h)
		if deleted := i%2 == 0; deleted {
			if ok || !errors.Is(err, ErrStale) {
				t.Fatalf("deleted %v: Get ok %v, Lookup %v", h, ok, err)
			}
			if _, err := tab.Delete(h); !errors.Is(err, ErrStale) {
				t.Fatalf("second Delete(%v) = %v", h, err)
			}
		} else if !ok || err != nil {
			t.Fatalf("kept %v: Get ok %v, Lookup %v", h, ok, err)
		}
	}
	// Freed slots are reused with the next generation; the old handles
	// stay stale and the new ones find the new values.
	for i := 0; i < n; i += 2 {
		o := &obj{}
		h := tab.Insert(o)
		o.h = h
		if h.Generation() != 2 {
			t.Fatalf("reused slot got %v", h)
		}
		if old := Make(9, h.Index(), 1); old != hs[h.Index()] {
			t.Fatalf("slot %d reused out of nowhere", h.Index())
		} else if _, ok := tab.Get(old); ok {
			t.Fatalf("stale %v finds the new value", old)
		}
		if p, ok := tab.Get(h); !ok || p != o {
			t.Fatalf("Get(%v) = %v, %v", h, p, ok)
		}
	}
	if tab.Len() != n {
		t.Fatalf("Len = %d, want %d", tab.Len(), n)
	}
}

func TestInsertNilPanics(t *testing.T) {
	var tab Table[obj]
	mustPanic(t, "nil", func() { tab.Insert(nil) })
	w := tab.Lock()
	mustPanic(t, "nil", func() { w.Insert(nil) })
	w.Unlock()
	// The lock was released: writes still work.
	tab.Insert(&obj{})
}

func TestNullHandleNeverFound(t *testing.T) {
	var tab Table[obj]
	tab.Insert(&obj{}) // slot 0, generation 1, table 0
	if _, ok := tab.Get(0); ok {
		t.Fatal("Get(null) found slot 0")
	}
	for op, f := range ops(&tab) {
		if err := f(0); !errors.Is(err, ErrNull) {
			t.Errorf("%s(null) = %v, want ErrNull", op, err)
		}
	}
}

func TestForeignHandle(t *testing.T) {
	a, b := New[obj](5), New[obj](6)
	ha := a.Insert(&obj{name: "a"})
	b.Insert(&obj{name: "b"}) // same index and generation in b
	if _, ok := b.Get(ha); ok {
		t.Fatal("table 6 accepted a handle of table 5")
	}
	for op, f := range ops(b) {
		err := f(ha)
		if !errors.Is(err, ErrForeign) {
			t.Errorf("%s of a foreign handle = %v", op, err)
			continue
		}
		var he *Error
		if !errors.As(err, &he) || he.Handle != ha || he.Table != 6 || he.Op != op {
			t.Errorf("%s: error %#v", op, he)
		}
		if !strings.Contains(err.Error(), "this table's id is 6") {
			t.Errorf("%s: message %q does not name the table", op, err)
		}
	}
	// The zero table (id 0) rejects them too, and table 5 rejects id 0.
	var z Table[obj]
	hz := z.Insert(&obj{})
	if _, err := z.Lookup(ha); !errors.Is(err, ErrForeign) {
		t.Errorf("zero table: %v", err)
	}
	if _, err := a.Lookup(hz); !errors.Is(err, ErrForeign) {
		t.Errorf("table 5 with a handle of id 0: %v", err)
	}
}

func TestInvalidHandles(t *testing.T) {
	tab := New[obj](1)
	h := tab.Insert(&obj{})
	for _, bad := range []Handle{
		Make(1, 0, 0),                    // generation 0
		Make(1, 0, 2),                    // newer than the slot's
		Make(1, 0, MaxGeneration),        // far newer
		Make(1, 1, 1),                    // slot allocated, never used
		Make(1, chunkSize-1, 1),          // last slot of the chunk
		Make(1, chunkSize, 1),            // past every chunk
		Make(1, MaxIndex, 1),             // largest index
		Make(1, MaxIndex, MaxGeneration), // everything at its maximum
	} {
		if _, ok := tab.Get(bad); ok {
			t.Errorf("Get(%v) succeeded", bad)
		}
		for op, f := range ops(tab) {
			if err := f(bad); !errors.Is(err, ErrInvalid) {
				t.Errorf("%s(%v) = %v, want ErrInvalid", op, bad, err)
			}
		}
	}
	if _, ok := tab.Get(h); !ok {
		t.Fatal("the valid handle was lost")
	}
}

func TestErrorMessage(t *testing.T) {
	tab := New[obj](3)
	h := tab.Insert(&obj{})
	tab.Delete(h)
	_, err := tab.Lookup(h)
	if got, want := err.Error(), "handle: lookup 0.1@3: stale handle"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	var pin Pin
	tab.Pin(&pin, tab.Insert(&obj{}))
	tab.Unpin(&pin)
	_, err = tab.Unpin(&pin)
	if got, want := err.Error(), "handle: unpin 0.2@3: handle not pinned"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
}

func TestAll(t *testing.T) {
	tab := New[obj](2)
	var hs []Handle
	for i := range 2*chunkSize + 3 {
		o := &obj{name: string(rune('a' + i%26))}
		o.h = tab.Insert(o)
		hs = append(hs, o.h)
	}
	for _, h := range hs[:chunkSize+1] {
		tab.Delete(h)
	}
	var got []Handle
	for h, p := range tab.All() {
		if p.h != h {
			t.Fatalf("All yields %v with the value of %v", h, p.h)
		}
		got = append(got, h)
	}
	want := hs[chunkSize+1:]
	if len(got) != len(want) {
		t.Fatalf("All yields %d values, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("All[%d] = %v, want %v (slot order)", i, got[i], want[i])
		}
	}
	n := 0
	for range tab.All() {
		n++
		if n == 3 {
			break
		}
	}
	if n != 3 {
		t.Fatalf("break after 3 gave %d", n)
	}
}

func TestPinDefersDelete(t *testing.T) {
	tab := New[obj](4)
	o := &obj{}
	h := tab.Insert(o)
	if n, err := tab.Pins(h); n != 0 || err != nil {
		t.Fatalf("Pins = %d, %v", n, err)
	}
	pins := make([]Pin, 3)
	for i := range 2 {
		if p, err := tab.Pin(&pins[i], h); p != o || err != nil {
			t.Fatalf("Pin = %v, %v", p, err)
		}
	}
	if n, _ := tab.Pins(h); n != 2 {
		t.Fatalf("Pins = %d, want 2", n)
	}
	removed, err := tab.Delete(h)
	if removed || err != nil {
		t.Fatalf("Delete of a pinned handle = %v, %v", removed, err)
	}
	// Still there, in every respect, until the last pin goes.
	if p, ok := tab.Get(h); !ok || p != o {
		t.Fatal("a pinned value disappeared on Delete")
	}
	if tab.Len() != 1 {
		t.Fatalf("Len = %d", tab.Len())
	}
	if removed, err := tab.Delete(h); removed || err != nil {
		t.Fatalf("second Delete while pending = %v, %v", removed, err)
	}
	if _, err := tab.Pin(&pins[2], h); err != nil {
		t.Fatalf("Pin while pending: %v", err)
	}
	for i := range 2 {
		if removed, err := tab.Unpin(&pins[i]); removed || err != nil {
			t.Fatalf("Unpin %d = %v, %v", i, removed, err)
		}
	}
	if _, ok := tab.Get(h); !ok {
		t.Fatal("gone before the last Unpin")
	}
	if removed, err := tab.Unpin(&pins[2]); !removed || err != nil {
		t.Fatalf("last Unpin = %v, %v", removed, err)
	}
	if _, ok := tab.Get(h); ok {
		t.Fatal("still there after the last Unpin")
	}
	if tab.Len() != 0 {
		t.Fatalf("Len = %d", tab.Len())
	}
	if _, err := tab.Unpin(&pins[2]); !errors.Is(err, ErrNotPinned) {
		t.Fatalf("Unpin after removal = %v", err)
	}
	if _, err := tab.Pin(new(Pin), h); !errors.Is(err, ErrStale) {
		t.Fatalf("Pin after removal = %v", err)
	}
	// The slot is free again, with the next generation.
	if h2 := tab.Insert(&obj{}); h2.Index() != h.Index() || h2.Generation() != 2 {
		t.Fatalf("slot not reused: %v", h2)
	}
}

func TestUnpinWithoutPin(t *testing.T) {
	var tab Table[obj]
	h := tab.Insert(&obj{})
	var pin Pin
	if _, err := tab.Unpin(&pin); !errors.Is(err, ErrNotPinned) {
		t.Fatalf("Unpin = %v", err)
	}
	tab.Pin(&pin, h)
	tab.Unpin(&pin)
	if _, err := tab.Unpin(&pin); !errors.Is(err, ErrNotPinned) {
		t.Fatalf("Unpin once too often = %v", err)
	}
	if _, ok := tab.Get(h); !ok {
		t.Fatal("unpinning an unpinned handle removed it")
	}
}

func TestPinWithoutDeleteKeepsValue(t *testing.T) {
	var tab Table[obj]
	h := tab.Insert(&obj{})
	var pin Pin
	tab.Pin(&pin, h)
	if removed, err := tab.Unpin(&pin); removed || err != nil {
		t.Fatalf("Unpin = %v, %v", removed, err)
	}
	if _, ok := tab.Get(h); !ok {
		t.Fatal("Unpin without a pending delete removed the value")
	}
}

func TestWriter(t *testing.T) {
	tab := New[obj](8)
	w := tab.Lock()
	if w.Table() != tab {
		t.Fatal("Writer.Table is not the table")
	}
	a, b := w.Insert(&obj{name: "a"}), w.Insert(&obj{name: "b"})
	// Reads do not need the lock, even while it is held.
	if p, ok := tab.Get(a); !ok || p.name != "a" {
		t.Fatal("Get under the writer lock")
	}
	if removed, err := w.Delete(a); !removed || err != nil {
		t.Fatalf("Writer.Delete = %v, %v", removed, err)
	}
	var pin Pin
	tab.Pin(&pin, b)
	w.Delete(b)
	if removed, err := w.Unpin(&pin); !removed || err != nil {
		t.Fatalf("Writer.Unpin = %v, %v", removed, err)
	}
	w.Unlock()
	if tab.Len() != 0 {
		t.Fatalf("Len = %d", tab.Len())
	}
	tab.Insert(&obj{}) // the lock is free
}

// ops returns every handle operation of tab that reports an error, by its
// Op name.
func ops(tab *Table[obj]) map[string]func(Handle) error {
	return map[string]func(Handle) error{
		"lookup": func(h Handle) error { _, err := tab.Lookup(h); return err },
		"delete": func(h Handle) error { _, err := tab.Delete(h); return err },
		"pin":    func(h Handle) error { _, err := tab.Pin(new(Pin), h); return err },
		"pins":   func(h Handle) error { _, err := tab.Pins(h); return err },
	}
}

func mustPanic(t *testing.T, substr string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatalf("no panic, want one mentioning %q", substr)
		}
		if s, _ := r.(string); !strings.Contains(s, substr) {
			t.Fatalf("panic %v, want one mentioning %q", r, substr)
		}
	}()
	f()
}
