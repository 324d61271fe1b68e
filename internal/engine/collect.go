package engine

import (
	"context"
	"math"
)

// Collectibles are values a task emits besides its result (diagnostics,
// say). What an operation collected is computed by an internal collect task
// per (task, type): it reads the task's emissions and the tasks it read (its
// "meta", a pseudo-slot that changes only when they do) and the collect
// tasks of those, and merges them. Collect tasks are ordinary tasks, so an
// unchanged operation's collectibles are a cached value, and an edit
// recomputes only the collect tasks above what changed.

// metaSlot is the slot of a dependency on a task's meta: what it emitted,
// what it took, and which tasks it read.
const metaSlot = math.MaxUint32

type emission struct {
	value any
	typ   *Type
}

// taken records that an execution took the collectibles of type typ of the
// operation t: they no longer reach the tasks above it.
type taken struct {
	t   *Task
	typ *Type
}

// taskExtra is what only some tasks need: those with collectibles, with
// readers of their collectibles, or with readers of their output's target.
type taskExtra struct {
	emits         []emission
	taken         []taken
	metaReaders   []uint32 // the tasks that read the meta
	targetReaders []uint32 // the tasks that resolved the output (targetSlot)
}

// hasMeta reports whether m holds anything a completion must look at for
// collectibles.
func (m *taskExtra) hasMeta() bool {
	return m != nil && (len(m.emits) > 0 || len(m.taken) > 0 || len(m.metaReaders) > 0)
}

// collectKey is the argument of a collect task.
type collectKey struct {
	t   *Task
	typ *Type
}

// collectFunc is the function of every collect task.
var collectFunc = Func{
	Name: "collectibles",
	Format: func(args any) string {
		k := args.(collectKey)
		return k.t.Name() + ", " + k.typ.Name
	},
}

func init() { // collect refers to collectFunc
	collectFunc.Run = func(ctx context.Context, args any, res *Result) { *res = collect(ctx, args) }
}

// Emit records value, of type typ, as emitted by run's execution.
func (e *Engine) Emit(run *Run, value any, typ *Type) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if run.e != e {
		return ErrForeign
	}
	x := run.x
	if x == nil {
		return ErrTaskReturned
	}
	more := x.extra()
	more.emits = append(more.emits, emission{value, typ})
	return nil
}

// Collect returns the output of the collect task for the values of type typ
// that the operation r and the tasks it read, transitively, emitted. Its
// value is a []any, deduplicated, in a deterministic order. run is the
// calling execution, or nil outside any task; with take, the calling
// execution also hides them from the tasks above it.
func (e *Engine) Collect(ctx context.Context, run *Run, r Raw, typ *Type, take bool) (Raw, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.checkRawLocked(r); err != nil {
		return Raw{}, err
	}
	if r.Slot != 0 {
		return Raw{}, ErrNotOperation
	}
	if e.mu.closed {
		return Raw{}, ErrClosed
	}
	t := e.mu.tasks.at(r.Task)
	if take && run != nil {
		if run.e != e {
			return Raw{}, ErrForeign
		}
		x := run.x
		if x == nil {
			return Raw{}, ErrTaskReturned
		}
		more := x.extra()
		more.taken = append(more.taken, taken{t, typ})
	}
	key := collectKey{t, typ}
	ct, ok := e.mu.collect.tasks[key]
	if !ok {
		if e.mu.collect.tasks == nil {
			e.mu.collect.tasks = make(map[collectKey]*Task)
		}
		ct = e.addTaskLocked(&collectFunc, key)
		ct.height = 1
		e.mu.stats.tasks++
		e.mu.collect.tasks[key] = ct
		e.enqueueLocked(ct)
		e.holdForCallerLocked(ctx, ct)
		e.kickLocked(callerReserve(ctx))
	} else {
		e.touchLocked(ctx, ct)
	}
	return ct.outputRaw(e.id), nil
}

// collect is the function of a collect task.
func collect(ctx context.Context, args any) Result {
	k := args.(collectKey)
	run := FromContext(ctx)
	e := run.e
	own, children, err := e.readMeta(ctx, run, k.t, k.typ)
	if err != nil {
		return Result{Err: err}
	}
	outs := make([]Raw, len(children))
	for i, c := range children {
		// All first, so that they can run in parallel.
		if outs[i], err = e.Collect(ctx, run, c.outputRaw(e.id), k.typ, false); err != nil {
			return Result{Err: err}
		}
	}
	set := newDedup(k.typ)
	for _, v := range own {
		set.add(v)
	}
	for _, r := range outs {
		v, err := e.Read(ctx, run, r)
		if err != nil {
			return Result{Err: err}
		}
		for _, v := range v.([]any) {
			set.add(v)
		}
	}
	return Result{Value: set.list, Type: e.listTypeOf(k.typ)}
}

// readMeta waits until t is up to date, records that run depends on its
// meta, and returns what t emitted of type typ and the tasks whose
// collectibles reach t: those whose output it read or returned, other than
// states, collect tasks and those it took typ from.
func (e *Engine) readMeta(ctx context.Context, run *Run, t *Task, typ *Type) (own []any, children []*Task, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	rd, err := e.beginReadLocked(ctx, run, t.outputRaw(e.id), 0)
	if err != nil {
		return nil, nil, err
	}
	defer e.endReadLocked(&rd)
	r := Raw{Eng: e.id, Task: t.id, Slot: metaSlot}
	if _, err := e.readLoopLocked(&rd, &r); err != nil {
		return nil, nil, err
	}
	if m := t.more; m != nil {
		for _, em := range m.emits {
			if em.typ == typ {
				own = append(own, em.value)
			}
		}
	}
	seen := map[*Task]bool{}
	add := func(c *Task) {
		if c.isState || c.fn == &collectFunc || seen[c] || t.tookFrom(c, typ) {
			return
		}
		seen[c] = true
		children = append(children, c)
	}
	for _, d := range t.deps {
		// Only a read of c's output (or of where it points: a
		// resolution) makes c a child. A read of one
		// of c's cells alone means the cell was handed down (as an
		// argument, say) by c or a task above c, which collects c.
		if (d.slot == 0 || d.slot == targetSlot) && !d.back {
			add(d.t)
		}
	}
	if o := t.out.vc; t.out.err == nil && o.Task != 0 && o.Task != t.id {
		add(e.mu.tasks.at(o.Task))
	}
	return own, children, nil
}

func (t *Task) tookFrom(c *Task, typ *Type) bool {
	if t.more == nil {
		return false
	}
	for _, k := range t.more.taken {
		if k.t == c && k.typ == typ {
			return true
		}
	}
	return false
}

// storeMetaLocked makes x's emissions and takes t's, and marks the readers
// of t's meta dirty if they, or the tasks t read or returned (depsChanged),
// changed. It
// reports whether anything changed.
func (e *Engine) storeMetaLocked(x *execution, depsChanged bool) bool {
	t := x.t
	var emits []emission
	var took []taken
	if x.more != nil {
		emits, took = x.more.emits, x.more.taken
	}
	m := t.more
	if m == nil {
		if len(emits) == 0 && len(took) == 0 {
			return false
		}
		m = new(taskExtra)
		t.more = m
	}
	changed := !sameEmissions(m.emits, emits) || !sameTaken(m.taken, took)
	if len(m.metaReaders) > 0 && (changed || depsChanged) {
		e.markReadersLocked(m.metaReaders, nil, Why{Kind: WhyChanged, task: t.id, slot: metaSlot}, dep{t: t, slot: metaSlot})
	}
	m.emits, m.taken = emits, took
	return changed
}

func sameEmissions(a, b []emission) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].typ != b[i].typ || !a[i].typ.Equal(a[i].value, b[i].value) {
			return false
		}
	}
	return true
}

func sameTaken(a, b []taken) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// dedup is an ordered set of values of one type.
type dedup struct {
	typ  *Type
	seen map[any]struct{}
	list []any
}

func newDedup(typ *Type) *dedup { return &dedup{typ: typ, seen: map[any]struct{}{}, list: []any{}} }

func (d *dedup) add(v any) {
	k := v
	if d.typ.Key != nil {
		k = d.typ.Key(v)
	}
	if _, ok := d.seen[k]; ok {
		return
	}
	d.seen[k] = struct{}{}
	d.list = append(d.list, v)
}

// listTypeOf returns the Type of a collect task's value for elements of
// type typ.
func (e *Engine) listTypeOf(typ *Type) *Type {
	e.mu.Lock()
	defer e.mu.Unlock()
	if lt, ok := e.mu.collect.listTypes[typ]; ok {
		return lt
	}
	if e.mu.collect.listTypes == nil {
		e.mu.collect.listTypes = make(map[*Type]*Type)
	}
	lt := &Type{Name: "[]" + typ.Name, Equal: func(a, b any) bool {
		as, bs := a.([]any), b.([]any)
		if len(as) != len(bs) {
			return false
		}
		for i := range as {
			if !typ.Equal(as[i], bs[i]) {
				return false
			}
		}
		return true
	}}
	e.mu.collect.listTypes[typ] = lt
	return lt
}
