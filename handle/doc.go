// Package handle is a generational handle table: it stores pointers to
// values and names each by a 64-bit [Handle] that can be kept anywhere (a
// global, a file, a C or WebAssembly integer) and checked later. A handle
// to a deleted value fails forever, even once its slot holds another value.
//
//	var t handle.Table[Task]
//	h := t.Insert(task)       // a Handle: slot index, generation, table id
//	p, ok := t.Get(h)         // task, true
//	t.Delete(h)
//	p, ok = t.Get(h)          // nil, false, whatever the slot holds now
//
// # Handles
//
// A [Handle] packs three fields into a uint64:
//
//	bits  0..31  slot index   (32 bits: up to 2³² slots)
//	bits 32..51  generation   (20 bits: 1 to 1,048,575; 0 is never issued)
//	bits 52..63  table id     (12 bits: 0 to 4095)
//
// The zero Handle is the null handle. A handle holds no Go pointer, so the
// garbage collector needs nothing from it and it survives any round trip
// through an integer. [Make] assembles one and [Handle.Index],
// [Handle.Generation] and [Handle.TableID] take one apart.
//
// # Generations and retirement
//
// Each slot counts the values it has held. Deleting a value makes every
// handle of its generation stale; the next value in the slot gets the next
// generation. A slot whose value of generation [MaxGeneration] is deleted
// is retired: it is never used again, so a generation never wraps around
// and an old handle never names a new value (no ABA). Retirement costs one
// slot per 2²⁰ values through it; a table can hand out 2⁵² values in all
// before [Table.Insert] runs out of slots.
//
// # Table ids
//
// [New] makes a table whose handles carry an id; the zero [Table] has id
// 0. A table rejects a handle with another id with [ErrForeign]. Ids are
// chosen by the program: two tables with the same id cannot tell their
// handles apart, and a handle of one is then looked up in the other like
// one of its own (it names whatever that table holds under the same index
// and generation, or fails).
//
// # Concurrency
//
// [Table.Get], [Table.Lookup], [Table.Pin], [Table.Pins], [Table.Len] and
// [Table.All] take no lock and may run on any goroutine at any time,
// concurrently with writers. Slots live in chunks that never move; a
// lookup reads the slot's state word, then the value, then the state word
// again, and accepts the value only if the slot stayed live with the
// handle's generation throughout, so a concurrent delete and reinsert is
// never mistaken for the old value. [Table.Insert] and [Table.Delete] take
// the table's lock. [Table.Lock] returns a [Writer] holding it, for several
// writes in a row or to keep data of the caller's consistent with the
// table under the same lock.
//
// # Pins
//
// [Table.Pin] takes a reference count on a value; while any pin is held,
// [Table.Delete] only marks the value for deletion, and the value stays
// reachable (Get, Lookup and Pin still find it) until the last
// [Table.Unpin], which removes it. Pins and the generation share one
// atomic word, so a pin can never land on a successor value. This is what
// reference-counted handles and strong references build on.
//
// # Errors
//
// [Table.Get] reports failure as false. [Table.Lookup] and the writes
// return an [*Error] that names the operation and the handle and wraps one
// of [ErrNull], [ErrForeign], [ErrStale] (the value was deleted),
// [ErrInvalid] (the table never issued the handle: a forged or corrupted
// value) or [ErrNotPinned]; test with [errors.Is].
//
// # Caveats
//
//   - The table stores pointers, not values: Insert(p) keeps p reachable
//     until the value is deleted, and Get returns the same pointer. A nil
//     pointer cannot be stored.
//   - Only the handle is checked. A program that keeps the pointer Get
//     returned may keep using it after the value is deleted; the table
//     only promises that the handle stops working.
//   - [Table.Insert] panics after 2³² slots have been used, which takes
//     64 GiB of slots or 2⁵² deletions.
//   - [Table.All] is weakly consistent: it sees each value that stays live
//     for the whole iteration, and may or may not see the others.
//   - A Table must not be copied after first use.
package handle
