package handle

import (
	"sync"
	"sync/atomic"
)

// Pin is one pin on one value, taken by [KeyedTable.Pin] and released by
// [KeyedTable.Unpin]. Its identity is what makes it a pin: only the Pin
// that took a pin can release it, once, so a caller that releases twice,
// or releases a pin it never took, cannot drop a pin someone else holds.
//
// The zero Pin holds nothing and is ready to take one pin. A Pin is used
// once: after its Unpin it holds nothing for good. A copy of a Pin holds
// nothing either; a Pin must not be copied after use, which go vet
// reports.
type Pin struct {
	// Written before state becomes pinHeld, then fixed.
	self *Pin        // p itself: a copy has the original's address, so holds nothing
	h    uint64      // the pinned handle
	t    *sync.Mutex // the table, by the address of its lock: one word, whatever T is

	state atomic.Uint32 // pinUnused, pinHeld or pinSpent
}

// The states of a Pin. There is no way back to pinUnused: a Pin is used
// once, so the fields written before pinHeld never change afterwards.
const (
	pinUnused = iota
	pinHeld
	pinSpent
)

// Held reports whether p holds a pin.
func (p *Pin) Held() bool { return p.state.Load() == pinHeld && p.self == p }

// Handle returns the handle p pinned, as a [Handle]; the null handle if p
// never held a pin.
func (p *Pin) Handle() Handle {
	if p.state.Load() == pinUnused {
		return 0
	}
	return Handle(p.h)
}
