// Package weakref gives out weak handles to objects: a [Weak] can be kept
// in a global, sent to another goroutine or stored as a plain integer, and
// later upgraded, which returns the object, or nothing if the object was
// deleted in the meantime.
//
//	var things weakref.Registry[Thing]
//
//	w := things.Weak(thing)            // the same handle every time for thing
//	callbacks[id] = w
//	// ... later, on any goroutine ...
//	if t, ok := callbacks[id].Upgrade(); ok {
//		t.Call("callback")
//	}
//
// # Registries and identity
//
// A [Registry] holds the objects of one type T, as *T pointers. An
// object's identity is its address: [Registry.Weak] returns the same
// handle for the same pointer for as long as the object is registered, and
// two distinct objects never share a handle, even if they are equal.
// Objects need no field of their own for this; the registry keeps a hash
// index from address to handle. (Values without identity, such as numbers
// or strings, have no use for weak handles; put them behind a pointer.)
// Distinct objects of a zero-size type may share an address, and then a
// handle: give such a T a field.
//
// The zero Registry is ready to use. Each registry, zero or made with
// [New], leases a table id of its own on first use (see [handle.AutoID])
// and gives it back once the registry is garbage collected, so that while
// two registries are alive, each rejects the raw handles of the other with
// [ErrForeign], however many registries came and went before. Ids are 12
// bits: a program with 3,839 registries and other tables with leased ids
// alive at once cannot make another, and the first use of one more
// registry panics. What remains possible is a raw handle of a registry
// that is gone, presented to a later registry that leased the same id:
// that registry may take it as one of its own. Keep raw handles no longer
// than their registry.
//
// # Upgrading
//
// [Weak.Upgrade] returns the object and true, or nil and false once it is
// gone; [Weak.UpgradeOr] returns a fallback instead (nil gives the null
// that can be passed straight on). Both take no lock, do not allocate and
// are safe on any goroutine, concurrently with registrations and
// deletions. A weak handle never upgrades to an object other than its own:
// a deleted object's slot in the registry is reused under a new generation,
// and slots whose generations run out are retired.
//
// # Raw handles
//
// [Weak.Raw] returns the handle as a uint64 that holds no pointer: store
// it in a global, a file, a C struct or a WebAssembly i64, and turn it back
// into a handle with [Registry.FromRaw]. FromRaw checks the value: 0,
// handles of other registries, deleted objects and values the registry
// never issued fail with [ErrNull], [ErrForeign], [ErrGone] and
// [ErrInvalid] respectively (wrapped in an [*Error]); whatever the integer,
// FromRaw never panics, and never yields an object other than the one the
// handle was issued for by a live registry (the one caveat is a registry
// that is gone, above). A raw handle is only meaningful within the process
// that issued it.
//
// # Deleting and strong references
//
// [Weak.Delete] deletes an object: every handle to it reports it gone from
// then on, and the registry drops its reference to it. A [Strong], from
// [Weak.Strong], keeps its object from being deleted while held: a Delete
// meanwhile is carried out when the last Strong is released, and until
// then the object stays upgradable through its old handle. It is no longer
// registered, though: [Registry.Len] and [Registry.All] leave it out, and
// [Registry.Weak] registers it again under a new handle, which the pending
// deletion does not affect.
//
// Every Strong must be released, once, by [Strong.Release]. Each Strong
// holds its own reference: a second Release, or the Release of a struct
// copy of a Strong, releases nothing and reports [ErrNotHeld], so it
// cannot drop the reference of another holder.
//
// # Leaks
//
// [Registry.Leaks] lists the objects that Strongs still hold, with how
// many: at the end of a test or a program, the Strongs nobody released.
// With [TrackSites] on, it also says where each of them was taken.
//
// # Collectable registries
//
// By default a registry references its objects strongly, so an object
// stays until it is deleted, exactly like an object of the game or VM it
// stands for. A registry made with [New] and [Options.Collectable] holds
// them through Go's weak pointers instead: an object also goes away when
// nothing else references it, and a cleanup registered with
// [runtime.AddCleanup] then deletes its handle.
//
// Garbage collection decides when that happens, and makes no promises:
//
//   - An unreferenced object is reported gone by Upgrade at some garbage
//     collection after it became unreachable, not at once; its handle
//     stays counted by [Registry.Len] until the cleanup runs, later still,
//     on a goroutine of the runtime.
//   - It may never happen: small objects without pointers (16 bytes or
//     less) may share an allocation with a live one, objects of size zero
//     and objects allocated statically for package-level variables may
//     never be collected, and cleanups need not run before the program
//     exits.
//   - Only memory the Go runtime manages can be held weakly: the heap and
//     the package-level variables. [Registry.Weak] of a pointer into other
//     memory (from mmap, or allocated by C) panics in a collectable
//     registry; a registry that is not collectable takes any pointer.
//   - An object is unreachable as soon as the program no longer uses it,
//     which may be earlier than the end of the function holding it: use
//     [runtime.KeepAlive] where it matters.
//   - Each registration allocates (a weak pointer, an entry and a
//     cleanup), and Upgrade costs one [weak.Pointer.Value] more.
//
// Code that needs to know when an object goes away should delete it
// explicitly, which works the same in both kinds of registry.
//
// # Concurrency
//
// Everything is safe from any goroutine. Upgrades, [Registry.FromRaw],
// [Registry.Len] and iteration are lock-free, and so is [Weak.Strong]
// except in a collectable registry whose object was collected: it then
// takes the registry's lock to give back the reference it took before it
// could tell. Registering, [Registry.Lookup], deleting and releasing a
// Strong take the registry's lock. With [TrackSites] on, Weak.Strong, Release and [Registry.Leaks]
// also take a lock of the site records. The objects themselves are
// not protected: a program that upgrades on several goroutines must
// synchronize its use of the object, as with any shared pointer.
package weakref
