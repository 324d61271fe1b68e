package handle

import (
	"testing"
	"time"
)

// Insert on a full table panics (documented) and must not leave the
// table's lock held, or after a recovered panic every later write hangs.
func TestInsertPanicOnAFullTableReleasesTheLock(t *testing.T) {
	var tab Table[int]
	h := tab.Insert(new(int))
	tab.next = MaxIndex + 1 // as after 2³² slots: the next new slot is past the last
	func() {
		defer func() { recover() }()
		tab.Insert(new(int))
	}()
	done := make(chan struct{})
	go func() {
		tab.Delete(h)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Delete hangs after Insert panicked on a full table: the lock is still held")
	}
}
