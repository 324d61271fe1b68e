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
// # Rules
//
// As in the seeds, a field may borrow only fields declared before it; a
// field may be borrowed mutably by one field only, and then by no other;
// a borrowed field must exist; and a struct needs at least two fields.
// Violations are reported as file:line:column: message ([*PosError]),
// for example:
//
//	store.go:12:2: field tx borrows db, which is declared after it
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
// # Caveats
//
// The generator reads one file, syntax only: the types of the fields are
// copied as written, with the imports they use. A package imported
// without a name must be referred to by the last element of its path (or
// be imported with an explicit name), and dot imports are not supported.
// Rental's map_suffix is not generated: a generated bundle keeps its
// fields inline, so a bundle of another type cannot take them over
// without moving them; [selfref.MapDependent] provides it for a Cell.
package selfrefgen
