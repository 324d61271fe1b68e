package codec_test

import (
	"reflect"
	"strconv"
	"testing"

	"github.com/cellar-go/cellar/internal/codec"
)

func benchmarkKey(b *testing.B, v reflect.Value) {
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		var err error
		if buf, err = codec.AppendKey(buf[:0], v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendKeyInt(b *testing.B) {
	benchmarkKey(b, reflect.ValueOf(1234567))
}

func BenchmarkAppendKeyString(b *testing.B) {
	benchmarkKey(b, reflect.ValueOf("github.com/cellar-go/cellar/internal/codec"))
}

func BenchmarkAppendKeyStruct(b *testing.B) {
	type target struct {
		Pkg     string
		GOOS    string
		Version int
		Opt     float64
		Race    bool
		Extra   any
		hash    [16]byte
	}
	benchmarkKey(b, reflect.ValueOf(target{
		Pkg: "github.com/cellar-go/cellar", GOOS: "linux", Version: 3, Opt: 2,
		Race: true, Extra: celsius(1), hash: [16]byte{1, 2, 3},
	}))
}

func BenchmarkEqualSlice(b *testing.B) {
	x, y := make([]string, 100), make([]string, 100)
	for i := range x {
		x[i] = "item-" + strconv.Itoa(i)
		y[i] = "item-" + strconv.Itoa(i)
	}
	var xa, ya any = x, y
	b.ReportAllocs()
	for b.Loop() {
		if eq, err := codec.Equal(xa, ya); err != nil || !eq {
			b.Fatal(eq, err)
		}
	}
}
