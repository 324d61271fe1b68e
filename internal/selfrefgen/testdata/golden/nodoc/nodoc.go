// Package nodoc is a golden case: no_doc leaves the generated items
// without doc comments.
package nodoc

import "github.com/cellar-go/cellar/selfref"

// Buffer is bytes and a window on them.
//
//selfref:generate pub_extras no_doc
type Buffer struct {
	life   selfref.Lifecycle
	data   []byte
	window []byte `borrows:"data"`
}
