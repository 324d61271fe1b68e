package selfrefgen

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/printer"
	"go/token"
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
	// typeParamList is the type parameter list as declared, or nil.
	typeParamList *ast.FieldList
	// typeParamIdents are the names of the type parameters, as declared.
	typeParamIdents []*ast.Ident
	typeParamPos    []token.Position
	namePos         token.Position // the position of the struct's name
	life            string         // the name of its selfref.Lifecycle field
	lifePos         token.Position
	fields          []*field
	opts            options
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
	runtime map[string]bool            // the names of the runtime package
}

func fileImports(f *ast.File) imports {
	im := imports{byName: map[string]*ast.ImportSpec{}, runtime: map[string]bool{}}
	for _, spec := range f.Imports {
		name, path, ok := importName(spec)
		if !ok {
			continue
		}
		im.byName[name] = spec
		if path == RuntimePath {
			im.runtime[name] = true
		}
	}
	return im
}

// importName returns the name under which spec imports its package, and
// the package's path; false if the path does not parse.
func importName(spec *ast.ImportSpec) (name, path string, ok bool) {
	path, err := strconv.Unquote(spec.Path.Value)
	if err != nil {
		return "", "", false
	}
	if spec.Name != nil {
		return spec.Name.Name, path, true
	}
	return guessName(path), path, true
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
			if ts.Assign.IsValid() {
				errs.add(fset.Position(ts.Name.Pos()), "%s is marked %s but is a type alias; mark a struct type declaration (type %s struct {...})", ts.Name.Name, Directive, ts.Name.Name)
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
	// A type declared in a function cannot have methods.
	ast.Inspect(f, func(n ast.Node) bool {
		ds, ok := n.(*ast.DeclStmt)
		if !ok {
			return true
		}
		gd, ok := ds.Decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			return true
		}
		for _, spec := range gd.Specs {
			ts := spec.(*ast.TypeSpec)
			doc := ts.Doc
			if doc == nil && len(gd.Specs) == 1 {
				doc = gd.Doc
			}
			if c := directiveComment(doc); c != nil {
				errs.add(fset.Position(c.Pos()), "%s is declared inside a function: only package-level types can be generated, since only they can have methods", ts.Name.Name)
			}
		}
		return true
	})
	return out
}

// directiveComment returns the line of doc that holds the directive, or
// nil.
func directiveComment(doc *ast.CommentGroup) *ast.Comment {
	if doc == nil {
		return nil
	}
	for _, c := range doc.List {
		rest, ok := strings.CutPrefix(c.Text, Directive)
		if ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
			return c
		}
	}
	return nil
}

// directive reports whether doc holds the directive, and its options.
func directive(fset *token.FileSet, doc *ast.CommentGroup, errs *errorList) (options, bool) {
	var opts options
	c := directiveComment(doc)
	if c == nil {
		return opts, false
	}
	for _, o := range strings.Fields(strings.TrimPrefix(c.Text, Directive)) {
		set, ok := knownOptions[o]
		if !ok {
			errs.add(fset.Position(c.Pos()), "unknown %s option %q (known: debug, no_doc, pub_extras)", Directive, o)
			continue
		}
		set(&opts)
	}
	return opts, true
}

func parseBundle(fset *token.FileSet, ts *ast.TypeSpec, st *ast.StructType, im imports, opts options, errs *errorList) *bundle {
	namePos := fset.Position(ts.Name.Pos())
	b := &bundle{name: ts.Name.Name, opts: opts, namePos: namePos}
	nerr := len(*errs)
	if ts.TypeParams != nil {
		b.typeParamList = ts.TypeParams
		for _, p := range ts.TypeParams.List {
			for _, n := range p.Names {
				b.typeParamIdents = append(b.typeParamIdents, n)
				b.typeParamPos = append(b.typeParamPos, fset.Position(n.Pos()))
			}
			b.typeExprs = append(b.typeExprs, p.Type)
		}
		b.typeParams, b.typeArgs = typeParamStrings(ts.TypeParams)
	}
	type tagged struct {
		f   *field
		tag string
	}
	var pending []tagged
	declared := map[string]token.Position{} // field names, for duplicates
	blankLife := false
	for _, af := range st.Fields.List {
		if isLifecycle(af.Type, im) {
			if len(af.Names) != 1 {
				errs.add(fset.Position(af.Pos()), "the selfref.Lifecycle field of %s must have exactly one name", b.name)
				continue
			}
			if af.Names[0].Name == "_" {
				errs.add(fset.Position(af.Pos()), "the selfref.Lifecycle field of %s is blank; the generated methods need to reach it by name", b.name)
				blankLife = true
				continue
			}
			if af.Tag != nil {
				errs.add(fset.Position(af.Tag.Pos()), "the selfref.Lifecycle field of %s takes no tag", b.name)
			}
			if prev, ok := declared[af.Names[0].Name]; ok {
				errs.add(fset.Position(af.Pos()), "field %s is declared twice (first at %s)", af.Names[0].Name, prev)
				continue
			}
			declared[af.Names[0].Name] = fset.Position(af.Names[0].Pos())
			if b.life != "" {
				errs.add(fset.Position(af.Pos()), "struct %s has more than one selfref.Lifecycle field", b.name)
				continue
			}
			b.life, b.lifePos = af.Names[0].Name, fset.Position(af.Names[0].Pos())
			continue
		}
		if len(af.Names) == 0 {
			errs.add(fset.Position(af.Pos()), "embedded field %s: the fields of a self-referencing struct must be named", exprString(af.Type))
			continue
		}
		tag, hasTag := "", false
		if af.Tag != nil {
			tag, hasTag = parseTag(fset, af.Tag, errs)
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
			if prev, ok := declared[n.Name]; ok {
				errs.add(f.pos, "field %s is declared twice (first at %s)", n.Name, prev)
				continue
			}
			declared[n.Name] = f.pos
			b.fields = append(b.fields, f)
			if hasTag {
				pending = append(pending, tagged{f, tag})
			}
		}
	}
	switch {
	case b.name == "_":
		errs.add(namePos, "a blank struct type cannot have methods; name it")
	case strings.Contains(b.name, freshPrefix):
		errs.add(namePos, "struct %s: names containing %s are reserved for selfrefgen", b.name, freshPrefix)
	}
	for i, id := range b.typeParamIdents {
		if strings.Contains(id.Name, freshPrefix) {
			errs.add(b.typeParamPos[i], "type parameter %s: names containing %s are reserved for selfrefgen", id.Name, freshPrefix)
		}
	}
	for _, f := range b.fields {
		if strings.Contains(f.name, freshPrefix) {
			errs.add(f.pos, "field %s: names containing %s are reserved for selfrefgen", f.name, freshPrefix)
		}
	}
	if b.life == "" && !blankLife {
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
	if len(*errs) > nerr {
		return nil
	}
	return b
}

// typeParamStrings returns a type parameter list as declared, such as
// "[K comparable, V any]", and as type arguments, "[K, V]".
func typeParamStrings(list *ast.FieldList) (params, args string) {
	var decl, names []string
	for _, p := range list.List {
		var these []string
		for _, n := range p.Names {
			these = append(these, n.Name)
		}
		names = append(names, these...)
		decl = append(decl, strings.Join(these, ", ")+" "+exprString(p.Type))
	}
	// A lone type parameter gets a trailing comma, so that a declaration
	// such as type T[P *C,] is not read as an array type; gofmt removes
	// the comma where it is not needed.
	comma := ""
	if len(names) == 1 {
		comma = ","
	}
	return "[" + strings.Join(decl, ", ") + comma + "]", "[" + strings.Join(names, ", ") + "]"
}

// isLifecycle reports whether t is the runtime's Lifecycle type.
func isLifecycle(t ast.Expr, im imports) bool {
	sel, ok := t.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Lifecycle" {
		return false
	}
	x, ok := sel.X.(*ast.Ident)
	return ok && im.runtime[x.Name]
}

// tagKey is the only key a field's tag may have.
const tagKey = "borrows"

// parseTag parses the tag of a field and returns the value of its borrows
// key, if it has one. The syntax is reflect.StructTag's, checked strictly:
// key:"value" pairs separated by spaces, each value a quoted Go string, no
// key twice, and no key but borrows. (reflect's Lookup silently ignores
// what it cannot parse, which would turn a misspelt borrowing field into a
// head.)
func parseTag(fset *token.FileSet, lit *ast.BasicLit, errs *errorList) (value string, ok bool) {
	pos := fset.Position(lit.Pos())
	tag, err := strconv.Unquote(lit.Value)
	if err != nil {
		errs.add(pos, "malformed tag %s", lit.Value)
		return "", false
	}
	bad := func(format string, args ...any) (string, bool) {
		errs.add(pos, "malformed tag %s: %s (the form is %s:\"a, mut b\")", lit.Value, fmt.Sprintf(format, args...), tagKey)
		return "", false
	}
	seen := false
	for {
		tag = strings.TrimLeft(tag, " ")
		if tag == "" {
			return value, seen
		}
		i := 0
		for i < len(tag) && tag[i] > ' ' && tag[i] != ':' && tag[i] != '"' && tag[i] != 0x7f {
			i++
		}
		key := tag[:i]
		switch {
		case key == "":
			return bad("a key is missing")
		case i == len(tag) || tag[i] != ':':
			return bad("key %s is not followed by a colon", strconv.Quote(key))
		case i+1 == len(tag) || tag[i+1] != '"':
			return bad("the value of %s is not a quoted string right after the colon", key)
		}
		tag = tag[i+1:]
		j := 1
		for j < len(tag) && tag[j] != '"' {
			if tag[j] == '\\' {
				j++
			}
			j++
		}
		if j >= len(tag) {
			return bad("the value of %s is not terminated", key)
		}
		v, err := strconv.Unquote(tag[:j+1])
		if err != nil {
			return bad("the value of %s is not a valid Go string", key)
		}
		tag = tag[j+1:]
		if tag != "" && tag[0] != ' ' {
			return bad("the pairs are not separated by a space")
		}
		switch {
		case key != tagKey:
			errs.add(pos, "unknown tag key %s: the fields of a self-referencing struct take only a %s tag", strconv.Quote(key), tagKey)
			return "", false
		case seen:
			return bad("key %s appears twice", key)
		}
		value, seen = v, true
	}
}

// parseBorrows parses a borrows tag: a comma-separated list of items,
// each a field name, or "mut" and a field name for a mutable borrow. An
// item of one word is always a field name, so a field named mut is
// borrowed by "mut" and mutably by "mut mut".
func parseBorrows(f *field, tag string, byName map[string]*field, errs *errorList) {
	if tag == "" {
		return
	}
	seen := map[string]bool{}
	for item := range strings.SplitSeq(tag, ",") {
		words := strings.Fields(item)
		mut := false
		if len(words) == 2 && words[0] == "mut" {
			mut, words = true, words[1:]
		}
		if len(words) != 1 || !token.IsIdentifier(words[0]) {
			errs.add(f.pos, "field %s: malformed borrows item %q; want a field name, or \"mut\" and a field name", f.name, strings.TrimSpace(item))
			continue
		}
		name := words[0]
		target, ok := byName[name]
		switch {
		case name == f.name:
			errs.add(f.pos, "field %s borrows itself", f.name)
		case !ok && name == "mut" && !mut:
			errs.add(f.pos, "field %s borrows mut, which does not exist; a mutable borrow is written \"mut\" and a field name", f.name)
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
