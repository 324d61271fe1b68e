package codec_test

import (
	"bytes"
	"encoding/hex"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	ageom "github.com/cellar-go/cellar/internal/codec/internal/a/geom"
	bgeom "github.com/cellar-go/cellar/internal/codec/internal/b/geom"
)

var update = flag.Bool("update", false, "rewrite testdata/keys.golden")

// goldenKeys lists values whose key encodings must never change: keys
// identify memoized work across processes and releases.
var goldenKeys = []struct {
	name string
	v    reflect.Value
}{
	{"false", rv(false)},
	{"true", rv(true)},
	{"int 0", rv(0)},
	{"int -1", rv(-1)},
	{"int 1000000", rv(1000000)},
	{"int64 min", rv(int64(math.MinInt64))},
	{"int8 -128", rv(int8(-128))},
	{"uint max", rv(uint64(math.MaxUint64))},
	{"uint8 255", rv(uint8(255))},
	{"uint16 300", rv(uint16(300))},
	{"uintptr 7", rv(uintptr(7))},
	{"float64 pi", rv(math.Pi)},
	{"float64 -0", rv(negZero)},
	{"float64 NaN", rv(math.NaN())},
	{"float64 -Inf", rv(math.Inf(-1))},
	{"float32 1.5", rv(float32(1.5))},
	{"complex64", rv(complex64(complex(1, -2)))},
	{"complex128", rv(complex(0.5, math.Inf(1)))},
	{"string empty", rv("")},
	{"string", rv("héllo, wörld")},
	{"bytes array", rv([4]byte{0xde, 0xad, 0xbe, 0xef})},
	{"string array", rv([3]string{"a", "", "c"})},
	{"struct", rv(point{3, -4})},
	{"unexported fields", rv(hidden{Name: "n", secret: 42, inner: point{1, 2}, any: "x"})},
	{"blank fields", rv(blanks{A: 1, B: "b"})},
	{"nil interface", rv[any](nil)},
	{"interface int", rv[any](7)},
	{"interface celsius", rv[any](celsius(21.5))},
	{"interface fahrenheit", rv[any](fahrenheit(21.5))},
	{"interface a.Point", rv[any](ageom.Point{X: 1, Y: 2})},
	{"interface b.Point", rv[any](bgeom.Point{X: 1, Y: 2})},
	{"interface array", rv[any]([2]any{nil, "x"})},
	{"interface anonymous struct", rv[any](struct {
		A int `k:"v"`
		b string
	}{1, "b"})},
}

func TestGoldenKeys(t *testing.T) {
	var b strings.Builder
	for _, g := range goldenKeys {
		fmt.Fprintf(&b, "%s: %s\n", g.name, hex.EncodeToString(key(t, g.v)))
	}
	got := []byte(b.String())
	path := filepath.Join("testdata", "keys.golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	gotLines := strings.Split(string(got), "\n")
	wantLines := strings.Split(string(want), "\n")
	for i := range max(len(gotLines), len(wantLines)) {
		var g, w string
		if i < len(gotLines) {
			g = gotLines[i]
		}
		if i < len(wantLines) {
			w = wantLines[i]
		}
		if g != w {
			t.Errorf("line %d:\n got %s\nwant %s", i+1, g, w)
		}
	}
	t.Error("key encodings changed, which breaks the identity of stored work; " +
		"if that is intended, run go test -update")
}
