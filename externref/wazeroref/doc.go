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
// The table holds a count of its own (a clone) on each value it has given
// the guest, and releases them all when the module closes, however it
// closes, even if release callbacks panic. The caller of [Table.Put] keeps
// its own count, to release when it is done with it. References Get
// returns are the table's counts, lent: clone one to keep it after the
// call, and never release it. [Table.Drop] releases one value early.
//
// # Validation
//
// The guest sees values of its table, not the global raw values of
// package externref. Values are validated on the way back: a value the
// table never issued reports [externref.ErrForged], a dropped one
// [externref.ErrReleased]; a value never names a reference the table did
// not give for it. On 64-bit targets a value is a whole handle of the
// table, with its table id (leased with handle.AutoID, so no other live
// table has it), and a value of another module is rejected too.
// On 32-bit targets, where an externref has 32 bits, a value is the
// handle's generation and index, 16 bits each: the table id is implied,
// a slot is retired once its generation passes 65535, and a table holds
// at most 65536 references at once ([ErrFull] beyond).
//
// # Caveats
//
//   - [Instantiate] installs a close notifier (package experimental of
//     wazero) on the instantiation context, replacing any the caller set.
//   - Modules instantiated without [Instantiate] have no table: [Of]
//     returns nil for them.
//   - The reference-types proposal must be enabled: [NewRuntimeConfig]
//     does so.
//   - On 32-bit targets, a value of one module given to another is
//     validated against the slots of the module it was given to: it fails,
//     or names a reference of that module.
//   - Every table leases a table id of its own (handle.AutoID): when the
//     process, in any package, has 3839 tables with leased ids alive at
//     once, [Instantiate] panics.
package wazeroref
