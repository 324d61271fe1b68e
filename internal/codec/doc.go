// Package codec encodes Go values, through reflection, into deterministic
// byte strings. It has two modes.
//
// # Key mode
//
// [AppendKey] encodes comparable values to give memoized work a stable
// identity. For values a and b of the same comparable type, the encodings are
// equal exactly when a == b, with one exception made on purpose: every NaN
// encodes alike, so NaN arguments share one identity although NaN != NaN.
// Likewise +0 and -0, which are ==, encode alike. The encoding is
// self-delimiting, so the concatenated encodings of a fixed sequence of types
// stay injective. It depends on nothing tied to the process, so it can be
// stored: not on addresses, not on the word size (int, uint and uintptr are
// encoded as 64-bit varints) and not on the Go version. Interface values carry
// the [TypeName] of their dynamic type.
//
// Values whose identity exists only inside this process (pointers, channels,
// unsafe.Pointer) are rejected with an error wrapping [ErrTransient], even
// when nil, so that whether a type can serve as a key does not depend on its
// values; time.Time, which holds a *time.Location, is thus no key. Slices, maps
// and funcs, which are not comparable, and interfaces holding them, are
// rejected with an error wrapping [ErrUnsupported].
//
// # Value mode
//
// [AppendValue] and [Equal] encode any value for comparison within a process:
// two values that are [reflect.DeepEqual] encode identically, and pointers are
// followed, so the encoding compares what they point to. It departs from
// DeepEqual in these ways:
//
//   - Every NaN equals every other NaN, so an unchanged NaN is not reported as
//     a change.
//   - A nil slice equals an empty one, and a nil map an empty one.
//   - Map entries are matched by the encodings of their keys, not by ==, so
//     pointer keys are compared by what they point to.
//   - A pointer, slice or map met a second time is encoded as a reference to
//     its first visit. This makes cyclic data encodable, but it also makes
//     sharing visible: a value holding one pointer twice differs from one
//     holding two pointers to equal values. Pointers, slices and maps whose
//     elements hold no pointers, slices, maps or interfaces, such as *int or
//     []string, cannot be part of a cycle; their sharing is not recorded and
//     stays invisible.
//   - Non-nil funcs fail with [ErrUnsupported] rather than comparing unequal,
//     and channels and unsafe.Pointer values fail with [ErrTransient].
//
// Value encodings describe the data as it is in this process; they are not
// meant to be stored. For data that is valid in key mode, the two encodings
// are the same.
//
// # Common rules
//
// Unexported struct fields are encoded like exported ones; blank (_) fields
// are skipped, as == ignores them. The type of the top-level value is not
// part of its encoding: callers compare encodings of values of one static
// type, or encode through an interface to include the type. Data nested more
// than 1000 levels deep fails with [ErrUnsupported].
package codec
