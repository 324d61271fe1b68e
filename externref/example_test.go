package externref_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cellar-go/cellar/externref"
)

// A reference is counted: the last release frees it and runs its release
// callback, once.
func Example() {
	var sb strings.Builder
	r := externref.NewWithRelease(&sb, func(v any) { fmt.Println("released", v.(*strings.Builder).String()) })
	c, _ := r.Clone() // a count of its own
	fmt.Println(r.StrongCount(), c.Equal(r))
	if b, ok := externref.Downcast[*strings.Builder](c); ok {
		b.WriteString("Hello, externref!")
	}
	c.Release()
	fmt.Println(errors.Is(c.Release(), externref.ErrReleased), r.StrongCount())
	r.Release()
	// Output:
	// 2 true
	// true 1
	// released Hello, externref!
}

// Is and Downcast check the type of the opaque value.
func ExampleDowncast() {
	r := externref.New(&strings.Builder{})
	defer r.Release()
	fmt.Println(externref.Is[*strings.Builder](r), externref.Is[string](r))
	if b, ok := externref.Downcast[*strings.Builder](r); ok {
		b.WriteString("hi")
		fmt.Println(b.String())
	}
	// Output:
	// true false
	// hi
}

// References compare by the identity of their values, not by the
// values; == tells apart the leases of one value.
func ExampleRef_Compare() {
	a, b := externref.New("same"), externref.New("same")
	defer a.Release()
	defer b.Release()
	c, _ := a.Clone()
	defer c.Release()
	fmt.Println(a.Equal(b), a.Equal(c), a.Compare(b), a.Hash() == c.Hash())
	fmt.Println(a == c, a.ID() == c.ID())
	// Output:
	// false true -1 true
	// false true
}

// An ID is the identity of a value: a map key, or an engine task argument,
// that is the same for every holder of the value.
func ExampleID() {
	r := externref.New("session")
	c, _ := r.Clone()
	names := map[externref.ID]string{r.ID(): "first"}
	fmt.Println(names[c.ID()])

	// An ID holds no count: Clone takes one to use the value.
	u, err := c.ID().Clone()
	fmt.Println(u.Value(), err)
	externref.ReleaseAll(u, c, r)
	_, err = r.ID().Clone()
	fmt.Println(errors.Is(err, externref.ErrReleased))
	// Output:
	// first
	// session <nil>
	// true
}

// A raw value travels as an integer and is validated on the way back.
func ExampleFromRaw() {
	r := externref.New("payload")
	raw, _ := r.IntoRaw() // the count now travels with raw
	fmt.Println(errors.Is(r.Release(), externref.ErrReleased))

	back, err := externref.FromRaw(raw) // takes the count back
	fmt.Println(back == r, err, back.Value())
	_, err = externref.FromRaw(raw) // taken already
	fmt.Println(errors.Is(err, externref.ErrReleased))
	back.Release()

	_, err = externref.CloneFromRaw(raw)
	fmt.Println(errors.Is(err, externref.ErrReleased))
	_, err = externref.CloneFromRaw(0x12345)
	fmt.Println(err)
	// Output:
	// true
	// true <nil> payload
	// true
	// true
	// externref: clone from raw 0x12345: forged raw reference
}

// A scope releases every reference it created at once, and reports the
// ones a clone keeps alive.
func ExampleScope() {
	s := externref.NewScope()
	s.NewWithRelease("request body", func(v any) { fmt.Println("released", v) })
	lent := s.New("session")
	fmt.Println(errors.Is(lent.Release(), externref.ErrScoped)) // the scope's count
	kept, _ := lent.Clone()                                     // outlives the scope

	fmt.Println(s.Close())
	for _, l := range s.Leaks() {
		fmt.Println("alive:", l.Type, l.Count, l.ID == kept.ID())
	}
	kept.Release()
	fmt.Println(len(s.Leaks()), s.Len())
	// Output:
	// true
	// released request body
	// <nil>
	// alive: string 1 true
	// 0 0
}

// A panicking release callback does not stop a scope's Close: every
// reference is released, then the panics are reported.
func ExampleScope_Close() {
	s := externref.NewScope()
	s.NewWithRelease("a", func(any) { panic("cannot close a") })
	s.NewWithRelease("b", func(v any) { fmt.Println("released", v) })
	err := s.Close()
	var pe *externref.PanicError
	fmt.Println(errors.As(err, &pe), pe.Value, s.Len())
	// Output:
	// released b
	// true cannot close a 0
}

// ReleaseAll releases every reference it is given, and reports the ones
// that could not be released.
func ExampleReleaseAll() {
	a := externref.New("a")
	b, _ := a.Clone()
	b.Release()
	err := externref.ReleaseAll(a, b) // b twice: reported, a released
	fmt.Println(a.Err() != nil, errors.Is(err, externref.ErrReleased))
	// Output: true true
}
