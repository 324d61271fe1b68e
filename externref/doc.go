// Package externref provides extern refs: reference-counted handles to
// opaque host values (any Go value) with identity semantics, the way a
// WebAssembly host hands files, sockets or objects to guest code that
// cannot look inside them.
//
//	f, _ := os.Create(path)
//	r := externref.NewWithRelease(f, closeFile) // count 1
//	c, _ := r.Clone()                           // count 2; c.Equal(r)
//	if f, ok := externref.Downcast[*os.File](c); ok { ... }
//	c.Release()                                 // count 1
//	r.Release()                                 // count 0: freed, closeFile runs
//
// # References
//
// A [Ref] is a small comparable value that holds one count of one value in
// a process-wide table (a [handle.Table] with table id [TableID]). [New],
// [NewWith] and [NewWithRelease] make a value with a count of 1; the zero
// Ref is the null reference ([Ref.IsNull]), so a Ref that is not null
// always came from the package. The value is read with [Ref.Value], [Is]
// and [Downcast]; it is shared, never copied, so a mutable value needs its
// own locking.
//
// # Counting
//
// Each count belongs to one holder. [Ref.Clone] returns a new Ref with a
// count of its own, a lease, and [Ref.Release] gives back the count of the
// Ref it is called on, never another: a Ref released twice, or used after
// its release, reports [ErrReleased] on that call, even while other holders
// keep the value alive, and their counts are untouched. The release that
// gives back the last count frees the value and runs its release callback,
// exactly once, whatever the number of goroutines releasing at the same
// time. [Ref.StrongCount] reads the count. Clone and Release are
// lock-free; creating a value and freeing it take the table's lock.
//
// A release callback that panics panics on the goroutine of the last
// Release, after the value is freed. [ReleaseAll] and [Scope.Close]
// release every reference they are given whatever the callbacks do, and
// report the panics as [*PanicError] values; a callback that ends its
// goroutine with [runtime.Goexit] still ends it, but only once every
// other reference is released.
//
// # Identity
//
// A value's identity is its [ID], which every clone shares ([Ref.ID]).
// [Ref.Equal], [Ref.Hash] and [Ref.Compare] (a total order by creation)
// compare identities; so do == on IDs, [ID.Hash] and [ID.Compare]. Two
// values are never equal, even with equal contents: New(1) and New(1) have
// two IDs. == on Refs compares leases instead: a Ref and its copies are
// ==, a Ref and its clone are not, which is how a holder's count is told
// from another's. So an ID, not a Ref, is the map key and the argument of
// an engine task (cellar.NewFunc1 and friends) when "the same value" is
// meant: a Ref and its clones are one task, two values two tasks. An ID
// holds no count; [ID.Clone] takes one, so that a task can use the value
// without it being released under it. fmt prints the handle, never the
// value.
//
// # Raw values
//
// [Ref.AsRaw] and [Ref.IntoRaw] turn a reference into a 64-bit integer,
// for C, WebAssembly or any other place that holds integers; [FromRaw] and
// [CloneFromRaw] turn one back. A raw value names the value, not the
// holder: every clone has the same one. AsRaw leaves the counts alone and
// pairs with CloneFromRaw, which takes a new count while some holder keeps
// the value alive. IntoRaw moves the caller's count into the raw value
// (the Ref then reports [ErrReleased] until it is taken back) and pairs
// with FromRaw, which takes it back, once. Every raw value is validated: 0
// reports [ErrNull], a value the package never issued (forged, corrupted,
// or of another table) [ErrForged], a released one, or one with no count
// to take back, [ErrReleased]. A raw value never yields another value than
// the one it came from.
//
// # Scopes and leaks
//
// A [Scope] owns the references created through it and releases them all
// at once with [Scope.Close]: per call, per request, per WebAssembly
// instance. The Refs it returns are lent: Release on them reports
// [ErrScoped]. [Scope.Leaks] lists the values still alive after Close
// (kept by a clone), and [Live] lists every live value of the process.
// [TrackSites] makes both reports name the file and line that created each
// value.
//
// # Caveats
//
//   - A Ref is process-local: its raw value means nothing in another
//     process, and a task whose argument is an ID is transient (it must
//     never be persisted).
//   - Go cannot consume a value: after Release or IntoRaw, copies of the
//     Ref still exist. Using them is detected, not prevented, and they keep
//     the memory of the value reachable (its release callback has run).
//   - Two holders of one copied Ref are one holder: a Ref passed on by
//     value without Clone shares its count with the original, and whichever
//     releases it second gets the error.
//   - A raw value that is guessed right names a live value: validation
//     stops forged and stale values, not a caller who knows a live one.
//   - The release callback runs on the goroutine of the last Release.
package externref
