package wazeroref

import (
	"context"
	"errors"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"

	"github.com/cellar-go/cellar/externref"
	"github.com/cellar-go/cellar/handle"
)

// Errors of [Table.Put].
var (
	// ErrClosed reports a [Table.Put] on a table whose module has closed.
	ErrClosed = errors.New("externref: module table closed")
	// ErrFull reports a [Table.Put] on a table that has no guest value
	// left to give: on a 32-bit target, where a guest value has 32 bits,
	// a table holds at most 65536 references at once, and about 2³² over
	// its life. On 64-bit targets it does not happen.
	ErrFull = errors.New("externref: module table full")
)

// Table is the per-module table of the references a WebAssembly module
// instance holds. The guest sees small validated values of the table's
// own, never the global raw values of package externref, so it can name
// only what its host gave it. The table holds one count (a lease of its
// own) on each value it has given the guest, and releases them all when
// the module closes.
//
// A Table is safe for concurrent use.
type Table struct {
	refs *handle.Table[externref.Ref] // the table's leases, by guest value

	mu     sync.Mutex
	byRef  map[externref.Ref]handle.Handle // the table's leases; guarded by mu
	byID   map[externref.ID]handle.Handle  // the same, by value; guarded by mu
	closed bool                            // guarded by mu
	mod    api.Module                      // guarded by mu; set once known
}

// wide reports whether a guest value, a uintptr, holds a whole handle.
// Where it does not (32-bit targets), a guest value is a narrow one: the
// handle's generation and index, 16 bits each, with the table id implied.
const wide = ^uintptr(0)>>32 != 0

// narrowMax is the largest index and generation of a narrow value.
const narrowMax = 1<<16 - 1

// encode returns the guest value of h. ok is false if h has no narrow
// value: its index or its generation is past narrowMax.
func encode(h handle.Handle, wide bool) (v uintptr, ok bool) {
	if wide {
		return uintptr(h), true
	}
	i, g := h.Index(), h.Generation()
	if i > narrowMax || g > narrowMax {
		return 0, false
	}
	return uintptr(g<<16 | i), true
}

// decode returns the handle a guest value of a table with the given id
// names. A narrow value's generation is at most narrowMax, so a handle
// whose generation is past it has no guest value and is never named.
func decode(v uintptr, id uint16, wide bool) handle.Handle {
	if wide {
		return handle.Handle(v)
	}
	return handle.Make(id, uint32(v)&narrowMax, uint32(v)>>16)
}

// newTable returns an empty table with a table id of its own (leased with
// handle.AutoID), so that a value of one module is rejected by another.
func newTable() *Table {
	return &Table{refs: handle.New[externref.Ref](handle.AutoID), byRef: map[externref.Ref]handle.Handle{}}
}

// Put returns the externref value that names r's value in the guest, for
// a host function's result or an argument of a guest function. The table
// takes a count of its own (a clone of r) the first time it sees the
// value, and returns the same guest value for it afterwards, whichever
// clone of it is put; r keeps its own count. The null reference is the
// null externref, 0. Put reports [ErrClosed] once the module has closed,
// [ErrFull] if the table has no guest value left, and an error wrapping
// [externref.ErrReleased] for a reference that does not hold its count.
func (t *Table) Put(r externref.Ref) (uintptr, error) {
	if r.IsNull() {
		return 0, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return 0, ErrClosed
	}
	if h, ok := t.byID[r.ID()]; ok && r.Err() == nil {
		v, _ := encode(h, wide)
		return v, nil
	}
	c, err := r.Clone()
	if err != nil {
		return 0, err
	}
	h, v, err := t.insert(&c)
	if err != nil {
		c.Release() // not the last count: r holds one
		return 0, err
	}
	if t.byID == nil {
		t.byID = map[externref.ID]handle.Handle{}
	}
	t.byRef[c] = h
	t.byID[c.ID()] = h
	return v, nil
}

// insert stores p and returns its handle and guest value. t.mu is held.
func (t *Table) insert(p *externref.Ref) (handle.Handle, uintptr, error) {
	for {
		h := t.refs.Insert(p)
		if v, ok := encode(h, wide); ok {
			return h, v, nil
		}
		if h.Index() > narrowMax {
			t.refs.Delete(h)
			return 0, 0, ErrFull
		}
		// The slot's generation has no narrow value. The slot stays filled,
		// so that it is never reused and no guest value can name it: it is
		// retired, keeping p's memory reachable (not its count), one
		// reference per 65535 uses of a slot.
	}
}

// Get returns the reference an externref value of the guest names: the
// null reference for the null externref, or the table's own count of the
// value [Table.Put] gave the guest (Equal to the reference put, not ==).
// The reference is lent by the table, valid while the module is open:
// clone it to keep it longer, and never release it (the table's own
// release, at [Table.Drop] or [Table.Close], would then report
// [externref.ErrReleased]). A value the table never issued reports an
// [*externref.Error] wrapping [externref.ErrForged], one it has dropped
// [externref.ErrReleased]. Get is lock-free.
func (t *Table) Get(v uintptr) (externref.Ref, error) {
	if v == 0 {
		return externref.Ref{}, nil
	}
	h := decode(v, t.refs.ID(), wide)
	p, err := t.refs.Lookup(h)
	if err != nil {
		reason := externref.ErrForged
		if errors.Is(err, handle.ErrStale) {
			reason = externref.ErrReleased
		}
		return externref.Ref{}, &externref.Error{Op: "wazeroref get", Raw: uint64(v), Err: reason}
	}
	return *p, nil
}

// Drop releases the table's count on the reference v names, before the
// module closes; the guest's copies of v fail from then on.
func (t *Table) Drop(v uintptr) error {
	r, err := t.Get(v)
	if err != nil || r.IsNull() {
		return err
	}
	t.mu.Lock()
	removed, _ := t.refs.Delete(decode(v, t.refs.ID(), wide))
	if removed {
		delete(t.byRef, r)
		delete(t.byID, r.ID())
	}
	t.mu.Unlock()
	if !removed {
		return nil // a concurrent Drop or Close released it
	}
	return r.Release()
}

// Len returns the number of references the table holds.
func (t *Table) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.byRef)
}

// Close releases every reference the table holds and refuses new ones. It
// runs when the module closes; calling it earlier cuts the guest off from
// its references. A reference whose release fails (the table's count was
// released by other code) or whose release callback panics does not stop
// Close: it releases the others, and returns the failures and panics (as
// [*externref.PanicError] values) joined into one error. Closing a closed
// table does nothing.
func (t *Table) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	var refs []externref.Ref
	for r, h := range t.byRef {
		t.refs.Delete(h)
		refs = append(refs, r)
	}
	clear(t.byRef)
	clear(t.byID)
	mod := t.mod
	t.mu.Unlock()
	if mod != nil {
		modules.Delete(mod)
	}
	return externref.ReleaseAll(refs...)
}

// modules maps the module instances made by [Instantiate] to their
// tables.
var modules sync.Map // api.Module → *Table

type pendingKey struct{}

// pending is the table of a module being instantiated, found through the
// context during its start functions.
type pending struct {
	t  *Table
	rt wazero.Runtime
}

// Instantiate instantiates compiled in rt like [wazero.Runtime.InstantiateModule]
// and gives the module a [Table], closed (releasing every reference) when
// the module closes, however it closes: [api.Module.Close], the runtime's
// Close, or a failing start function.
//
// Instantiate installs a close notifier (package experimental of wazero)
// on the context of the instantiation; a notifier the caller installed on
// ctx is replaced.
func Instantiate(ctx context.Context, rt wazero.Runtime, compiled wazero.CompiledModule, cfg wazero.ModuleConfig) (api.Module, *Table, error) {
	t := newTable()
	ctx = context.WithValue(ctx, pendingKey{}, pending{t, rt})
	ctx = experimental.WithCloseNotifier(ctx, experimental.CloseNotifyFunc(func(context.Context, uint32) {
		t.Close()
	}))
	mod, err := rt.InstantiateModule(ctx, compiled, cfg)
	if err != nil {
		t.Close()
		return nil, nil, err
	}
	t.bind(mod)
	return mod, t, nil
}

// bind records that t is the table of mod.
func (t *Table) bind(mod api.Module) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.mod == nil && !t.closed {
		t.mod = mod
		modules.Store(mod, t)
	}
}

// Of returns the table of mod, the module a host function receives as its
// caller, or nil if mod was not instantiated by [Instantiate]. Pass the
// host function's own ctx: during the module's start functions, that is
// how the table is found. A start function that calls into another,
// already instantiated module whose host calls ask for their table is told
// nil for that module, as it should be, when that module has a name; an
// anonymous one cannot be told from the module being instantiated.
func Of(ctx context.Context, mod api.Module) *Table {
	if t, ok := modules.Load(mod); ok {
		return t.(*Table)
	}
	p, ok := ctx.Value(pendingKey{}).(pending)
	if !ok {
		return nil
	}
	if name := mod.Name(); name != "" && p.rt.Module(name) == mod {
		// A module instantiated before: not the one whose start
		// functions run (modules are registered after those).
		return nil
	}
	return p.t
}

// NewRuntimeConfig returns a wazero runtime configuration with the
// reference-types proposal enabled (part of WebAssembly 2.0), which
// externref needs.
func NewRuntimeConfig() wazero.RuntimeConfig {
	return wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2)
}
