package selfrefgen

import (
	"go/ast"
	"go/build"
	"go/build/constraint"
	"go/token"
	"io"
	"path/filepath"
	"strings"
)

// buildConstraint returns the build constraint of the input file, as a
// //go:build line for the generated file, or "" if the input has none.
// It combines the file's //go:build line (or, lacking one, its // +build
// lines, as the go command does) with the constraint of its name
// (x_linux.go builds only on linux): the generated file's name,
// x_linux_selfref.go, carries no constraint of its own, and without the
// line it would be compiled where the struct it extends is not.
func buildConstraint(fset *token.FileSet, f *ast.File, filename string, errs *errorList) string {
	var goBuild, plusBuild []constraint.Expr
	var goBuildPos token.Position
	for _, g := range f.Comments {
		if g.Pos() >= f.Package {
			break
		}
		for _, c := range g.List {
			switch {
			case constraint.IsGoBuild(c.Text):
				pos := fset.Position(c.Pos())
				if len(goBuild) > 0 {
					errs.add(pos, "more than one //go:build line (the first is at %s)", goBuildPos)
					continue
				}
				x, err := constraint.Parse(c.Text)
				if err != nil {
					errs.add(pos, "malformed build constraint: %v", err)
					continue
				}
				goBuild, goBuildPos = append(goBuild, x), pos
			case constraint.IsPlusBuild(c.Text) && g != f.Doc:
				// A // +build line counts only if a blank line
				// separates it from the package clause.
				if x, err := constraint.Parse(c.Text); err == nil {
					plusBuild = append(plusBuild, x)
				}
			}
		}
	}
	exprs := goBuild
	if len(exprs) == 0 {
		exprs = plusBuild
	}
	if x := fileNameConstraint(filename); x != nil {
		exprs = append(exprs, x)
	}
	if len(exprs) == 0 {
		return ""
	}
	x := exprs[0]
	for _, y := range exprs[1:] {
		x = &constraint.AndExpr{X: x, Y: y}
	}
	return "//go:build " + x.String()
}

// fileNameConstraint returns the constraint that the name of a Go file
// implies (*_GOOS, *_GOARCH, *_GOOS_GOARCH, before an optional _test), or
// nil. It asks go/build, which knows the lists of operating systems and
// architectures, rather than keeping a copy of them: under a context that
// matches no known system, a name matches only if it implies nothing.
func fileNameConstraint(filename string) constraint.Expr {
	stem := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(filename), ".go"), "_test")
	i := strings.Index(stem, "_")
	if i < 0 {
		return nil
	}
	// go/build ignores names that start with _ or .; the part before the
	// first _ never carries a constraint, so it can be replaced.
	name := "x" + stem[i:] + ".go"
	const none = "selfrefgennone"
	if matchName(none, none, name) {
		return nil
	}
	elems := strings.Split(stem[i+1:], "_")
	last := &constraint.TagExpr{Tag: elems[len(elems)-1]}
	// The name ends in _GOOS_GOARCH if and only if matching it takes the
	// second to last element too: with GOARCH set to the last element
	// and GOOS to nothing known, only _GOOS and _GOARCH names match.
	if len(elems) >= 2 && !matchName(none, last.Tag, name) {
		return &constraint.AndExpr{X: &constraint.TagExpr{Tag: elems[len(elems)-2]}, Y: last}
	}
	return last
}

// matchName reports whether go/build would build a file of the given name
// and no build constraint for goos and goarch.
func matchName(goos, goarch, name string) bool {
	ctx := build.Context{
		GOOS: goos, GOARCH: goarch, Compiler: "gc",
		OpenFile: func(string) (io.ReadCloser, error) {
			return io.NopCloser(strings.NewReader("package p\n")), nil
		},
	}
	ok, err := ctx.MatchFile(".", name)
	return ok && err == nil
}
