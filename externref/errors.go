package externref

import (
	"errors"
	"strconv"
)

// Errors reported by the package, always wrapped in an [*Error]; test for
// them with [errors.Is].
var (
	// ErrNull reports the null [Ref] (or a raw value of 0) where a live
	// reference is needed.
	ErrNull = errors.New("externref: null reference")
	// ErrReleased reports a reference whose last count was released: a
	// double release, a use after the last release, or a clone of a dead
	// reference.
	ErrReleased = errors.New("externref: reference released")
	// ErrForged reports a raw value the package never issued: a forged or
	// corrupted integer, or a handle of another table.
	ErrForged = errors.New("externref: forged raw reference")
)

// Error describes a failed operation on a reference. Err is [ErrNull],
// [ErrReleased] or [ErrForged].
type Error struct {
	// Op is the operation: "clone", "release", "from raw", "clone from raw".
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
