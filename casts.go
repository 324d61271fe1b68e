package cellar

import (
	"context"
	"fmt"
	"reflect"
)

// A Vc of an interface type holds values of many concrete types. The casts
// below change the static type of a Vc without copying anything: the result
// points at the same cell. Upcast is checked when it is made; the others are
// decided at run time from the concrete type of the value in the cell the Vc
// resolves to. A task that casts depends on that cell, as it would by
// reading it: it runs again when the cell changes.

// Upcast returns v as a Vc of the interface type To, which From implements.
// It panics if To is not an interface type or From does not implement it:
// that is a programming error, caught the first time the code runs.
func Upcast[To, From any](v Vc[From]) Vc[To] {
	to, from := reflect.TypeFor[To](), reflect.TypeFor[From]()
	if to.Kind() != reflect.Interface || !from.Implements(to) {
		panic(fmt.Sprintf("cellar: Upcast from %v to %v: %v does not implement %v", from, to, from, to))
	}
	//lint:ignore S1016 a literal says that only the handle carries over; a conversion would read as if the types were interchangeable
	return Vc[To]{r: v.r}
}

// TryDowncast returns v as a Vc of the interface type To, narrower than
// From, if the value it points at implements To. It panics if To is not an
// interface type or does not implement From (a programming error).
func TryDowncast[To, From any](ctx context.Context, v Vc[From]) (Vc[To], bool, error) {
	to, from := reflect.TypeFor[To](), reflect.TypeFor[From]()
	if to.Kind() != reflect.Interface || !to.Implements(from) {
		panic(fmt.Sprintf("cellar: TryDowncast from %v to %v: %v is not an interface narrower than %v", from, to, to, from))
	}
	return tryCast[To](ctx, v, func(t reflect.Type) bool { return t.Implements(to) })
}

// TryDowncastType returns v as a Vc of the concrete type To if the value
// it points at is of that type. It panics if To is an interface type, or if
// From is an interface type To does not implement (a programming error).
func TryDowncastType[To, From any](ctx context.Context, v Vc[From]) (Vc[To], bool, error) {
	to, from := reflect.TypeFor[To](), reflect.TypeFor[From]()
	if to.Kind() == reflect.Interface || (from.Kind() == reflect.Interface && !to.Implements(from)) {
		panic(fmt.Sprintf("cellar: TryDowncastType from %v to %v: not a concrete type of %v", from, to, from))
	}
	return tryCast[To](ctx, v, func(t reflect.Type) bool { return t == to })
}

// TrySidecast returns v as a Vc of the interface type To, which need not be
// related to From, if the value it points at implements To. It panics if To
// is not an interface type (a programming error).
func TrySidecast[To, From any](ctx context.Context, v Vc[From]) (Vc[To], bool, error) {
	to := reflect.TypeFor[To]()
	if to.Kind() != reflect.Interface {
		panic(fmt.Sprintf("cellar: TrySidecast to %v, which is not an interface type", to))
	}
	return tryCast[To](ctx, v, func(t reflect.Type) bool { return t.Implements(to) })
}

func tryCast[To, From any](ctx context.Context, v Vc[From], ok func(reflect.Type) bool) (Vc[To], bool, error) {
	r, err := resolveRaw(ctx, v.r)
	if err != nil {
		return Vc[To]{}, false, err
	}
	val, err := read[any](ctx, r)
	if err != nil {
		return Vc[To]{}, false, err
	}
	if val == nil || !ok(reflect.TypeOf(val)) {
		return Vc[To]{}, false, nil
	}
	return Vc[To]{r: r}, true, nil
}
