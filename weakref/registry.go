package weakref

import (
	"fmt"
	"hash/maphash"
	"iter"
	"runtime"
	"sync/atomic"
	"weak"

	"github.com/cellar-go/cellar/handle"
)

// Options configure a [Registry] made by [New].
type Options struct {
	// Collectable makes the registry hold its objects weakly: an object
	// also goes away when the garbage collector finds nothing else
	// referencing it, as if deleted. When that happens is up to the
	// collector; see the package documentation. Such a registry holds
	// only memory of the Go runtime (the heap and package-level
	// variables): [Registry.Weak] panics for a pointer into memory from
	// mmap or C, which Go's weak pointers cannot reference.
	Collectable bool
}

// Registry hands out weak handles to objects of type T, identified by
// their address: the same registered object always gets the same handle.
//
// The zero Registry is ready to use and holds its objects strongly until
// they are deleted; [New] makes a collectable one. A Registry must not be
// copied after first use. All its methods, and those of its handles, are
// safe to call from any goroutine.
type Registry[T any] struct {
	c atomic.Pointer[core[T]]
}

// New returns an empty registry with the given options.
func New[T any](opts Options) *Registry[T] {
	r := new(Registry[T])
	r.c.Store(newCore[T](opts))
	return r
}

// Collectable reports whether r was made with [Options.Collectable].
func (r *Registry[T]) Collectable() bool { return r.core().collect }

// core returns r's state, creating it on the first use of a zero Registry.
func (r *Registry[T]) core() *core[T] {
	if c := r.c.Load(); c != nil {
		return c
	}
	return r.init()
}

// init creates the state of a zero Registry; of two racing calls, one
// wins and both return its state.
func (r *Registry[T]) init() *core[T] {
	r.c.CompareAndSwap(nil, newCore[T](Options{}))
	return r.c.Load()
}

// core is a registry's state. Exactly one of strong and weak is used,
// according to collect.
type core[T any] struct {
	// Read by every upgrade; on a cache line of their own.
	collect bool
	strong  *handle.Table[T]
	weak    *handle.Table[entry[T]]
	seed    maphash.Seed
	_       [64 - 32]byte

	// Guarded by the lock of the table in use.
	ids    index    // identity hash → handle
	hashes []uint64 // identity hash of the object in each slot
	// Objects registered: live and not deleted, even pending. Written
	// under the table's lock, read by Len without it.
	n atomic.Int64

	sites sites[T]
}

// entry is what a collectable registry stores for an object.
type entry[T any] struct {
	wp weak.Pointer[T]
	c  *core[T]
	// Written after the entry is inserted; guarded by the table's lock.
	h       handle.Handle
	cleanup runtime.Cleanup
}

// newCore makes the state of a registry with a table id of its own,
// leased for as long as the registry is reachable.
func newCore[T any](opts Options) *core[T] {
	c := &core[T]{collect: opts.Collectable, seed: maphash.MakeSeed()}
	if c.collect {
		c.weak = handle.New[entry[T]](handle.AutoID)
	} else {
		c.strong = handle.New[T](handle.AutoID)
	}
	return c
}

// get returns the object h names, or nil if it is gone. It is lock-free.
func (c *core[T]) get(h handle.Handle) *T {
	if !c.collect {
		p, _ := c.strong.Get(h)
		return p
	}
	if e, ok := c.weak.Get(h); ok {
		return e.wp.Value()
	}
	return nil
}

// lookup is get with the reason for a failure.
func (c *core[T]) lookup(op string, h handle.Handle) (*T, error) {
	if !c.collect {
		p, err := c.strong.Lookup(h)
		if err != nil {
			return nil, fail(op, h, err)
		}
		return p, nil
	}
	e, err := c.weak.Lookup(h)
	if err != nil {
		return nil, fail(op, h, err)
	}
	if p := e.wp.Value(); p != nil {
		return p, nil
	}
	return nil, &Error{Op: op, Raw: uint64(h), Err: ErrGone}
}

// setHash records the identity hash of the object in h's slot. The
// table's lock must be held.
func (c *core[T]) setHash(h handle.Handle, hash uint64) {
	i := int(h.Index())
	if i >= len(c.hashes) {
		c.growHashes(i)
	}
	c.hashes[i] = hash
}

// growHashes makes room in c.hashes for slot i.
func (c *core[T]) growHashes(i int) {
	c.hashes = append(c.hashes, make([]uint64, i+1-len(c.hashes))...)
}

// removed forgets h, whose object the table just removed. The table's lock
// must be held.
func (c *core[T]) removed(h handle.Handle) {
	c.ids.remove(c.hashes[h.Index()], h)
}

// handleOf returns p's handle in a registry that is not collectable,
// registering p if it has none. It looks p up and finds the place of a new
// entry in one pass over the index. A handle whose deletion is pending
// (deleted while a Strong holds it) is not p's any more: p then gets a new
// one.
func (c *core[T]) handleOf(p *T) handle.Handle {
	hash := maphash.Comparable(c.seed, p)
	w := c.strong.Lock()
	defer w.Unlock()
	x := &c.ids
	x.reserve()
	e, mask := x.e, uint64(len(x.e)-1)
	free := ^uint64(0)
	i := hash & mask
	for ; e[i].h != 0; i = (i + 1) & mask {
		if e[i].h == tomb {
			if free == ^uint64(0) {
				free = i
			}
		} else if e[i].hash == hash {
			if q, _ := c.strong.Get(e[i].h); q == p && !c.strong.Pending(e[i].h) {
				return e[i].h
			}
		}
	}
	h := w.Insert(p)
	if free == ^uint64(0) {
		free = i // no tombstone on the way: the empty entry
	}
	x.put(free, hash, h)
	c.setHash(h, hash)
	c.n.Add(1)
	return h
}

// handleOfCollectable is handleOf for a collectable registry. The probe
// loop is repeated rather than shared through a matching callback, which
// measured ~5 ns more per insert on this path.
func (c *core[T]) handleOfCollectable(p *T) handle.Handle {
	hash := maphash.Comparable(c.seed, p)
	w := c.weak.Lock()
	defer w.Unlock()
	x := &c.ids
	x.reserve()
	e, mask := x.e, uint64(len(x.e)-1)
	free := ^uint64(0)
	i := hash & mask
	for ; e[i].h != 0; i = (i + 1) & mask {
		if e[i].h == tomb {
			if free == ^uint64(0) {
				free = i
			}
		} else if e[i].hash == hash {
			// A collected object's entry never matches: its weak pointer
			// is nil, even if p took its address.
			if ent, ok := c.weak.Get(e[i].h); ok && ent.wp.Value() == p && !c.weak.Pending(e[i].h) {
				return e[i].h
			}
		}
	}
	ent := &entry[T]{c: c}
	// The cleanup first: for memory outside the Go heap, AddCleanup
	// panics where weak.Make would kill the process. Until ent.h is set
	// below, under the lock, the cleanup finds nothing to delete.
	ent.cleanup = addCleanup(p, ent)
	ent.wp = weak.Make(p)
	h := w.Insert(ent)
	ent.h = h
	if free == ^uint64(0) {
		free = i // no tombstone on the way: the empty entry
	}
	x.put(free, hash, h)
	c.setHash(h, hash)
	c.n.Add(1)
	return h
}

// addCleanup registers the cleanup of e's object p. It panics if p is not
// memory of the Go heap or of a Go global, which weak pointers cannot
// reference.
func addCleanup[T any](p *T, e *entry[T]) runtime.Cleanup {
	defer func() {
		if r := recover(); r != nil {
			panic(fmt.Sprintf("weakref: Weak in a collectable registry of a pointer outside the Go heap (%v)", r))
		}
	}()
	return runtime.AddCleanup(p, collected[T], e)
}

// collected runs after the garbage collector found the object of e
// unreachable: it deletes e's handle, if it is still e's.
func collected[T any](e *entry[T]) {
	c := e.c
	w := c.weak.Lock()
	defer w.Unlock()
	if cur, ok := c.weak.Get(e.h); ok && cur == e {
		wasPending := c.weak.Pending(e.h)
		removed, err := w.Delete(e.h)
		c.deleted(e.h, removed, wasPending, err)
	}
}

// deleted records the outcome of a deletion of h: removed and err are
// what the table's Delete returned, wasPending whether h's deletion was
// pending before. The table's lock must be held.
func (c *core[T]) deleted(h handle.Handle, removed, wasPending bool, err error) {
	if removed {
		c.removed(h)
	}
	if err == nil && !wasPending {
		c.n.Add(-1) // no longer registered, removed now or pending
	}
}

// lookupHandle returns p's handle, or 0 if p is not registered (or only
// under a handle whose deletion is pending).
func (c *core[T]) lookupHandle(p *T) handle.Handle {
	hash := maphash.Comparable(c.seed, p)
	if c.collect {
		defer c.weak.Lock().Unlock()
	} else {
		defer c.strong.Lock().Unlock()
	}
	x := &c.ids
	if len(x.e) == 0 {
		return 0
	}
	mask := uint64(len(x.e) - 1)
	for i := hash & mask; x.e[i].h != 0; i = (i + 1) & mask {
		if e := x.e[i]; e.h != tomb && e.hash == hash && c.get(e.h) == p && !c.pending(e.h) {
			return e.h
		}
	}
	return 0
}

// delete deletes the object of h. c may be nil, for the zero Weak.
func (c *core[T]) delete(h handle.Handle) error {
	switch {
	case c == nil:
		return &Error{Op: "delete", Err: ErrNull}
	case c.collect:
		return c.deleteCollectable(h)
	}
	if err := c.deleteLocked(h); err != nil {
		return fail("delete", h, err)
	}
	return nil
}

// deleteLocked deletes h in a registry that is not collectable, under the
// lock.
func (c *core[T]) deleteLocked(h handle.Handle) error {
	w := c.strong.Lock()
	defer w.Unlock()
	wasPending := c.strong.Pending(h)
	removed, err := w.Delete(h)
	c.deleted(h, removed, wasPending, err)
	return err
}

// deleteCollectable is delete for a collectable registry.
func (c *core[T]) deleteCollectable(h handle.Handle) error {
	e, err := c.deleteCollectableLocked(h)
	if err != nil {
		return fail("delete", h, err)
	}
	if e.wp.Value() == nil {
		// Collected, and now deleted too.
		return &Error{Op: "delete", Raw: uint64(h), Err: ErrGone}
	}
	return nil
}

// deleteCollectableLocked deletes h in a collectable registry, under the
// lock, and returns its entry.
func (c *core[T]) deleteCollectableLocked(h handle.Handle) (*entry[T], error) {
	w := c.weak.Lock()
	defer w.Unlock()
	e, _ := c.weak.Get(h)
	wasPending := c.weak.Pending(h)
	removed, err := w.Delete(h)
	c.deleted(h, removed, wasPending, err)
	if err != nil {
		return nil, err
	}
	e.cleanup.Stop()
	return e, nil
}

// pending reports whether h's deletion waits for a Strong's release.
func (c *core[T]) pending(h handle.Handle) bool {
	if c.collect {
		return c.weak.Pending(h)
	}
	return c.strong.Pending(h)
}

// pin pins h with pin and returns its object.
func (c *core[T]) pin(pin *handle.Pin, h handle.Handle) (*T, error) {
	if !c.collect {
		p, err := c.strong.Pin(pin, h)
		if err != nil {
			return nil, fail("strong", h, err)
		}
		return p, nil
	}
	e, err := c.weak.Pin(pin, h)
	if err != nil {
		return nil, fail("strong", h, err)
	}
	if p := e.wp.Value(); p != nil {
		return p, nil
	}
	c.unpin(pin)
	return nil, &Error{Op: "strong", Raw: uint64(h), Err: ErrGone}
}

// unpin releases pin. It takes the lock so that, if this completes a
// pending deletion, the identity index forgets the handle in the same
// step. It reports whether pin held a pin.
func (c *core[T]) unpin(pin *handle.Pin) bool {
	var removed bool
	var err error
	if !c.collect {
		w := c.strong.Lock()
		defer w.Unlock()
		removed, err = w.Unpin(pin)
	} else {
		w := c.weak.Lock()
		defer w.Unlock()
		removed, err = w.Unpin(pin)
	}
	if removed {
		c.removed(pin.Handle())
	}
	return err == nil
}

// Weak returns the weak handle of p, registering p if it has none: asking
// twice for the same live object returns the same handle. Weak panics if p
// is nil, and, in a collectable registry, if p points outside the Go heap
// and the Go globals (into memory from mmap or C, say), which Go's weak
// pointers cannot reference.
//
// An object that was deleted while a [Strong] holds it is no longer
// registered, though it stays upgradable through its old handle until the
// Strong is released: Weak registers it again, under a new handle that
// the pending deletion does not affect.
//
// In a registry that is not collectable, the registry keeps p alive until
// it is deleted.
func (r *Registry[T]) Weak(p *T) Weak[T] {
	if c := r.c.Load(); c != nil && !c.collect && p != nil {
		return Weak[T]{c: c, h: c.handleOf(p)}
	}
	return r.weakSlow(p)
}

// weakSlow is Weak for a nil p, a zero Registry's first use and
// collectable registries.
func (r *Registry[T]) weakSlow(p *T) Weak[T] {
	if p == nil {
		panic("weakref: Weak of a nil pointer")
	}
	c := r.core()
	if c.collect {
		return Weak[T]{c: c, h: c.handleOfCollectable(p)}
	}
	return Weak[T]{c: c, h: c.handleOf(p)}
}

// Lookup returns the weak handle of p and true if p is registered, without
// registering it otherwise. An object deleted while a [Strong] holds it is
// not registered.
func (r *Registry[T]) Lookup(p *T) (Weak[T], bool) {
	if p == nil {
		return Weak[T]{}, false
	}
	c := r.core()
	if h := c.lookupHandle(p); h != 0 {
		return Weak[T]{c: c, h: h}, true
	}
	return Weak[T]{}, false
}

// FromRaw turns the raw form of a handle, from [Weak.Raw], back into a
// weak handle, after checking that it names an object of r that is still
// there. Whatever raw is, it returns either that object's handle or an
// [*Error] wrapping [ErrNull], [ErrGone], [ErrForeign] or [ErrInvalid].
//
// The object may go away right after FromRaw returns; [Weak.Upgrade] tells.
// A raw handle of a registry that is gone may be taken for one of r's, if
// r leased the same table id since (see the package documentation).
func (r *Registry[T]) FromRaw(raw uint64) (Weak[T], error) {
	c := r.core()
	h := handle.Handle(raw)
	if _, err := c.lookup("from raw", h); err != nil {
		return Weak[T]{}, err
	}
	return Weak[T]{c: c, h: h}, nil
}

// Len returns the number of objects registered: those [Registry.Lookup]
// finds. An object deleted while a [Strong] holds it is not registered,
// and is not counted unless it is registered again (it then counts once).
// A collectable registry counts a collected object until its cleanup has
// run.
func (r *Registry[T]) Len() int { return int(r.core().n.Load()) }

// All returns an iterator over the registered objects and their handles,
// each object once: an object deleted while a [Strong] holds it is not
// yielded under the handle whose deletion is pending, only under the new
// one if it was registered again. All takes no lock: each object it yields
// was registered when it was read, and objects registered or deleted
// meanwhile may or may not be seen.
func (r *Registry[T]) All() iter.Seq2[Weak[T], *T] {
	c := r.core()
	return func(yield func(Weak[T], *T) bool) {
		if !c.collect {
			for h, p := range c.strong.All() {
				if !c.strong.Pending(h) && !yield(Weak[T]{c: c, h: h}, p) {
					return
				}
			}
			return
		}
		for h, e := range c.weak.All() {
			if p := e.wp.Value(); p != nil && !c.weak.Pending(h) && !yield(Weak[T]{c: c, h: h}, p) {
				return
			}
		}
	}
}
