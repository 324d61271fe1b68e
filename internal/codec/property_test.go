package codec_test

import (
	"bytes"
	"math"
	"reflect"
	"testing"

	"pgregory.net/rapid"

	"github.com/cellar-go/cellar/internal/codec"
	ageom "github.com/cellar-go/cellar/internal/codec/internal/a/geom"
	bgeom "github.com/cellar-go/cellar/internal/codec/internal/b/geom"
)

// sample covers the comparable kinds. Its generator draws from small domains
// so that equal values come up often.
type sample struct {
	B bool
	I int
	U uint16
	F float64
	S string
	A [2]int8
	C complex64
	X any
	p point
}

var (
	smallInts = rapid.IntRange(-2, 2)
	floats    = rapid.SampledFrom([]float64{0, negZero, 1, -1, 0.5, math.Inf(1), math.Inf(-1), math.MaxFloat64})
	strs      = rapid.StringMatching(`[ab\x00]{0,3}`)
	dynamic   = rapid.SampledFrom([]any{
		nil, 0, 1, int64(0), uint(0), celsius(0), fahrenheit(0), "", "0",
		point{}, point{1, 0}, ageom.Point{}, bgeom.Point{}, [1]any{0}, [1]any{"0"}, struct{}{},
	})
	samples = rapid.Custom(func(t *rapid.T) sample {
		return sample{
			B: rapid.Bool().Draw(t, "B"),
			I: smallInts.Draw(t, "I"),
			U: uint16(rapid.SampledFrom([]int{0, 1, 255, 256, 65535}).Draw(t, "U")),
			F: floats.Draw(t, "F"),
			S: strs.Draw(t, "S"),
			A: [2]int8{int8(smallInts.Draw(t, "A0")), int8(smallInts.Draw(t, "A1"))},
			C: complex(float32(floats.Draw(t, "Cr")), float32(floats.Draw(t, "Ci"))),
			X: dynamic.Draw(t, "X"),
			p: point{smallInts.Draw(t, "pX"), smallInts.Draw(t, "pY")},
		}
	})
)

// TestKeyMatchesEquality checks that keys are equal exactly when values are
// ==, and that value encodings of comparable data equal key encodings.
func TestKeyMatchesEquality(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b := samples.Draw(t, "a"), samples.Draw(t, "b")
		if rapid.Bool().Draw(t, "same") {
			b = a
		}
		ka, kb := key(t, rv(a)), key(t, rv(b))
		if bytes.Equal(ka, kb) != (a == b) {
			t.Fatalf("a == b is %v, but keys %x and %x", a == b, ka, kb)
		}
		if va := value(t, rv(a)); !bytes.Equal(va, ka) {
			t.Fatalf("value encoding %x differs from key encoding %x", va, ka)
		}
	})
}

// TestKeySequences checks that concatenated keys of argument lists stay
// injective.
func TestKeySequences(t *testing.T) {
	pairs := rapid.Custom(func(t *rapid.T) [2]any {
		return [2]any{strs.Draw(t, "s"), dynamic.Draw(t, "x")}
	})
	enc := func(t *rapid.T, args [][2]any) []byte {
		var b []byte
		for _, a := range args {
			var err error
			if b, err = codec.AppendKey(b, reflect.ValueOf(a[0])); err != nil {
				t.Fatal(err)
			}
			if b, err = codec.AppendKey(b, rv(a[1])); err != nil {
				t.Fatal(err)
			}
		}
		return b
	}
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 3).Draw(t, "n")
		a := rapid.SliceOfN(pairs, n, n).Draw(t, "a")
		b := rapid.SliceOfN(pairs, n, n).Draw(t, "b")
		if bytes.Equal(enc(t, a), enc(t, b)) != reflect.DeepEqual(a, b) {
			t.Fatalf("%v and %v: keys equal = %v", a, b, !reflect.DeepEqual(a, b))
		}
	})
}

type document struct {
	Title string
	Tags  []string
	Attrs map[string][]int
	Ref   *point
	Kids  []document
	Extra any
}

var documents = rapid.Custom(func(t *rapid.T) document {
	return drawDocument(t, 2)
})

func drawDocument(t *rapid.T, depth int) document {
	d := document{
		Title: strs.Draw(t, "title"),
		Tags:  rapid.SliceOfN(strs, 0, 2).Draw(t, "tags"),
		Attrs: rapid.MapOfN(strs, rapid.SliceOfN(smallInts, 0, 2), 0, 3).Draw(t, "attrs"),
		Ref:   rapid.Ptr(rapid.Custom(func(t *rapid.T) point { return point{smallInts.Draw(t, "x"), 0} }), true).Draw(t, "ref"),
		Extra: rapid.SampledFrom([]any{nil, 1, "1", []int{1}, map[int]any{1: nil}}).Draw(t, "extra"),
	}
	if depth > 0 {
		for range rapid.IntRange(0, 2).Draw(t, "kids") {
			d.Kids = append(d.Kids, drawDocument(t, depth-1))
		}
	}
	return d
}

// TestEqualMatchesDeepEqual checks Equal against reflect.DeepEqual on data
// without NaNs, nil slices or maps, or sharing, where the two must agree.
func TestEqualMatchesDeepEqual(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b := documents.Draw(t, "a"), documents.Draw(t, "b")
		if rapid.Bool().Draw(t, "same") {
			b = a
		}
		if got, want := equal(t, a, b), reflect.DeepEqual(a, b); got != want {
			t.Fatalf("Equal = %v, DeepEqual = %v", got, want)
		}
	})
}

type fuzzKey struct {
	I int64
	S string
	F float64
	X any
	b bool
}

func newFuzzKey(i int64, s string, f float64, b bool) fuzzKey {
	k := fuzzKey{I: i, S: s, F: f, b: b}
	if b {
		k.X = celsius(f)
	} else {
		k.X = s
	}
	return k
}

// sameKey is == except that NaNs are equal, as they are in key encodings.
func sameKey(a, b fuzzKey) bool {
	sameF := func(x, y float64) bool { return x == y || math.IsNaN(x) && math.IsNaN(y) }
	if a.b != b.b || a.I != b.I || a.S != b.S || !sameF(a.F, b.F) {
		return false
	}
	if a.b {
		return sameF(float64(a.X.(celsius)), float64(b.X.(celsius)))
	}
	return a.X == b.X
}

func FuzzKeyInjective(f *testing.F) {
	f.Add(int64(0), "", 0.0, false, int64(0), "", negZero, false)
	f.Add(int64(1), "a", 1.0, true, int64(1), "a", 1.0, false)
	f.Add(int64(-1), "ab", math.NaN(), true, int64(-1), "ab", math.NaN(), true)
	f.Add(int64(math.MaxInt64), "a\x00", math.Inf(1), false, int64(math.MinInt64), "a", math.Inf(-1), false)
	f.Add(int64(300), "x", 2.5, true, int64(300), "x", 2.5, true)
	f.Fuzz(func(t *testing.T, i1 int64, s1 string, f1 float64, b1 bool, i2 int64, s2 string, f2 float64, b2 bool) {
		a, b := newFuzzKey(i1, s1, f1, b1), newFuzzKey(i2, s2, f2, b2)
		ka, kb := key(t, rv(a)), key(t, rv(b))
		if bytes.Equal(ka, kb) != sameKey(a, b) {
			t.Fatalf("%#v and %#v: keys %x and %x", a, b, ka, kb)
		}
	})
}
