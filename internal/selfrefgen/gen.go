package selfrefgen

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// PosError is an error in the input, at a position: a broken rule of the
// seed (a field borrowed before it is declared, a field borrowed mutably
// twice, ...), a malformed tag or directive, a generated name that would
// clash with another, or a struct the generator cannot handle. It prints
// as file:line:column: message.
type PosError struct {
	Pos token.Position
	Msg string
}

// Error returns file:line:column: message.
func (e *PosError) Error() string { return e.Pos.String() + ": " + e.Msg }

// ErrNoBundles is returned by [Generate] for a file in which no struct is
// marked with the [Directive].
var ErrNoBundles = errors.New("selfrefgen: no struct is marked " + Directive)

// Generate returns the generated Go source for the structs of one file
// marked with the [Directive]: gofmt-formatted, starting with the "Code
// generated ... DO NOT EDIT." header, to be written to [OutputName] of
// filename. filename is used in error positions, in the header and for
// the build constraint its name implies; src is the file's content. The
// errors in the input are joined, one [*PosError] per line; a file that
// does not parse gives the parser's error, positioned too. The package
// documentation lists what is accepted and what is rejected.
func Generate(filename string, src []byte) ([]byte, error) {
	return generate(filename, src, true)
}

// generate is Generate, with the checks made on what would be generated
// (clashing names, copied locks) if checks is set: tests turn them off to
// show that what they reject does not compile or pass go vet.
func generate(filename string, src []byte, checks bool) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filename, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var errs errorList
	bundles := findBundles(fset, f, &errs)
	imps := neededImports(fset, f, bundles, &errs)
	constraint := buildConstraint(fset, f, filename, &errs)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(bundles) == 0 {
		return nil, fmt.Errorf("%s: %w", filename, ErrNoBundles)
	}
	ctx := contextName(bundles)
	data := fileData{Source: filepath.Base(filename), Package: f.Name.Name, Imports: imps}
	var gens []*genDecls
	for _, b := range bundles {
		tb := newTmplBundle(b, ctx)
		data.Bundles = append(data.Bundles, tb)
		g, err := renderBundle(b, tb, data)
		if err != nil {
			return nil, fmt.Errorf("selfrefgen: %s: %w", filename, err)
		}
		gens = append(gens, g)
	}
	if checks {
		checkCollisions(fset, f, gens, &errs)
		checkLocks(f, bundles, &errs)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	var buf bytes.Buffer
	if err := fileTemplate.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("selfrefgen: %s: %w", filename, err)
	}
	src = buf.Bytes()
	if constraint != "" {
		// The line goes after the header and before the package clause,
		// each separated by a blank line.
		i := bytes.Index(src, []byte("\npackage "))
		if i < 0 {
			return nil, fmt.Errorf("selfrefgen: %s: the generated code has no package clause (a bug in selfrefgen)", filename)
		}
		src = slices.Concat(src[:i+1], []byte(constraint+"\n\n"), src[i+1:])
	}
	out, err := format.Source(src)
	if err != nil {
		return nil, fmt.Errorf("selfrefgen: %s: the generated code does not parse (a bug in selfrefgen): %w\n%s", filename, err, src)
	}
	return out, nil
}

// fileData is what the template sees of the generated file.
type fileData struct {
	Source, Package string
	Imports         []string
	Bundles         []*tmplBundle
}

// OutputName returns the name of the file generated from filename:
// x.go gives x_selfref.go, and x_test.go gives x_selfref_test.go, so that
// generated code for test files is compiled only into tests.
func OutputName(filename string) string {
	base := strings.TrimSuffix(filename, ".go")
	if b, ok := strings.CutSuffix(base, "_test"); ok {
		return b + "_selfref_test.go"
	}
	return base + "_selfref.go"
}

// neededImports returns the import lines of the generated file: the
// runtime, context, and the imports of the input that the field types use.
func neededImports(fset *token.FileSet, f *ast.File, bundles []*bundle, errs *errorList) []string {
	im := fileImports(f)
	for _, spec := range f.Imports {
		if spec.Name != nil && spec.Name.Name == "." && len(bundles) > 0 {
			errs.add(fset.Position(spec.Pos()), "dot imports are not supported in a file with self-referencing structs")
		}
	}
	std := map[string]bool{`"context"`: true}
	other := map[string]bool{strconv.Quote(RuntimePath): true}
	ours := map[string]string{"context": "context", "selfref": RuntimePath}
	use := func(e ast.Expr, pos token.Position) {
		ast.Inspect(e, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			x, ok := sel.X.(*ast.Ident)
			if !ok {
				return true
			}
			spec, ok := im.byName[x.Name]
			if !ok {
				errs.add(pos, "cannot tell which import provides %s; import it with an explicit name", x.Name)
				return false
			}
			path, _ := strconv.Unquote(spec.Path.Value)
			if p, ok := ours[x.Name]; ok && p != path {
				errs.add(pos, "the field types use %s for %q, a name the generated code needs for %q", x.Name, path, p)
				return false
			}
			line := spec.Path.Value
			if spec.Name != nil {
				line = spec.Name.Name + " " + line
			}
			if first, _, _ := strings.Cut(path, "/"); strings.Contains(first, ".") {
				other[line] = true
			} else {
				std[line] = true
			}
			return false
		})
	}
	for _, b := range bundles {
		for _, e := range b.typeExprs {
			use(e, fset.Position(e.Pos()))
		}
		for _, fl := range b.fields {
			use(fl.typExpr, fl.pos)
		}
	}
	lines := slices.Sorted(maps.Keys(std))
	lines = append(lines, "")
	lines = append(lines, slices.Sorted(maps.Keys(other))...)
	return lines
}
