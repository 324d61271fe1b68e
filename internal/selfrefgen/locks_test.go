package selfrefgen

import (
	"go/types"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestLocksCopied checks that a field that holds a lock by value is
// rejected at the field where the generated code would copy it, and
// accepted where it would not (TestGeneratedCodeCompilesAndVets runs go
// vet over both).
func TestLocksCopied(t *testing.T) {
	const head = "package p\n\nimport (\n\t\"sync\"\n\t\"sync/atomic\"\n\n\t\"github.com/cellar-go/cellar/selfref\"\n)\n\nvar (\n\t_ sync.Mutex\n\t_ atomic.Bool\n)\n\n"
	// The bundle is at line 15; its field f at line 19, column 2.
	bundle := func(opts, typ, tag string) string {
		return "//selfref:generate" + opts + "\ntype S struct {\n\tlife selfref.Lifecycle\n\ta    int\n\tf    " + typ + tag + "\n}\n"
	}
	const copied = "x.go:19:2: field f holds a lock (%s) by value, which the generated constructors copy, and go vet reports copies of locks; hold it by pointer (*%s)"
	for _, tc := range []struct{ name, decls, opts, typ, tag, lock string }{
		{"sync.Mutex head", "", "", "sync.Mutex", "", "sync.Mutex"},
		{"sync.WaitGroup with an empty tag", "", "", "sync.WaitGroup", " `borrows:\"\"`", "sync.WaitGroup"},
		{"array of sync.Once", "", "", "[2]sync.Once", "", "sync.Once"},
		{"atomic.Int64", "", "", "atomic.Int64", "", "atomic.Int64"},
		{"atomic.Pointer", "", "", "atomic.Pointer[int]", "", "atomic.Pointer"},
		{"struct holding a mutex", "", "", "struct{ mu sync.RWMutex }", "", "sync.RWMutex"},
		{"selfref.Cell", "", "", "selfref.Cell[int, int]", "", "selfref.Cell"},
		{"local type holding a mutex", "type guarded struct {\n\tmu sync.Mutex\n\tn  int\n}\n\n", "", "guarded", "", "guarded"},
		{"local alias", "type mutex = sync.Mutex\n\n", "", "mutex", "", "mutex"},
		{"local type with pointer Lock and Unlock", "type noCopy struct{}\n\nfunc (*noCopy) Lock()   {}\nfunc (*noCopy) Unlock() {}\n\n", "", "noCopy", "", "noCopy"},
		{"generic local type instantiated with a lock", "type box[T any] struct{ v T }\n\n", "", "box[sync.Mutex]", "", "box"},
		{"marked struct held by value", "//selfref:generate\ntype Inner struct {\n\tlife selfref.Lifecycle\n\ta    int\n\tb    int\n}\n\n", "", "Inner", "", "Inner"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := head + tc.decls + bundle(tc.opts, tc.typ, tc.tag)
			lines := strings.Count(tc.decls, "\n")
			want := strings.Replace(strings.Replace(copied, "%s", tc.lock, 1), "%s", tc.typ, 1)
			want = strings.Replace(want, "x.go:19:", "x.go:"+strconv.Itoa(19+lines)+":", 1)
			_, err := Generate("x.go", []byte(src))
			if err == nil || err.Error() != want {
				t.Errorf("err = %v\nwant %s\ninput:\n%s", err, want, src)
			}
		})
	}

	// With debug, String copies the viewable fields, built ones too.
	src := head + bundle(" debug", "sync.Mutex", " `borrows:\"a\"`")
	want := "x.go:19:2: field f holds a lock (sync.Mutex) by value, which the generated String method copies, and go vet reports copies of locks; hold it by pointer (*sync.Mutex)"
	if _, err := Generate("x.go", []byte(src)); err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}

	// Not copied: a built field is assigned its builder's result; a
	// pointer, slice, map or a type parameter holds no lock by value; a
	// generic type instantiated with a pointer to one holds none either.
	for _, c := range []struct{ decls, typ, tag string }{
		{"", "sync.Mutex", " `borrows:\"a\"`"},
		{"", "*sync.Mutex", ""},
		{"", "[]sync.Mutex", ""},
		{"", "map[int]sync.WaitGroup", ""},
		{"", "chan sync.Mutex", ""},
		{"", "func() sync.Mutex", ""},
		{"type box[T any] struct{ v T }\n\n", "box[*sync.Mutex]", ""},
		{"type ptr struct{ mu *sync.Mutex }\n\n", "ptr", ""},
		{"type valueLock struct{}\n\nfunc (valueLock) Lock()   {}\nfunc (valueLock) Unlock() {}\n\n", "valueLock", ""},
	} {
		src := head + c.decls + bundle("", c.typ, c.tag)
		if _, err := Generate("x.go", []byte(src)); err != nil {
			t.Errorf("%s: %v", c.typ, err)
		}
	}
	// The bundle's type parameters hide the file's types.
	src = head + "type T struct{ mu sync.Mutex }\n\n//selfref:generate\ntype S[T any] struct {\n\tlife selfref.Lifecycle\n\ta    int\n\tf    T\n}\n"
	if _, err := Generate("x.go", []byte(src)); err != nil {
		t.Errorf("type parameter T: %v", err)
	}
}

// TestLockTypesTable checks lockTypes against the packages themselves:
// an exported type holds a lock, as go vet's copylocks check sees it, if
// its pointer is a sync.Locker and it is not, or it holds such a value
// (in a field or an array), or it is sync's noCopy.
func TestLockTypesTable(t *testing.T) {
	imp, err := runtimeImporter()
	if err != nil {
		t.Skip(err)
	}
	typesImporterMu.Lock()
	defer typesImporterMu.Unlock()
	syncPkg, err := imp.Import("sync")
	if err != nil {
		t.Fatal(err)
	}
	locker := syncPkg.Scope().Lookup("Locker").Type().Underlying().(*types.Interface)
	var holds func(types.Type, map[types.Type]bool) bool
	holds = func(typ types.Type, seen map[types.Type]bool) bool {
		for {
			a, ok := typ.Underlying().(*types.Array)
			if !ok {
				break
			}
			typ = a.Elem()
		}
		if seen[typ] {
			return false
		}
		seen[typ] = true
		if n, ok := typ.(*types.Named); ok && n.Obj().Name() == "noCopy" && n.Obj().Pkg().Path() == "sync" {
			return true
		}
		if types.Implements(types.NewPointer(typ), locker) && !types.Implements(typ, locker) {
			return true
		}
		st, ok := typ.Underlying().(*types.Struct)
		if !ok {
			return false
		}
		for i := range st.NumFields() {
			if holds(st.Field(i).Type(), seen) {
				return true
			}
		}
		return false
	}
	for path, want := range lockTypes {
		pkg, err := imp.Import(path)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, name := range pkg.Scope().Names() {
			tn, ok := pkg.Scope().Lookup(name).(*types.TypeName)
			if !ok || !tn.Exported() {
				continue
			}
			typ := tn.Type()
			if n, ok := typ.(*types.Named); ok && n.TypeParams().Len() > 0 {
				args := make([]types.Type, n.TypeParams().Len())
				for i := range args {
					args[i] = types.Typ[types.Int]
				}
				if typ, err = types.Instantiate(nil, n, args, true); err != nil {
					t.Fatal(err)
				}
			}
			if holds(typ, map[types.Type]bool{}) {
				got[name] = true
			}
		}
		if !maps.Equal(got, want) {
			t.Errorf("the types of %s that hold a lock are %v; lockTypes lists %v", path, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
		}
	}
}
