// Package imports is a golden case: field types from other packages,
// including one imported under another name, a generic struct, a field
// named ctx, and the debug option.
package imports

import (
	"bufio"
	"io"
	stdstrings "strings"

	sr "github.com/cellar-go/cellar/selfref"
)

// Scan is a reader, a scanner over it, and the last line read.
//
//selfref:generate pub_extras debug
type Scan[R io.Reader] struct {
	life    sr.Lifecycle
	src     R
	ctx     *bufio.Scanner       `borrows:"src"`
	builder *stdstrings.Builder  `borrows:"mut ctx"`
	last    map[string]io.Reader `borrows:"builder"`
}
