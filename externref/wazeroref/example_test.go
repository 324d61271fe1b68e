package wazeroref_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/cellar-go/cellar/externref"
	"github.com/cellar-go/cellar/externref/wazeroref"
)

// The host opens a file and hands it to the guest as an externref; the
// guest keeps it in its externref table and passes it back to the host's
// write function, which downcasts it to the file and writes into it.
func Example() {
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazeroref.NewRuntimeConfig())
	defer rt.Close(ctx)

	// The host functions the guest imports.
	_, err := rt.NewHostModuleBuilder("host").
		NewFunctionBuilder().WithFunc(func(context.Context, api.Module) uintptr {
		return 0 // open: not used here
	}).Export("open").
		NewFunctionBuilder().WithFunc(func(ctx context.Context, mod api.Module, v uintptr) int32 {
		r, err := wazeroref.Of(ctx, mod).Get(v)
		if err != nil {
			return -1
		}
		f, ok := externref.Downcast[*os.File](r)
		if !ok {
			return -1
		}
		n, _ := f.WriteString("Hello, externref!")
		return int32(n)
	}).Export("write").
		Instantiate(ctx)
	if err != nil {
		log.Fatal(err)
	}
	compiled, err := rt.CompileModule(ctx, guestWasm)
	if err != nil {
		log.Fatal(err)
	}
	guest, refs, err := wazeroref.Instantiate(ctx, rt, compiled, wazero.NewModuleConfig())
	if err != nil {
		log.Fatal(err)
	}

	// Open a file; Wasm knows nothing of files, but it can hold one.
	f, err := os.CreateTemp("", "externref")
	if err != nil {
		log.Fatal(err)
	}
	defer os.Remove(f.Name())
	file := externref.NewWithRelease(f, func(v any) { v.(*os.File).Close() })

	v, err := refs.Put(file)
	if err != nil {
		log.Fatal(err)
	}
	file.Release() // the guest's table holds the file now
	if _, err := guest.ExportedFunction("use").Call(ctx, api.EncodeExternref(v)); err != nil {
		log.Fatal(err)
	}
	guest.Close(ctx) // releases the file, which closes it

	b, err := os.ReadFile(f.Name())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(b))
	// Output: Hello, externref!
}
