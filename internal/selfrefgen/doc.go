// Package selfrefgen is the library behind cmd/selfrefgen: it turns Go
// structs whose fields borrow each other into self-referencing bundles
// built on package github.com/cellar-go/cellar/selfref, the counterpart of
// ouroboros's #[self_referencing] and rental's rental! macros. [Generate]
// takes one source file and returns the generated file; the command adds
// the file handling.
//
// # Input
//
// A struct is marked by a [Directive] line in its doc comment, optionally
// followed by options. It has one field of type selfref.Lifecycle, which
// holds the bundle's state, and at least two other fields, all unexported
// (Rust makes the fields of a self-referencing struct private; Go can only
// keep them from other packages). A field that borrows others lists them
// in a borrows tag, "mut" marking a mutable borrow:
//
//	//selfref:generate pub_extras
//	type MyStruct struct {
//		life           selfref.Lifecycle
//		intData        int
//		floatData      float32
//		intReference   *int     `borrows:"intData"`
//		floatReference *float32 `borrows:"mut floatData"`
//	}
//
// A field without a borrows tag is a head: its value is given to the
// constructor and handed back by IntoHeads. A field with an empty tag,
// `borrows:""`, borrows nothing yet: its value is given to the
// constructor as is, and it is closed, not handed back, by IntoHeads.
//
// The value of a borrows tag is a comma-separated list of items, each a
// field name, or "mut" and a field name. An item of one word is always a
// field name: a field named mut is borrowed by "mut", and mutably by
// "mut mut".
//
// # Rules
//
// Every input that compiles either generates code that compiles with it
// and passes go vet (but see Caveats), or is rejected with errors reported as
// file:line:column: message ([*PosError]), for example:
//
//	store.go:12:2: field tx borrows db, which is declared after it
//
// The rules of the seeds: a field may borrow only fields declared before
// it; a field may be borrowed mutably by one field only, and then by no
// other; a borrowed field must exist, and be listed once; and a struct
// needs at least two fields besides its Lifecycle.
//
// The rules of Go's syntax and of the generated code: the marked
// declaration is a package-level struct type (a type declared in a
// function cannot have methods), not a type alias, and not named _. It has
// exactly one selfref.Lifecycle field, named (not _) and without a tag.
// Its other fields are named, not embedded or blank, unexported, and
// declared once. No name of the struct, its type parameters or its fields
// contains selfrefgenFresh, which the generator keeps for itself. A directive
// option must be known, and the file has at most one //go:build line.
//
// Tags follow the syntax of reflect.StructTag, checked strictly: key:"value"
// pairs separated by spaces, each value a quoted Go string. The only key
// is borrows, given at most once. reflect's own Lookup skips what it
// cannot parse, so `borrows: "db"` (a space after the colon) would make
// the field a head without a word; here it is an error.
//
// Names: no name that the generated code declares may clash with another
// in its scope. The generated types and functions must differ from one
// another, across the structs of the file too (S gives sTryBuilder, and
// so does a struct STry), and from the declarations and imported package
// names of the input file. The generated methods of a struct must differ
// from one another (fields a and aMut would both give WithAMut), from
// its fields, and from the methods the file declares on it; the fields of
// each generated type must differ (a head xBuilder beside a built field x
// would both give the builder field XBuilder). The parameters, receivers
// and variables of each generated function must differ from one another
// and from the struct's type parameters, and must not hide what the
// function refers to: a type parameter named context, b or error, or a
// field doc of a struct doc (whose builder parameter docBuilder would hide
// the type docBuilder), is rejected. A clash is reported at the field,
// type parameter or struct that gives rise to the name:
//
//	x.go:9:2: the generated method WithAMut of S is declared twice (for field a and field aMut); rename one of them
//
// The generated file imports context and selfref, and the packages that
// the field types use: no package-level declaration of the input may have
// one of their names (var context = 1 is rejected, as is var selfref = 2
// in a file that imports the runtime as sr). Nor may the input redeclare,
// at package level or as an import name that the generated file takes
// over, a predeclared identifier that the generated code uses, such as
// error, bool, any, string, nil or false. No field type is written inside
// a generated function body, so a field type may use names that the
// generated functions declare, such as fn, s or rentOK.
//
// Locks: a field that holds a lock by value (a sync.Mutex, WaitGroup,
// Once or another type of sync or sync/atomic that go vet's copylocks
// check protects, a bundle of the runtime or of the file such as
// selfref.Cell, or a type of the file that holds one or whose pointer
// has Lock and Unlock methods) is rejected where the generated code
// would copy it: as a head or a field with an empty tag, which the
// constructors take by value, or as a viewable field under the debug
// option, which String copies. Hold it by pointer. A built field may
// hold one, since it is only assigned its builder's result.
//
// The field types must name their packages as described under Caveats.
//
// # Output
//
// For x.go, the file x_selfref.go ([OutputName]) holds, for a struct S:
//
//   - SBuilder, STryBuilder and SContextBuilder, whose fields are the
//     value of each head (and each field with an empty tag) and a
//     <Field>Builder function for each borrowing field, which receives
//     pointers to the fields it borrows; Build, TryBuild,
//     TryBuildOrRecover, and Build(ctx) and BuildOrRecover(ctx).
//   - NewS, TryNewS, TryNewSOrRecover, NewSContext and
//     NewSContextOrRecover, which take the same in declaration order.
//   - With<Field> and Borrow<Field> for every field that no field borrows
//     mutably, and With<Field>Mut for every field that no field borrows at
//     all (ouroboros's rules); SFields, and With and WithMut over all
//     those fields.
//   - SHeads and IntoHeads; Close.
//   - Rental's Rent and RentMut (the last field), RentAll and RentAllMut,
//     MaybeRent and TryRent.
//   - With the debug option, a String method.
//
// The seed's visibility rule becomes: the items about a field follow the
// struct's visibility, and the other items ("extras") are unexported
// unless the pub_extras option makes them follow it too. Close and String
// are always exported. The no_doc option leaves the generated items
// without doc comments.
//
// The generated file is built exactly where its input is: it gets one
// //go:build line that combines the input's //go:build line (or, lacking
// one, its // +build lines) with the constraint that the input's name
// implies, since x_linux.go builds only on linux but x_linux_selfref.go
// would build everywhere.
//
// # Caveats
//
// The generator reads one file, syntax only: the types of the fields are
// copied as written, with the imports they use. A package imported
// without a name must be referred to by the last element of its path (or
// be imported with an explicit name), dot imports are not supported, and
// the field types may not use the names context and selfref for other
// packages.
// Names declared in the other files of the package are not seen: a clash
// with one of them is left to the compiler, which reports it in the
// generated file. For the same reason, whether a field type holds a lock
// is told from its syntax: a type of another package holds one only if
// it is one of those listed above, and a type declared in another file
// of the package is not looked into; go vet reports the copies of the
// others in the generated file.
// Rental's map_suffix is not generated: a generated bundle keeps its
// fields inline, so a bundle of another type cannot take them over
// without moving them; [selfref.MapDependent] provides it for a Cell.
package selfrefgen
