package handle

import (
	"iter"
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

// Table is a generational handle table: it stores pointers to values of
// type T and names each by a [Handle]. Deleting a value bumps its slot's
// generation, so every handle to it fails from then on, even after the
// slot holds another value.
//
// The zero Table is an empty table with table id 0, ready to use. [New]
// makes a table with another id. A Table must not be copied after first
// use.
//
// Reads ([Table.Get], [Table.Lookup], [Table.Pin], [Table.Pins],
// [Table.Len], [Table.All]) are lock-free and may run on any goroutine at
// any time. Writes ([Table.Insert], [Table.Delete]) take the table's lock;
// [Table.Lock] holds it across several writes. [Table.Unpin] takes the lock
// only when it completes a pending deletion.
type Table[T any] struct {
	// Read by every lookup, written only when a chunk is added; on a
	// cache line of their own when the Table is allocated by New.
	dir    atomic.Pointer[directory[T]]
	idBits uint64 // the table id, in place; set by New only
	_      [64 - 16]byte

	count atomic.Int64 // values stored, deleted-while-pinned ones included

	// Guarded by mu.
	mu     sync.Mutex
	chunks []*chunk[T]    // what dir lists
	free   []uint32       // slot indexes ready for reuse, the last one first
	next   uint64         // slots handed out so far
	_      [128 - 72]byte // 192 bytes in all: a size class of 64-byte multiples
}

// New returns an empty table whose handles carry id, so that another
// table rejects them with [ErrForeign] (unless it has the same id). New
// panics if id is greater than [MaxTableID].
func New[T any](id uint16) *Table[T] {
	if id > MaxTableID {
		panic("handle: table id " + strconv.Itoa(int(id)) + " out of range")
	}
	return &Table[T]{idBits: uint64(id) << idShift}
}

// ID returns the table's id.
func (t *Table[T]) ID() uint16 { return uint16(t.idBits >> idShift) }

// slot returns the slot h names, or nil if h is of another table or past
// the slots allocated. It does not look at the generation.
func (t *Table[T]) slot(h Handle) *slot[T] {
	if uint64(h)&idMask != t.idBits {
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
// of another handle.
func (t *Table[T]) Get(h Handle) (*T, bool) {
	s := t.slot(h)
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

// Lookup is [Table.Get] with the reason for a failure: an [*Error] wrapping
// [ErrNull], [ErrForeign], [ErrStale] or [ErrInvalid].
func (t *Table[T]) Lookup(h Handle) (*T, error) {
	s := t.slot(h)
	if s == nil {
		return nil, t.fail("lookup", h, 0)
	}
	want := uint64(h)&genMask | liveBit
	st := s.state.Load()
	if st&matchMask == want {
		p := s.val.Load()
		if st = s.state.Load(); st&matchMask == want {
			return p, nil
		}
	}
	return nil, t.fail("lookup", h, st)
}

// fail explains why h does not name a live value, given the state st of
// its slot (0 if there is no such slot).
func (t *Table[T]) fail(op string, h Handle, st uint64) error {
	return &Error{Op: op, Handle: h, Table: t.ID(), Err: t.reason(h, st)}
}

func (t *Table[T]) reason(h Handle, st uint64) error {
	switch g, sg := uint64(h)&genMask, st&genMask; {
	case h == 0:
		return ErrNull
	case uint64(h)&idMask != t.idBits:
		return ErrForeign
	case g == 0 || g > sg:
		return ErrInvalid
	default:
		return ErrStale
	}
}

// Len returns the number of values in the table, counting those deleted
// while pinned until their last pin is released.
func (t *Table[T]) Len() int { return int(t.count.Load()) }

// All returns an iterator over the live values and their handles, in slot
// order. It takes no lock: every pair it yields was live when it was read,
// and values inserted or deleted during the iteration may or may not be
// seen.
func (t *Table[T]) All() iter.Seq2[Handle, *T] {
	return func(yield func(Handle, *T) bool) {
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
				h := Handle(t.idBits | st&genMask | uint64(ci)<<chunkBits | uint64(j))
				if !yield(h, p) {
					return
				}
			}
		}
	}
}

// Pin returns the value h names and adds a pin to it: while a handle is
// pinned, [Table.Delete] only marks its value for deletion, and the value
// stays in the table (Get, Lookup and Pin still find it) until the last
// pin is released with [Table.Unpin]. Each successful Pin must be matched
// by one Unpin. Pin is lock-free.
//
// Pin panics if the value already holds 2³²-1 pins, which only a leak of
// pins can reach.
func (t *Table[T]) Pin(h Handle) (*T, error) {
	s := t.slot(h)
	if s == nil {
		return nil, t.fail("pin", h, 0)
	}
	want := uint64(h)&genMask | liveBit
	for {
		st := s.state.Load()
		if st&matchMask != want {
			return nil, t.fail("pin", h, st)
		}
		if st&pinMask == pinMask {
			panic("handle: too many pins on " + h.String())
		}
		if s.state.CompareAndSwap(st, st+1) {
			// A pinned slot cannot be freed, so its value cannot change.
			return s.val.Load(), nil
		}
	}
}

// Pins returns the number of pins h holds.
func (t *Table[T]) Pins(h Handle) (int, error) {
	s := t.slot(h)
	if s == nil {
		return 0, t.fail("pins", h, 0)
	}
	st := s.state.Load()
	if st&matchMask != uint64(h)&genMask|liveBit {
		return 0, t.fail("pins", h, st)
	}
	return int(st & pinMask), nil
}

// Unpin releases a pin taken by [Table.Pin]. If it was the last pin of a
// value deleted while pinned, the value is removed now and Unpin reports
// true. Unpinning a handle that holds no pin reports [ErrNotPinned].
func (t *Table[T]) Unpin(h Handle) (removed bool, err error) { return t.unpin(h, false) }

func (t *Table[T]) unpin(h Handle, locked bool) (bool, error) {
	s := t.slot(h)
	if s == nil {
		return false, t.fail("unpin", h, 0)
	}
	want := uint64(h)&genMask | liveBit
	for {
		st := s.state.Load()
		if st&matchMask != want {
			return false, t.fail("unpin", h, st)
		}
		switch {
		case st&pinMask == 0:
			return false, &Error{Op: "unpin", Handle: h, Table: t.ID(), Err: ErrNotPinned}
		case st&pinMask == 1 && st&pendingBit != 0:
			if s.state.CompareAndSwap(st, freed(st)) {
				if !locked {
					t.mu.Lock()
				}
				t.release(uint32(h), s, st)
				if !locked {
					t.mu.Unlock()
				}
				return true, nil
			}
		default:
			if s.state.CompareAndSwap(st, st-1) {
				return false, nil
			}
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

// release finishes the removal of the occupant of slot i, whose state was
// st, once its state word says it is gone. The lock must be held.
func (t *Table[T]) release(i uint32, s *slot[T], st uint64) {
	s.val.Store(nil)
	if st&genMask != genMask {
		t.free = append(t.free, i)
	}
	t.count.Add(-1)
}

// Insert stores p and returns its handle. It panics if p is nil, or if the
// table has used all 2³² slots.
func (t *Table[T]) Insert(p *T) Handle {
	if p == nil {
		panic("handle: Insert of a nil pointer")
	}
	w := t.Lock()
	defer w.Unlock() // Insert panics on a full table
	return w.Insert(p)
}

// Delete deletes the value h names; every handle to it fails from then
// on. If h is pinned, the deletion is pending instead: the value stays
// until the last pin is released, and Delete reports removed == false.
// Deleting a value whose deletion is pending does nothing.
func (t *Table[T]) Delete(h Handle) (removed bool, err error) {
	w := t.Lock()
	defer w.Unlock()
	return w.Delete(h)
}

// Writer is a [Table] whose lock is held, returned by [Table.Lock]. Its
// writes are those of the table, without taking the lock again. Use it to
// make several writes at once, or to keep data of your own consistent with
// the table: the lock then guards that data too. Reads need no Writer.
//
// A Writer is valid until [Writer.Unlock]; using it afterwards is a data
// race.
type Writer[T any] Table[T]

// Lock takes the table's lock and returns a [Writer] that holds it. Reads
// are not blocked; other writers wait until [Writer.Unlock].
func (t *Table[T]) Lock() *Writer[T] {
	t.mu.Lock()
	return (*Writer[T])(t)
}

// Unlock releases the lock; w must not be used afterwards.
func (w *Writer[T]) Unlock() { w.mu.Unlock() }

// Table returns the table w writes to.
func (w *Writer[T]) Table() *Table[T] { return (*Table[T])(w) }

// Insert is [Table.Insert] under w's lock.
func (w *Writer[T]) Insert(p *T) Handle {
	if p == nil {
		panic("handle: Insert of a nil pointer")
	}
	t := (*Table[T])(w)
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
	return Handle(t.idBits | g | uint64(i))
}

// grow hands out a slot never used before, adding a chunk if needed.
func (t *Table[T]) grow() uint32 {
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

// Delete is [Table.Delete] under w's lock.
func (w *Writer[T]) Delete(h Handle) (removed bool, err error) {
	t := (*Table[T])(w)
	s := t.slot(h)
	if s == nil {
		return false, t.fail("delete", h, 0)
	}
	want := uint64(h)&genMask | liveBit
	for {
		st := s.state.Load()
		if st&matchMask != want {
			return false, t.fail("delete", h, st)
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
			s.val.Store(nil)
			if st&genMask != genMask {
				t.free = append(t.free, uint32(h))
			}
			t.count.Add(-1)
			return true, nil
		}
	}
}

// Unpin is [Table.Unpin] under w's lock.
func (w *Writer[T]) Unpin(h Handle) (removed bool, err error) {
	return (*Table[T])(w).unpin(h, true)
}
