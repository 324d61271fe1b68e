package handle

import (
	"errors"
	"sync"
	"testing"
)

// A Pin releases only its own pin, once: releasing twice, releasing a
// copy, or releasing a Pin that holds nothing leaves every other pin in
// place.
func TestPinReleasesOnlyItsOwnPin(t *testing.T) {
	var tab Table[obj]
	h := tab.Insert(&obj{})
	var mine, theirs Pin
	tab.Pin(&mine, h)
	tab.Pin(&theirs, h)
	tab.Delete(h) // pending until both are released

	if removed, err := tab.Unpin(&mine); removed || err != nil {
		t.Fatalf("Unpin = %v, %v", removed, err)
	}
	// What a struct copy of theirs holds (go vet rejects the copy itself).
	var copied Pin
	copied.state.Store(theirs.state.Load())
	copied.self, copied.h, copied.t = theirs.self, theirs.h, theirs.t
	attempts := map[string]*Pin{"again": &mine, "never used": new(Pin), "copy": &copied}
	for name, p := range attempts {
		if _, err := tab.Unpin(p); !errors.Is(err, ErrNotPinned) {
			t.Errorf("Unpin(%s) = %v, want ErrNotPinned", name, err)
		}
		if p.Held() {
			t.Errorf("%s: Held", name)
		}
	}
	if n, _ := tab.Pins(h); n != 1 || !theirs.Held() {
		t.Fatalf("another holder's pin was dropped: %d pins", n)
	}
	if !tab.Pending(h) {
		t.Fatal("deletion no longer pending")
	}
	if removed, err := tab.Unpin(&theirs); !removed || err != nil {
		t.Fatalf("last Unpin = %v, %v", removed, err)
	}
	if tab.Pending(h) {
		t.Fatal("Pending after removal")
	}
}

func TestPinOfAnotherTable(t *testing.T) {
	a, b := New[obj](1), New[obj](2)
	var p Pin
	h := a.Insert(&obj{})
	a.Pin(&p, h)
	if _, err := b.Unpin(&p); !errors.Is(err, ErrForeign) {
		t.Fatalf("Unpin in another table = %v", err)
	}
	if p.Handle() != h || !p.Held() {
		t.Fatal("the pin was lost")
	}
	if _, err := a.Unpin(&p); err != nil {
		t.Fatal(err)
	}
	if p.Handle() != h {
		t.Fatalf("Handle = %v after Unpin", p.Handle())
	}
	mustPanic(t, "used before", func() { a.Pin(&p, h) })
	var fresh Pin
	if _, err := a.Pin(&fresh, 0); err == nil || fresh.Held() || fresh.Handle() != 0 {
		t.Fatal("failed Pin holds something")
	}
	if _, err := a.Pin(&fresh, h); err != nil { // a failed Pin can be reused
		t.Fatal(err)
	}
}

// Many goroutines release the same Pin at once: exactly one release
// succeeds.
func TestPinDoubleUnpinRace(t *testing.T) {
	var tab Table[obj]
	h := tab.Insert(&obj{})
	for range 200 {
		var keep, p Pin
		tab.Pin(&keep, h)
		tab.Pin(&p, h)
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for range 4 {
			wg.Go(func() {
				if _, err := tab.Unpin(&p); err == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if n, _ := tab.Pins(h); ok != 1 || n != 1 {
			t.Fatalf("%d releases succeeded, %d pins left; want 1 and 1", ok, n)
		}
		tab.Unpin(&keep)
	}
}
