package handle

import "iter"

// SecondaryMap associates values of type V with the handles of one
// primary [KeyedTable], as a map keyed by handles would, but in a slice
// indexed by slot: a handle's entry is found without hashing, and an
// entry whose handle went stale in the primary table is never returned.
// The entry of a deleted value is dropped when its slot's next value gets
// an entry, by [SecondaryMap.Prune], or by [SecondaryMap.Remove].
//
// The zero SecondaryMap is not usable; make one with [NewSecondaryMap].
// Like a Go map, a SecondaryMap is not safe for concurrent writes; reads
// ([SecondaryMap.Get], [SecondaryMap.Len], [SecondaryMap.All]) may run
// concurrently with each other.
type SecondaryMap[K Key, V any] struct {
	live    func(K) bool
	entries []secondaryEntry[K, V] // by slot index
}

type secondaryEntry[K Key, V any] struct {
	h K // 0: no entry
	v V
}

// NewSecondaryMap returns an empty map for the handles of primary.
func NewSecondaryMap[K Key, T, V any](primary *KeyedTable[K, T]) *SecondaryMap[K, V] {
	return &SecondaryMap[K, V]{live: func(h K) bool { _, ok := primary.Get(h); return ok }}
}

// Insert associates v with h, replacing the value h had, or the entry of
// an older handle of the same slot. It stores nothing and reports false if
// h does not name a live value of the primary table.
func (m *SecondaryMap[K, V]) Insert(h K, v V) bool {
	if !m.live(h) {
		return false
	}
	i := int(uint32(h)) // live, so a slot that exists: it fits an int
	if i >= len(m.entries) {
		m.entries = append(m.entries, make([]secondaryEntry[K, V], i+1-len(m.entries))...)
	}
	m.entries[i] = secondaryEntry[K, V]{h, v}
	return true
}

// entry returns h's entry, or nil if h has none or is no longer live.
func (m *SecondaryMap[K, V]) entry(h K) *secondaryEntry[K, V] {
	// uint64, not int: an index of 2³¹ or more is negative as an int on
	// 32-bit targets.
	i := uint64(uint32(h))
	if h == 0 || i >= uint64(len(m.entries)) || m.entries[i].h != h || !m.live(h) {
		return nil
	}
	return &m.entries[i]
}

// Get returns the value associated with h and true, or the zero V and
// false if there is none or h is stale.
func (m *SecondaryMap[K, V]) Get(h K) (V, bool) {
	if e := m.entry(h); e != nil {
		return e.v, true
	}
	var zero V
	return zero, false
}

// Remove removes the entry of h and returns its value, as Get does.
func (m *SecondaryMap[K, V]) Remove(h K) (V, bool) {
	v, ok := m.Get(h)
	if i := uint64(uint32(h)); i < uint64(len(m.entries)) && m.entries[i].h == h {
		m.entries[i] = secondaryEntry[K, V]{}
	}
	return v, ok
}

// Len returns the number of entries whose handles are live. It takes time
// proportional to the largest slot index with an entry.
func (m *SecondaryMap[K, V]) Len() int {
	n := 0
	for range m.All() {
		n++
	}
	return n
}

// All returns an iterator over the entries whose handles are live, in
// slot order.
func (m *SecondaryMap[K, V]) All() iter.Seq2[K, V] {
	return func(yield func(K, V) bool) {
		for i := range m.entries {
			if e := &m.entries[i]; e.h != 0 && m.live(e.h) && !yield(e.h, e.v) {
				return
			}
		}
	}
}

// Prune drops the entries whose handles went stale, so that their values
// can be garbage collected, and reports how many it dropped.
func (m *SecondaryMap[K, V]) Prune() int {
	n := 0
	for i := range m.entries {
		if e := &m.entries[i]; e.h != 0 && !m.live(e.h) {
			*e = secondaryEntry[K, V]{}
			n++
		}
	}
	return n
}
