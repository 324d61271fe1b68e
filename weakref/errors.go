package weakref

import (
	"errors"
	"strconv"
	"strings"

	"github.com/cellar-go/cellar/handle"
)

// Errors reported by the package, always wrapped in an [*Error]; test for
// them with [errors.Is].
var (
	// ErrNull reports the zero Weak, or a raw value of 0.
	ErrNull = errors.New("weakref: null handle")
	// ErrGone reports an object that was deleted, or collected by a
	// collectable registry.
	ErrGone = errors.New("weakref: object gone")
	// ErrForeign reports a handle of another registry.
	ErrForeign = errors.New("weakref: handle of another registry")
	// ErrInvalid reports a raw value the registry never issued, such as a
	// forged or corrupted one.
	ErrInvalid = errors.New("weakref: invalid handle")
	// ErrNotHeld reports the Release of a Strong that holds no reference:
	// one released already, or a copy of another Strong.
	ErrNotHeld = errors.New("weakref: strong reference not held")
)

// Error describes a failed operation on a weak handle. Err is one of the
// package's sentinel errors.
type Error struct {
	// Op is the operation: "from raw", "delete", "strong" or "release".
	Op string
	// Raw is the raw form of the handle, as [Weak.Raw] returns it.
	Raw uint64
	// Err is the reason: ErrNull, ErrGone, ErrForeign, ErrInvalid or
	// ErrNotHeld.
	Err error
}

// Error formats the error as "weakref: OP 0xRAW: REASON".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("weakref: ")
	b.WriteString(e.Op)
	b.WriteString(" 0x")
	b.WriteString(strconv.FormatUint(e.Raw, 16))
	b.WriteString(": ")
	if e.Err != nil {
		b.WriteString(strings.TrimPrefix(e.Err.Error(), "weakref: "))
	}
	return b.String()
}

// Unwrap returns e.Err.
func (e *Error) Unwrap() error { return e.Err }

// fail turns an error of the handle table into the package's own.
func fail(op string, h handle.Handle, err error) error {
	reason := ErrGone
	switch {
	case errors.Is(err, handle.ErrNull):
		reason = ErrNull
	case errors.Is(err, handle.ErrForeign):
		reason = ErrForeign
	case errors.Is(err, handle.ErrInvalid):
		reason = ErrInvalid
	}
	return &Error{Op: op, Raw: uint64(h), Err: reason}
}
