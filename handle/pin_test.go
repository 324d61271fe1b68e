package handle

import (
	"errors"
	"strconv"
	"sync"
	"testing"
)

// A Pin releases only its own pin, once: releasing twice, releasing a
// copy of a released Pin, or releasing a Pin that holds nothing leaves
// every other pin in place.
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
	// What a struct copy of mine holds (go vet rejects the copy itself):
	// mine's pin, already released.
	var copied Pin
	copied.ref.Store(mine.ref.Load())
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

// Goroutines pin with the same Pin at once: one of them takes the pin, the
// others panic, and the one pin taken is released by the one Unpin.
func TestPinSamePinInParallel(t *testing.T) {
	var tab Table[obj]
	h := tab.Insert(&obj{})
	for range 300 {
		var p Pin
		var wg sync.WaitGroup
		var mu sync.Mutex
		taken, panicked := 0, 0
		for range 4 {
			wg.Go(func() {
				defer func() {
					if recover() != nil {
						mu.Lock()
						panicked++
						mu.Unlock()
					}
				}()
				if _, err := tab.Pin(&p, h); err == nil {
					mu.Lock()
					taken++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if n, _ := tab.Pins(h); taken != 1 || panicked != 3 || n != 1 {
			t.Fatalf("%d Pins succeeded, %d panicked, %d pins held; want 1, 3, 1", taken, panicked, n)
		}
		if _, err := tab.Unpin(&p); err != nil {
			t.Fatal(err)
		}
		if n, _ := tab.Pins(h); n != 0 {
			t.Fatalf("%d pins left after the Unpin", n)
		}
	}
}

// Pins embedded in structs move when their slice grows, or when copy moves
// them to another slice: each pin stays releasable from wherever it is now,
// and once released, the copy left behind releases nothing.
func TestPinMoved(t *testing.T) {
	type holder struct {
		name string
		pin  Pin
	}
	var tab Table[obj]
	h := tab.Insert(&obj{})
	hs := make([]holder, 0, 1)
	for i := range 100 {
		hs = append(hs, holder{name: strconv.Itoa(i)}) // moves the earlier holders
		if _, err := tab.Pin(&hs[i].pin, h); err != nil {
			t.Fatal(err)
		}
	}
	tab.Delete(h) // pending until the last pin goes
	moved := make([]holder, len(hs))
	copy(moved, hs)
	for i := range moved {
		if !moved[i].pin.Held() || moved[i].pin.Handle() != h {
			t.Fatalf("moved pin %d: Held %v, Handle %v", i, moved[i].pin.Held(), moved[i].pin.Handle())
		}
		removed, err := tab.Unpin(&moved[i].pin)
		if err != nil || removed != (i == len(moved)-1) {
			t.Fatalf("Unpin of moved pin %d = %v, %v", i, removed, err)
		}
		if _, err := tab.Unpin(&hs[i].pin); !errors.Is(err, ErrNotPinned) {
			t.Fatalf("Unpin of the copy left behind = %v, want ErrNotPinned", err)
		}
		if hs[i].pin.Held() || moved[i].pin.Held() {
			t.Fatalf("pin %d still Held after its release", i)
		}
	}
	if tab.Pending(h) || tab.Len() != 0 {
		t.Fatalf("Pending %v, Len %d: the deletion did not complete", tab.Pending(h), tab.Len())
	}
}

// Copies of a held Pin share its one pin: whichever copy releases it first
// releases it, every later Unpin of any of them reports ErrNotPinned, and
// another holder's pin is never touched.
func TestPinCopiesReleaseOnce(t *testing.T) {
	var tab Table[obj]
	h := tab.Insert(&obj{})
	var other Pin
	tab.Pin(&other, h)
	pins := make([]Pin, 1)
	tab.Pin(&pins[0], h)
	copies := make([]Pin, 3)
	for i := range copies {
		copy(copies[i:i+1], pins)
	}
	if _, err := tab.Unpin(&copies[1]); err != nil {
		t.Fatal(err)
	}
	for i := range copies {
		if _, err := tab.Unpin(&copies[i]); !errors.Is(err, ErrNotPinned) {
			t.Fatalf("Unpin of copy %d = %v, want ErrNotPinned", i, err)
		}
	}
	if _, err := tab.Unpin(&pins[0]); !errors.Is(err, ErrNotPinned) {
		t.Fatalf("Unpin of the original = %v, want ErrNotPinned", err)
	}
	if n, _ := tab.Pins(h); n != 1 || !other.Held() {
		t.Fatalf("%d pins left, want other's", n)
	}
	mustPanic(t, "used before", func() { tab.Pin(&copies[0], h) })
}
