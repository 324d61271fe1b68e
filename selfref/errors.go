package selfref

import "errors"

// Errors reported by the views, borrows and lifecycle methods of a bundle.
// Compare with errors.Is.
var (
	// ErrClosed is returned by every view, borrow and consuming method of a
	// bundle after Close, IntoOwner, IntoHead, IntoHeads or a Map function
	// has ended it.
	ErrClosed = errors.New("selfref: bundle is closed")
	// ErrCopied is returned when a bundle is used through a copy of its
	// struct rather than through the pointer its constructor returned. The
	// copy's internal pointers still point into the original, so it is
	// refused. go vet reports such copies at compile time.
	ErrCopied = errors.New("selfref: bundle was copied after it was built; use it through the pointer its constructor returned")
	// ErrNotBuilt is returned when a bundle that no constructor built (a
	// zero value) is used.
	ErrNotBuilt = errors.New("selfref: bundle was not built by a constructor")
	// ErrHeld is returned by Close, the consuming methods and the
	// exclusive views of a bundle (a [Cell], a [Chain3], a generated
	// bundle) that is the head of another bundle (see [NewSub] and
	// [Lifecycle.Build]), before they wait for anything: only shared views
	// are allowed until the bundle that holds it closes it or hands it
	// back.
	ErrHeld = errors.New("selfref: bundle is the head of another bundle")
	// ErrInView is returned by an operation called inside a view (of any
	// bundle, or inside the function a Map function runs) that would
	// otherwise have to wait: a shared view of a bundle that is being
	// viewed exclusively, or Close, a consuming method or an exclusive view
	// of a bundle that is being viewed; it is returned before anything
	// changes. Waiting there could wait forever (for the enclosing view
	// itself, when both are views of one bundle), so these operations
	// return at once. A call deferred while a panic or runtime.Goexit
	// unwinds a view counts as inside it, wherever it was deferred. See
	// "Views inside views" in the package documentation.
	ErrInView = errors.New("selfref: called inside a view, the operation would wait for another view or a Close of the bundle")
	// ErrShared is returned by [Cell.IntoOwner] when the owner is shared
	// with a clone (see [Cell.Clone]) that is still open.
	ErrShared = errors.New("selfref: owner is shared with a clone that is still open")
)

// BuildError reports that a bundle could not be built: the builder of
// Field returned Err, or the context ended before it ran (Err is then the
// context's error). What was already built has been closed, in reverse
// build order; CloseErr joins the errors of those closes, if any. The
// OrRecover constructors hand the head fields back instead of closing them.
//
// errors.Is and errors.As see both Err and CloseErr.
type BuildError struct {
	// Field names the field whose builder failed: "dependent" for a
	// [Cell], "middle" or "tail" for a [Chain3], the field's name in a
	// generated bundle.
	Field string
	// Err is what the builder returned, or the context's error.
	Err error
	// CloseErr joins the errors returned while closing what was built.
	CloseErr error
}

// Error describes the failure: the field, the builder's error, and the
// errors of closing what was built, if any.
func (e *BuildError) Error() string {
	s := "selfref: building " + e.Field + ": " + e.Err.Error()
	if e.CloseErr != nil {
		s += " (then, closing what was built: " + e.CloseErr.Error() + ")"
	}
	return s
}

// Unwrap returns Err and, when there is one, CloseErr.
func (e *BuildError) Unwrap() []error {
	if e.CloseErr == nil {
		return []error{e.Err}
	}
	return []error{e.Err, e.CloseErr}
}
