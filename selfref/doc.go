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
// a pointer. Borrows ([Cell.BorrowOwner], [Cell.BorrowDependent]) return
// such a pointer directly and cost about as much as reading a field, but
// they hold nothing open (see "Concurrency").
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
// returns [ErrNotBuilt].
//
// # Concurrency
//
// Shared views are Rust's shared borrows, checked at run time where Rust
// checks at compile time, and they cost what a borrow costs: a view checks
// that the bundle is open and calls the function, with no lock, so a call
// with a function literal compiles to little more than a field read. Any
// number of them may run at once, on any goroutines. What they cannot do
// is stop a Close: like closing an [os.File] that another goroutine is
// reading, closing a bundle (or taking it apart with IntoOwner,
// MapDependent, ...) or starting an exclusive view while a shared view of
// it runs is a programming error, which the race detector reports. A view
// that starts after Close returns [ErrClosed].
//
// Exclusive views, Close and the consuming methods lock against each
// other: any number of goroutines may call them at once, and they run one
// at a time. Where one goroutine must be able to close a bundle while
// others view it, build the shared views from [Lifecycle.View] and
// [Lifecycle.EndView], which lock: Close then waits for them.
//
// Borrows return pointers to the fields; the pointer must not be used
// after, or concurrently with, Close.
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
//     A generated bundle may have another bundle as a field, too.
//   - map_suffix: [MapDependent] and [MapTail] turn the last field into a
//     value of another type, keeping the others where they are.
//   - RentMutex and RentRwLock: [RentMutex] and [RentRWMutex] hold a lock
//     from construction to Close and lend the data it guards.
//   - debug: String methods print the fields, or the bundle's state; they
//     never block and never panic. See [Lifecycle.DebugString].
//   - clone: [Cell.Clone] makes a Cell that shares the owner, closed with
//     the last Cell sharing it.
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
// MaybeRent and TryRent. The generated code calls the methods of
// [Lifecycle], with a [Step] per field and a [Slot] made by [Field].
//
// # Caveats
//
//   - A view must not close the bundle it views. Inside an exclusive view
//     (or a Lifecycle.View), Close and another exclusive view wait for the
//     view that calls them, and so deadlock, like nested locking of a
//     [sync.RWMutex]; inside a shared view, they would close the fields
//     under it. String never blocks.
//   - Go cannot stop a view from keeping a pointer it was lent, or from
//     modifying a field through a shared view. The rules are documented
//     and the lifecycle is enforced; the type system does not enforce
//     borrows as Rust's does.
//   - The rent types lock when built, without a context: a [sync.Mutex]
//     cannot be waited for with one.
//   - A dependent's builder should not keep the owner's pointer in places
//     that outlive the bundle; after Close the fields are zero.
package selfref
