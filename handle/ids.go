package handle

import (
	"runtime"
	"strconv"
	"sync"
	"time"
)

// FirstFixedID is the first of the table ids that [AutoID] never leases:
// ids from FirstFixedID to [MaxTableID] are for packages that give their
// one table a fixed, documented id.
const FirstFixedID = 0xF00

// AutoID, passed to [New] or [NewKeyed] as the id, gives the table an id
// of its own: one leased from a pool the whole process shares (1 to
// FirstFixedID-1), that no other live table with a leased id has. Tables
// made this way reject each other's handles with [ErrForeign] for as long
// as both are alive, whichever package made them.
//
// The lease ends when the table is garbage collected (a cleanup of
// [runtime.AddCleanup] gives the id back), and the id freed longest ago
// is leased first. When all FirstFixedID-1 ids are leased, New runs the
// garbage collector and waits a moment for ids of unreachable tables to
// come back; if none do, that many tables are really alive at once, and
// New panics rather than give out an id twice.
//
// A handle of a table that is gone may still name a value of a later
// table that leased the same id, if that table has a value under the same
// index and generation: keep a handle no longer than its table.
const AutoID uint16 = 0xFFFF

// ids is the pool of leased ids.
var ids struct {
	mu    sync.Mutex
	next  uint16        // the lowest id never leased
	free  []uint16      // given back, the longest ago first
	freed chan struct{} // signalled when an id comes back while the pool is empty
}

func init() {
	ids.next = 1
	ids.freed = make(chan struct{}, 1)
}

// leaseID returns an id no live table with a leased id has.
func leaseID() uint16 {
	if id, ok := tryLease(); ok {
		return id
	}
	// Every id is leased: tables that are unreachable give theirs back
	// once collected. Collect, then wait for a cleanup to return one.
	for range 4 {
		runtime.GC()
		t := time.NewTimer(250 * time.Millisecond)
		select {
		case <-ids.freed:
		case <-t.C:
		}
		t.Stop()
		if id, ok := tryLease(); ok {
			return id
		}
	}
	panic("handle: all " + strconv.Itoa(FirstFixedID-1) + " table ids are in use by live tables")
}

func tryLease() (uint16, bool) {
	ids.mu.Lock()
	defer ids.mu.Unlock()
	if len(ids.free) > 0 {
		id := ids.free[0]
		ids.free = ids.free[1:]
		if len(ids.free) == 0 {
			ids.free = nil // let the backing array go
		}
		return id, true
	}
	if ids.next < FirstFixedID {
		id := ids.next
		ids.next++
		return id, true
	}
	return 0, false
}

// releaseID gives back the id of a table that was garbage collected.
func releaseID(id uint16) {
	ids.mu.Lock()
	ids.free = append(ids.free, id)
	ids.mu.Unlock()
	select {
	case ids.freed <- struct{}{}:
	default:
	}
}
