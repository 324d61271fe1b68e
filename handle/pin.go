package handle

import (
	"sync"
	"sync/atomic"
)

// Pin is one pin on one value, taken by [KeyedTable.Pin] and released by
// [KeyedTable.Unpin]. Only a Pin that took a pin can release it, once, so
// a caller that releases twice, or releases a pin it never took, cannot
// drop a pin someone else holds.
//
// The zero Pin holds nothing and is ready to take one pin. A Pin is used
// once: after its Unpin it holds nothing for good.
//
// A Pin may move: a Pin in a struct that append or copy moves to another
// place in memory still holds its pin and releases it there. Moving and
// copying are the same to Go, so the copy left behind shares the pin too:
// the Pin and all its copies hold one pin between them, released by the
// first Unpin of any of them; every later Unpin of any of them reports
// [ErrNotPinned]. go vet reports most copies, which are usually mistakes.
type Pin struct {
	// Set once, by the Pin that claims p; shared by the copies of p
	// made afterwards.
	ref atomic.Pointer[pinRef]
}

// pinRef is the state of a pin, behind a pointer so that a Pin that moves
// keeps it, and a copy of a Pin shares it instead of holding a second
// release.
type pinRef struct {
	h     uint64      // the pinned handle
	t     *sync.Mutex // the table, by the address of its lock: one word, whatever T is
	state atomic.Uint32
}

// The states of a pinRef. There is no way back to pinClaimed: a Pin is used
// once.
const (
	pinClaimed = iota // claimed by a KeyedTable.Pin that has not taken the pin yet
	pinHeld
	pinSpent
)

// Held reports whether p (or a copy of p) holds a pin.
func (p *Pin) Held() bool {
	r := p.ref.Load()
	return r != nil && r.state.Load() == pinHeld
}

// Handle returns the handle p pinned, as a [Handle]; the null handle if p
// never held a pin.
func (p *Pin) Handle() Handle {
	if r := p.ref.Load(); r != nil && r.state.Load() != pinClaimed {
		return Handle(r.h)
	}
	return 0
}
