// Package basic is a golden case: the ouroboros example with pub_extras.
package basic

import "github.com/cellar-go/cellar/selfref"

// MyStruct holds an int and a float and a field borrowing each.
//
//selfref:generate pub_extras
type MyStruct struct {
	life           selfref.Lifecycle
	intData        int
	floatData      float32
	intReference   *int     `borrows:"intData"`
	floatReference *float32 `borrows:"mut floatData"`
}
