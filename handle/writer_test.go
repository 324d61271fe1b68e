package handle

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// A Writer used after its Unlock panics, whether the lock is free or held
// by a later Lock, instead of writing without the lock.
func TestWriterAfterUnlockPanics(t *testing.T) {
	var tab Table[obj]
	w := tab.Lock()
	h := w.Insert(&obj{})
	copied := w
	w.Unlock()

	mustPanic(t, "after its Unlock", func() { w.Insert(&obj{}) })
	mustPanic(t, "after its Unlock", func() { w.Delete(h) })
	mustPanic(t, "after its Unlock", func() { w.Unpin(new(Pin)) })
	mustPanic(t, "after its Unlock", func() { w.Unlock() })
	mustPanic(t, "after its Unlock", func() { copied.Insert(&obj{}) })

	w2 := tab.Lock() // the lock is held again: the old Writer is still spent
	mustPanic(t, "after its Unlock", func() { w.Delete(h) })
	w2.Unlock()

	if _, ok := tab.Get(h); !ok || tab.Len() != 1 {
		t.Fatalf("a spent Writer changed the table: Len %d", tab.Len())
	}
	tab.Insert(&obj{}) // the lock is free
	mustPanic(t, "after its Unlock", func() { KeyedWriter[Handle, obj]{}.Insert(&obj{}) })
}

// Copies of a Writer unlock at once: one unlocks, the others panic as
// documented, and the table's lock is released exactly once.
func TestWriterUnlockRace(t *testing.T) {
	const copies = 2
	var tab Table[obj]
	for range 5000 {
		w := tab.Lock()
		var ready atomic.Int32
		var wg sync.WaitGroup
		var unlocked, panicked atomic.Int32
		for range copies {
			wg.Go(func() {
				defer func() {
					if recover() != nil {
						panicked.Add(1)
					}
				}()
				// Start together: spin while the other copy is on its
				// way, yielding only if it takes long (a single P).
				ready.Add(1)
				for i := 0; ready.Load() < copies; i++ {
					if i > 1000 {
						runtime.Gosched()
					}
				}
				w.Unlock()
				unlocked.Add(1)
			})
		}
		wg.Wait()
		if unlocked.Load() != 1 || panicked.Load() != copies-1 {
			t.Fatalf("%d Unlocks succeeded, %d panicked; want 1 and %d", unlocked.Load(), panicked.Load(), copies-1)
		}
		if !tab.mu.TryLock() {
			t.Fatal("the lock is still held")
		}
		tab.mu.Unlock()
	}
}

// A copy of a Writer writes on another goroutine while the owner unlocks
// and a later writer takes the lock: every write of the stale copy either
// happens before the lock is released or panics, so no two writes ever run
// at once (the race detector checks) and no slot is handed out twice.
func TestWriterStaleWriteRace(t *testing.T) {
	var tab Table[obj]
	seen := make(map[Handle]bool)
	record := func(h Handle) {
		if seen[h] {
			t.Errorf("handle %v issued twice", h)
		}
		seen[h] = true
	}
	for range 300 {
		w := tab.Lock()
		stale := w
		done := make(chan []Handle)
		go func() {
			var hs []Handle
			defer func() {
				recover() // the documented panic once w is unlocked
				done <- hs
			}()
			for {
				h := stale.Insert(&obj{})
				hs = append(hs, h)
				stale.Delete(h)
			}
		}()
		w.Unlock()
		next := tab.Lock()
		h := next.Insert(&obj{})
		next.Delete(h)
		next.Unlock()
		for _, h := range append(<-done, h) {
			record(h)
		}
	}
	// A value the stale copy inserted just before the Unlock stays when
	// its Delete panics: Len counts exactly the values still there.
	live := 0
	for h := range seen {
		if _, ok := tab.Get(h); ok {
			live++
		}
	}
	if tab.Len() != live {
		t.Fatalf("Len = %d, %d values are there", tab.Len(), live)
	}
}
