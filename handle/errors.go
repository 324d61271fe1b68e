package handle

import (
	"errors"
	"strconv"
	"strings"
)

// Errors reported by the methods of [Table] and [Writer], always wrapped
// in an [*Error]; test for them with [errors.Is].
var (
	// ErrNull reports the null handle.
	ErrNull = errors.New("handle: null handle")
	// ErrForeign reports a handle whose table id is not the table's.
	ErrForeign = errors.New("handle: handle of another table")
	// ErrStale reports a handle whose value was deleted.
	ErrStale = errors.New("handle: stale handle")
	// ErrInvalid reports a handle the table never issued: its index is
	// past every slot in use, or its generation is 0 or newer than the
	// slot's.
	ErrInvalid = errors.New("handle: invalid handle")
	// ErrNotPinned reports an Unpin of a handle that holds no pin.
	ErrNotPinned = errors.New("handle: handle not pinned")
)

// Error describes a failed operation on a handle. Err is one of the
// package's sentinel errors.
type Error struct {
	// Op is the operation: "lookup", "delete", "pin", "unpin" or "pins".
	Op string
	// Handle is the handle the operation was given.
	Handle Handle
	// Table is the id of the table that rejected it.
	Table uint16
	// Err is the reason: ErrNull, ErrForeign, ErrStale, ErrInvalid or
	// ErrNotPinned.
	Err error
}

// Error formats the error as "handle: OP HANDLE: REASON", naming the
// table's id for a foreign handle.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("handle: ")
	b.WriteString(e.Op)
	b.WriteByte(' ')
	b.WriteString(e.Handle.String())
	b.WriteString(": ")
	if e.Err != nil {
		b.WriteString(strings.TrimPrefix(e.Err.Error(), "handle: "))
	}
	if e.Err == ErrForeign {
		b.WriteString(" (this table's id is ")
		b.WriteString(strconv.Itoa(int(e.Table)))
		b.WriteByte(')')
	}
	return b.String()
}

// Unwrap returns e.Err.
func (e *Error) Unwrap() error { return e.Err }
