// Package selfref bundles a resource with the values that borrow from it
// (a file and the reader or index built over it, a buffer and slices into
// it, a database, a transaction on it and a statement prepared in the
// transaction) so that they are built in order, used only while the
// resource lives, closed in reverse order, and never copied once they
// point into each other. It is the Go counterpart of Rust's ouroboros
// (#[self_referencing]) and rental crates. Go's garbage collector already
// keeps borrowed memory alive; what this package adds is the lifecycle.
//
// # Bundles
//
// A [Cell] holds two values: an owner, and a dependent built from a
// pointer to the owner. A [Chain3] holds three: a head, a middle built from
// the head, and a tail built from both. For longer chains, or named fields,
// the command cmd/selfrefgen generates a bundle type from a struct whose
// fields declare what they borrow (see "Generated bundles" below). The
// owner, and every field that others borrow, lives in storage that never
// moves, so a dependent may keep the pointers its builder received.
//
//	c, err := selfref.TryNew(file, func(f **os.File) (*Index, error) {
//		return BuildIndex(*f)
//	})
//	if err != nil {
//		return err // file is closed already
//	}
//	defer c.Close() // closes the index, then the file
//
// # Building
//
// Each bundle has four kinds of constructor: plain ([New]), fallible
// ([TryNew]), context-aware ([NewContext], Go's answer to the seeds' async
// builders: the context is passed to each builder and checked before it
// runs), and "or recover" ([TryNewOrRecover], [NewContextOrRecover]), which
// on failure hands the head back with the error instead of closing it. A
// failed build returns a [*BuildError] naming the field whose builder
// failed, after closing what was already built (and the values given to
// the constructor) in reverse order. A builder that panics closes the same
// way, from a deferred call that does not recover, so the panic continues
// with its value and stack: a panic is a bug, not an error to return.
//
// # Views and borrows
//
// Views lend fields to a function for the duration of a call:
// [Cell.With], [Cell.WithOwner] and [Cell.WithDependent] are shared views,
// [Cell.WithMut] and [Cell.WithDependentMut] exclusive ones, the runtime
// form of Rust's & and &mut. Views receive pointers to the fields inside
// the bundle, so a field that is itself a pointer arrives as a pointer to
// a pointer. Borrows ([Cell.BorrowOwner], [Cell.BorrowDependent]) return a
// [Borrowed]: a handle on the field, not a pointer to keep, whose Get and
// With read the field in a shared view each time, and report [ErrClosed]
// once the bundle is closed. That is the run-time form of the guarantee
// that Rust's compiler gives a borrow: a borrow kept after its bundle is
// gone is an error, never a read of a reset field.
//
// # Closing
//
// [Cell.Close] closes the fields in reverse build order: each field that
// is an [io.Closer] (or whose address is) is closed once, nil fields are
// skipped, a closer held by two fields is closed once, the errors are
// joined with [errors.Join], each prefixed with the field's name, and the
// fields are reset so that the bundle keeps nothing alive. Close is
// idempotent. [Cell.IntoOwner] and [Chain3.IntoHead] (IntoHeads in
// generated bundles) close the dependents but hand the head back.
//
// After Close or IntoOwner, every view, borrow and consuming method
// returns [ErrClosed], never stale data; the zero value of a bundle
// returns [ErrNotBuilt]. A nil *Cell or *Chain3 is a programming error:
// its methods panic; only [MapDependent], [MapTail] and [NewSub] report
// a nil bundle, with ErrNotBuilt.
//
// # Concurrency
//
// Every view, borrow and lifecycle method may be called from any
// goroutine. Shared views run at the same time as each other; Close, the
// consuming methods (IntoOwner, IntoHeads, the Map functions) and the
// exclusive views wait for the views in progress and run one at a time.
// So another goroutine's Close never closes the fields under a running
// view, and a [RentMutex] never releases its lock under one: the view
// finishes first. A shared view never waits for a Close: once Close (or
// IntoOwner, IntoHeads) has begun, new views return [ErrClosed] at once,
// so a view that hands work to goroutines viewing the same bundle
// finishes while a Close waits for it. New shared views do wait for an
// exclusive view or a Map function in progress or waiting.
//
// A shared view costs two atomic additions on one of eight counters of
// the bundle, picked by the address of the goroutine's stack, so that
// goroutines viewing one bundle at once seldom share a counter and views
// scale across cores; it takes a lock only while an exclusive operation
// holds or waits for the bundle. BenchmarkWithDependent and its
// baselines (a direct field read, the two atomic additions alone, a
// read-locked [sync.RWMutex] on every core) measure it. A panic in a view
// ends the view, and continues.
//
// Generated bundles, and bundles written by hand, get the same views from
// [Shared] and [Exclusive].
//
// # Views inside views
//
// A view may call any method of any bundle, with one rule: inside a view
// nothing waits for other views. An operation that would have to wait
// returns [ErrInView] at once instead, before changing anything: Close, a
// consuming method or an exclusive view of a bundle that is being viewed
// (by the calling view itself, or by another goroutine), Close of a
// bundle whose held head is being viewed, or a shared view of a bundle
// that is being viewed exclusively. The function that [MapDependent] or
// [MapTail] runs counts as a view. Closing a bundle from inside its own
// view, the classic self-deadlock, is therefore an error and not a hang.
// A field's Close that uses its own bundle finds it closed ([ErrClosed];
// Close itself returns nil). The check walks the goroutine's stack, and
// only when the operation would wait. A view counts until its frame has
// left the stack: while a panic or runtime.Goexit unwinds through a view,
// every deferred call counts as inside it, even one deferred by a function
// that called the view (the stack does not tell which function deferred
// a call), so such a call gets ErrInView where waiting would have been
// safe; do that work after the function that recovers has returned.
// String methods never wait at all (see [Lifecycle.DebugString]).
//
// The check knows only the calling goroutine. Work a view hands to other
// goroutines is not inside the view: such work may take shared views of
// the bundle (during a Close they return [ErrClosed]), but a view that
// waits for another goroutine's Close, exclusive view or Map function of
// the same bundle, or for a shared view that waits for an exclusive view
// in progress, waits forever, and so does a view that suspends an
// iter.Pull iterator which then does so. Do such work after the view
// returns.
//
// # Copies
//
// A bundle must be used through the pointer its constructor returned: a
// copy's internal pointers still point into the original. Every bundle
// contains a [Lifecycle] that go vet's copylocks check reports when it is
// copied, and that records its own address: every method of a copy returns
// [ErrCopied].
//
// # Rental's extras
//
//   - Subrentals: [NewSub] builds a bundle whose head is another Cell; the
//     head then allows only shared views until the new bundle closes it.
//     A generated bundle (and a [Chain3]) holds a head field that is
//     itself a bundle in the same way.
//   - map_suffix: [MapDependent] and [MapTail] turn the last field into a
//     value of another type, keeping the others where they are.
//   - RentMutex and RentRwLock: [RentMutex] and [RentRWMutex] hold a lock
//     from construction to Close and lend the data it guards.
//   - debug: String methods print the fields, or the bundle's state; they
//     never block and never panic. See [Lifecycle.DebugString].
//   - clone: [Cell.Clone] makes a Cell that shares the owner, closed with
//     the last Cell sharing it.
//   - rental_mut: a struct that borrows itself mutably is a generated
//     bundle with a `borrows:"mut field"` tag; a field borrowed mutably
//     is left out of every view, as rental_mut leaves the prefix out of
//     its borrow structs, and the exclusive views (WithMut, RentMut) lend
//     the rest for modification.
//   - deref_suffix and deref_mut_suffix: Rent and RentMut lend the last
//     field directly, which is what a Deref through the suffix gives in
//     Rust; Go has no implicit dereference to generate.
//   - covariant: Rust needs it to hand out the fields' borrows with a real
//     lifetime; in Go a view or a [Borrowed] already lends a field with
//     its own type, so there is nothing to add.
//   - target_ty: a workaround for Rust's inference of Deref targets; Go's
//     generated code names each field's type as declared, so it does not
//     apply.
//
// # Leak reports
//
// [TrackOpen] turns on a list of the bundles built and not yet closed;
// [Open] returns it, each with the line that built it, for a test or a
// program to report at its end.
//
// # Generated bundles
//
// cmd/selfrefgen turns a struct like this one into a bundle:
//
//	//go:generate go run github.com/cellar-go/cellar/cmd/selfrefgen
//
//	//selfref:generate pub_extras
//	type Store struct {
//		life selfref.Lifecycle
//		db   *DB
//		tx   *Tx   `borrows:"db"`
//		stmt *Stmt `borrows:"tx"`
//	}
//
// It generates, next to the input, the items ouroboros and rental
// generate: StoreBuilder, StoreTryBuilder and StoreContextBuilder;
// NewStore, TryNewStore, TryNewStoreOrRecover, NewStoreContext and
// NewStoreContextOrRecover; With<Field>, Borrow<Field> and With<Field>Mut
// following ouroboros's rules; With and WithMut over all fields; StoreHeads
// and IntoHeads; Close; and rental's Rent, RentMut, RentAll, RentAllMut,
// MaybeRent and TryRent. Every view and borrow is counted or locked, as
// those of a [Cell] are. The generated code calls [Shared], [Exclusive],
// [Borrow] and the methods of [Lifecycle], with a [Step] per field and a
// [Slot] made by [Field]. A head field that is itself a bundle (a pointer
// to one) is held, as [NewSub] holds its head: until the new bundle
// closes it or hands it back with IntoHeads, its Close, consuming methods
// and exclusive views return [ErrHeld].
//
// # Caveats
//
//   - Inside a view, an operation that would wait returns [ErrInView]
//     (see "Views inside views"). The check cannot tell which bundle the
//     enclosing view belongs to, so a view that closes or modifies an
//     unrelated bundle that another goroutine is viewing at that moment
//     gets ErrInView too, instead of waiting: do such work after the view
//     returns.
//   - Go cannot stop a view from keeping a pointer it was lent, or from
//     modifying a field through a shared view. The rules are documented
//     and the lifecycle is enforced; the type system does not enforce
//     borrows as Rust's does. A pointer kept from a view reads the field's
//     zero value after Close (memory stays valid: Go's garbage collector
//     keeps it); a [Borrowed] reports ErrClosed instead.
//   - The rent types lock when built, without a context: a [sync.Mutex]
//     cannot be waited for with one.
//   - A dependent's builder should not keep the owner's pointer in places
//     that outlive the bundle; after Close the fields are zero.
//   - Every bundle carries eight padded view counters, 512 bytes.
package selfref
