package handle

import (
	"iter"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
)

// Slots live in chunks of chunkSize that never move once allocated, so a
// reader can hold a slot's address while the table grows.
const (
	chunkBits = 8
	chunkSize = 1 << chunkBits
	chunkMask = chunkSize - 1
)

// A slot's state word. The generation sits where it sits in a Handle, so a
// lookup compares it without shifting:
//
//	bits  0..31  pins
//	bits 32..51  generation of the current occupant, or of the last one
//	bit  61      retired: the generation is spent, the slot is never reused
//	bit  62      deletion pending: deleted while pinned
//	bit  63      live
const (
	pinMask    = uint64(1)<<32 - 1
	maxPins    = 1<<31 - 1 // fits an int on 32-bit targets too
	retiredBit = uint64(1) << 61
	pendingBit = uint64(1) << 62
	liveBit    = uint64(1) << 63
	matchMask  = genMask | liveBit
)

type slot[T any] struct {
	state atomic.Uint64
	val   atomic.Pointer[T]
}

type chunk[T any] [chunkSize]slot[T]

// directory lists the chunks, in index order. Every lookup reads it, so it
// is padded to a cache line of its own (the allocator places 64-byte
// objects on 64-byte boundaries), and so is its array of chunk pointers:
// a busy neighbour would otherwise slow down every reader.
type directory[T any] struct {
	chunks []*chunk[T]
	_      [64 - 24]byte
}

// Key is the constraint of the handle types of a [KeyedTable]: [Handle]
// itself, or a type of the program's own defined as one, so that the
// handles of two tables cannot be mixed up at compile time:
//
//	type UserID handle.Handle
//	var users handle.KeyedTable[UserID, User]
type Key interface{ ~uint64 }

// KeyedTable is a generational handle table: it stores pointers to values
// of type T and names each by a handle of type K, laid out as a [Handle].
// Deleting a value bumps its slot's generation, so every handle to it fails
// from then on, even after the slot holds another value.
//
// The zero KeyedTable is an empty table with table id 0, ready to use.
// [NewKeyed] makes a table with another id. A KeyedTable must not be
// copied after first use.
//
// Reads ([KeyedTable.Get], [KeyedTable.Lookup], [KeyedTable.Pin],
// [KeyedTable.Pins], [KeyedTable.Pending], [KeyedTable.Len],
// [KeyedTable.All]) are lock-free and may run on any goroutine at any
// time. Writes ([KeyedTable.Insert], [KeyedTable.Delete],
// [KeyedTable.Clear]) take the table's lock, and [KeyedTable.Retain] takes
// it for each value it deletes; [KeyedTable.Lock] holds it across several
// writes. [KeyedTable.Unpin] takes the lock only when it completes a
// pending deletion.
type KeyedTable[K Key, T any] struct {
	// Read by every lookup, written only when a chunk is added; on a
	// cache line of their own when the table is allocated by New.
	dir    atomic.Pointer[directory[T]]
	idBits uint64 // the table id, in place; set by New only
	_      [64 - 16]byte

	count atomic.Int64 // values stored, deleted-while-pinned ones included

	mu sync.Mutex
	// Calls of Lock and Unlock so far (odd while the lock is held), shifted
	// left by one, with writerBusy set while a Writer writes. A Writer
	// remembers the count its Lock made and is valid while it is
	// unchanged; see KeyedWriter.begin.
	writer atomic.Uint64

	// Guarded by mu.
	chunks []*chunk[T]    // what dir lists
	free   []uint32       // slot indexes ready for reuse, the last one first
	next   uint64         // slots handed out so far
	_      [128 - 80]byte // 192 bytes in all: a size class of 64-byte multiples
}

// Table is the [KeyedTable] whose handles are plain [Handle] values.
type Table[T any] = KeyedTable[Handle, T]

// New returns an empty table whose handles carry id, so that another
// table rejects them with [ErrForeign] (unless it has the same id). With
// [AutoID], the table leases an id of its own from the process; see
// [AutoID]. New panics if id is neither AutoID nor at most [MaxTableID],
// and, with AutoID, if every id is in use by a live table.
func New[T any](id uint16) *Table[T] { return NewKeyed[Handle, T](id) }

// NewKeyed is [New] for a table with handles of type K.
func NewKeyed[K Key, T any](id uint16) *KeyedTable[K, T] {
	if id == AutoID {
		t := new(KeyedTable[K, T])
		id = leaseID()
		t.idBits = uint64(id) << idShift
		runtime.AddCleanup(t, releaseID, id)
		return t
	}
	if id > MaxTableID {
		panic("handle: table id " + strconv.Itoa(int(id)) + " out of range")
	}
	return &KeyedTable[K, T]{idBits: uint64(id) << idShift}
}

// ID returns the table's id.
func (t *KeyedTable[K, T]) ID() uint16 { return uint16(t.idBits >> idShift) }

// slot returns the slot h names, or nil if h is of another table or past
// the slots allocated. It does not look at the generation.
func (t *KeyedTable[K, T]) slot(h uint64) *slot[T] {
	if h&idMask != t.idBits {
		return nil
	}
	d := t.dir.Load()
	if d == nil {
		return nil
	}
	i := uint32(h)
	c := i >> chunkBits
	if c >= uint32(len(d.chunks)) {
		return nil
	}
	return &d.chunks[c][i&chunkMask]
}

// Get returns the value h names and true, or nil and false if h is null,
// stale, of another table, or was never issued. It never returns the value
// of another handle of this table; see the package documentation for
// handles of a table that is gone.
func (t *KeyedTable[K, T]) Get(h K) (*T, bool) {
	s := t.slot(uint64(h))
	if s == nil {
		return nil, false
	}
	want := uint64(h)&genMask | liveBit
	if s.state.Load()&matchMask != want {
		return nil, false
	}
	p := s.val.Load()
	// The value is written only while the slot is not live, and a
	// generation is live only once: if the slot is still live with h's
	// generation, p is h's value and not a successor's.
	if s.state.Load()&matchMask != want {
		return nil, false
	}
	return p, true
}

// Lookup is [KeyedTable.Get] with the reason for a failure: an [*Error]
// wrapping [ErrNull], [ErrForeign], [ErrStale] or [ErrInvalid].
func (t *KeyedTable[K, T]) Lookup(h K) (*T, error) {
	s := t.slot(uint64(h))
	if s == nil {
		return nil, t.fail("lookup", uint64(h), 0)
	}
	want := uint64(h)&genMask | liveBit
	st := s.state.Load()
	if st&matchMask == want {
		p := s.val.Load()
		if st = s.state.Load(); st&matchMask == want {
			return p, nil
		}
	}
	return nil, t.fail("lookup", uint64(h), st)
}

// fail explains why h does not name a live value, given the state st of
// its slot (0 if there is no such slot).
func (t *KeyedTable[K, T]) fail(op string, h uint64, st uint64) error {
	return &Error{Op: op, Handle: Handle(h), Table: t.ID(), Err: t.reason(h, st)}
}

func (t *KeyedTable[K, T]) reason(h uint64, st uint64) error {
	switch g, sg := h&genMask, st&genMask; {
	case h == 0:
		return ErrNull
	case h&idMask != t.idBits:
		return ErrForeign
	case g == 0 || g > sg:
		return ErrInvalid
	default:
		return ErrStale
	}
}

// Len returns the number of values in the table, counting those deleted
// while pinned until their last pin is released.
func (t *KeyedTable[K, T]) Len() int { return int(t.count.Load()) }

// All returns an iterator over the live values and their handles, in slot
// order. It takes no lock: every pair it yields was live when it was read,
// and values inserted or deleted during the iteration may or may not be
// seen.
func (t *KeyedTable[K, T]) All() iter.Seq2[K, *T] {
	return func(yield func(K, *T) bool) {
		d := t.dir.Load()
		if d == nil {
			return
		}
		for ci, c := range d.chunks {
			for j := range c {
				s := &c[j]
				st := s.state.Load()
				if st&liveBit == 0 {
					continue
				}
				p := s.val.Load()
				if s.state.Load()&matchMask != st&matchMask {
					continue
				}
				h := K(t.idBits | st&genMask | uint64(ci)<<chunkBits | uint64(j))
				if !yield(h, p) {
					return
				}
			}
		}
	}
}

// Pin returns the value h names and adds a pin to it, held by p: while a
// value is pinned, [KeyedTable.Delete] only marks it for deletion, and the
// value stays in the table (Get, Lookup and Pin still find it) until the
// last pin is released with [KeyedTable.Unpin]. Pin is lock-free; it
// allocates the pin's state, which copies of p share (see [Pin]).
//
// p must be a [Pin] that never held a pin, nor is a copy of one that did:
// Pin panics otherwise, also when several goroutines pin with the same p
// at once (all but one panic), and if the value already holds 2³¹-1 pins,
// which only a leak of pins can reach. If Pin fails, p holds nothing and
// may be used again.
func (t *KeyedTable[K, T]) Pin(p *Pin, h K) (*T, error) {
	if p.ref.Load() != nil {
		panic("handle: Pin with a Pin that was used before (or a copy of one)")
	}
	s := t.slot(uint64(h))
	if s == nil {
		return nil, t.fail("pin", uint64(h), 0)
	}
	// Claim p before taking the pin, so that of two Pins with the same p
	// only one takes a pin; an Unpin meanwhile finds it claimed, not held.
	r := &pinRef{h: uint64(h), t: &t.mu}
	if !p.ref.CompareAndSwap(nil, r) {
		panic("handle: Pin with a Pin that was used before (or a copy of one)")
	}
	want := uint64(h)&genMask | liveBit
	for {
		st := s.state.Load()
		if st&matchMask != want {
			p.ref.Store(nil) // p took nothing: it may be used again
			return nil, t.fail("pin", uint64(h), st)
		}
		if st&pinMask == maxPins {
			p.ref.Store(nil)
			panic("handle: too many pins on " + Handle(h).String())
		}
		if s.state.CompareAndSwap(st, st+1) {
			r.state.Store(pinHeld)
			// A pinned slot cannot be freed, so its value cannot change.
			return s.val.Load(), nil
		}
	}
}

// Pins returns the number of pins h holds.
func (t *KeyedTable[K, T]) Pins(h K) (int, error) {
	s := t.slot(uint64(h))
	if s == nil {
		return 0, t.fail("pins", uint64(h), 0)
	}
	st := s.state.Load()
	if st&matchMask != uint64(h)&genMask|liveBit {
		return 0, t.fail("pins", uint64(h), st)
	}
	return int(st & pinMask), nil
}

// Pending reports whether h names a value that was deleted while pinned
// and stays in the table until its last pin is released.
func (t *KeyedTable[K, T]) Pending(h K) bool {
	s := t.slot(uint64(h))
	if s == nil {
		return false
	}
	st := s.state.Load()
	return st&matchMask == uint64(h)&genMask|liveBit && st&pendingBit != 0
}

// Unpin releases the pin p holds, taken by [KeyedTable.Pin]. If it was the
// last pin of a value deleted while pinned, the value is removed now and
// Unpin reports true. A Pin that holds no pin of this table (one never
// used, or one whose pin was already released through it or a copy of it)
// releases nothing: Unpin reports [ErrNotPinned], or [ErrForeign] for a
// pin of another table.
func (t *KeyedTable[K, T]) Unpin(p *Pin) (removed bool, err error) { return t.unpin(p, false) }

func (t *KeyedTable[K, T]) unpin(p *Pin, locked bool) (bool, error) {
	r := p.ref.Load()
	if r == nil || r.state.Load() != pinHeld {
		return false, &Error{Op: "unpin", Handle: p.Handle(), Table: t.ID(), Err: ErrNotPinned}
	}
	if r.t != &t.mu {
		return false, &Error{Op: "unpin", Handle: Handle(r.h), Table: t.ID(), Err: ErrForeign}
	}
	if !r.state.CompareAndSwap(pinHeld, pinSpent) {
		return false, &Error{Op: "unpin", Handle: Handle(r.h), Table: t.ID(), Err: ErrNotPinned}
	}
	// p held a pin, so the slot exists and is live with p's generation.
	h := r.h
	s := t.slot(h)
	for {
		st := s.state.Load()
		if st&pinMask == 1 && st&pendingBit != 0 {
			if s.state.CompareAndSwap(st, freed(st)) {
				if !locked {
					t.mu.Lock()
				}
				t.release(uint32(h), s)
				if !locked {
					t.mu.Unlock()
				}
				return true, nil
			}
		} else if s.state.CompareAndSwap(st, st-1) {
			return false, nil
		}
	}
}

// freed returns the state of a slot whose occupant, in state st, is
// removed: not live, same generation, retired if the generation is spent.
func freed(st uint64) uint64 {
	g := st & genMask
	if g == genMask {
		return g | retiredBit
	}
	return g
}

// release finishes the removal of the occupant of slot i once its state
// word says it is gone. The lock must be held.
func (t *KeyedTable[K, T]) release(i uint32, s *slot[T]) {
	s.val.Store(nil)
	if s.state.Load()&retiredBit == 0 {
		t.free = append(t.free, i)
	}
	t.count.Add(-1)
}

// Insert stores p and returns its handle. It panics if p is nil, or if the
// table has used all 2³² slots.
func (t *KeyedTable[K, T]) Insert(p *T) K {
	if p == nil {
		panic("handle: Insert of a nil pointer")
	}
	t.mu.Lock()
	defer t.mu.Unlock() // insert panics on a full table
	return t.insert(p)
}

// Delete deletes the value h names; every handle to it fails from then
// on. If h is pinned, the deletion is pending instead: the value stays
// until the last pin is released, and Delete reports removed == false.
// Deleting a value whose deletion is pending does nothing.
func (t *KeyedTable[K, T]) Delete(h K) (removed bool, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.delete(h)
}

// Retain deletes every value for which keep returns false, as
// [KeyedTable.Delete] does: a pinned value is removed by its last Unpin.
// Values whose deletion is pending are not offered to keep. keep runs
// without the table's lock, in slot order, so it may use the table freely
// (read, insert, delete, unpin); Retain takes the lock for each deletion
// only. Like [KeyedTable.All], Retain offers every value that stays live
// throughout, and values inserted or deleted meanwhile may or may not be
// offered.
func (t *KeyedTable[K, T]) Retain(keep func(K, *T) bool) {
	for h, p := range t.All() {
		if !t.Pending(h) && !keep(h, p) {
			t.Delete(h) // fails only if h was deleted meanwhile: nothing to do
		}
	}
}

// Clear deletes every value, as [KeyedTable.Delete] does, under one hold
// of the table's lock: pinned values are removed by their last Unpin.
func (t *KeyedTable[K, T]) Clear() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for ci, c := range t.chunks {
		for j := range c {
			if st := c[j].state.Load(); st&liveBit != 0 {
				t.delete(K(t.idBits | st&genMask | uint64(ci)<<chunkBits | uint64(j)))
			}
		}
	}
}

// KeyedWriter is a [KeyedTable] whose lock is held, returned by
// [KeyedTable.Lock]. Its writes are those of the table, without taking the
// lock again. Use it to make several writes at once, or to keep data of
// your own consistent with the table: the lock then guards that data too.
// Reads need no KeyedWriter.
//
// A KeyedWriter is valid until [KeyedWriter.Unlock]. It may be copied,
// and its copies used on other goroutines: their writes run one at a time,
// and the first Unlock of any of them ends the validity of all. Using one
// afterwards is a programmer error: its methods panic then, even if the
// lock has been taken again meanwhile, and a write never runs once the
// lock is released. The zero KeyedWriter is never valid.
type KeyedWriter[K Key, T any] struct {
	t     *KeyedTable[K, T]
	locks uint64 // the count of Lock and Unlock calls the Writer's Lock made
}

// Writer is the [KeyedWriter] of a [Table].
type Writer[T any] = KeyedWriter[Handle, T]

// writerBusy is the bit of KeyedTable.writer set while a Writer writes.
const writerBusy = 1

// Lock takes the table's lock and returns a [KeyedWriter] that holds it.
// Reads are not blocked; other writers wait until [KeyedWriter.Unlock].
// The lock is not reentrant: while a goroutine holds a KeyedWriter, its
// own calls of the table's writing methods ([KeyedTable.Insert],
// [KeyedTable.Delete], [KeyedTable.Retain], [KeyedTable.Clear], and
// [KeyedTable.Unpin] when it completes a pending deletion) wait for the
// lock forever, as with a [sync.Mutex]; write through the KeyedWriter
// instead.
func (t *KeyedTable[K, T]) Lock() KeyedWriter[K, T] {
	t.mu.Lock()
	// No Writer is valid and none is busy (the last Unlock made sure of
	// both), so the word changes only here.
	return KeyedWriter[K, T]{t: t, locks: t.writer.Add(2) >> 1}
}

// begin starts a write of w: it marks the table's Writer busy, so that no
// other copy of w writes or unlocks until end, and panics if w no longer
// holds the lock. Since Unlock waits for the mark to go, a write that
// begins before Unlock ends before the lock is released.
func (w KeyedWriter[K, T]) begin() *KeyedTable[K, T] {
	return w.claim(w.locks<<1 | writerBusy)
}

// claim waits until no copy of w is writing, then replaces the table's
// Writer word with next. It panics if w no longer holds the lock.
func (w KeyedWriter[K, T]) claim(next uint64) *KeyedTable[K, T] {
	if w.t == nil {
		panic("handle: use of a Writer after its Unlock (or of the zero Writer)")
	}
	for {
		v := w.t.writer.Load()
		switch {
		case v>>1 != w.locks:
			panic("handle: use of a Writer after its Unlock")
		case v&writerBusy != 0:
			// A copy of w is writing on another goroutine; a write
			// never blocks, so it is done soon.
			runtime.Gosched()
		case w.t.writer.CompareAndSwap(v, next):
			return w.t
		}
	}
}

// end ends the write begin started.
func (w KeyedWriter[K, T]) end() { w.t.writer.Store(w.locks << 1) }

// Unlock releases the lock; w and its copies must not be used afterwards.
// It panics if w no longer holds the lock: of several copies of w
// unlocking at once, one unlocks and the others panic.
func (w KeyedWriter[K, T]) Unlock() {
	// Spend the count before the lock is released: every later write or
	// Unlock through w panics.
	w.claim((w.locks + 1) << 1).mu.Unlock()
}

// Table returns the table w writes to.
func (w KeyedWriter[K, T]) Table() *KeyedTable[K, T] { return w.t }

// Insert is [KeyedTable.Insert] under w's lock.
func (w KeyedWriter[K, T]) Insert(p *T) K {
	if p == nil {
		panic("handle: Insert of a nil pointer")
	}
	t := w.begin()
	defer w.end() // insert panics on a full table
	return t.insert(p)
}

// Delete is [KeyedTable.Delete] under w's lock.
func (w KeyedWriter[K, T]) Delete(h K) (removed bool, err error) {
	t := w.begin()
	defer w.end()
	return t.delete(h)
}

// Unpin is [KeyedTable.Unpin] under w's lock.
func (w KeyedWriter[K, T]) Unpin(p *Pin) (removed bool, err error) {
	t := w.begin()
	defer w.end()
	return t.unpin(p, true)
}

// insert is Insert; the lock must be held.
func (t *KeyedTable[K, T]) insert(p *T) K {
	var i uint32
	if n := len(t.free); n > 0 {
		i = t.free[n-1]
		t.free = t.free[:n-1]
	} else {
		i = t.grow()
	}
	s := &t.chunks[i>>chunkBits][i&chunkMask]
	// A free slot is written by writers only, under the lock.
	g := s.state.Load()&genMask + genOne
	s.val.Store(p)
	s.state.Store(g | liveBit)
	t.count.Add(1)
	return K(t.idBits | g | uint64(i))
}

// grow hands out a slot never used before, adding a chunk if needed.
func (t *KeyedTable[K, T]) grow() uint32 {
	if t.next > MaxIndex {
		panic("handle: table full")
	}
	i := uint32(t.next)
	if i&chunkMask == 0 {
		if len(t.chunks) == cap(t.chunks) {
			// At least 8 pointers: a cache line of its own.
			grown := make([]*chunk[T], len(t.chunks), max(8, 2*cap(t.chunks)))
			copy(grown, t.chunks)
			t.chunks = grown
		}
		// Readers only read the chunks below the length they loaded, so
		// appending in place does not disturb them.
		t.chunks = append(t.chunks, new(chunk[T]))
		t.dir.Store(&directory[T]{chunks: t.chunks})
	}
	t.next++
	return i
}

// delete is Delete; the lock must be held.
func (t *KeyedTable[K, T]) delete(h K) (removed bool, err error) {
	s := t.slot(uint64(h))
	if s == nil {
		return false, t.fail("delete", uint64(h), 0)
	}
	want := uint64(h)&genMask | liveBit
	for {
		st := s.state.Load()
		if st&matchMask != want {
			return false, t.fail("delete", uint64(h), st)
		}
		if st&pinMask != 0 {
			// Pins come and go without the lock: mark the deletion in the
			// same word, so the last Unpin sees it.
			if st&pendingBit != 0 || s.state.CompareAndSwap(st, st|pendingBit) {
				return false, nil
			}
			continue
		}
		if s.state.CompareAndSwap(st, freed(st)) {
			t.release(uint32(h), s)
			return true, nil
		}
	}
}
