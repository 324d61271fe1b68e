package selfrefgen

import (
	"go/ast"
	"go/token"
	"reflect"
	"strconv"
	"testing"
)

// FuzzParseTag checks the tag parser against reflect: whatever tag it
// accepts, reflect reads the same borrows value from it, and whatever it
// rejects is reported at the tag.
func FuzzParseTag(f *testing.F) {
	for _, tag := range []string{
		`borrows:"a, mut b"`, `borrows:""`, ` borrows:"a" `, `borrows: "a"`, `borrows:"a" borrows:"b"`,
		`json:"x"`, `borrows:"a"json:"x"`, `borrows:"\x61"`, `borrows:"a`, `:"a"`, "borrows:\"a\"\t", "",
	} {
		f.Add(tag)
	}
	f.Fuzz(func(t *testing.T, tag string) {
		fset := token.NewFileSet()
		file := fset.AddFile("x.go", -1, 100)
		lit := &ast.BasicLit{ValuePos: file.Pos(10), Kind: token.STRING, Value: strconv.Quote(tag)}
		var errs errorList
		value, ok := parseTag(fset, lit, &errs)
		if len(errs) > 0 {
			if ok || len(errs) != 1 {
				t.Fatalf("parseTag(%q) = %q, %v with errors %v", tag, value, ok, errs)
			}
			if pe := errs[0].(*PosError); pe.Pos.Filename != "x.go" || pe.Pos.Line != 1 || pe.Pos.Column != 11 {
				t.Fatalf("parseTag(%q): error at %v", tag, pe.Pos)
			}
			return
		}
		want, wantOK := reflect.StructTag(tag).Lookup("borrows")
		if value != want || ok != wantOK {
			t.Fatalf("parseTag(%q) = %q, %v; reflect reads %q, %v", tag, value, ok, want, wantOK)
		}
	})
}
