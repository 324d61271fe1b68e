package handle

import "testing"

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
