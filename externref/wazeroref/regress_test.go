package wazeroref_test

import (
	"context"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/cellar-go/cellar/externref/wazeroref"
)

// moduleB imports h.f and exports g, which calls it.
var moduleB = []byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
	0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type 0: () -> ()
	0x02, 0x07, 0x01, 0x01, 'h', 0x01, 'f', 0x00, 0x00, // import h.f
	0x03, 0x02, 0x01, 0x00, // func 1: type 0
	0x07, 0x05, 0x01, 0x01, 'g', 0x00, 0x01, // export g = func 1
	0x0a, 0x06, 0x01, 0x04, 0x00, 0x10, 0x00, 0x0b, // g: call 0
}

// moduleA imports b.g and calls it from its start function.
var moduleA = []byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
	0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
	0x02, 0x07, 0x01, 0x01, 'b', 0x01, 'g', 0x00, 0x00, // import b.g
	0x08, 0x01, 0x00, // start: func 0
}

// Of(ctx, mod) must return nil for a (named) module not made by Instantiate, and
// the module's own table for one that was. While module A is being
// instantiated, its start function calls into module B (instantiated
// without Instantiate), which calls a host function; the host function
// asks for the table of its caller B. Of hands it A's table and binds A's
// table to B, so that afterwards A has no table and B has A's.
func TestOfDuringAStartFunctionTellsModulesApart(t *testing.T) {
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazeroref.NewRuntimeConfig())
	defer rt.Close(ctx)

	var duringStart *wazeroref.Table
	var caller string
	if _, err := rt.NewHostModuleBuilder("h").NewFunctionBuilder().
		WithFunc(func(ctx context.Context, mod api.Module) {
			caller = mod.Name()
			duringStart = wazeroref.Of(ctx, mod)
		}).Export("f").Instantiate(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := rt.InstantiateWithConfig(ctx, moduleB, wazero.NewModuleConfig().WithName("b"))
	if err != nil {
		t.Fatal(err)
	}
	compiled, err := rt.CompileModule(ctx, moduleA)
	if err != nil {
		t.Fatal(err)
	}
	a, tab, err := wazeroref.Instantiate(ctx, rt, compiled, wazero.NewModuleConfig().WithName("a"))
	if err != nil {
		t.Fatal(err)
	}
	if caller != "b" {
		t.Skipf("host function's caller is %q, not b", caller)
	}
	if duringStart != nil {
		t.Errorf("Of(b) during a's start = a's table; b was not made by Instantiate")
	}
	if got := wazeroref.Of(ctx, b); got != nil {
		t.Errorf("Of(b) after a's instantiation = %p (a's table is %p), want nil", got, tab)
	}
	if got := wazeroref.Of(ctx, a); got != tab {
		t.Errorf("Of(a) = %p, want a's table %p", got, tab)
	}
}
