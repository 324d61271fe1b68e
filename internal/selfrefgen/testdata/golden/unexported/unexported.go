// Package unexported is a golden case: without pub_extras, only the items
// about fields follow the exported struct; the extras stay unexported. It
// also has a head declared after a borrowing field, a field that borrows
// two others, and a field with an empty borrows tag.
package unexported

import "github.com/cellar-go/cellar/selfref"

// Doc is a text, its words, a separate title, and the words of both.
//
//selfref:generate
type Doc struct {
	state selfref.Lifecycle
	text  string
	words []string `borrows:"text"`
	title string
	all   []string `borrows:"words, title"`
	note  *string  `borrows:""`
}

// With is declared by hand; the generated extras are unexported and do not
// clash with it.
func (d *Doc) With() {}
