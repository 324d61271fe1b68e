// Package geom declares a type whose name collides with that of a twin
// package, to test that type names are qualified by package path.
package geom

// Point is a point in the plane.
type Point struct{ X, Y int }
