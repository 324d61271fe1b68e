package externref

import (
	"errors"
	"fmt"
	"strconv"
)

// Errors reported by the package. Failed operations on a reference report
// ErrNull, ErrReleased, ErrScoped or ErrForged wrapped in an [*Error]; a
// panicking release callback is reported as a [*PanicError], which matches
// ErrPanic. Test for them with [errors.Is].
var (
	// ErrNull reports the null [Ref] (or a raw value of 0) where a live
	// reference is needed.
	ErrNull = errors.New("externref: null reference")
	// ErrReleased reports a reference that does not hold its count: a
	// second release by the same holder, a use after its release or after
	// [Ref.IntoRaw], or a value whose last count was released.
	ErrReleased = errors.New("externref: reference released")
	// ErrScoped reports a release of the count a [Scope] holds, by other
	// code than [Scope.Close].
	ErrScoped = errors.New("externref: reference owned by a scope")
	// ErrForged reports a raw value the package never issued: a forged or
	// corrupted integer, or a handle of another table.
	ErrForged = errors.New("externref: forged raw reference")
	// ErrPanic matches every [*PanicError].
	ErrPanic = errors.New("externref: release callback panicked")
)

// Error describes a failed operation on a reference. Err is [ErrNull],
// [ErrReleased], [ErrScoped] or [ErrForged].
type Error struct {
	// Op is the operation: "clone", "release", "check", "into raw",
	// "from raw", "clone from raw".
	Op string
	// Raw is the raw value of the reference the operation was given.
	Raw uint64
	// Err is the reason, one of the package's sentinel errors.
	Err error
}

// Error formats the error as "externref: OP 0xRAW: REASON".
func (e *Error) Error() string {
	reason := e.Err.Error()
	if len(reason) > len(prefix) && reason[:len(prefix)] == prefix {
		reason = reason[len(prefix):]
	}
	return prefix + e.Op + " 0x" + strconv.FormatUint(e.Raw, 16) + ": " + reason
}

// Unwrap returns e.Err.
func (e *Error) Unwrap() error { return e.Err }

const prefix = "externref: "

// PanicError reports a release callback that panicked during
// [ReleaseAll] or [Scope.Close], which released every other reference
// all the same. It matches [ErrPanic], and unwraps to the panic value when
// that is an error.
type PanicError struct {
	// ID is the identity of the value whose callback panicked; the value
	// is freed.
	ID ID
	// Value is what the callback panicked with.
	Value any
	// Stack is the stack of the callback's goroutine at the panic.
	Stack []byte
}

// Error formats the error as "externref: release callback of ID
// panicked: VALUE"; the stack is in Stack.
func (e *PanicError) Error() string {
	return fmt.Sprintf("externref: release callback of %v panicked: %v", e.ID, e.Value)
}

// Unwrap returns the panic value when it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// Is makes errors.Is(err, ErrPanic) true for every PanicError.
func (e *PanicError) Is(target error) bool { return target == ErrPanic }
