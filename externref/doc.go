// Package externref provides extern refs: reference-counted handles to
// opaque host values (any Go value) with identity semantics, the way a
// WebAssembly host hands files, sockets or objects to guest code that
// cannot look inside them.
//
//	f, _ := os.Create(path)
//	r := externref.New(f)            // count 1
//	c, _ := r.Clone()                // count 2; c == r
//	if f, ok := externref.Downcast[*os.File](c); ok { ... }
//	c.Release()                      // count 1
//	r.Release()                      // count 0: freed, callback run
//
// # References
//
// A [Ref] is a small comparable value naming one value in a process-wide
// table (a [handle.Table] with table id [TableID]). [New], [NewWith] and
// [NewWithRelease] make one with a count of 1; the zero Ref is the null
// reference ([Ref.IsNull]), so a Ref that is not null always came from one
// of them. The value is read with [Ref.Value], [Is] and [Downcast]; it is
// shared, never copied, so a mutable value needs its own locking.
//
// # Counting
//
// [Ref.Clone] adds a count and returns the same Ref; [Ref.Release] drops
// one. The release that drops the last count frees the reference and runs
// its release callback, exactly once, whatever the number of goroutines
// releasing at the same time. [Ref.StrongCount] reads the count. Clone and
// Release are lock-free; creating a reference and freeing it take the
// table's lock.
//
// The errors of the original, undefined behaviour there, are detected
// here: releasing more times than counted, using a reference after its
// last release, or cloning a dead reference report an [*Error] wrapping
// [ErrReleased]; the null reference reports [ErrNull]. A freed reference
// never names another value, even once its slot in the table is reused.
//
// # Identity
//
// == on Refs is identity: two Refs are equal only if they name the same
// allocation. Two references to equal values are not equal:
// New(1) != New(1). [Ref.Hash] and [Ref.Compare] (a total order by
// creation) agree with ==, and fmt prints the handle, never the value. A
// Ref is therefore a sound map key and a sound argument of an engine task
// (cellar.NewFunc1 and friends): the same Ref, or a clone of it, is one
// task; two references to equal values are two tasks.
//
// # Raw values
//
// [Ref.AsRaw] and [Ref.IntoRaw] turn a Ref into a 64-bit integer, for C,
// WebAssembly or any other place that holds integers; [FromRaw] and
// [CloneFromRaw] turn one back. AsRaw leaves the count alone and pairs
// with CloneFromRaw (which adds one); IntoRaw hands the caller's count to
// the integer and pairs with FromRaw (which takes it back). Every raw
// value is validated: 0 reports [ErrNull], a value the package never
// issued (forged, corrupted, or of another table) [ErrForged], a released
// one [ErrReleased]. A raw value never yields another reference than the
// one it came from.
//
// # Scopes and leaks
//
// A [Scope] owns the references created through it and releases them all
// at once with [Scope.Close]: per call, per request, per WebAssembly
// instance. [Scope.Leaks] lists the ones still alive (kept by a clone),
// and [Live] lists every live reference of the process. [TrackSites] makes
// both reports name the file and line that created each reference.
//
// # Caveats
//
//   - A Ref is process-local: its raw value means nothing in another
//     process, and a task whose argument is a Ref is transient (it must
//     never be persisted).
//   - Go cannot consume a value: after IntoRaw or the last Release, copies
//     of the Ref still exist. Using them is detected, not prevented.
//   - A raw value that is guessed right names a live reference: validation
//     stops forged and stale values, not a caller who knows a live one.
//   - The release callback runs on the goroutine of the last Release and
//     must not release the same reference again.
package externref
