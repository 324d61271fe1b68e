package externref

import "sync/atomic"

// A lease word records one holder's count of an entry: which generation
// of the word the holder got, and what it does with it now. A Ref names
// its lease by (word index, generation), so a Ref whose lease was released
// no longer matches the word, even after the word serves another holder:
// a second release by the same holder fails instead of taking the count of
// the next one.
//
//	bits 0..1   state: leaseFree, leaseLive, leaseRaw or leaseScoped
//	bits 2..33  generation of the current (or last) holder, from 1
//
// A word whose generation reaches maxLeaseGen is not reused once freed, so
// generations never wrap.
const (
	leaseFree   = 0 // no holder
	leaseLive   = 1 // held by a Ref
	leaseRaw    = 2 // moved into a raw value by IntoRaw, until FromRaw
	leaseScoped = 3 // held by the Scope that created the reference

	leaseStateMask = 3
	leaseGenShift  = 2
	maxLeaseGen    = 1<<32 - 1
)

// inlineLeases is the number of lease words inside an entry: the
// creator's, and two clones, before the entry needs a spill chunk. It
// makes an entry 64 bytes on 64-bit targets, a size class of its own.
const inlineLeases = 3

// leaseChunk holds lease words beyond the inline ones. Chunks are never
// freed or moved while their entry lives, so a lease word's address is
// stable; each chunk is twice the size of the one before it.
type leaseChunk struct {
	words []atomic.Uint64
	next  atomic.Pointer[leaseChunk]
}

func leaseWord(gen uint32, state uint64) uint64 {
	return uint64(gen)<<leaseGenShift | state
}

// lease packs the index and generation of a lease word into a Ref.
func lease(k, gen uint32) uint64 { return uint64(k)<<32 | uint64(gen) }

// word returns lease word k of e, or nil if e has none such.
func (e *entry) word(k uint32) *atomic.Uint64 {
	if k < inlineLeases {
		return &e.leases[k]
	}
	return e.spilled(uint64(k) - inlineLeases)
}

// spilled returns lease word inlineLeases+i of e, or nil.
func (e *entry) spilled(i uint64) *atomic.Uint64 {
	for c := e.spill.Load(); c != nil; c = c.next.Load() {
		if i < uint64(len(c.words)) {
			return &c.words[i]
		}
		i -= uint64(len(c.words))
	}
	return nil
}

// stateOf returns the state of lease l of e: leaseFree if l is not held
// (released, or never issued).
func (e *entry) stateOf(l uint64) uint64 {
	w := e.word(uint32(l >> 32))
	if w == nil {
		return leaseFree
	}
	v := w.Load()
	if v>>leaseGenShift != l&maxLeaseGen {
		return leaseFree
	}
	return v & leaseStateMask
}

// move changes lease l of e from state from to state to, and reports
// whether it did: false if l is not held in state from.
func (e *entry) move(l uint64, from, to uint64) bool {
	w := e.word(uint32(l >> 32))
	if w == nil {
		return false
	}
	gen := uint32(l)
	return w.CompareAndSwap(leaseWord(gen, from), leaseWord(gen, to))
}

// claim takes a free lease word of e for a new holder, in state, and
// returns the lease. The caller has already added the holder's count.
func (e *entry) claim(state uint64) uint64 {
	for k := range uint32(inlineLeases) {
		if gen, ok := tryClaim(&e.leases[k], state); ok {
			return lease(k, gen)
		}
	}
	return e.claimSpilled(state)
}

// claimSpilled is claim beyond the inline words, adding chunks as needed.
func (e *entry) claimSpilled(state uint64) uint64 {
	k := uint32(inlineLeases)
	next, size := &e.spill, 8
	for {
		c := next.Load()
		if c == nil {
			fresh := &leaseChunk{words: make([]atomic.Uint64, size)}
			if !next.CompareAndSwap(nil, fresh) {
				continue // another clone added the chunk: use it
			}
			c = fresh
		}
		for i := range c.words {
			if gen, ok := tryClaim(&c.words[i], state); ok {
				return lease(k, gen)
			}
			k++
		}
		next, size = &c.next, 2*len(c.words)
	}
}

// tryClaim takes w for a new holder, in state, if w is free and not
// retired, and returns the new generation.
func tryClaim(w *atomic.Uint64, state uint64) (uint32, bool) {
	for {
		v := w.Load()
		gen := v >> leaseGenShift
		if v&leaseStateMask != leaseFree || gen == maxLeaseGen {
			return 0, false
		}
		if w.CompareAndSwap(v, leaseWord(uint32(gen+1), state)) {
			return uint32(gen + 1), true
		}
	}
}

// taken finds a lease of e in state from, moves it to state to and
// returns it; ok is false if e has no lease in state from.
func (e *entry) taken(from, to uint64) (l uint64, ok bool) {
	k := uint32(0)
	try := func(w *atomic.Uint64) bool {
		for {
			v := w.Load()
			if v&leaseStateMask != from {
				return false
			}
			if w.CompareAndSwap(v, v&^leaseStateMask|to) {
				l = lease(k, uint32(v>>leaseGenShift))
				return true
			}
		}
	}
	for ; k < inlineLeases; k++ {
		if try(&e.leases[k]) {
			return l, true
		}
	}
	for c := e.spill.Load(); c != nil; c = c.next.Load() {
		for i := range c.words {
			if try(&c.words[i]) {
				return l, true
			}
			k++
		}
	}
	return 0, false
}
