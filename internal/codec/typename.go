package codec

import (
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// TypeName returns a stable name for t, qualified by full package paths, such
// as "github.com/x/y.Point", "[]string", "map[string]github.com/x/y.Point" or
// "*int". Distinct named types get distinct names even when their packages
// share a name. Reflection cannot tell apart two types of one name declared
// in different functions of one package; they get the same name.
func TypeName(t reflect.Type) string {
	return infoOf(t).name
}

// typeInfo holds what the encoder needs to know about a type.
type typeInfo struct {
	name string
	// fields lists the indices of the non-blank fields of a struct.
	fields []int
	// track is set for a pointer, slice or map type whose contents can hold
	// references: only then can a value of it be reached again, through a
	// cycle or by sharing, and its visits need recording.
	track bool
}

var infos sync.Map // reflect.Type -> *typeInfo

func infoOf(t reflect.Type) *typeInfo {
	if ti, ok := infos.Load(t); ok {
		return ti.(*typeInfo)
	}
	ti := &typeInfo{name: typeName(t)}
	switch t.Kind() {
	case reflect.Struct:
		for i := range t.NumField() {
			if t.Field(i).Name != "_" {
				ti.fields = append(ti.fields, i)
			}
		}
	case reflect.Pointer, reflect.Slice:
		ti.track = holdsRefs(t.Elem())
	case reflect.Map:
		ti.track = holdsRefs(t.Key()) || holdsRefs(t.Elem())
	}
	actual, _ := infos.LoadOrStore(t, ti)
	return actual.(*typeInfo)
}

// holdsRefs reports whether encoding a value of type t can lead to a
// pointer, slice or map. Such types are never of size zero, so the addresses
// of their values are unique.
func holdsRefs(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
		return true
	case reflect.Array:
		return t.Len() > 0 && holdsRefs(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if f := t.Field(i); f.Name != "_" && holdsRefs(f.Type) {
				return true
			}
		}
	}
	return false
}

// typeName spells t in Go syntax with every package name replaced by its
// path, including those of unexported field and method names, which make
// otherwise identical struct and interface types from two packages distinct.
func typeName(t reflect.Type) string {
	if name := t.Name(); name != "" {
		if t.PkgPath() == "" {
			return name
		}
		return t.PkgPath() + "." + name
	}
	switch t.Kind() {
	case reflect.Pointer:
		return "*" + typeName(t.Elem())
	case reflect.Slice:
		return "[]" + typeName(t.Elem())
	case reflect.Array:
		return "[" + strconv.Itoa(t.Len()) + "]" + typeName(t.Elem())
	case reflect.Map:
		return "map[" + typeName(t.Key()) + "]" + typeName(t.Elem())
	case reflect.Chan:
		return chanName(t)
	case reflect.Func:
		return "func" + signature(t)
	case reflect.Interface:
		return interfaceName(t)
	default: // reflect.Struct, the last kind of unnamed type
		return structName(t)
	}
}

func chanName(t reflect.Type) string {
	elem := typeName(t.Elem())
	switch t.ChanDir() {
	case reflect.RecvDir:
		return "<-chan " + elem
	case reflect.SendDir:
		return "chan<- " + elem
	}
	if e := t.Elem(); e.Kind() == reflect.Chan && e.Name() == "" && e.ChanDir() == reflect.RecvDir {
		// Without parentheses this would read as a send-only channel.
		return "chan (" + elem + ")"
	}
	return "chan " + elem
}

func signature(t reflect.Type) string {
	var b strings.Builder
	b.WriteByte('(')
	for i := range t.NumIn() {
		if i > 0 {
			b.WriteString(", ")
		}
		if t.IsVariadic() && i == t.NumIn()-1 {
			b.WriteString("..." + typeName(t.In(i).Elem()))
		} else {
			b.WriteString(typeName(t.In(i)))
		}
	}
	b.WriteByte(')')
	switch t.NumOut() {
	case 0:
	case 1:
		b.WriteString(" " + typeName(t.Out(0)))
	default:
		b.WriteString(" (")
		for i := range t.NumOut() {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(typeName(t.Out(i)))
		}
		b.WriteByte(')')
	}
	return b.String()
}

func interfaceName(t reflect.Type) string {
	if t.NumMethod() == 0 {
		return "interface {}"
	}
	var b strings.Builder
	b.WriteString("interface {")
	for i := range t.NumMethod() {
		if i > 0 {
			b.WriteByte(';')
		}
		m := t.Method(i)
		b.WriteByte(' ')
		b.WriteString(qualify(m.PkgPath, m.Name))
		b.WriteString(signature(m.Type))
	}
	b.WriteString(" }")
	return b.String()
}

func structName(t reflect.Type) string {
	if t.NumField() == 0 {
		return "struct {}"
	}
	var b strings.Builder
	b.WriteString("struct {")
	for i := range t.NumField() {
		if i > 0 {
			b.WriteByte(';')
		}
		f := t.Field(i)
		b.WriteByte(' ')
		switch {
		case !f.Anonymous:
			b.WriteString(qualify(f.PkgPath, f.Name) + " " + typeName(f.Type))
		case f.PkgPath != "" && baseType(f.Type).PkgPath() == "":
			// An embedded predeclared type, like int, names an unexported
			// field that its type does not qualify.
			b.WriteString(f.PkgPath + "." + typeName(f.Type))
		default:
			b.WriteString(typeName(f.Type))
		}
		if f.Tag != "" {
			b.WriteString(" " + strconv.Quote(string(f.Tag)))
		}
	}
	b.WriteString(" }")
	return b.String()
}

func qualify(pkgPath, name string) string {
	if pkgPath == "" {
		return name
	}
	return pkgPath + "." + name
}

func baseType(t reflect.Type) reflect.Type {
	if t.Kind() == reflect.Pointer && t.Name() == "" {
		return t.Elem()
	}
	return t
}
