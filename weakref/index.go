package weakref

import "github.com/cellar-go/cellar/handle"

// index finds the handle of a registered object from the object's identity
// hash: an open-addressing hash table with linear probing. It holds handles
// and hashes only, no pointers: the garbage collector does not scan it,
// and in a collectable registry it keeps nothing alive. An entry is
// confirmed by comparing the object in the handle's slot. It is guarded by
// the registry's table lock.
//
// A removed entry becomes a tombstone, unless it ends its run of entries;
// tombstones are reused by inserts and dropped when the index is rebuilt.
type index struct {
	e    []indexEntry // len is 0 or a power of two
	n    int          // live entries
	used int          // live entries and tombstones
}

type indexEntry struct {
	h    handle.Handle // 0: empty; tomb: removed
	hash uint64
}

// tomb marks a removed entry. Its generation is 0, so it is not a handle
// any table issues.
const tomb = handle.Handle(1)

const minIndex = 16

// reserve makes room for one more entry: afterwards at most half the
// entries are live or tombstones, even with one more.
func (x *index) reserve() {
	if 2*(x.used+1) > len(x.e) {
		x.rebuild()
	}
}

// rebuild rehashes the live entries into a table at most a quarter full,
// dropping the tombstones.
func (x *index) rebuild() {
	size := minIndex
	for size < 4*(x.n+1) {
		size *= 2
	}
	old := x.e
	x.e = make([]indexEntry, size)
	x.used = x.n
	mask := uint64(size - 1)
	for _, e := range old {
		if e.h == 0 || e.h == tomb {
			continue
		}
		i := e.hash & mask
		for x.e[i].h != 0 {
			i = (i + 1) & mask
		}
		x.e[i] = e
	}
}

// insert adds the entry (hash, h), which must not be in the index.
func (x *index) insert(hash uint64, h handle.Handle) {
	x.reserve()
	mask := uint64(len(x.e) - 1)
	i := hash & mask
	for x.e[i].h != 0 && x.e[i].h != tomb {
		i = (i + 1) & mask
	}
	x.put(i, hash, h)
}

// put stores (hash, h) at position i, which is empty or a tombstone, found
// by probing from hash after reserve.
func (x *index) put(i uint64, hash uint64, h handle.Handle) {
	if x.e[i].h == 0 {
		x.used++
	}
	x.e[i] = indexEntry{h, hash}
	x.n++
}

// remove removes the entry of h, which was inserted with hash, and reports
// whether it was there.
func (x *index) remove(hash uint64, h handle.Handle) bool {
	if len(x.e) == 0 {
		return false
	}
	mask := uint64(len(x.e) - 1)
	i := hash & mask
	for x.e[i].h != h {
		if x.e[i].h == 0 {
			return false
		}
		i = (i + 1) & mask
	}
	x.n--
	if x.e[(i+1)&mask].h != 0 {
		x.e[i].h = tomb // the run goes on: keep it unbroken
	} else {
		// The run ends here: empty this entry and the tombstones before it.
		for x.e[i].h = 0; ; x.e[i].h = 0 {
			x.used--
			i = (i - 1) & mask
			if x.e[i].h != tomb {
				break
			}
		}
	}
	if len(x.e) > minIndex && 8*x.n < len(x.e) {
		x.rebuild()
	}
	return true
}
