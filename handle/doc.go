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
// before [KeyedTable.Insert] runs out of slots.
//
// # Typed handles
//
// [Table] is the [KeyedTable] whose handles are plain [Handle] values. A
// KeyedTable[K, T] hands out handles of a type K of the program's own,
// defined as a Handle (type UserID handle.Handle), so that the compiler
// rejects a handle of one table given to another. Such a K converts to and
// from Handle to read its fields.
//
// # Table ids
//
// [New] makes a table whose handles carry an id; the zero [Table] has id
// 0. A table rejects a handle with another id with [ErrForeign].
//
// Passed [AutoID], New leases an id no other live table with a leased id
// has, for as long as the table is reachable: while both are alive, two
// such tables always reject each other's handles, whichever package made
// them and however many tables came and went before. A lease ends when
// its table is garbage collected, and the id freed longest ago is leased
// again first. There are [FirstFixedID]-1 such ids; with that many tables
// alive at once, New panics rather than lease an id twice.
//
// Two things remain possible, and a program must not rely on them being
// caught:
//
//   - A handle of a table that is gone, presented to a later table that
//     leased the same id, is looked up there like one of its own: it names
//     whatever that table holds under the same index and generation, or
//     fails. Handles must not outlive their table.
//   - Tables given the same fixed id by the program cannot tell their
//     handles apart in the same way, even while both are alive.
//
// # Concurrency
//
// [KeyedTable.Get], [KeyedTable.Lookup], [KeyedTable.Pin], [KeyedTable.Pins], [KeyedTable.Pending],
// [KeyedTable.Len] and [KeyedTable.All] take no lock and may run on any goroutine at
// any time, concurrently with writers. Slots live in chunks that never move; a
// lookup reads the slot's state word, then the value, then the state word
// again, and accepts the value only if the slot stayed live with the
// handle's generation throughout, so a concurrent delete and reinsert is
// never mistaken for the old value. [KeyedTable.Insert], [KeyedTable.Delete]
// and [KeyedTable.Clear] take the table's lock; [KeyedTable.Retain] takes it
// for each deletion only, so that its callback may use the table.
// [KeyedTable.Lock] returns a [Writer] holding it, for several writes in a
// row or to keep data of the caller's consistent with the table under the
// same lock. A Writer used after its Unlock panics, whichever copy of it
// unlocked and on whichever goroutine: it never writes without the lock.
//
// # Pins
//
// [KeyedTable.Pin] takes a reference count on a value, held by a [Pin] of the
// caller's; while any pin is held, [KeyedTable.Delete] only marks the value for
// deletion ([KeyedTable.Pending] tells), and the value stays reachable (Get,
// Lookup and Pin still find it) until the last [KeyedTable.Unpin], which
// removes it. Pins and the generation share one atomic word, so a pin can
// never land on a successor value. A pin is released through the Pin that
// took it, once: a second Unpin, or the Unpin of a Pin that never took one,
// reports [ErrNotPinned] and leaves every pin in place. A Pin keeps its pin
// when it moves (in a slice that grows, say): its state lives behind a
// pointer, which its copies share, so the Pin and all its copies release
// one pin between them, whichever of them does it. This is what
// reference-counted handles and strong references build on.
//
// # Secondary maps
//
// A [SecondaryMap] associates values of another type with the handles of
// one table, in a slice indexed by slot: it returns nothing for a handle
// that went stale in its table, and drops the entry when the slot's next
// value gets one, or on [SecondaryMap.Prune].
//
// # Errors
//
// [KeyedTable.Get] reports failure as false. [KeyedTable.Lookup] and the writes
// return an [*Error] that names the operation and the handle and wraps one
// of [ErrNull], [ErrForeign], [ErrStale] (the value was deleted),
// [ErrInvalid] (the table never issued the handle: a forged or corrupted
// value) or [ErrNotPinned]; test with [errors.Is]. Programmer errors
// panic: inserting nil, pinning with a used [Pin], using a [Writer] after
// its Unlock, and running out of slots or leased ids.
//
// # Caveats
//
//   - The table stores pointers, not values: Insert(p) keeps p reachable
//     until the value is deleted, and Get returns the same pointer. A nil
//     pointer cannot be stored.
//   - Only the handle is checked. A program that keeps the pointer Get
//     returned may keep using it after the value is deleted; the table
//     only promises that the handle stops working.
//   - [KeyedTable.Insert] panics after 2³² slots have been used, which takes
//     64 GiB of slots or 2⁵² deletions.
//   - [KeyedTable.All] is weakly consistent: it sees each value that stays live
//     for the whole iteration, and may or may not see the others.
//   - A Table must not be copied after first use.
package handle
