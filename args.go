package cellar

import (
	"context"
	"fmt"
	"reflect"

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
