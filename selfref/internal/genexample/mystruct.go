package genexample

import "github.com/cellar-go/cellar/selfref"

// MyStruct is the ouroboros example, translated: an int and a float, a
// field that borrows the int and one that borrows the float mutably.
//
//selfref:generate pub_extras
type MyStruct struct {
	life           selfref.Lifecycle
	intData        int
	floatData      float32
	intReference   *int     `borrows:"intData"`
	floatReference *float32 `borrows:"mut floatData"`
}

// Pair is a value and a view of it, made by a function of the caller's:
// a generic bundle.
//
//selfref:generate pub_extras debug
type Pair[T any, V comparable] struct {
	life  selfref.Lifecycle
	value T
	view  V `borrows:"value"`
}

// pending is a source and the error found in it, if any, which is set
// after construction: a field with an empty borrows tag is given a value
// directly, and is not a head. Without pub_extras, its generated items
// stay unexported.
//
//selfref:generate
type pending struct {
	life    selfref.Lifecycle
	source  []byte
	lines   [][]byte `borrows:"source"`
	problem *string  `borrows:""`
}
