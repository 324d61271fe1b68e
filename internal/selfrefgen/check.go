package selfrefgen

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// The collision check works on the generated code itself rather than on a
// list of the names the template uses: each bundle's declarations are
// rendered and parsed, and every name they declare (types, functions,
// methods, struct fields, parameters, receivers, local variables) is
// checked against every other name in its scope, and against the names of
// the input file. So an item added to the template is checked without
// being listed anywhere. A clash is reported at the input that gives rise
// to the name: a field, a type parameter, or the struct.

// genDecls is what the check learns from the declarations generated for
// one bundle.
type genDecls struct {
	b     *bundle
	tb    *tmplBundle
	decls []ast.Decl
	// fresh holds decls as generated for freshBundle(b, true) and
	// freshBundle(b, false).
	fresh   [2][]ast.Decl
	imports map[string]bool // the names the generated file imports
	// reported holds the clashes reported, by cause.
	reported map[string]bool
}

// renderBundle renders the file that would be generated for b alone and
// returns its declarations and import names, with those generated for
// the two freshBundles of b.
func renderBundle(b *bundle, tb *tmplBundle, data fileData) (*genDecls, error) {
	f, err := renderDecls(tb, data)
	if err != nil {
		return nil, err
	}
	g := &genDecls{b: b, tb: tb, imports: importNames(f), decls: declsOf(f)}
	for i, fields := range []bool{true, false} {
		f, err = renderDecls(newTmplBundle(freshBundle(b, fields), tb.Ctx), data)
		if err != nil {
			return nil, err
		}
		g.fresh[i] = declsOf(f)
	}
	return g, nil
}

func renderDecls(tb *tmplBundle, data fileData) (*ast.File, error) {
	data.Bundles = []*tmplBundle{tb}
	var buf bytes.Buffer
	if err := fileTemplate.Execute(&buf, data); err != nil {
		return nil, err
	}
	f, err := parser.ParseFile(token.NewFileSet(), "", buf.Bytes(), parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("the generated code does not parse (a bug in selfrefgen): %w", err)
	}
	return f, nil
}

// declsOf returns the declarations of f other than its imports.
func declsOf(f *ast.File) []ast.Decl {
	var out []ast.Decl
	for _, d := range f.Decls {
		if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.IMPORT {
			continue
		}
		out = append(out, d)
	}
	return out
}

// freshPrefix starts the names that freshBundle gives; the input cannot
// use them, as parseBundle ensures.
const freshPrefix = "selfrefgenFresh"

// freshBundle returns a copy of b in which names that no other name can
// be replace those of its fields, of its type parameters and of what its
// field types and constraints refer to (xselfrefgenFresh0, ...,
// XselfrefgenFresh0, ... and XselfrefgenFreshTio, ...), or else its own
// name.
func freshBundle(b *bundle, fields bool) *bundle {
	fb := *b
	rename := map[string]string{}
	if fields {
		// The identifiers of the input's type expressions (the packages,
		// types and constants they name) are renamed too, so that a use
		// of one inside the scope of a generated local is seen as the
		// input's.
		for _, e := range slices.Concat(b.typeExprs, fieldTypes(b)) {
			for name := range refNames(e) {
				rename[name] = "X" + freshPrefix + "T" + name
			}
		}
		for i, id := range b.typeParamIdents {
			rename[id.Name] = "X" + freshPrefix + strconv.Itoa(i)
		}
	} else {
		fb.name = "x" + freshPrefix
		if ast.IsExported(b.name) {
			fb.name = "X" + freshPrefix
		}
		rename[b.name] = fb.name
	}
	if b.typeParamList != nil {
		withRenamed(b.typeParamList, rename, true, func() {
			fb.typeParams, fb.typeArgs = typeParamStrings(b.typeParamList)
		})
	}
	copies := map[*field]*field{}
	fb.fields = nil
	for i, f := range b.fields {
		c := *f
		if fields {
			c.name = "x" + freshPrefix + strconv.Itoa(i)
		}
		withRenamed(f.typExpr, rename, false, func() { c.typ = exprString(f.typExpr) })
		copies[f] = &c
		fb.fields = append(fb.fields, &c)
	}
	for _, c := range fb.fields {
		c.borrows = slices.Clone(c.borrows)
		for i := range c.borrows {
			c.borrows[i].f = copies[c.borrows[i].f]
		}
		c.borrowedBy = slices.Clone(c.borrowedBy)
		for i := range c.borrowedBy {
			c.borrowedBy[i] = copies[c.borrowedBy[i]]
		}
		if c.mutBorrowedBy != nil {
			c.mutBorrowedBy = copies[c.mutBorrowedBy]
		}
	}
	return &fb
}

// fieldTypes returns the type expressions of b's fields.
func fieldTypes(b *bundle) []ast.Expr {
	var out []ast.Expr
	for _, f := range b.fields {
		out = append(out, f.typExpr)
	}
	return out
}

// refNames returns the names that the identifiers of n refer to, as
// refIdents finds them.
func refNames(n ast.Node) map[string]bool {
	names := map[string]bool{}
	for _, id := range refIdents(n, false) {
		names[id.Name] = true
	}
	return names
}

// refIdents returns the identifiers of n that refer to a name. Selected
// names (x.Sel) and the names of struct fields, methods and parameters
// inside n are not references; the names that a type parameter list
// declares are returned if list is set.
func refIdents(n ast.Node, list bool) []*ast.Ident {
	skip := map[*ast.Ident]bool{}
	var ids []*ast.Ident
	ast.Inspect(n, func(x ast.Node) bool {
		switch x := x.(type) {
		case *ast.FieldList:
			if x != n || !list {
				for _, f := range x.List {
					for _, id := range f.Names {
						skip[id] = true
					}
				}
			}
		case *ast.SelectorExpr:
			skip[x.Sel] = true
		case *ast.Ident:
			if !skip[x] {
				ids = append(ids, x)
			}
		}
		return true
	})
	return ids
}

// withRenamed calls fn while the identifiers of n that refer to a name of
// rename (see refIdents) have the new name; it restores them afterwards.
func withRenamed(n ast.Node, rename map[string]string, list bool, fn func()) {
	ids := slices.DeleteFunc(refIdents(n, list), func(id *ast.Ident) bool {
		_, ok := rename[id.Name]
		return !ok
	})
	old := make([]string, len(ids))
	for i, id := range ids {
		old[i], id.Name = id.Name, rename[id.Name]
	}
	defer func() {
		for i, id := range ids {
			id.Name = old[i]
		}
	}()
	fn()
}

// importNames returns the names under which f imports packages.
func importNames(f *ast.File) map[string]bool {
	names := map[string]bool{}
	for _, spec := range f.Imports {
		if name, _, ok := importName(spec); ok && name != "_" && name != "." {
			names[name] = true
		}
	}
	return names
}

// inputDecls are the declarations of the input file that generated names
// may clash with.
type inputDecls struct {
	top       map[string]token.Position            // package-level names
	methods   map[string]map[string]token.Position // by receiver type
	imports   map[string]bool
	importPos map[string]token.Position // where each import name is given
}

func fileDecls(fset *token.FileSet, f *ast.File) inputDecls {
	in := inputDecls{top: map[string]token.Position{}, methods: map[string]map[string]token.Position{}, imports: importNames(f), importPos: map[string]token.Position{}}
	for _, spec := range f.Imports {
		if path, err := strconv.Unquote(spec.Path.Value); err == nil {
			name := guessName(path)
			if spec.Name != nil {
				name = spec.Name.Name
			}
			in.importPos[name] = fset.Position(spec.Pos())
		}
	}
	addTop := func(id *ast.Ident) {
		if id.Name != "_" && id.Name != "init" {
			in.top[id.Name] = fset.Position(id.Pos())
		}
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				addTop(d.Name)
				continue
			}
			if t := recvTypeName(d); t != "" {
				if in.methods[t] == nil {
					in.methods[t] = map[string]token.Position{}
				}
				in.methods[t][d.Name.Name] = fset.Position(d.Name.Pos())
			}
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch spec := spec.(type) {
				case *ast.TypeSpec:
					addTop(spec.Name)
				case *ast.ValueSpec:
					for _, n := range spec.Names {
						addTop(n)
					}
				}
			}
		}
	}
	return in
}

// recvTypeName returns the name of the type of a method's receiver.
func recvTypeName(d *ast.FuncDecl) string {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return ""
	}
	t := d.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	switch x := t.(type) {
	case *ast.IndexExpr:
		t = x.X
	case *ast.IndexListExpr:
		t = x.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// recvTypeParams returns the type parameters that a method's receiver
// declares: K and V in (s *S[K, V]).
func recvTypeParams(d *ast.FuncDecl) []*ast.Ident {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return nil
	}
	t := d.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	var idx []ast.Expr
	switch x := t.(type) {
	case *ast.IndexExpr:
		idx = []ast.Expr{x.Index}
	case *ast.IndexListExpr:
		idx = x.Indices
	}
	var out []*ast.Ident
	for _, e := range idx {
		if id, ok := e.(*ast.Ident); ok {
			out = append(out, id)
		}
	}
	return out
}

// scopeNames sorts the identifiers of a piece of generated code.
type scopeNames struct {
	declared []string             // declared in it: locals, parameters of function literals
	from     map[string]token.Pos // where the scope of each declared name begins, at the earliest
	refs     map[string]int       // used in it to refer to something, how often
	refsAt   map[string][]token.Pos
}

// refsFrom counts the uses of name at or after pos.
func (sn scopeNames) refsFrom(name string, pos token.Pos) int {
	n := 0
	for _, p := range sn.refsAt[name] {
		if p >= pos {
			n++
		}
	}
	return n
}

// collectNames returns the names declared and referred to in n. Field
// names (of structs, and of parameters in function types, which have no
// scope), selected names (x.Sel) and the keys of composite literals are
// neither. The parameters of function literals count as declared.
func collectNames(n ast.Node) scopeNames {
	sn := scopeNames{from: map[string]token.Pos{}, refs: map[string]int{}, refsAt: map[string][]token.Pos{}}
	if n == nil || reflect.ValueOf(n).IsNil() {
		return sn
	}
	skip := map[*ast.Ident]bool{}
	// The scope of a local begins after its declaration (and, taken
	// conservatively, lasts to the end of n).
	declare := func(from token.Pos, ids ...*ast.Ident) {
		for _, id := range ids {
			skip[id] = true
			if id.Name == "_" {
				continue
			}
			sn.declared = append(sn.declared, id.Name)
			if p, ok := sn.from[id.Name]; !ok || from < p {
				sn.from[id.Name] = from
			}
		}
	}
	declareFields := func(from token.Pos, fl *ast.FieldList) {
		if fl != nil {
			for _, f := range fl.List {
				declare(from, f.Names...)
			}
		}
	}
	ast.Inspect(n, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncDecl:
			skip[n.Name] = true
		case *ast.FuncLit:
			declareFields(n.Body.Pos(), n.Type.Params)
			declareFields(n.Body.Pos(), n.Type.Results)
		case *ast.Field:
			for _, id := range n.Names {
				skip[id] = true
			}
		case *ast.SelectorExpr:
			skip[n.Sel] = true
		case *ast.KeyValueExpr:
			if id, ok := n.Key.(*ast.Ident); ok {
				skip[id] = true
			}
		case *ast.AssignStmt:
			if n.Tok == token.DEFINE {
				for _, e := range n.Lhs {
					if id, ok := e.(*ast.Ident); ok {
						declare(n.End(), id)
					}
				}
			}
		case *ast.RangeStmt:
			if n.Tok == token.DEFINE {
				for _, e := range []ast.Expr{n.Key, n.Value} {
					if id, ok := e.(*ast.Ident); ok {
						declare(n.Body.Pos(), id)
					}
				}
			}
		case *ast.ValueSpec:
			declare(n.End(), n.Names...)
		case *ast.TypeSpec:
			declare(n.Pos(), n.Name)
		case *ast.LabeledStmt:
			skip[n.Label] = true
		case *ast.BranchStmt:
			if n.Label != nil {
				skip[n.Label] = true
			}
		case *ast.Ident:
			if !skip[n] {
				sn.refs[n.Name]++
				sn.refsAt[n.Name] = append(sn.refsAt[n.Name], n.Pos())
			}
		}
		return true
	})
	return sn
}

// source is the input that gives rise to a generated name.
type source struct {
	pos  token.Position
	what string // "field a", "type parameter K", "struct S"
}

// sources returns the inputs of bundle g that give rise to name: the
// type parameter of that name and the fields whose generated names
// include it, else the fields whose types refer to it, else the Lifecycle
// field of that name, else the struct.
func (g *genDecls) sources(name string) []source {
	var out []source
	for i, id := range g.b.typeParamIdents {
		if id.Name == name {
			out = append(out, source{g.b.typeParamPos[i], "type parameter " + name})
		}
	}
	for i, f := range g.b.fields {
		if f.name == name || f.name+"Builder" == name || name != f.typ && structHasString(g.tb.Fields[i], name) {
			out = append(out, source{f.pos, "field " + f.name})
		}
	}
	if len(out) > 0 {
		return out
	}
	for _, f := range g.b.fields {
		if refNames(f.typExpr)[name] {
			out = append(out, source{f.pos, "the type of field " + f.name})
		}
	}
	if len(out) > 0 {
		return out
	}
	if name == g.b.life {
		return []source{{g.b.lifePos, "field " + name}}
	}
	return []source{{g.b.namePos, "struct " + g.b.name}}
}

// fieldPos returns the position of the bundle's field of the given name.
func (g *genDecls) fieldPos(name string) token.Position {
	for _, f := range g.b.fields {
		if f.name == name {
			return f.pos
		}
	}
	return g.b.lifePos
}

// structHasString reports whether a string field of the struct *p is s.
func structHasString(p any, s string) bool {
	v := reflect.ValueOf(p).Elem()
	for i := range v.NumField() {
		if f := v.Field(i); f.Kind() == reflect.String && f.String() == s {
			return true
		}
	}
	return false
}

// clash reports a generated name that two things claim, at the last of
// the inputs that give rise to it, once for those inputs: two fields
// often clash in several ways (a field of each builder type, say). If
// other is set, the other claimant is not an input of the name.
func (g *genDecls) clash(errs *errorList, name string, other bool, format string, args ...any) {
	srcs := g.sources(name)
	var whats []string
	for _, s := range srcs {
		whats = append(whats, s.what)
	}
	whats = slices.Compact(whats)
	pos := srcs[len(srcs)-1].pos
	key := pos.String() + " " + strings.Join(whats, ",")
	if len(whats) == 1 {
		key += " " + name
	}
	if g.reported[key] {
		return
	}
	if g.reported == nil {
		g.reported = map[string]bool{}
	}
	g.reported[key] = true
	rename := "it"
	if len(whats) > 1 || other {
		rename = "one of them"
	}
	msg := fmt.Sprintf(format, args...)
	if len(whats) > 1 || !strings.Contains(msg, whats[0]) {
		msg += " (for " + andList(whats) + ")"
	}
	errs.add(pos, "%s; rename %s", msg, rename)
}

// checkCollisions reports every generated name that clashes with another
// name in its scope: between the items generated for one bundle, across
// the bundles of the file, and with the declarations of the input file.
func checkCollisions(fset *token.FileSet, f *ast.File, gens []*genDecls, errs *errorList) {
	in := fileDecls(fset, f)

	checkFileScope(in, gens, errs)

	// Package-level names: across bundles, and with the input file.
	topOwner := map[string]*genDecls{}
	for _, g := range gens {
		for _, d := range g.decls {
			for _, name := range declNames(d) {
				decl, declared := in.top[name]
				switch prev := topOwner[name]; {
				case prev == g:
					g.clash(errs, name, false, "the generated %s is declared twice", name)
				case prev != nil:
					g.clash(errs, name, true, "the generated %s is also generated for struct %s at %s", name, prev.b.name, prev.b.namePos)
				case declared:
					g.clash(errs, name, true, "the generated %s has the name of the declaration at %s", name, decl)
				case in.imports[name] || g.imports[name]:
					g.clash(errs, name, true, "the generated %s has the name of an imported package", name)
				}
				if topOwner[name] == nil {
					topOwner[name] = g
				}
			}
		}
	}

	for _, g := range gens {
		// Fields and methods of each type: the bundle's fields are the
		// input's, the generated types' fields are generated.
		fields := map[string]map[string]bool{g.b.name: {g.b.life: true}}
		for _, fl := range g.b.fields {
			fields[g.b.name][fl.name] = true
		}
		for _, d := range g.decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok {
				continue
			}
			for _, spec := range gd.Specs {
				ts, ok := spec.(*ast.TypeSpec)
				if !ok {
					continue
				}
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					continue
				}
				seen := map[string]bool{}
				for _, fl := range st.Fields.List {
					for _, n := range fl.Names {
						if seen[n.Name] {
							g.clash(errs, n.Name, false, "the generated type %s would have two fields %s", ts.Name.Name, n.Name)
						}
						seen[n.Name] = true
					}
				}
				fields[ts.Name.Name] = seen
			}
		}
		methods := map[string]map[string]bool{}
		for _, d := range g.decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil {
				continue
			}
			t, m := recvTypeName(fd), fd.Name.Name
			hand, handWritten := in.methods[t][m]
			if methods[t] == nil {
				methods[t] = map[string]bool{}
			}
			switch {
			case methods[t][m]:
				g.clash(errs, m, false, "the generated method %s of %s is declared twice", m, t)
			case fields[t][m] && t == g.b.name:
				errs.add(g.fieldPos(m), "field %s has the name of a generated method; rename it", m)
			case fields[t][m]:
				g.clash(errs, m, false, "the generated type %s would have both a field and a method %s", t, m)
			case handWritten:
				g.clash(errs, m, true, "the generated method %s of %s is also declared at %s", m, t, hand)
			}
			methods[t][m] = true
		}

		checkScopes(g, errs)
	}
}

// checkFileScope reports the package-level declarations of the input
// file that the generated file cannot live with: one named like a package
// that the generated file imports (context, selfref, or another that the
// input imports under a different name), which the compiler rejects as
// declared twice; and one, or an import name, that redeclares a
// predeclared identifier (error, bool, nil, any, ...) that the generated
// code refers to as Go's own, which would change its meaning there.
func checkFileScope(in inputDecls, gens []*genDecls, errs *errorList) {
	imported := map[string]bool{}
	predeclared := map[string]bool{}
	for _, g := range gens {
		for name := range g.imports {
			imported[name] = true
		}
		// The fresh declarations have the identifiers of the input's
		// type expressions renamed, so those they still refer to are the
		// template's own.
		for _, d := range g.fresh[0] {
			for name := range collectNames(d).refs {
				if types.Universe.Lookup(name) != nil {
					predeclared[name] = true
				}
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(in.top)) {
		pos := in.top[name]
		switch {
		case imported[name]:
			errs.add(pos, "%s has the name under which the generated file imports a package; rename it", name)
		case predeclared[name]:
			errs.add(pos, "%s redeclares the predeclared %s, which the generated code uses; rename it", name, name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(in.importPos)) {
		if imported[name] && predeclared[name] {
			errs.add(in.importPos[name], "the import name %s hides the predeclared %s, which the generated code uses; import the package under another name", name, name)
		}
	}
}

// checkScopes reports the names declared in the scope of a generated
// declaration (its type parameters; for a function, its receiver,
// parameters, results and local variables) that clash with another name
// used in that scope. Whether a use means the declared name or another
// thing of the same name cannot be told from syntax, so the declarations
// are compared with those of g.fresh, generated with every field, type
// parameter and name that the field types refer to renamed to a name that
// nothing else uses: a use that the renaming leaves alone refers to a
// name of the generated code, and one that it renames refers to the
// input.
func checkScopes(g *genDecls, errs *errorList) {
	reported := map[string]bool{}
	for _, fresh := range g.fresh {
		if !checkScopesAgainst(g, fresh, reported, errs) {
			return
		}
	}
}

// checkScopesAgainst is checkScopes for one renaming; it reports each
// name once, and returns false if the declarations do not correspond.
func checkScopesAgainst(g *genDecls, fresh []ast.Decl, reported map[string]bool, errs *errorList) bool {
	if len(g.decls) != len(fresh) {
		errs.add(g.b.namePos, "struct %s: the generated declarations depend on the names of its fields (a bug in selfrefgen)", g.b.name)
		return false
	}
	report := func(name, format string, args ...any) {
		if !reported[name] {
			reported[name] = true
			g.clash(errs, name, false, format, args...)
		}
	}
	for i, d := range g.decls {
		a, b := scopesOf(d), scopesOf(fresh[i])
		if len(a) != len(b) {
			errs.add(g.b.namePos, "struct %s: the generated declarations depend on the names of its fields (a bug in selfrefgen)", g.b.name)
			return false
		}
		for k := range a {
			sa, sb := a[k], b[k]
			// Parameters, receiver and results share the function's
			// scope with its type parameters, and must differ.
			seen := map[string]bool{}
			for _, name := range sa.tparams {
				seen[name] = true
			}
			for _, name := range sa.sig {
				if seen[name] {
					report(name, "the generated %s would declare %s twice", sa.name, name)
				}
				seen[name] = true
			}
			declaredB := map[string]bool{}
			for _, name := range slices.Concat(sb.tparams, sb.sig, sb.body.declared) {
				declaredB[name] = true
			}
			// A name that the renaming changes is declared for the
			// input; the renamed code must not use the same name for
			// another thing where it is in scope.
			for _, name := range sa.tparams {
				if !declaredB[name] && sb.all.refs[name] > 0 {
					report(name, "type parameter %s has the name of something the generated %s uses", name, sa.name)
				}
			}
			for _, name := range slices.Concat(sa.sig, sa.body.declared) {
				if !declaredB[name] && sb.body.refs[name] > 0 {
					report(name, "the parameter %s of the generated %s hides the %s that its body uses", name, sa.name, name)
				}
			}
			// A name that the generated code declares must not be used
			// in its scope to refer to the input.
			for name := range declaredB {
				var na, nb int
				switch {
				case slices.Contains(sb.tparams, name):
					na, nb = sa.all.refs[name], sb.all.refs[name]
				case slices.Contains(sb.sig, name):
					na, nb = sa.body.refs[name], sb.body.refs[name]
				default:
					na, nb = sa.body.refsFrom(name, sa.body.from[name]), sb.body.refsFrom(name, sb.body.from[name])
				}
				if na > nb {
					report(name, "the generated %s declares %s, which hides the input's %s", sa.name, name, name)
				}
			}
		}
	}
	return true
}

// scope is what one generated declaration declares and uses.
type scope struct {
	name    string   // the declaration's name
	tparams []string // type parameters, in scope in the whole declaration
	sig     []string // receiver, parameters and results
	body    scopeNames
	all     scopeNames // the whole declaration
}

// scopesOf returns the scopes of a generated declaration: one for a
// function, one for each generic type of a type declaration.
func scopesOf(d ast.Decl) []scope {
	names := func(ids []*ast.Ident) []string {
		var out []string
		for _, id := range ids {
			if id.Name != "_" {
				out = append(out, id.Name)
			}
		}
		return out
	}
	fieldNames := func(fls ...*ast.FieldList) []*ast.Ident {
		var out []*ast.Ident
		for _, fl := range fls {
			if fl != nil {
				for _, f := range fl.List {
					out = append(out, f.Names...)
				}
			}
		}
		return out
	}
	switch d := d.(type) {
	case *ast.FuncDecl:
		sc := scope{name: d.Name.Name, body: collectNames(d.Body), all: collectNames(d)}
		if d.Recv != nil {
			sc.name = recvTypeName(d) + "." + sc.name
			sc.tparams = names(recvTypeParams(d))
		}
		sc.tparams = append(sc.tparams, names(fieldNames(d.Type.TypeParams))...)
		sc.sig = names(fieldNames(d.Recv, d.Type.Params, d.Type.Results))
		return []scope{sc}
	case *ast.GenDecl:
		var out []scope
		for _, spec := range d.Specs {
			if ts, ok := spec.(*ast.TypeSpec); ok {
				out = append(out, scope{name: ts.Name.Name, tparams: names(fieldNames(ts.TypeParams)), all: collectNames(ts)})
			}
		}
		return out
	}
	return nil
}

// declNames returns the package-level names that d declares.
func declNames(d ast.Decl) []string {
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Recv == nil {
			return []string{d.Name.Name}
		}
	case *ast.GenDecl:
		var out []string
		for _, spec := range d.Specs {
			switch spec := spec.(type) {
			case *ast.TypeSpec:
				out = append(out, spec.Name.Name)
			case *ast.ValueSpec:
				for _, n := range spec.Names {
					out = append(out, n.Name)
				}
			}
		}
		return out
	}
	return nil
}
