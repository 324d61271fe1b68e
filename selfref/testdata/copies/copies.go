// Package copies copies bundles by value, which go vet must report: the
// fixture of TestVetReportsCopies.
package copies

import "github.com/cellar-go/cellar/selfref"

type bundle struct {
	life selfref.Lifecycle
	n    int
}

// CopyCell returns a copy of a Cell.
func CopyCell(c *selfref.Cell[int, int]) selfref.Cell[int, int] {
	return *c
}

// CopyBundle copies a struct that holds a Lifecycle, as a generated bundle
// does.
func CopyBundle(b *bundle) int {
	cp := *b
	return cp.n
}

// PassChain passes a Chain3 by value.
func PassChain(ch selfref.Chain3[int, int, int]) {}
