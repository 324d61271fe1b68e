package wazeroref_test

// testdata/guest.wasm is built from testdata/guest.wat with wabt 1.0.32
// (Debian's wabt package), which enables reference types by default:
//
//	wat2wasm testdata/guest.wat -o testdata/guest.wasm
//
// Both are committed, so the tests do not need the tool.

import (
	"context"
	_ "embed"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/cellar-go/cellar/externref"
	"github.com/cellar-go/cellar/externref/wazeroref"
)

//go:embed testdata/guest.wasm
var guestWasm []byte

// host is the host side of the guest: open returns a reference to a new
// builder, write writes into the builder it is given.
type host struct {
	opened []uintptr // the guest values of the references open made
	writes []externref.Ref
	err    error
}

func (h *host) instantiate(t *testing.T, ctx context.Context, rt wazero.Runtime) {
	t.Helper()
	_, err := rt.NewHostModuleBuilder("host").
		NewFunctionBuilder().WithFunc(func(ctx context.Context, mod api.Module) uintptr {
		r := externref.New(&strings.Builder{})
		defer r.Release() // the module's table keeps its own count
		v, err := wazeroref.Of(ctx, mod).Put(r)
		if err != nil {
			h.err = err
		}
		h.opened = append(h.opened, v)
		return v
	}).Export("open").
		NewFunctionBuilder().WithFunc(func(ctx context.Context, mod api.Module, v uintptr) int32 {
		r, err := wazeroref.Of(ctx, mod).Get(v)
		if err != nil {
			h.err = err
			return -2
		}
		h.writes = append(h.writes, r)
		b, ok := externref.Downcast[*strings.Builder](r)
		if !ok {
			return -3
		}
		n, _ := b.WriteString("Hello, externref!")
		return int32(n)
	}).Export("write").
		Instantiate(ctx)
	if err != nil {
		t.Fatal(err)
	}
}

func setup(t *testing.T) (context.Context, wazero.Runtime, *host, api.Module, *wazeroref.Table) {
	t.Helper()
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazeroref.NewRuntimeConfig())
	t.Cleanup(func() { rt.Close(ctx) })
	h := &host{}
	h.instantiate(t, ctx, rt)
	compiled, err := rt.CompileModule(ctx, guestWasm)
	if err != nil {
		t.Fatal(err)
	}
	mod, tab, err := wazeroref.Instantiate(ctx, rt, compiled, wazero.NewModuleConfig().WithName("guest"))
	if err != nil {
		t.Fatal(err)
	}
	return ctx, rt, h, mod, tab
}

func call(t *testing.T, ctx context.Context, mod api.Module, name string, args ...uint64) []uint64 {
	t.Helper()
	res, err := mod.ExportedFunction(name).Call(ctx, args...)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res
}

func TestGuestRoundTrip(t *testing.T) {
	ctx, _, h, mod, tab := setup(t)
	var released int
	sb := &strings.Builder{}
	r := externref.NewWithRelease(sb, func(any) { released++ })

	v, err := tab.Put(r)
	if err != nil {
		t.Fatal(err)
	}
	if uint64(v) == r.AsRaw() {
		t.Fatal("the guest sees the global raw value")
	}
	if v == 0 {
		t.Fatal("a reference is the null externref")
	}
	if v2, _ := tab.Put(r); v2 != v || r.StrongCount() != 2 || tab.Len() != 1 {
		t.Fatalf("second Put: %v vs %v, count %d, len %d", v2, v, r.StrongCount(), tab.Len())
	}
	c, _ := r.Clone()
	if v3, _ := tab.Put(c); v3 != v || r.StrongCount() != 3 || tab.Len() != 1 {
		t.Fatalf("Put of a clone: %v vs %v, count %d, len %d", v3, v, r.StrongCount(), tab.Len())
	}
	c.Release()

	// use: table.set, table.get, ref.is_null, call host.write.
	if got := int32(call(t, ctx, mod, "use", api.EncodeExternref(v))[0]); got != 17 || h.err != nil {
		t.Fatalf("use = %d, host error %v", got, h.err)
	}
	if sb.String() != "Hello, externref!" || len(h.writes) != 1 || !h.writes[0].Equal(r) {
		t.Fatalf("host saw %v, wrote %q", h.writes, sb.String())
	}

	// A reference kept in the guest's table comes back identical.
	call(t, ctx, mod, "keep", 2, api.EncodeExternref(v))
	back, err := tab.Get(api.DecodeExternref(call(t, ctx, mod, "get", 2)[0]))
	if err != nil || !back.Equal(r) {
		t.Fatalf("get = %v, %v", back, err)
	}

	// ref.null extern is the null reference; ref.is_null agrees.
	null, err := tab.Get(api.DecodeExternref(call(t, ctx, mod, "null")[0]))
	if err != nil || !null.IsNull() {
		t.Fatalf("null = %v, %v", null, err)
	}
	if got := int32(call(t, ctx, mod, "use", 0)[0]); got != -1 {
		t.Fatalf("use(null) = %d", got)
	}
	if a, b := call(t, ctx, mod, "is_null", 0)[0], call(t, ctx, mod, "is_null", api.EncodeExternref(v))[0]; uint32(a) != 1 || uint32(b) != 0 {
		t.Fatalf("is_null(null) = %d, is_null(ref) = %d", a, b)
	}

	// A host function returns a new reference to the guest.
	if got := int32(call(t, ctx, mod, "open_and_write")[0]); got != 17 || h.err != nil {
		t.Fatalf("open_and_write = %d, %v", got, h.err)
	}
	opened, err := tab.Get(h.opened[0])
	if err != nil {
		t.Fatalf("the opened builder is not in the guest's table: %v", err)
	}
	if b, _ := externref.Downcast[*strings.Builder](opened); b.String() != "Hello, externref!" {
		t.Fatal("opened builder not written")
	}

	// Closing the module releases everything its table holds.
	r.Release()
	if released != 0 || tab.Len() != 2 {
		t.Fatalf("released %d, len %d before close", released, tab.Len())
	}
	if err := mod.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := opened.ID().Clone(); released != 1 || tab.Len() != 0 || !errors.Is(err, externref.ErrReleased) || r.Err() == nil {
		t.Fatalf("after close: released %d, len %d, opened %v", released, tab.Len(), opened.Err())
	}
	if _, err := tab.Put(externref.New(0)); !errors.Is(err, wazeroref.ErrClosed) {
		t.Fatalf("Put after close: %v", err)
	}
	if wazeroref.Of(ctx, mod) != nil {
		t.Fatal("closed module still has a table")
	}
}

func TestForgedGuestValues(t *testing.T) {
	_, _, _, _, tab := setup(t)
	r := externref.New(1)
	defer r.Release()
	v, _ := tab.Put(r)
	bad := []uintptr{v + 1, ^uintptr(0)}
	if ^uintptr(0)>>32 != 0 {
		// The next generation of v's slot, and the global raw value
		// (which a narrow guest value cannot hold).
		bad = append(bad, uintptr(uint64(v)+1<<32), uintptr(r.AsRaw()))
	}
	for _, bad := range bad {
		if got, err := tab.Get(bad); err == nil {
			t.Fatalf("Get(%#x) = %v", bad, got)
		} else if !errors.Is(err, externref.ErrForged) && !errors.Is(err, externref.ErrReleased) {
			t.Fatalf("Get(%#x): %v", bad, err)
		}
	}
	if err := tab.Drop(v); err != nil {
		t.Fatal(err)
	}
	if _, err := tab.Get(v); !errors.Is(err, externref.ErrReleased) {
		t.Fatalf("Get after Drop: %v", err)
	}
	if r.StrongCount() != 1 {
		t.Fatalf("count after Drop = %d", r.StrongCount())
	}
}

func TestRuntimeCloseReleases(t *testing.T) {
	ctx, rt, _, _, tab := setup(t)
	r := externref.New(1)
	tab.Put(r)
	r.Release()
	if err := rt.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if r.Err() == nil || tab.Len() != 0 {
		t.Fatal("runtime close did not release the module's references")
	}
}

// TestPutFirstValueIsNotNull puts references into a fresh table: on every
// target, the first one included, a reference's guest value is not the
// null externref and names it.
func TestPutFirstValueIsNotNull(t *testing.T) {
	_, _, _, _, tab := setup(t)
	for i := range 3 {
		r := externref.New(i)
		v, err := tab.Put(r)
		if err != nil || v == 0 {
			t.Fatalf("Put #%d = %#x, %v", i, v, err)
		}
		got, err := tab.Get(v)
		if err != nil || !got.Equal(r) || got.Value() != i {
			t.Fatalf("Get(Put #%d) = %v, %v", i, got, err)
		}
		r.Release()
	}
}

// TestCloseAfterCallbackPanics closes a module whose references' release
// callbacks panic: every reference is released all the same.
func TestCloseAfterCallbackPanics(t *testing.T) {
	_, _, _, _, tab := setup(t)
	var freed int
	for i := range 3 {
		r := externref.NewWithRelease(i, func(v any) {
			freed++
			if v == 1 {
				panic("boom")
			}
		})
		if _, err := tab.Put(r); err != nil {
			t.Fatal(err)
		}
		r.Release()
	}
	err := tab.Close()
	var pe *externref.PanicError
	if freed != 3 || tab.Len() != 0 || !errors.As(err, &pe) || pe.Value != "boom" {
		t.Fatalf("freed %d, len %d, Close = %v", freed, tab.Len(), err)
	}
}

// TestDropWhileReading drops and puts references while other goroutines
// read guest values: a read yields the reference put or an error, never
// another reference.
func TestDropWhileReading(t *testing.T) {
	_, _, _, _, tab := setup(t)
	type put struct {
		v  uintptr
		id externref.ID
	}
	var mu sync.Mutex
	var seen []put
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				mu.Lock()
				ps := slices.Clone(seen)
				mu.Unlock()
				for _, p := range ps {
					if r, err := tab.Get(p.v); err == nil && r.ID() != p.id {
						t.Errorf("Get(%#x) = %v, want %v", p.v, r.ID(), p.id)
						return
					}
				}
			}
		})
	}
	for i := range 2000 {
		r := externref.New(i)
		v, err := tab.Put(r)
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		seen = append(seen, put{v, r.ID()})
		if len(seen) > 16 {
			seen = seen[1:]
		}
		mu.Unlock()
		r.Release()
		if err := tab.Drop(v); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	wg.Wait()
}
