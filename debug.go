package cellar

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/cellar-go/cellar/internal/engine"
)

// DebugValue renders the value v points at for debugging, following the
// Vcs inside it (in struct fields, slices, maps and pointers) to depth
// levels: each Vc appears as its debug identifier, an arrow and its value,
// as in
//
//	dir("src")#0 -> cellar_test.dirInfo{Name: "src", Files: [file("a.go")#0 -> 12]}
//
// and beyond depth as its identifier and "-> …". Values that implement
// fmt.Stringer or error render as such. DebugValue never makes a dependency:
// inside a task function it reads untracked, outside it reads strongly
// consistently. A Vc whose read fails renders with its error.
func (v Vc[T]) DebugValue(ctx context.Context, depth int) string {
	var b strings.Builder
	d := debugger{ctx: ctx, b: &b, seen: map[visit]bool{}}
	d.vc(v.r, depth)
	return b.String()
}

type debugger struct {
	ctx  context.Context
	b    *strings.Builder
	seen map[visit]bool // pointers, maps and slices on the current path, against cycles
}

// visit identifies a pointer, map or slice being rendered.
type visit struct {
	kind reflect.Kind
	ptr  uintptr
	len  int
}

// enter reports whether v is not already being rendered further up, and
// marks it; leave unmarks it.
func (d *debugger) enter(v reflect.Value) bool {
	k := visit{v.Kind(), v.Pointer(), 0}
	if v.Kind() == reflect.Slice {
		k.len = v.Len()
	}
	if d.seen[k] {
		d.b.WriteString("<cycle>")
		return false
	}
	d.seen[k] = true
	return true
}

func (d *debugger) leave(v reflect.Value) {
	k := visit{v.Kind(), v.Pointer(), 0}
	if v.Kind() == reflect.Slice {
		k.len = v.Len()
	}
	delete(d.seen, k)
}

func (d *debugger) vc(r engine.Raw, depth int) {
	d.b.WriteString(debugIdentifier(r))
	d.b.WriteString(" -> ")
	if depth <= 0 {
		d.b.WriteString("…")
		return
	}
	val, err := d.read(r)
	if err != nil {
		fmt.Fprintf(d.b, "error(%v)", err)
		return
	}
	d.value(reflect.ValueOf(val), depth-1)
}

func (d *debugger) read(r engine.Raw) (any, error) {
	if run := engine.FromContext(d.ctx); run != nil {
		return run.Engine().ReadUntracked(d.ctx, run, r)
	}
	core, err := engineOf(r)
	if err != nil {
		return nil, err
	}
	return core.ReadStrong(d.ctx, r)
}

// handle is implemented by Vc, ResolvedVc and OperationVc, each a struct
// whose only field is an engine.Raw.
type handle interface{ cellarHandle() }

func (Vc[T]) cellarHandle()          {}
func (ResolvedVc[T]) cellarHandle()  {}
func (OperationVc[T]) cellarHandle() {}

var (
	handleType   = reflect.TypeFor[handle]()
	stringerType = reflect.TypeFor[fmt.Stringer]()
	errorType    = reflect.TypeFor[error]()
)

func (d *debugger) value(v reflect.Value, depth int) {
	if !v.IsValid() {
		d.b.WriteString("nil")
		return
	}
	if v.Kind() == reflect.Struct && v.Type().Implements(handleType) {
		// Read the Raw by reflection: the handle may sit in an
		// unexported field, whose methods cannot be called.
		raw := v.Field(0)
		d.vc(engine.Raw{Eng: uint32(raw.Field(0).Uint()), Task: uint32(raw.Field(1).Uint()), Slot: uint32(raw.Field(2).Uint())}, depth)
		return
	}
	if v.CanInterface() {
		handlePtr := v.Kind() == reflect.Pointer && v.Type().Elem().Implements(handleType)
		if !handlePtr && (v.Type().Implements(errorType) || v.Type().Implements(stringerType)) {
			if (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && v.IsNil() {
				d.b.WriteString("nil")
				return
			}
			fmt.Fprintf(d.b, "%v", v.Interface())
			return
		}
	}
	switch v.Kind() {
	case reflect.String:
		fmt.Fprintf(d.b, "%q", v.String())
	case reflect.Struct:
		d.b.WriteString(v.Type().String())
		d.b.WriteByte('{')
		for i := range v.NumField() {
			if i > 0 {
				d.b.WriteString(", ")
			}
			d.b.WriteString(v.Type().Field(i).Name)
			d.b.WriteString(": ")
			d.value(v.Field(i), depth)
		}
		d.b.WriteByte('}')
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice {
			if v.IsNil() {
				d.b.WriteString("nil")
				return
			}
			if v.Len() > 0 {
				if !d.enter(v) {
					return
				}
				defer d.leave(v)
			}
		}
		d.b.WriteByte('[')
		for i := range v.Len() {
			if i > 0 {
				d.b.WriteString(", ")
			}
			d.value(v.Index(i), depth)
		}
		d.b.WriteByte(']')
	case reflect.Map:
		if v.IsNil() {
			d.b.WriteString("nil")
			return
		}
		if !d.enter(v) {
			return
		}
		defer d.leave(v)
		type kv struct {
			k string
			v reflect.Value
		}
		var entries []kv
		for it := v.MapRange(); it.Next(); {
			var kb strings.Builder
			(&debugger{ctx: d.ctx, b: &kb, seen: d.seen}).value(it.Key(), depth)
			entries = append(entries, kv{kb.String(), it.Value()})
		}
		slices.SortFunc(entries, func(a, b kv) int { return strings.Compare(a.k, b.k) })
		d.b.WriteString("map[")
		for i, e := range entries {
			if i > 0 {
				d.b.WriteString(", ")
			}
			d.b.WriteString(e.k)
			d.b.WriteString(": ")
			d.value(e.v, depth)
		}
		d.b.WriteByte(']')
	case reflect.Pointer:
		if v.IsNil() {
			d.b.WriteString("nil")
			return
		}
		if !d.enter(v) {
			return
		}
		d.b.WriteByte('&')
		d.value(v.Elem(), depth)
		d.leave(v)
	case reflect.Interface:
		if v.IsNil() {
			d.b.WriteString("nil")
			return
		}
		d.value(v.Elem(), depth)
	default:
		if v.CanInterface() {
			fmt.Fprintf(d.b, "%v", v.Interface())
		} else {
			fmt.Fprintf(d.b, "%v", v)
		}
	}
}
