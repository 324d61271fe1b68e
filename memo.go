package cellar

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/cellar-go/cellar/internal/codec"
	"github.com/cellar-go/cellar/internal/engine"
)

// memo is the table of a task function's tasks, keyed by its arguments
// (one value, or a struct of all of them). A task's identity is its
// function's name and the deterministic encoding of its arguments; since
// comparable values are == exactly when their encodings are equal, the
// typed map finds the same task the encoding would, without encoding on
// every call. Arguments that are not == to themselves (a NaN somewhere) are
// looked up by their encoding instead.
type memo[K comparable] struct {
	e  *Engine
	fn engine.Func

	// When K holds Vcs, calls whose Vcs point at task outputs must resolve
	// them to cells first, so that two handles of one cell share one task:
	// inside a task as a local step of the caller (see step), outside any
	// task through a resolver task.
	vcs      *vcFields
	resolver engine.Func

	// mayPanic is set when == on K can panic (an interface inside may hold
	// an uncomparable value); such arguments are checked first, so that a
	// map operation never panics with the lock held.
	mayPanic bool

	mu       sync.RWMutex
	tasks    map[K]*engine.Task
	byKey    map[string]*engine.Task // keys that are not == to themselves
	resolves map[K]*engine.Task      // resolver tasks
}

func (m *memo[K]) init(e *Engine, name string, run func(context.Context, any, *engine.Result), format func(K) string) {
	m.e = e
	m.tasks = make(map[K]*engine.Task)
	m.fn = engine.Func{
		Name:   name,
		Run:    run,
		Format: func(args any) string { return format(args.(K)) },
	}
	m.vcs = vcFieldsOf(reflect.TypeFor[K]())
	m.mayPanic = holdsInterface(reflect.TypeFor[K]())
	if m.vcs != nil {
		m.resolves = make(map[K]*engine.Task)
		m.resolver = engine.Func{
			Name:   name + "/resolve",
			Run:    m.resolve,
			Format: m.fn.Format,
		}
	}
}

// call returns the output of the task for k, creating and scheduling it if
// needed.
func (m *memo[K]) call(ctx context.Context, k K) engine.Raw {
	if m.mayPanic {
		m.checkComparable(k)
	}
	if m.vcs != nil && m.unresolved(k) {
		if run := engine.FromContext(ctx); run != nil && run.Engine() == m.e.core {
			if r, ok := m.e.core.NewLocal(run, func(ctx context.Context) (engine.Raw, error) { return m.step(ctx, k) }); ok {
				return r
			}
		}
		return m.raw(m.lookup(ctx, &m.resolver, m.resolves, k))
	}
	return m.raw(m.lookup(ctx, &m.fn, m.tasks, k))
}

// checkComparable panics, with a message naming the function, if k holds an
// uncomparable value: using one as an argument is a programming error.
func (m *memo[K]) checkComparable(k K) {
	defer func() {
		if r := recover(); r != nil {
			panic(fmt.Sprintf("cellar: %s called with arguments that are not comparable: %v", m.fn.Name, r))
		}
	}()
	_ = k == k
}

// unresolved takes k by value so that only calls of functions with Vc
// arguments pay for the copy reflection needs.
func (m *memo[K]) unresolved(k K) bool {
	return m.vcs.unresolved(reflect.ValueOf(&k).Elem())
}

func (m *memo[K]) raw(t *engine.Task) engine.Raw {
	return engine.Raw{Eng: m.e.core.ID(), Task: t.ID()}
}

func (m *memo[K]) lookup(ctx context.Context, fn *engine.Func, tasks map[K]*engine.Task, k K) *engine.Task {
	core := m.e.core
	if run := engine.FromContext(ctx); run != nil && run.Engine() == core {
		// A re-execution mostly calls what the previous one did.
		if t := run.Predict(fn); t != nil {
			if a, ok := t.Args().(K); ok && a == k {
				run.Confirm(t)
				core.Touch(ctx, t)
				return t
			}
		}
	}
	m.mu.RLock()
	t, ok := tasks[k]
	m.mu.RUnlock()
	if ok {
		core.Touch(ctx, t)
		return t
	}
	if k != k {
		return m.lookupByKey(ctx, fn, k)
	}
	m.mu.Lock()
	t, ok = tasks[k]
	if !ok {
		t = core.NewTask(ctx, fn, k)
		tasks[k] = t
	}
	m.mu.Unlock()
	if ok {
		core.Touch(ctx, t)
	}
	return t
}

// peek returns the output of the existing task for k, without creating,
// scheduling or touching anything: no task is made, nothing is queued, and
// no caller's interest in the task is recorded. It reports false when no
// task for k exists. That includes every k holding a Vc that points at a
// task output: the tables hold resolved arguments only (call resolves them
// first), and which cells k's Vcs resolve to only reading them can tell.
// Arguments that cannot be recognised again (not == to themselves and not
// encodable) never have a task to find.
func (m *memo[K]) peek(k K) (engine.Raw, bool) {
	if m.mayPanic {
		m.checkComparable(k)
	}
	m.mu.RLock()
	t, ok := m.tasks[k]
	m.mu.RUnlock()
	if !ok && k != k {
		key, err := m.key(k)
		if err != nil {
			return engine.Raw{}, false
		}
		m.mu.RLock()
		t, ok = m.byKey[string(key)]
		m.mu.RUnlock()
	}
	if !ok {
		return engine.Raw{}, false
	}
	return m.raw(t), true
}

func (m *memo[K]) lookupByKey(ctx context.Context, fn *engine.Func, k K) *engine.Task {
	key, err := codec.AppendKey([]byte(fn.Name+"\x00"), reflect.ValueOf(&k).Elem())
	if err != nil {
		// Not encodable either (a pointer next to a NaN): such a call
		// cannot be recognised again, so it gets a task of its own.
		return m.e.core.NewTask(ctx, fn, k)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.byKey == nil {
		m.byKey = make(map[string]*engine.Task)
	}
	if t, ok := m.byKey[string(key)]; ok {
		m.e.core.Touch(ctx, t)
		return t
	}
	t := m.e.core.NewTask(ctx, fn, k)
	m.byKey[string(key)] = t
	return t
}

// step resolves the Vcs in k to cells, with a dependency of ctx's task on
// every output it follows, and returns the output of the task for the
// resolved arguments. It is what a local Vc stands for, and what a resolver
// task computes.
func (m *memo[K]) step(ctx context.Context, k K) (engine.Raw, error) {
	if err := m.vcs.resolve(ctx, reflect.ValueOf(&k).Elem()); err != nil {
		return engine.Raw{}, err
	}
	return m.raw(m.lookup(ctx, &m.fn, m.tasks, k)), nil
}

// resolve is the resolver task's function, for calls with unresolved
// arguments made outside any task: see step.
func (m *memo[K]) resolve(ctx context.Context, args any, res *engine.Result) {
	r, err := m.step(ctx, args.(K))
	if err != nil {
		res.Err = err
		return
	}
	res.IsVc, res.Vc = true, r
}

// key returns the task identity of k: the function name and the
// deterministic encoding of the arguments. It is the same in every process
// for arguments that hold no pointers or channels.
func (m *memo[K]) key(k K) ([]byte, error) {
	return codec.AppendKey([]byte(m.fn.Name+"\x00"), reflect.ValueOf(&k).Elem())
}

// formatArgs renders task arguments for debug names.
func formatArgs(args ...any) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteString(", ")
		}
		if a == (struct{}{}) {
			continue // the placeholder argument of a task without any: f()
		}
		fmt.Fprintf(&b, "%#v", a)
	}
	return b.String()
}
