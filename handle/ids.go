package handle

import "sync/atomic"

// FirstFixedID is the first of the table ids that [NewID] never returns:
// ids from FirstFixedID to [MaxTableID] are for packages that give their
// one table a fixed, documented id.
const FirstFixedID = 0xF00

var lastID atomic.Uint32

// NewID returns a table id for a new table from a sequence the whole
// process shares (1 to FirstFixedID-1), so that tables taking their ids
// from it reject each other's handles with [ErrForeign], whichever package
// made them. The sequence starts over after FirstFixedID-1 ids: a program
// that makes more tables than that at once may have two with the same id,
// which cannot tell their handles apart.
func NewID() uint16 {
	return uint16((lastID.Add(1)-1)%(FirstFixedID-1) + 1)
}
