package cellar

import (
	"context"
	"reflect"
)

// entry is what a keyed read sees of a map: the value of one key, and
// whether the key is present.
type entry[V any] struct {
	Value V
	OK    bool
}

// GetKey returns the value of key in the map m points at, and whether the
// key is present, like a two-value map index. Inside a task function the
// task depends on that entry alone: it runs again when the entry changes,
// appears or disappears, not when other keys of the map change. Outside any
// task it is a strongly consistent read.
//
// Each key read is an internal task named Key[M](m, key) that reads the map;
// when the map changes, those tasks run again (a map index each) and stop
// the change wherever their entry is unchanged.
func GetKey[K comparable, V any, M ~map[K]V](ctx context.Context, m Vc[M], key K) (V, bool, error) {
	e, err := liveEngine(m.r)
	if err != nil {
		var zero V
		return zero, false, err
	}
	f := builtin(e, "Key", reflect.TypeFor[M](), func(name string) *Func2[Vc[M], K, entry[V]] {
		return NewFunc2(e, name, func(ctx context.Context, m Vc[M], key K) (entry[V], error) {
			mv, err := m.Get(ctx)
			if err != nil {
				return entry[V]{}, err
			}
			v, ok := mv[key]
			return entry[V]{v, ok}, nil
		})
	})
	got, err := f.Call(ctx, m, key).Get(ctx)
	return got.Value, got.OK, err
}
