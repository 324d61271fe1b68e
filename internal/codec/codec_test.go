package codec_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/cellar-go/cellar/internal/codec"
	ageom "github.com/cellar-go/cellar/internal/codec/internal/a/geom"
	bgeom "github.com/cellar-go/cellar/internal/codec/internal/b/geom"
)

type (
	celsius    float64
	fahrenheit float64
	point      struct{ X, Y int }
	hidden     struct {
		Name   string
		secret int
		inner  point
		any    any
	}
	blanks struct {
		A int
		_ int
		B string
		_ [2]*int
	}
	node struct {
		Val  int
		Next *node
	}
	tree map[string]tree
)

// rv returns v as a reflect.Value of static type T, so that an interface type
// argument gives a Value of kind Interface.
func rv[T any](v T) reflect.Value {
	return reflect.ValueOf(&v).Elem()
}

// tester is what the helpers need of testing.T and rapid.T.
type tester interface {
	Helper()
	Fatalf(format string, args ...any)
}

func key(t tester, v reflect.Value) []byte {
	t.Helper()
	b, err := codec.AppendKey(nil, v)
	if err != nil {
		t.Fatalf("AppendKey(%v): %v", v, err)
	}
	return b
}

func value(t tester, v reflect.Value) []byte {
	t.Helper()
	b, err := codec.AppendValue(nil, v)
	if err != nil {
		t.Fatalf("AppendValue(%v): %v", v, err)
	}
	return b
}

func equal(t tester, a, b any) bool {
	t.Helper()
	eq, err := codec.Equal(a, b)
	if err != nil {
		t.Fatalf("Equal(%v, %v): %v", a, b, err)
	}
	return eq
}

var negZero = math.Copysign(0, -1)

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    reflect.Value
		want string
	}{
		{"zero int", rv(0), "00"},
		{"negative int", rv(-1), "01"},
		{"positive int", rv(1), "02"},
		{"two-byte int", rv(int8(64)), "8001"},
		{"uint", rv(uint(300)), "ac02"},
		{"byte", rv(byte(200)), "c8"},
		{"bool", rv(true), "01"},
		{"string", rv("ab"), "026162"},
		{"float64", rv(1.0), "3ff0000000000000"},
		{"negative zero", rv(negZero), "0000000000000000"},
		{"NaN", rv(math.NaN()), "7ff8000000000000"},
		{"float32 NaN", rv(float32(math.NaN())), "7fc00000"},
		{"byte array", rv([3]byte{1, 2, 255}), "0102ff"},
		{"struct", rv(point{1, -1}), "0201"},
		{"nil interface", rv[any](nil), "00"},
		{"interface", rv[any](1), "0103696e7402"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := hex.EncodeToString(key(t, tc.v)); got != tc.want {
				t.Errorf("key = %s, want %s", got, tc.want)
			}
			if got := hex.EncodeToString(value(t, tc.v)); got != tc.want {
				t.Errorf("value = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestKeyPairs(t *testing.T) {
	nan2 := math.Float64frombits(0x7ff0000000000002)
	for _, tc := range []struct {
		name  string
		a, b  reflect.Value
		equal bool
	}{
		{"same int", rv(7), rv(7), true},
		{"ints", rv(7), rv(-7), false},
		{"int64 extremes", rv(int64(math.MinInt64)), rv(int64(math.MaxInt64)), false},
		{"uint64 extremes", rv(uint64(0)), rv(uint64(math.MaxUint64)), false},
		{"uintptr", rv(uintptr(1)), rv(uintptr(2)), false},
		{"bools", rv(true), rv(false), false},
		{"zeros", rv(0.0), rv(negZero), true},
		{"float32 zeros", rv(float32(0)), rv(float32(negZero)), true},
		{"NaNs", rv(math.NaN()), rv(nan2), true},
		{"infinities", rv(math.Inf(1)), rv(math.Inf(-1)), false},
		{"floats", rv(0.1), rv(0.2), false},
		{"complex zeros", rv(complex(0, negZero)), rv(complex(negZero, 0)), true},
		{"complex NaNs", rv(complex(math.NaN(), 1)), rv(complex(nan2, 1)), true},
		{"complex parts", rv(complex(1, 2)), rv(complex(2, 1)), false},
		{"empty strings", rv(""), rv(""), true},
		{"strings", rv("a"), rv("b"), false},
		{"string prefix", rv("a"), rv("ab"), false},
		{"arrays", rv([3]int{1, 2, 3}), rv([3]int{1, 2, 4}), false},
		{"same array", rv([2]string{"a", "b"}), rv([2]string{"a", "b"}), true},
		{"array splits", rv([2]string{"a", "bc"}), rv([2]string{"ab", "c"}), false},
		{"structs", rv(point{1, 2}), rv(point{2, 1}), false},
		{"unexported field", rv(hidden{Name: "x", secret: 1}), rv(hidden{Name: "x", secret: 2}), false},
		{"unexported struct", rv(hidden{inner: point{1, 2}}), rv(hidden{inner: point{1, 2}}), true},
		{"unexported interface", rv(hidden{any: 1}), rv(hidden{any: int8(1)}), false},
		{"named floats", rv[any](celsius(1)), rv[any](fahrenheit(1)), false},
		{"int widths", rv[any](1), rv[any](int64(1)), false},
		{"nil and zero", rv[any](nil), rv[any](0), false},
		{"nil interfaces", rv[any](nil), rv[any](nil), true},
		{"dynamic structs", rv[any](point{1, 2}), rv[any](point{1, 2}), true},
		{"same package name", rv[any](ageom.Point{}), rv[any](bgeom.Point{}), false},
		{"interface arrays", rv([2]any{1, "a"}), rv([2]any{1, "a"}), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ka, kb := key(t, tc.a), key(t, tc.b)
			if bytes.Equal(ka, kb) != tc.equal {
				t.Errorf("keys %x and %x: equal = %v, want %v", ka, kb, !tc.equal, tc.equal)
			}
			va, vb := value(t, tc.a), value(t, tc.b)
			if !bytes.Equal(ka, va) || !bytes.Equal(kb, vb) {
				t.Errorf("value encodings %x, %x differ from key encodings %x, %x", va, vb, ka, kb)
			}
		})
	}
}

func TestKeyConcatenation(t *testing.T) {
	enc := func(vs ...any) []byte {
		var b []byte
		for _, v := range vs {
			var err error
			if b, err = codec.AppendKey(b, reflect.ValueOf(v)); err != nil {
				t.Fatal(err)
			}
		}
		return b
	}
	if bytes.Equal(enc("a", "bc"), enc("ab", "c")) {
		t.Error(`("a", "bc") and ("ab", "c") encode alike`)
	}
	if bytes.Equal(enc(1, 300), enc(300, 1)) {
		t.Error("(1, 300) and (300, 1) encode alike")
	}
}

func TestBlankFields(t *testing.T) {
	a := blanks{A: 1, B: "x"}
	b := a
	// Only unsafe can tell blank fields apart.
	(*struct {
		A, Blank int
		B        string
		P        [2]*int
	})(unsafe.Pointer(&b)).Blank = 42
	if a != b {
		t.Fatal("== compares blank fields")
	}
	if !bytes.Equal(key(t, rv(a)), key(t, rv(b))) {
		t.Error("blank fields change the key")
	}
}

func TestTypeName(t *testing.T) {
	const pkg = "github.com/cellar-go/cellar/internal/codec_test"
	type box[T any] struct{ _ T } // only its name matters
	for _, tc := range []struct {
		t    reflect.Type
		want string
	}{
		{reflect.TypeFor[int](), "int"},
		{reflect.TypeFor[error](), "error"},
		{reflect.TypeFor[any](), "interface {}"},
		{reflect.TypeFor[*int](), "*int"},
		{reflect.TypeFor[[]string](), "[]string"},
		{reflect.TypeFor[[4]byte](), "[4]uint8"},
		{reflect.TypeFor[map[string]point](), "map[string]" + pkg + ".point"},
		{reflect.TypeFor[ageom.Point](), "github.com/cellar-go/cellar/internal/codec/internal/a/geom.Point"},
		{reflect.TypeFor[bgeom.Point](), "github.com/cellar-go/cellar/internal/codec/internal/b/geom.Point"},
		{reflect.TypeFor[unsafe.Pointer](), "unsafe.Pointer"},
		{reflect.TypeFor[chan int](), "chan int"},
		{reflect.TypeFor[<-chan int](), "<-chan int"},
		{reflect.TypeFor[chan<- int](), "chan<- int"},
		{reflect.TypeFor[chan (<-chan int)](), "chan (<-chan int)"},
		{reflect.TypeFor[func()](), "func()"},
		{reflect.TypeFor[func(int, ...string) error](), "func(int, ...string) error"},
		{reflect.TypeFor[func() (int, error)](), "func() (int, error)"},
		{reflect.TypeFor[struct{}](), "struct {}"},
		{reflect.TypeFor[struct {
			X int `json:"x"`
			y point
		}](), `struct { X int "json:\"x\""; ` + pkg + ".y " + pkg + ".point }"},
		{reflect.TypeFor[struct {
			point
			*node
		}](), "struct { " + pkg + ".point; *" + pkg + ".node }"},
		{reflect.TypeFor[struct{ int }](), "struct { " + pkg + ".int }"},
		{reflect.TypeFor[struct{ int int }](), "struct { " + pkg + ".int int }"},
		{reflect.TypeFor[interface{ String() string }](), "interface { String() string }"},
		{reflect.TypeFor[interface{ m(point) }](), "interface { " + pkg + ".m(" + pkg + ".point) }"},
		{reflect.TypeFor[box[ageom.Point]](), pkg + ".box[github.com/cellar-go/cellar/internal/codec/internal/a/geom.Point]"},
	} {
		if got := codec.TypeName(tc.t); got != tc.want {
			t.Errorf("TypeName(%v) = %q, want %q", tc.t, got, tc.want)
		}
	}
}

func TestErrors(t *testing.T) {
	n := 1
	for _, tc := range []struct {
		name  string
		key   bool
		v     reflect.Value
		err   error
		inMsg string
	}{
		{"key pointer", true, rv(&n), codec.ErrTransient, "codec: *int: "},
		{"key nested pointer", true, rv(node{Next: &node{}}), codec.ErrTransient, "codec: at .Next (*codec_test.node): "},
		{"key pointer in interface", true, rv[any](&n), codec.ErrTransient, "at .(*int) (*int)"},
		{"key time", true, rv(time.Unix(1, 0).UTC()), codec.ErrTransient, "at .loc (*time.Location)"},
		{"key channel", true, rv(make(chan int)), codec.ErrTransient, "channel"},
		{"key unsafe.Pointer", true, rv(unsafe.Pointer(&n)), codec.ErrTransient, "unsafe.Pointer"},
		{"key slice", true, rv([]int{}), codec.ErrUnsupported, "slices are not comparable"},
		{"key map", true, rv(map[int]int{}), codec.ErrUnsupported, "maps are not comparable"},
		{"key func", true, rv[func()](nil), codec.ErrUnsupported, "funcs are not comparable"},
		{"key slice in interface", true, rv([1]any{[]int{1}}), codec.ErrUnsupported, "at [0].([]int) ([]int)"},
		{"key invalid", true, reflect.Value{}, codec.ErrUnsupported, "codec: invalid reflect.Value"},
		{"value func", false, rv(func() {}), codec.ErrUnsupported, "non-nil func"},
		{"value func in map", false, rv(map[string]func(){"f": func() {}}), codec.ErrUnsupported, `at ["f"] (func())`},
		{"value channel", false, rv(struct{ C chan int }{make(chan int)}), codec.ErrTransient, "at .C (chan int)"},
		{"value channel key", false, rv(map[chan int]int{make(chan int): 1}), codec.ErrTransient, "(key (chan int)"},
		{"value unsafe.Pointer", false, rv([]unsafe.Pointer{nil}), codec.ErrTransient, "at [0] (unsafe.Pointer)"},
		{"value invalid", false, reflect.Value{}, codec.ErrUnsupported, "invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst := []byte("prefix")
			var got []byte
			var err error
			if tc.key {
				got, err = codec.AppendKey(dst, tc.v)
			} else {
				got, err = codec.AppendValue(dst, tc.v)
			}
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if !strings.Contains(err.Error(), tc.inMsg) {
				t.Errorf("err = %q, want it to contain %q", err, tc.inMsg)
			}
			if string(got) != "prefix" {
				t.Errorf("dst = %q after error, want it unchanged", got)
			}
		})
	}
}

func TestNilFuncValue(t *testing.T) {
	type handler struct{ F func() }
	if !equal(t, handler{}, handler{}) {
		t.Error("nil funcs differ")
	}
}

func TestDepthLimit(t *testing.T) {
	var long *node
	for i := range 2000 {
		long = &node{Val: i, Next: long}
	}
	if _, err := codec.AppendValue(nil, rv(long)); !errors.Is(err, codec.ErrUnsupported) {
		t.Errorf("2000-node list: err = %v, want ErrUnsupported", err)
	}
	var short *node
	for i := range 100 {
		short = &node{Val: i, Next: short}
	}
	value(t, rv(short))
}

func TestEqual(t *testing.T) {
	x, y := 1, 1
	for _, tc := range []struct {
		name  string
		a, b  any
		equal bool
	}{
		{"nil", nil, nil, true},
		{"nil and int", nil, 0, false},
		{"types", celsius(1), fahrenheit(1), false},
		{"ints", 1, 1, true},
		{"NaNs", math.NaN(), math.NaN(), true},
		{"nil and empty slice", []int(nil), []int{}, true},
		{"slices", []int{1, 2}, []int{1, 2}, true},
		{"slice lengths", []int{1, 2}, []int{1, 2, 0}, false},
		{"slices of slices", [][]int{{1}, {2, 3}}, [][]int{{1, 2}, {3}}, false},
		{"nil and empty map", map[string]int(nil), map[string]int{}, true},
		{"maps", map[string]int{"a": 1, "b": 2}, map[string]int{"b": 2, "a": 1}, true},
		{"map values", map[string]int{"a": 1}, map[string]int{"a": 2}, false},
		{"map keys", map[string]int{"a": 1}, map[string]int{"b": 1}, false},
		{"pointers", &x, &y, true},
		{"nil pointer", (*int)(nil), &x, false},
		{"structs", hidden{Name: "a", any: []int{1}}, hidden{Name: "a", any: []int{1}}, true},
		{"interfaces", []any{1, "a"}, []any{1, "a"}, true},
		{"interface types", []any{celsius(1)}, []any{fahrenheit(1)}, false},
		{"bytes", []byte("abc"), []byte("abc"), true},
		{"bytes differ", []byte("abc"), []byte("abd"), false},
		{"pointer keys", map[*int]int{&x: 1}, map[*int]int{&y: 1}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := equal(t, tc.a, tc.b); got != tc.equal {
				t.Errorf("Equal = %v, want %v", got, tc.equal)
			}
		})
	}
	if _, err := codec.Equal(func() {}, func() {}); !errors.Is(err, codec.ErrUnsupported) {
		t.Errorf("Equal of funcs: err = %v, want ErrUnsupported", err)
	}
}

func ring(vals ...int) *node {
	head := &node{Val: vals[0]}
	n := head
	for _, v := range vals[1:] {
		n.Next = &node{Val: v}
		n = n.Next
	}
	n.Next = head
	return head
}

func TestCycles(t *testing.T) {
	if !equal(t, ring(1, 2, 3), ring(1, 2, 3)) {
		t.Error("equal rings differ")
	}
	if equal(t, ring(1, 2, 3), ring(1, 2, 4)) {
		t.Error("different rings are equal")
	}
	if equal(t, ring(1), ring(1, 1)) {
		t.Error("rings of different lengths are equal")
	}

	s := []any{nil}
	s[0] = s
	s2 := []any{nil}
	s2[0] = s2
	if !equal(t, s, s2) {
		t.Error("self-containing slices differ")
	}

	m := tree{}
	m["a"], m["b"] = m, tree{"c": m}
	m2 := tree{}
	m2["a"], m2["b"] = m2, tree{"c": m2}
	if !equal(t, m, m2) {
		t.Error("self-containing maps differ")
	}
}

func TestSharingStaysLinear(t *testing.T) {
	type dag struct{ L, R *dag }
	d := &dag{}
	m := tree{}
	for range 200 {
		d = &dag{d, d}
		m = tree{"a": m, "b": m}
	}
	// Were shared parts encoded again, each level would double the size.
	for _, v := range []any{d, m} {
		if b := value(t, reflect.ValueOf(v)); len(b) > 10000 {
			t.Errorf("%T: %d bytes for 200 levels", v, len(b))
		}
	}
}

func TestMapOrder(t *testing.T) {
	const n = 1000
	perm := rand.Perm(n)
	up, down, shuffled := map[int]string{}, map[int]string{}, map[int]string{}
	for i := range n {
		up[i] = string(rune('a' + i%26))
		down[n-1-i] = string(rune('a' + (n-1-i)%26))
		shuffled[perm[i]] = string(rune('a' + perm[i]%26))
	}
	want := value(t, rv(up))
	for _, m := range []map[int]string{down, shuffled, up} {
		if got := value(t, rv(m)); !bytes.Equal(got, want) {
			t.Fatal("map encoding depends on insertion or iteration order")
		}
	}

	keys := map[any]int{}
	for i := range 100 {
		keys[i] = i
		keys[celsius(i)] = i
		keys[string(rune('a'+i))] = i
		keys[point{i, -i}] = i
	}
	want = value(t, rv(keys))
	for range 20 {
		if got := value(t, rv(keys)); !bytes.Equal(got, want) {
			t.Fatal("encoding of map with interface keys varies")
		}
	}
}

// TestMapOrderWithSharing checks maps whose values share pointers and whose
// keys may encode alike: every iteration order must give the same encoding.
func TestMapOrderWithSharing(t *testing.T) {
	p, q := &node{Val: 1}, &node{Val: 1}
	k1, k2, k3 := new(int), new(int), new(int)
	byPointer := map[*int][]*node{k1: {p, q}, k2: {q, p}, k3: {p}}
	byNaN := map[float64]*node{math.NaN(): p, math.NaN(): q, math.NaN(): p, 1: q}
	byName := map[string]*node{"a": p, "b": q, "c": p, "d": ring(1, 2)}
	for _, m := range []any{byPointer, byNaN, byName} {
		want := value(t, reflect.ValueOf(m))
		for range 50 {
			if got := value(t, reflect.ValueOf(m)); !bytes.Equal(got, want) {
				t.Fatalf("%T: encoding varies with iteration order", m)
			}
		}
	}

	n1, n2 := map[float64]int{}, map[float64]int{}
	for i := range 10 {
		n1[math.NaN()] = i
		n2[math.NaN()] = 9 - i
	}
	if !equal(t, n1, n2) {
		t.Error("maps of NaN keys differ by insertion order")
	}
}

func TestSharingIsVisible(t *testing.T) {
	type pair struct{ A, B *node }
	p := &node{Val: 1}
	shared := pair{p, p}
	copied := pair{p, &node{Val: 1}}
	if equal(t, shared, copied) {
		t.Error("sharing is invisible")
	}
	other := &node{Val: 1}
	if !equal(t, shared, pair{other, other}) {
		t.Error("equally shared values differ")
	}
	// Pointers to values without references are not tracked.
	x, y := 1, 1
	if !equal(t, [2]*int{&x, &x}, [2]*int{&x, &y}) {
		t.Error("sharing of *int is visible")
	}
}
