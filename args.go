package cellar

import (
	"context"
	"fmt"
	"reflect"
	"sync"

	"github.com/cellar-go/cellar/internal/engine"
)

// vcFields knows where the Vcs are inside an argument type.
type vcFields struct {
	paths [][]int // each path is a sequence of struct field or array element indices
}

var rawVcType = reflect.TypeFor[rawVc]()

// vcFieldsOf returns where the Vcs of type t are, or nil if it holds none. A
// Vc in an unexported struct field could not be replaced by its resolved
// form, so it is a programming error reported at registration.
func vcFieldsOf(t reflect.Type) *vcFields {
	var f vcFields
	var walk func(t reflect.Type, path []int)
	walk = func(t reflect.Type, path []int) {
		if t.Implements(rawVcType) {
			f.paths = append(f.paths, append([]int(nil), path...))
			return
		}
		switch t.Kind() {
		case reflect.Struct:
			for i := range t.NumField() {
				sf := t.Field(i)
				if !sf.IsExported() && holdsVc(sf.Type) {
					panic(fmt.Sprintf("cellar: argument type %v holds a Vc in unexported field %s; export the field so that the Vc can be resolved", t, sf.Name))
				}
				walk(sf.Type, append(path, i))
			}
		case reflect.Array:
			for i := range t.Len() {
				walk(t.Elem(), append(path, i))
			}
		}
	}
	walk(t, nil)
	if len(f.paths) == 0 {
		return nil
	}
	return &f
}

func holdsVc(t reflect.Type) bool {
	if t.Implements(rawVcType) {
		return true
	}
	switch t.Kind() {
	case reflect.Struct:
		for i := range t.NumField() {
			if holdsVc(t.Field(i).Type) {
				return true
			}
		}
	case reflect.Array:
		return t.Len() > 0 && holdsVc(t.Elem())
	}
	return false
}

func (f *vcFields) at(v reflect.Value, path []int) reflect.Value {
	for _, i := range path {
		if v.Kind() == reflect.Array {
			v = v.Index(i)
		} else {
			v = v.Field(i)
		}
	}
	return v
}

// unresolved reports whether any Vc in v points at a task output.
func (f *vcFields) unresolved(v reflect.Value) bool {
	for _, p := range f.paths {
		r := f.at(v, p).Interface().(rawVc).cellarRaw()
		if !r.IsZero() && !r.IsCell() {
			return true
		}
	}
	return false
}

// resolve replaces every Vc in v, which must be settable, by the cell it
// points at, reading through ctx (which must be a task's).
func (f *vcFields) resolve(ctx context.Context, v reflect.Value) error {
	x := engine.FromContext(ctx)
	for _, p := range f.paths {
		fv := f.at(v, p)
		vc := fv.Interface().(rawVc)
		r := vc.cellarRaw()
		if r.IsZero() || r.IsCell() {
			continue
		}
		c, err := x.Engine().Resolve(ctx, x, r)
		if err != nil {
			return err
		}
		fv.Set(reflect.ValueOf(vc.cellarWithRaw(c)))
	}
	return nil
}

// Local Vcs must not leave the execution that made them (see
// [Vc.IsLocal]). holdsLocal finds them in values about to be stored: a
// task's result, a cell's or a state's value.

// vcHolders caches mayHoldVc per type.
var vcHolders sync.Map // reflect.Type → bool

// mayHoldVc reports whether values of type t can hold a Vc in a place
// holdsLocal looks: directly, or in struct fields, array or slice elements
// or map values, at any depth.
func mayHoldVc(t reflect.Type) bool {
	if v, ok := vcHolders.Load(t); ok {
		return v.(bool)
	}
	holds := mayHoldVcIn(t, map[reflect.Type]bool{})
	vcHolders.Store(t, holds)
	return holds
}

func mayHoldVcIn(t reflect.Type, seen map[reflect.Type]bool) bool {
	if isVcType(t) {
		return true
	}
	if seen[t] {
		return false // a recursive type: the first visit answers
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Struct:
		for i := range t.NumField() {
			if mayHoldVcIn(t.Field(i).Type, seen) {
				return true
			}
		}
	case reflect.Array, reflect.Slice, reflect.Map:
		return mayHoldVcIn(t.Elem(), seen)
	}
	return false
}

// holdsLocal reports whether v holds a local Vc where mayHoldVc looks. It
// reads unexported fields too, without calling any method of v.
func holdsLocal(v reflect.Value) bool {
	t := v.Type()
	if !mayHoldVc(t) {
		return false
	}
	if isVcType(t) {
		// Vc and ResolvedVc hold one field, their engine.Raw.
		r := v.Field(0)
		return engine.Raw{Eng: uint32(r.Field(0).Uint()), Task: uint32(r.Field(1).Uint()), Slot: uint32(r.Field(2).Uint())}.IsLocal()
	}
	switch t.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if holdsLocal(v.Field(i)) {
				return true
			}
		}
	case reflect.Array, reflect.Slice:
		for i := range v.Len() {
			if holdsLocal(v.Index(i)) {
				return true
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if holdsLocal(it.Value()) {
				return true
			}
		}
	}
	return false
}

// checkNoLocal returns an error wrapping ErrNonLocalValue if v holds a
// local Vc; where says what v is, for the message.
func checkNoLocal[T any](v T, where string) error {
	if !mayHoldVc(reflect.TypeFor[T]()) || !valueHoldsLocal(v) {
		return nil
	}
	return fmt.Errorf("%w (stored in %s)", ErrNonLocalValue, where)
}

// valueHoldsLocal is holdsLocal for a value of a type that mayHoldVc. It
// takes v by value, so that only its own copy moves to the heap (reflect
// needs an addressable value), not the caller's variable on every call.
func valueHoldsLocal[T any](v T) bool { return holdsLocal(reflect.ValueOf(&v).Elem()) }

// isVcType reports whether t is Vc or ResolvedVc (not a pointer to one).
func isVcType(t reflect.Type) bool { return t.Kind() == reflect.Struct && t.Implements(rawVcType) }
