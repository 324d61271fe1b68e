package selfrefgen

import (
	"go/ast"
	"strconv"
)

// The generated code copies the value of some fields: those given to the
// constructor (heads, and fields with an empty borrows tag) are passed by
// value and copied into the struct, the heads again into the Heads type,
// and with the debug option String copies every viewable field into a
// []any. go vet's copylocks check reports each copy of a value that holds
// a lock, so such a field is rejected. Which types hold a lock is told
// from syntax: the generator reads one file and does not type-check it.

// lockTypes are the types of other packages that hold a lock: those of
// sync and sync/atomic (a Mutex, or a noCopy marker), and those of the
// runtime that hold a Lifecycle.
var lockTypes = map[string]map[string]bool{
	"sync":        {"Cond": true, "Map": true, "Mutex": true, "Once": true, "Pool": true, "RWMutex": true, "WaitGroup": true},
	"sync/atomic": {"Bool": true, "Int32": true, "Int64": true, "Pointer": true, "Uint32": true, "Uint64": true, "Uintptr": true},
	RuntimePath:   {"Cell": true, "Chain3": true, "Lifecycle": true, "RentMutex": true, "RentRWMutex": true},
}

// lockFinder tells whether a type expression of the input file holds a
// lock by value.
type lockFinder struct {
	im      imports
	types   map[string]*ast.TypeSpec // the package-level types of the file
	lockers map[string]int           // Lock and Unlock methods on *T, by T
	marked  map[string]bool          // the structs marked for generation
	busy    map[string]bool          // the types being looked into
}

func newLockFinder(f *ast.File, bundles []*bundle) *lockFinder {
	lf := &lockFinder{im: fileImports(f), types: map[string]*ast.TypeSpec{}, lockers: map[string]int{}, marked: map[string]bool{}, busy: map[string]bool{}}
	for _, b := range bundles {
		lf.marked[b.name] = true
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				if ts, ok := spec.(*ast.TypeSpec); ok {
					lf.types[ts.Name.Name] = ts
				}
			}
		case *ast.FuncDecl:
			if d.Recv == nil || len(d.Recv.List) == 0 || d.Name.Name != "Lock" && d.Name.Name != "Unlock" {
				continue
			}
			if _, ptr := d.Recv.List[0].Type.(*ast.StarExpr); ptr {
				lf.lockers[recvTypeName(d)]++
			}
		}
	}
	return lf
}

// lock returns the lock that a value of type e holds, as written ("sync.Mutex",
// "S"), or "". env tells, for the type parameters in scope, whether the
// type argument given for each holds one; the bundle's own type
// parameters are not in it, and hold none as far as go vet can tell.
func (lf *lockFinder) lock(e ast.Expr, env map[string]string) string {
	switch e := e.(type) {
	case *ast.ParenExpr:
		return lf.lock(e.X, env)
	case *ast.ArrayType:
		if e.Len == nil {
			return "" // a slice
		}
		return lf.lock(e.Elt, env)
	case *ast.StructType:
		for _, fl := range e.Fields.List {
			if l := lf.lock(fl.Type, env); l != "" {
				return l
			}
		}
		return ""
	case *ast.SelectorExpr:
		x, ok := e.X.(*ast.Ident)
		if !ok {
			return ""
		}
		spec, ok := lf.im.byName[x.Name]
		if !ok {
			return ""
		}
		path, _ := strconv.Unquote(spec.Path.Value)
		if lockTypes[path][e.Sel.Name] {
			return x.Name + "." + e.Sel.Name
		}
		return ""
	case *ast.IndexExpr:
		return lf.named(e.X, []ast.Expr{e.Index}, env)
	case *ast.IndexListExpr:
		return lf.named(e.X, e.Indices, env)
	case *ast.Ident:
		return lf.named(e, nil, env)
	}
	return "" // pointers, maps, channels, functions, interfaces
}

// named is lock for the type x, instantiated with args if it is generic.
func (lf *lockFinder) named(x ast.Expr, args []ast.Expr, env map[string]string) string {
	id, ok := x.(*ast.Ident)
	if !ok {
		return lf.lock(x, env)
	}
	if l, ok := env[id.Name]; ok {
		return l
	}
	if lf.marked[id.Name] || lf.lockers[id.Name] == 2 {
		return id.Name
	}
	ts, ok := lf.types[id.Name]
	if !ok || lf.busy[id.Name] {
		return ""
	}
	inner := map[string]string{}
	if ts.TypeParams != nil {
		i := 0
		for _, p := range ts.TypeParams.List {
			for _, n := range p.Names {
				if i < len(args) {
					inner[n.Name] = lf.lock(args[i], env)
				}
				i++
			}
		}
	}
	lf.busy[id.Name] = true
	defer delete(lf.busy, id.Name)
	if lf.lock(ts.Type, inner) != "" {
		return id.Name
	}
	return ""
}

// checkLocks reports the fields of the bundles that hold a lock by value
// and that the generated code would copy.
func checkLocks(f *ast.File, bundles []*bundle, errs *errorList) {
	lf := newLockFinder(f, bundles)
	for _, b := range bundles {
		// The bundle's type parameters shadow the file's types.
		env := map[string]string{}
		for _, id := range b.typeParamIdents {
			env[id.Name] = ""
		}
		for _, fl := range b.fields {
			l := lf.lock(fl.typExpr, env)
			var copier string
			switch {
			case l == "":
				continue
			case !fl.built():
				copier = "the generated constructors copy"
			case b.opts.debug && fl.viewable():
				copier = "the generated String method copies"
			default:
				continue // a built field is only assigned its builder's result
			}
			errs.add(fl.pos, "field %s holds a lock (%s) by value, which %s, and go vet reports copies of locks; hold it by pointer (*%s)", fl.name, l, copier, exprString(fl.typExpr))
		}
	}
}
