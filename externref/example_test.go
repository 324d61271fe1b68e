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
	c, _ := r.Clone()
	fmt.Println(r.StrongCount(), c == r)
	if b, ok := externref.Downcast[*strings.Builder](c); ok {
		b.WriteString("Hello, externref!")
	}
	c.Release()
	r.Release()
	fmt.Println(errors.Is(r.Release(), externref.ErrReleased))
	// Output:
	// 2 true
	// released Hello, externref!
	// true
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

// References compare by identity, not by value.
func ExampleRef_Compare() {
	a, b := externref.New("same"), externref.New("same")
	defer a.Release()
	defer b.Release()
	c, _ := a.Clone()
	defer c.Release()
	fmt.Println(a == b, a == c, a.Compare(b), a.Hash() == c.Hash())
	// Output: false true -1 true
}

// A raw value travels as an integer and is validated on the way back.
func ExampleFromRaw() {
	r := externref.New("payload")
	raw := r.IntoRaw() // the count now travels with raw

	back, err := externref.FromRaw(raw) // takes the count back
	fmt.Println(back == r, err, back.Value())
	back.Release()

	_, err = externref.FromRaw(raw)
	fmt.Println(errors.Is(err, externref.ErrReleased))
	_, err = externref.CloneFromRaw(0x12345)
	fmt.Println(err)
	// Output:
	// true <nil> payload
	// true
	// externref: clone from raw 0x12345: forged raw reference
}

// A scope releases every reference it created at once, and reports the
// ones a clone keeps alive.
func ExampleScope() {
	s := externref.NewScope()
	s.NewWithRelease("request body", func(v any) { fmt.Println("released", v) })
	kept := s.New("session")
	kept, _ = kept.Clone() // outlives the scope

	fmt.Println(s.Close())
	for _, l := range s.Leaks() {
		fmt.Println("alive:", l.Type, l.Count, l.Ref == kept)
	}
	kept.Release()
	fmt.Println(len(s.Leaks()), s.Len())
	// Output:
	// released request body
	// <nil>
	// alive: string 1 true
	// 0 0
}
