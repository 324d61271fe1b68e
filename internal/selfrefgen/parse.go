package selfrefgen

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/printer"
	"go/token"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// RuntimePath is the import path of the runtime package that generated
// code builds on.
const RuntimePath = "github.com/cellar-go/cellar/selfref"

// Directive marks a struct for generation. It is written in the struct's
// doc comment, optionally followed by options:
//
//	//selfref:generate pub_extras no_doc debug
const Directive = "//selfref:generate"

// options are the options of one directive.
type options struct {
	pubExtras bool // extras follow the struct's visibility instead of being unexported
	noDoc     bool // no doc comments on the generated items
	debug     bool // generate a String method
}

// knownOptions maps each option to the field it sets.
var knownOptions = map[string]func(*options){
	"pub_extras": func(o *options) { o.pubExtras = true },
	"no_doc":     func(o *options) { o.noDoc = true },
	"debug":      func(o *options) { o.debug = true },
}

// bundle is one struct to generate for.
type bundle struct {
	name       string     // the struct's name
	typeParams string     // "[K comparable, V any]", or ""
	typeArgs   string     // "[K, V]", or ""
	typeExprs  []ast.Expr // the constraints of the type parameters
	life       string     // the name of its selfref.Lifecycle field
	fields     []*field
	opts       options
}

// field is one field of a bundle, other than its Lifecycle.
type field struct {
	name    string   // as declared: unexported
	typ     string   // its type, as written
	typExpr ast.Expr // the same, parsed
	pos     token.Position
	tagged  bool // it has a borrows tag, possibly empty
	borrows []borrow
	index   int
	// Filled in by checkBorrows.
	borrowedBy    []*field // immutably
	mutBorrowedBy *field
}

type borrow struct {
	f   *field
	mut bool
}

// head reports whether f is a head field: one without a borrows tag, whose
// value is given to the constructor and handed back by IntoHeads.
func (f *field) head() bool { return !f.tagged }

// built reports whether f is built by a builder function from the fields
// it borrows. A field with an empty borrows tag is neither built nor a
// head: its value is given to the constructor as is.
func (f *field) built() bool { return len(f.borrows) > 0 }

// viewable reports whether f may be viewed and borrowed: it is not
// mutably borrowed by another field.
func (f *field) viewable() bool { return f.mutBorrowedBy == nil }

// tail reports whether no other field borrows f, so that it may be viewed
// mutably.
func (f *field) tail() bool { return f.mutBorrowedBy == nil && len(f.borrowedBy) == 0 }

// title is f's name with its first letter in upper case.
func (f *field) title() string { return upperFirst(f.name) }

// errorList collects the errors of one file.
type errorList []error

func (e *errorList) add(pos token.Position, format string, args ...any) {
	*e = append(*e, &PosError{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// imports describes the import declarations of the input file.
type imports struct {
	byName  map[string]*ast.ImportSpec // by the name the file uses
	runtime string                     // the name of the runtime package, or ""
}

func fileImports(f *ast.File) imports {
	im := imports{byName: map[string]*ast.ImportSpec{}}
	for _, spec := range f.Imports {
		path, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			continue
		}
		name := guessName(path)
		if spec.Name != nil {
			name = spec.Name.Name
		}
		im.byName[name] = spec
		if path == RuntimePath {
			im.runtime = name
		}
	}
	return im
}

// guessName guesses the package name of an import path that the file
// imports without a name: the last element, without a major version
// suffix or a "go-" prefix or ".go"/"-go" suffix.
func guessName(path string) string {
	elems := strings.Split(path, "/")
	last := elems[len(elems)-1]
	if len(elems) > 1 && len(last) > 1 && last[0] == 'v' && strings.Trim(last[1:], "0123456789") == "" {
		last = elems[len(elems)-2]
	}
	last = strings.TrimPrefix(last, "go-")
	last = strings.TrimSuffix(strings.TrimSuffix(last, ".go"), "-go")
	if i := strings.IndexAny(last, ".-"); i >= 0 {
		last = last[:i]
	}
	return last
}

// findBundles returns the structs of f marked with the directive.
func findBundles(fset *token.FileSet, f *ast.File, errs *errorList) []*bundle {
	im := fileImports(f)
	var out []*bundle
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, spec := range gd.Specs {
			ts := spec.(*ast.TypeSpec)
			doc := ts.Doc
			if doc == nil && len(gd.Specs) == 1 {
				doc = gd.Doc
			}
			opts, marked := directive(fset, doc, errs)
			if !marked {
				continue
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				errs.add(fset.Position(ts.Name.Pos()), "%s is marked %s but is not a struct", ts.Name.Name, Directive)
				continue
			}
			if b := parseBundle(fset, ts, st, im, opts, errs); b != nil {
				out = append(out, b)
			}
		}
	}
	return out
}

// directive reports whether doc holds the directive, and its options.
func directive(fset *token.FileSet, doc *ast.CommentGroup, errs *errorList) (options, bool) {
	var opts options
	if doc == nil {
		return opts, false
	}
	for _, c := range doc.List {
		rest, ok := strings.CutPrefix(c.Text, Directive)
		if !ok || rest != "" && rest[0] != ' ' && rest[0] != '\t' {
			continue
		}
		for _, o := range strings.Fields(rest) {
			set, ok := knownOptions[o]
			if !ok {
				errs.add(fset.Position(c.Pos()), "unknown %s option %q (known: debug, no_doc, pub_extras)", Directive, o)
				continue
			}
			set(&opts)
		}
		return opts, true
	}
	return opts, false
}

func parseBundle(fset *token.FileSet, ts *ast.TypeSpec, st *ast.StructType, im imports, opts options, errs *errorList) *bundle {
	b := &bundle{name: ts.Name.Name, opts: opts}
	namePos := fset.Position(ts.Name.Pos())
	nerr := len(*errs)
	if ts.TypeParams != nil {
		var params, names []string
		for _, p := range ts.TypeParams.List {
			var these []string
			for _, n := range p.Names {
				these = append(these, n.Name)
			}
			names = append(names, these...)
			params = append(params, strings.Join(these, ", ")+" "+exprString(p.Type))
			b.typeExprs = append(b.typeExprs, p.Type)
		}
		b.typeParams = "[" + strings.Join(params, ", ") + "]"
		b.typeArgs = "[" + strings.Join(names, ", ") + "]"
	}
	type tagged struct {
		f   *field
		tag string
	}
	var pending []tagged
	for _, af := range st.Fields.List {
		if isLifecycle(af.Type, im) {
			if len(af.Names) != 1 {
				errs.add(fset.Position(af.Pos()), "the selfref.Lifecycle field of %s must have exactly one name", b.name)
				continue
			}
			if b.life != "" {
				errs.add(fset.Position(af.Pos()), "struct %s has more than one selfref.Lifecycle field", b.name)
				continue
			}
			b.life = af.Names[0].Name
			continue
		}
		if len(af.Names) == 0 {
			errs.add(fset.Position(af.Pos()), "embedded field %s: the fields of a self-referencing struct must be named", exprString(af.Type))
			continue
		}
		tag, hasTag := "", false
		if af.Tag != nil {
			raw, err := strconv.Unquote(af.Tag.Value)
			if err == nil {
				tag, hasTag = reflect.StructTag(raw).Lookup("borrows")
			}
		}
		for _, n := range af.Names {
			f := &field{name: n.Name, typ: exprString(af.Type), typExpr: af.Type, pos: fset.Position(n.Pos()), tagged: hasTag, index: len(b.fields)}
			if n.Name == "_" {
				errs.add(f.pos, "blank field: the fields of a self-referencing struct must be named")
				continue
			}
			if ast.IsExported(n.Name) {
				errs.add(f.pos, "field %s is exported; the fields of a self-referencing struct must be unexported, so that other packages reach them only through the generated methods", n.Name)
			}
			b.fields = append(b.fields, f)
			if hasTag {
				pending = append(pending, tagged{f, tag})
			}
		}
	}
	if b.life == "" {
		errs.add(namePos, "struct %s has no selfref.Lifecycle field; add one, such as `life selfref.Lifecycle`", b.name)
	}
	if n := len(b.fields); n < 2 {
		errs.add(namePos, "struct %s has %d field%s besides its Lifecycle; a self-referencing struct needs at least two", b.name, n, plural(n))
	}
	byName := map[string]*field{}
	for _, f := range b.fields {
		byName[f.name] = f
	}
	for _, p := range pending {
		parseBorrows(p.f, p.tag, byName, errs)
	}
	checkBorrows(b, errs)
	checkClashes(b, errs)
	if len(*errs) > nerr {
		return nil
	}
	return b
}

// isLifecycle reports whether t is the runtime's Lifecycle type.
func isLifecycle(t ast.Expr, im imports) bool {
	sel, ok := t.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Lifecycle" {
		return false
	}
	x, ok := sel.X.(*ast.Ident)
	return ok && im.runtime != "" && x.Name == im.runtime
}

// parseBorrows parses a borrows tag: a comma-separated list of field
// names, each optionally preceded by "mut".
func parseBorrows(f *field, tag string, byName map[string]*field, errs *errorList) {
	if strings.TrimSpace(tag) == "" {
		return
	}
	seen := map[string]bool{}
	for item := range strings.SplitSeq(tag, ",") {
		words := strings.Fields(item)
		mut := false
		if len(words) == 2 && words[0] == "mut" {
			mut, words = true, words[1:]
		}
		if len(words) != 1 || words[0] == "mut" || !token.IsIdentifier(words[0]) {
			errs.add(f.pos, "field %s: malformed borrows item %q; want a field name, or \"mut\" and a field name", f.name, strings.TrimSpace(item))
			continue
		}
		name := words[0]
		target, ok := byName[name]
		switch {
		case name == f.name:
			errs.add(f.pos, "field %s borrows itself", f.name)
		case !ok:
			errs.add(f.pos, "field %s borrows %s, which does not exist", f.name, name)
		case target.index > f.index:
			errs.add(f.pos, "field %s borrows %s, which is declared after it", f.name, name)
		case seen[name]:
			errs.add(f.pos, "field %s borrows %s twice", f.name, name)
		default:
			f.borrows = append(f.borrows, borrow{target, mut})
		}
		seen[name] = true
	}
}

// checkBorrows applies the borrowing rules: a field is borrowed mutably by
// at most one field, and then by no other.
func checkBorrows(b *bundle, errs *errorList) {
	for _, f := range b.fields {
		for _, br := range f.borrows {
			t := br.f
			switch {
			case br.mut && t.mutBorrowedBy != nil:
				errs.add(f.pos, "field %s is borrowed mutably by both %s and %s", t.name, t.mutBorrowedBy.name, f.name)
			case br.mut && len(t.borrowedBy) > 0:
				errs.add(f.pos, "field %s is borrowed mutably by %s and immutably by %s", t.name, f.name, t.borrowedBy[0].name)
			case !br.mut && t.mutBorrowedBy != nil:
				errs.add(f.pos, "field %s is borrowed mutably by %s and immutably by %s", t.name, t.mutBorrowedBy.name, f.name)
			case br.mut:
				t.mutBorrowedBy = f
			default:
				t.borrowedBy = append(t.borrowedBy, f)
			}
		}
	}
}

// checkClashes reports fields whose names the generated methods would
// take: Go does not allow a field and a method of the same name.
func checkClashes(b *bundle, errs *errorList) {
	n := names{b}
	methods := map[string]bool{"Close": true}
	if b.opts.debug {
		methods["String"] = true
	}
	for _, m := range []string{"With", "WithMut", "IntoHeads", "Rent", "RentMut", "RentAll", "RentAllMut", "MaybeRent", "TryRent"} {
		methods[n.extra(m)] = true
	}
	for _, f := range b.fields {
		methods[n.item("With"+f.title())] = true
		methods[n.item("Borrow"+f.title())] = true
		methods[n.item("With"+f.title()+"Mut")] = true
	}
	for _, f := range b.fields {
		if methods[f.name] {
			errs.add(f.pos, "field %s has the name of a generated method; rename it", f.name)
		}
	}
}

// exprString prints an expression as it would appear in source.
func exprString(e ast.Node) string {
	var buf bytes.Buffer
	printer.Fprint(&buf, token.NewFileSet(), e)
	return buf.String()
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
