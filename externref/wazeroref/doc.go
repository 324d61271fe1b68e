// Package wazeroref passes [externref.Ref] values through WebAssembly
// modules run by wazero, as the externref values of the reference-types
// proposal. It is the only package of the module that imports wazero.
//
// # Tables
//
// Each module instance made by [Instantiate] has a [Table]. The host turns
// a reference into a guest value with [Table.Put] (for a host function's
// result, or an argument of a guest function) and back with [Table.Get]
// (for a host function's argument, or a guest function's result). The
// guest can store the value in locals, globals and externref tables, and
// test it with ref.is_null; it cannot look inside it or make one up. The
// null externref (ref.null extern) is the null reference.
//
// A host function finds the table of its caller with [Of]:
//
//	func(ctx context.Context, mod api.Module, v uintptr) int32 {
//		r, err := wazeroref.Of(ctx, mod).Get(v)
//		...
//	}
//
// (wazero maps a Go uintptr parameter or result to externref.)
//
// # Ownership
//
// The table holds one count on each reference it has given the guest, and
// releases them all when the module closes, however it closes. References
// Get returns are borrowed from the table: clone one to keep it after the
// call. [Table.Drop] releases one reference early.
//
// # Validation
//
// The guest sees values of its table, not the global raw values of
// package externref: each table has a table id of its own, values are
// validated on the way back, and a value the table never issued reports
// [externref.ErrForged], a dropped one [externref.ErrReleased].
//
// # Caveats
//
//   - [Instantiate] installs a close notifier (package experimental of
//     wazero) on the instantiation context, replacing any the caller set.
//   - Modules instantiated without [Instantiate] have no table: [Of]
//     returns nil for them.
//   - The reference-types proposal must be enabled: [NewRuntimeConfig]
//     does so.
//   - Table ids cycle through the 4094 free ids: with more modules alive
//     at once, two tables may share an id, and a value of one module given
//     to another is then validated only against that module's slots.
package wazeroref
