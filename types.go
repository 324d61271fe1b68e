package cellar

import (
	"crypto/sha256"
	"reflect"
	"sync"

	"github.com/cellar-go/cellar/internal/codec"
	"github.com/cellar-go/cellar/internal/engine"
)

// types caches the engine's description of each Go type used in cells.
var types sync.Map // reflect.Type -> *engine.Type

func typeFor[T any]() *engine.Type {
	rt := reflect.TypeFor[T]()
	if t, ok := types.Load(rt); ok {
		return t.(*engine.Type)
	}
	t, _ := types.LoadOrStore(rt, &engine.Type{Name: rt.String(), Equal: equalFor[T](rt), Key: keyFor(rt), Fingerprint: fingerprintFor(rt, hasEqualMethod[T](rt))})
	return t.(*engine.Type)
}

// equalFor returns how the engine decides that a recomputed value of type T
// is unchanged: T's Equal method if it has one, == if T is comparable,
// otherwise equality of the deterministic encodings (which compares the
// contents of slices, maps and pointed-to values).
func equalFor[T any](rt reflect.Type) func(a, b any) bool {
	if !hasEqualMethod[T](rt) {
		return plainEqualFor(rt)
	}
	if rt.Implements(reflect.TypeFor[interface{ Equal(T) bool }]()) {
		return func(a, b any) (eq bool) {
			defer func() {
				if recover() != nil {
					eq = false
				}
			}()
			return a.(interface{ Equal(T) bool }).Equal(b.(T))
		}
	}
	if reflect.PointerTo(rt).Implements(reflect.TypeFor[interface{ Equal(T) bool }]()) {
		return func(a, b any) (eq bool) {
			defer func() {
				if recover() != nil {
					eq = false
				}
			}()
			pa := a.(T)
			return any(&pa).(interface{ Equal(T) bool }).Equal(b.(T))
		}
	}
	return plainEqualFor(rt)
}

// hasEqualMethod reports whether T, or *T, has a method Equal(T) bool, by
// which its values are then compared.
func hasEqualMethod[T any](rt reflect.Type) bool {
	eq := reflect.TypeFor[interface{ Equal(T) bool }]()
	return rt.Implements(eq) || reflect.PointerTo(rt).Implements(eq)
}

// plainEqualFor returns the comparison of values of a type without an Equal
// method: == if it is comparable, otherwise their encodings.
func plainEqualFor(rt reflect.Type) func(a, b any) bool {
	if rt.Comparable() && !holdsInterface(rt) {
		return func(a, b any) bool { return a == b }
	}
	if rt.Comparable() {
		return func(a, b any) (eq bool) {
			defer func() {
				// An interface holding an uncomparable value.
				if recover() != nil {
					eq = encodedEqual(a, b)
				}
			}()
			return a == b
		}
	}
	return encodedEqual
}

// keyFor returns how values of type rt become map keys where they cannot be
// keys themselves (to deduplicate collectibles): their dynamic type's name
// and their deterministic encoding. It returns nil when values are keys.
func keyFor(rt reflect.Type) func(any) any {
	if rt.Comparable() && !holdsInterface(rt) {
		return nil
	}
	return func(v any) any {
		if v == nil {
			return nil
		}
		rv := reflect.ValueOf(v)
		b, err := codec.AppendValue([]byte(codec.TypeName(rv.Type())+"\x00"), rv)
		if err != nil {
			// Not encodable (a func inside): never merged.
			return new(byte)
		}
		return string(b)
	}
}

func encodedEqual(a, b any) bool {
	eq, err := codec.Equal(a, b)
	return err == nil && eq
}

// holdsInterface reports whether == on values of type t may panic, which it
// does when an interface inside holds an uncomparable value.
func holdsInterface(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Array:
		return holdsInterface(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if holdsInterface(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
}

// fingerprintFor returns how values of type rt are fingerprinted, so that a
// final read ([Vc.GetFinal]) can drop a cell's content and the recomputed
// value still be compared with it: SHA-256 of the deterministic encoding.
// Equal fingerprints must mean equal values, so a comparable type is
// fingerprinted by its key encoding, which is equal exactly when the
// values are == (pointers and channels, whose == is identity, have none);
// other types, compared by their encoding or an Equal method, by their
// value encoding. A value that cannot be encoded has no fingerprint, and
// its cell is kept.
func fingerprintFor(rt reflect.Type, equalMethod bool) func(any) (engine.Fingerprint, bool) {
	appendEnc := codec.AppendValue
	if rt.Comparable() && !equalMethod {
		appendEnc = codec.AppendKey
	}
	return func(v any) (fp engine.Fingerprint, ok bool) {
		defer func() {
			if recover() != nil {
				ok = false
			}
		}()
		if v == nil {
			return sha256.Sum256(nil), true
		}
		rv := reflect.ValueOf(v)
		b, err := appendEnc([]byte(codec.TypeName(rv.Type())+"\x00"), rv)
		if err != nil {
			return fp, false
		}
		return sha256.Sum256(b), true
	}
}
