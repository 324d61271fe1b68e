package codec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// ErrTransient is wrapped by the errors for values whose identity exists only
// inside this process: pointers in key mode, and channels and unsafe.Pointer
// values in either mode.
var ErrTransient = errors.New("codec: value identity is tied to this process")

// ErrUnsupported is wrapped by the errors for values that cannot be encoded at
// all: slices, maps and funcs in key mode, non-nil funcs in value mode, data
// nested too deeply, and invalid reflect.Values.
var ErrUnsupported = errors.New("codec: value cannot be encoded")

// maxDepth bounds the recursion, so that absurdly deep data fails rather than
// grows the stack without end.
const maxDepth = 1000

// Interfaces, funcs, pointers, slices and maps start with a tag.
const (
	tagNil  = 0 // nil, or an empty slice or map
	tagNew  = 1 // the contents follow
	tagBack = 2 // the index of an earlier visit of the same reference follows
)

// AppendKey appends the key encoding of v to dst. For values of one
// comparable type, the encodings are equal exactly when the values are ==,
// except that all NaNs encode alike. On error, dst is returned unchanged.
func AppendKey(dst []byte, v reflect.Value) ([]byte, error) {
	if b, ok := appendBasic(dst, v); ok {
		return b, nil
	}
	e := encoder{buf: dst}
	if err := e.encode(v, 0); err != nil {
		return dst, err
	}
	return e.buf, nil
}

// AppendValue appends the value encoding of v to dst. Values that are
// reflect.DeepEqual have equal encodings, with the exceptions listed in the
// package documentation. On error, dst is returned unchanged.
func AppendValue(dst []byte, v reflect.Value) ([]byte, error) {
	if b, ok := appendBasic(dst, v); ok {
		return b, nil
	}
	e := encoders.Get().(*encoder)
	defer e.release()
	e.buf = dst
	if err := e.encode(v, 0); err != nil {
		return dst, err
	}
	return e.buf, nil
}

// Equal reports whether a and b have equal value encodings: whether they are
// reflect.DeepEqual, but for the differences listed in the package
// documentation. Values of different dynamic types are unequal without being
// encoded; two nil interfaces are equal. It returns an error when either
// value cannot be encoded.
func Equal(a, b any) (bool, error) {
	t := reflect.TypeOf(a)
	if t != reflect.TypeOf(b) {
		return false, nil
	}
	if t == nil {
		return true, nil
	}
	e := encoders.Get().(*encoder)
	defer e.release()
	e.buf = e.scratch[:0]
	defer func() { e.scratch = e.buf[:0] }()
	if err := e.encode(reflect.ValueOf(a), 0); err != nil {
		return false, err
	}
	n := len(e.buf)
	e.forget(0)
	if err := e.encode(reflect.ValueOf(b), 0); err != nil {
		return false, err
	}
	return bytes.Equal(e.buf[:n], e.buf[n:]), nil
}

// appendBasic appends the encoding of v if v is of a basic kind, the same in
// both modes.
func appendBasic(b []byte, v reflect.Value) ([]byte, bool) {
	switch v.Kind() {
	case reflect.String:
		return appendString(b, v.String()), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return binary.AppendVarint(b, v.Int()), true
	case reflect.Uint8:
		// Bytes fit as they are, which lets []byte be copied whole.
		return append(b, byte(v.Uint())), true
	case reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return binary.AppendUvarint(b, v.Uint()), true
	case reflect.Bool:
		if v.Bool() {
			return append(b, 1), true
		}
		return append(b, 0), true
	case reflect.Float32:
		return appendFloat32(b, v.Float()), true
	case reflect.Float64:
		return appendFloat64(b, v.Float()), true
	case reflect.Complex64:
		c := v.Complex()
		return appendFloat32(appendFloat32(b, real(c)), imag(c)), true
	case reflect.Complex128:
		c := v.Complex()
		return appendFloat64(appendFloat64(b, real(c)), imag(c)), true
	}
	return b, false
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// appendFloat32 and appendFloat64 turn -0 into +0, which == holds equal to
// it, and every NaN into one quiet NaN, giving NaNs a single identity.
func appendFloat32(b []byte, f float64) []byte {
	bits := math.Float32bits(float32(f))
	switch {
	case f == 0:
		bits = 0
	case f != f:
		bits = 0x7fc00000
	}
	return binary.BigEndian.AppendUint32(b, bits)
}

func appendFloat64(b []byte, f float64) []byte {
	bits := math.Float64bits(f)
	switch {
	case f == 0:
		bits = 0
	case f != f:
		bits = 0x7ff8000000000000
	}
	return binary.BigEndian.AppendUint64(b, bits)
}

type encoder struct {
	buf   []byte
	value bool // value mode rather than key mode

	// seen maps the tracked references visited so far to their visit
	// indices; visits lists them in order, so that visits can be undone.
	seen   map[ref]int
	visits []ref

	scratch []byte // the buffer of Equal, kept between calls
}

// ref identifies a pointer, slice or map. The type tells a struct apart from
// its first field, and the length tells apart slices of one array.
type ref struct {
	ptr uintptr
	typ reflect.Type
	len int
}

// encoders holds value-mode encoders, whose maps and buffers are worth
// reusing.
var encoders = sync.Pool{New: func() any { return &encoder{value: true} }}

func (e *encoder) release() {
	e.forget(0)
	e.buf = nil
	if cap(e.scratch) > 64<<10 {
		e.scratch = nil
	}
	encoders.Put(e)
}

// forget undoes all visits but the first n.
func (e *encoder) forget(n int) {
	for _, r := range e.visits[n:] {
		delete(e.seen, r)
	}
	e.visits = e.visits[:n]
}

func (e *encoder) encode(v reflect.Value, depth int) error {
	if b, ok := appendBasic(e.buf, v); ok {
		e.buf = b
		return nil
	}
	if depth > maxDepth {
		return fail(v, ErrUnsupported, "data nested more than "+strconv.Itoa(maxDepth)+" levels deep")
	}
	switch v.Kind() {
	case reflect.Array:
		return e.encodeElems(v, depth)
	case reflect.Struct:
		for _, i := range infoOf(v.Type()).fields {
			if err := e.encode(v.Field(i), depth+1); err != nil {
				return wrap(err, "."+v.Type().Field(i).Name)
			}
		}
	case reflect.Interface:
		if v.IsNil() {
			e.buf = append(e.buf, tagNil)
			return nil
		}
		d := v.Elem()
		e.buf = appendString(append(e.buf, tagNew), infoOf(d.Type()).name)
		if err := e.encode(d, depth+1); err != nil {
			return wrap(err, ".("+d.Type().String()+")")
		}
	case reflect.Pointer:
		if !e.value {
			return fail(v, ErrTransient, "pointer identity is tied to this process")
		}
		if v.IsNil() {
			e.buf = append(e.buf, tagNil)
			return nil
		}
		if e.enter(v, 0) {
			return e.encode(v.Elem(), depth+1)
		}
	case reflect.Slice:
		if !e.value {
			return fail(v, ErrUnsupported, "slices are not comparable")
		}
		n := v.Len()
		if n == 0 {
			e.buf = append(e.buf, tagNil)
			return nil
		}
		if e.enter(v, n) {
			e.buf = binary.AppendUvarint(e.buf, uint64(n))
			return e.encodeElems(v, depth)
		}
	case reflect.Map:
		if !e.value {
			return fail(v, ErrUnsupported, "maps are not comparable")
		}
		if v.Len() == 0 {
			e.buf = append(e.buf, tagNil)
			return nil
		}
		if e.enter(v, 0) {
			return e.encodeMap(v, depth)
		}
	case reflect.Func:
		if !e.value {
			return fail(v, ErrUnsupported, "funcs are not comparable")
		}
		if !v.IsNil() {
			return fail(v, ErrUnsupported, "non-nil funcs cannot be compared")
		}
		e.buf = append(e.buf, tagNil)
	case reflect.Chan:
		return fail(v, ErrTransient, "channel identity is tied to this process")
	case reflect.UnsafePointer:
		return fail(v, ErrTransient, "unsafe.Pointer identity is tied to this process")
	default:
		return fail(v, ErrUnsupported, "invalid reflect.Value")
	}
	return nil
}

// enter starts the encoding of a non-nil pointer or a non-empty slice or map
// of length n. It reports false if v was visited before, in which case it has
// written a back-reference, which stands for the contents.
func (e *encoder) enter(v reflect.Value, n int) bool {
	if infoOf(v.Type()).track {
		r := ref{v.Pointer(), v.Type(), n}
		if i, ok := e.seen[r]; ok {
			e.buf = binary.AppendUvarint(append(e.buf, tagBack), uint64(i))
			return false
		}
		if e.seen == nil {
			e.seen = make(map[ref]int)
		}
		e.seen[r] = len(e.visits)
		e.visits = append(e.visits, r)
	}
	e.buf = append(e.buf, tagNew)
	return true
}

// encodeElems encodes the elements of an array or slice; the type or the
// preceding length delimits them.
func (e *encoder) encodeElems(v reflect.Value, depth int) error {
	switch k := v.Type().Elem().Kind(); {
	case k == reflect.Uint8 && (v.Kind() == reflect.Slice || v.CanAddr()):
		e.buf = append(e.buf, v.Bytes()...)
		return nil
	case k <= reflect.Complex128 || k == reflect.String:
		// Basic elements cannot fail or nest.
		for i := range v.Len() {
			e.buf, _ = appendBasic(e.buf, v.Index(i))
		}
		return nil
	}
	for i := range v.Len() {
		if err := e.encode(v.Index(i), depth+1); err != nil {
			return wrap(err, "["+strconv.Itoa(i)+"]")
		}
	}
	return nil
}

// encodeMap encodes the length and entries of the non-empty map v, ordered by
// the encodings of their keys, so that the iteration order does not show.
func (e *encoder) encodeMap(v reflect.Value, depth int) error {
	keys := make([]reflect.Value, 0, v.Len())
	vals := make([]reflect.Value, 0, v.Len())
	for it := v.MapRange(); it.Next(); {
		keys = append(keys, it.Key())
		vals = append(vals, it.Value())
	}
	// Encoded in iteration order, one key could refer back to what another
	// visited, and the order would show; so each is encoded on its own.
	kb, err := e.detached(keys, depth+1, func(i int) string {
		return fmt.Sprintf("(key %#v)", keys[i])
	})
	if err != nil {
		return err
	}
	order := make([]int, len(keys))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int { return bytes.Compare(kb[i], kb[j]) })

	e.buf = binary.AppendUvarint(e.buf, uint64(len(order)))
	for len(order) > 0 {
		key := kb[order[0]]
		n := 1
		for n < len(order) && bytes.Equal(kb[order[n]], key) {
			n++
		}
		if n == 1 {
			e.buf = append(e.buf, key...)
			if err := e.encode(vals[order[0]], depth+1); err != nil {
				return wrap(err, fmt.Sprintf("[%#v]", keys[order[0]]))
			}
			order = order[1:]
			continue
		}
		// Keys that encode alike (NaNs, or pointers to equal values) leave
		// their entries unordered, so their values are encoded on their own
		// and sorted.
		group := make([]reflect.Value, n)
		for i, o := range order[:n] {
			group[i] = vals[o]
		}
		vb, err := e.detached(group, depth+1, func(i int) string {
			return fmt.Sprintf("[%#v]", keys[order[i]])
		})
		if err != nil {
			return err
		}
		slices.SortFunc(vb, bytes.Compare)
		for _, b := range vb {
			e.buf = append(append(e.buf, key...), b...)
		}
		order = order[n:]
	}
	return nil
}

// detached returns the encodings of vs, each made as if it came next, and
// leaves the visits as they were, so that no encoding depends on another.
// On error, seg names the failing element of the path.
func (e *encoder) detached(vs []reflect.Value, depth int, seg func(int) string) ([][]byte, error) {
	buf, mark := e.buf, len(e.visits)
	defer func() { e.buf = buf }()
	e.buf = nil
	ends := make([]int, len(vs))
	for i, v := range vs {
		err := e.encode(v, depth)
		e.forget(mark)
		if err != nil {
			return nil, wrap(err, seg(i))
		}
		ends[i] = len(e.buf)
	}
	out := make([][]byte, len(vs))
	start := 0
	for i, end := range ends {
		out[i] = e.buf[start:end:end]
		start = end
	}
	return out, nil
}

// encodeError is the error for a value that cannot be encoded. It unwraps to
// ErrTransient or ErrUnsupported.
type encodeError struct {
	kind error
	typ  reflect.Type // nil for an invalid reflect.Value
	msg  string
	path []string // innermost element first
}

func fail(v reflect.Value, kind error, msg string) error {
	err := &encodeError{kind: kind, msg: msg}
	if v.IsValid() {
		err.typ = v.Type()
	}
	return err
}

// wrap adds seg to the path of err as it leaves a level of the recursion.
func wrap(err error, seg string) error {
	if e, ok := err.(*encodeError); ok {
		e.path = append(e.path, seg)
	}
	return err
}

func (e *encodeError) Error() string {
	var b strings.Builder
	b.WriteString("codec: ")
	if len(e.path) > 0 {
		b.WriteString("at ")
		for _, s := range slices.Backward(e.path) {
			b.WriteString(s)
		}
		if e.typ != nil {
			b.WriteString(" (" + e.typ.String() + ")")
		}
		b.WriteString(": ")
	} else if e.typ != nil {
		b.WriteString(e.typ.String() + ": ")
	}
	b.WriteString(e.msg)
	return b.String()
}

func (e *encodeError) Unwrap() error { return e.kind }
