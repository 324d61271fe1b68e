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

// ErrClosed reports a [Table.Put] on a table whose module has closed.
var ErrClosed = errors.New("externref: module table closed")

// Table is the per-module table of the references a WebAssembly module
// instance holds. The guest sees small validated values of the table's
// own, never the global raw values of package externref, so it can name
// only what its host gave it. The table holds one count on each reference
// it has given the guest, and releases them all when the module closes.
//
// A Table is safe for concurrent use.
type Table struct {
	refs *handle.Table[externref.Ref]

	mu     sync.Mutex
	byRef  map[externref.Ref]handle.Handle // guarded by mu
	closed bool                            // guarded by mu
	mod    api.Module                      // guarded by mu; set once known
}

// newTable returns an empty table with a table id of its own (see
// handle.NewID), so that a value of one module is rejected by another.
func newTable() *Table {
	return &Table{refs: handle.New[externref.Ref](handle.NewID()), byRef: map[externref.Ref]handle.Handle{}}
}

// Put returns the externref value that names r in the guest, for a host
// function's result or an argument of a guest function. The table takes a
// count on r the first time it sees it and returns the same value for the
// same reference afterwards. The null reference is the null externref, 0.
// Put reports [ErrClosed] once the module has closed, and an error
// wrapping [externref.ErrReleased] for a released reference.
func (t *Table) Put(r externref.Ref) (uintptr, error) {
	if r.IsNull() {
		return 0, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return 0, ErrClosed
	}
	if h, ok := t.byRef[r]; ok {
		return uintptr(h), nil
	}
	c, err := r.Clone()
	if err != nil {
		return 0, err
	}
	p := new(externref.Ref)
	*p = c
	h := t.refs.Insert(p)
	t.byRef[c] = h
	return uintptr(h), nil
}

// Get returns the reference an externref value of the guest names: the
// null reference for the null externref, or the reference [Table.Put]
// gave the guest. The reference is borrowed from the table, valid while
// the module is open; clone it to keep it longer. A value the table never
// issued reports an [*externref.Error] wrapping [externref.ErrForged], one
// it has dropped [externref.ErrReleased]. Get is lock-free.
func (t *Table) Get(v uintptr) (externref.Ref, error) {
	if v == 0 {
		return externref.Ref{}, nil
	}
	h := handle.Handle(v)
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
	removed, _ := t.refs.Delete(handle.Handle(v))
	if removed {
		delete(t.byRef, r)
	}
	t.mu.Unlock()
	if !removed {
		return nil // a concurrent Drop or Close released it
	}
	return r.Release()
}

// Len returns the number of references the table holds.
func (t *Table) Len() int { return t.refs.Len() }

// Close releases every reference the table holds and refuses new ones. It
// runs when the module closes; calling it earlier cuts the guest off from
// its references. Closing a closed table does nothing.
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
	mod := t.mod
	t.mu.Unlock()
	if mod != nil {
		modules.Delete(mod)
	}
	var errs []error
	for _, r := range refs {
		if err := r.Release(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
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
