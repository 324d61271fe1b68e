// Package genexample holds self-referencing structs, the code
// cmd/selfrefgen generated for them (the *_selfref.go files, committed),
// and the tests and examples that exercise that code.
//
// # The structs
//
//   - [MyStruct]: the ouroboros example, an int and a float and a field
//     borrowing each.
//   - [Store]: a chain of three, a database, a transaction on it and a
//     statement prepared in the transaction, closed in reverse order.
//   - [Session]: a bundle whose head is another bundle, a [Store]
//     (rental's subrental).
//   - [Pair]: a generic bundle, with debug printing.
//   - pending: an unexported bundle without pub_extras, whose generated
//     items stay unexported, with a field that borrows nothing yet.
//
// # Regenerating
//
// The generated files are kept up to date with
//
//	go generate ./selfref/internal/genexample
//
// and a test fails when one is stale.
package genexample

//go:generate go run github.com/cellar-go/cellar/cmd/selfrefgen mystruct.go store.go
