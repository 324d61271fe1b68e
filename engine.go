package cellar

import (
	"context"
	"reflect"
	"strconv"
	"sync"
	"time"

	"github.com/cellar-go/cellar/internal/codec"
	"github.com/cellar-go/cellar/internal/engine"
)

// Engine holds a graph of memoized tasks and the goroutines that compute it.
// Create one with [New]; its zero value is not usable. An Engine is safe for
// use by multiple goroutines.
type Engine struct {
	core *engine.Engine

	mu    sync.Mutex
	names map[string]bool // registered task function names

	// Task functions the package registers on first use, by name:
	// Default[T] and Key[M].
	builtinMu sync.Mutex
	builtins  map[builtinKey]any
}

// Options configures an [Engine]. A nil *Options means the defaults.
type Options struct {
	// Workers bounds how many task functions run at the same time. Zero
	// means runtime.GOMAXPROCS(0). A task blocked in a read does not count.
	// While the tasks being run take less than about a microsecond each,
	// only one of the workers computes (see the package documentation).
	Workers int
	// Observe makes the engine time every execution (see
	// [TaskInfo].Duration) and label it for pprof with the task
	// function's name (label "cellar.task"), so that CPU profiles show
	// time per task function. It costs about 100 ns per execution.
	// Executions always appear as runtime/trace regions named
	// "cellar <function>" while a trace is being recorded.
	Observe bool
	// OnExecute, when not nil, is called after every execution of a task
	// function with what a progress display or a trace needs (see
	// [Execution]). It runs on the goroutine that ran the task, once the
	// task is done (for a task run inline by the task that read it, once
	// that reader, and any reader of it run on the same goroutine, is done
	// too), outside the engine's lock and without holding a worker slot, so
	// it may read Vcs from outside tasks (the task's own too); it should be
	// quick all the same, as the goroutine's other work waits for it. [Engine.WaitIdle] waits for these calls too, so OnExecute must not
	// call it. Setting it implies Observe.
	OnExecute func(Execution)
}

// Execution describes one finished execution of a task function, for
// [Options].OnExecute.
type Execution struct {
	// Task is the task's debug name, such as wordCount("a.txt").
	Task string
	// Function is the name the task function was registered under.
	Function string
	// Internal marks the engine's own collect tasks (see [GraphTask].Kind).
	Internal bool
	// Thread numbers the engine goroutine that ran the execution, from 1.
	// A task run inline by a task that read it shares that task's Thread,
	// and its execution lies within the reader's in time, so executions
	// of one Thread nest like the slices of a trace.
	Thread int
	// Start is when the function was called, Duration how long it ran.
	Start    time.Time
	Duration time.Duration
	// Count is the number of this execution of the task: 1 for its first.
	Count int
	// Cause is why it ran.
	Cause Cause
	// Err is the error the function returned, or nil.
	Err error
}

// engines maps engine ids to live engines, so that a Vc read from outside
// any task can find its engine.
var engines sync.Map // uint32 -> *Engine

// New returns a running engine. Call [Engine.Close] when done with it.
func New(opts *Options) *Engine {
	var o engine.Options
	if opts != nil {
		o.Workers = opts.Workers
		o.Observe = opts.Observe
		if f := opts.OnExecute; f != nil {
			o.OnExecute = func(x engine.Execution) {
				f(Execution{
					Task:     x.Name,
					Function: x.Task.Func().Name,
					Internal: x.Internal,
					Thread:   int(x.Thread),
					Start:    x.Start,
					Duration: x.Duration,
					Count:    int(x.Info.Executions) + 1,
					Cause:    Cause{Kind: CauseKind(x.Info.Why.Kind), Changed: x.Info.Changed},
					Err:      x.Err,
				})
			}
		}
	}
	e := &Engine{core: engine.New(o), names: make(map[string]bool), builtins: make(map[builtinKey]any)}
	engines.Store(e.core.ID(), e)
	return e
}

// Close cancels the context of every running task function, ends every
// waiting read with [ErrClosed], and returns once every goroutine the engine
// started has exited. Task functions that ignore their context delay Close
// until they return. Reads and calls after Close fail with ErrClosed. Close
// is idempotent and always returns nil; it has an error result so that an
// Engine is an io.Closer.
func (e *Engine) Close() error {
	e.core.Close()
	engines.Delete(e.core.ID())
	return nil
}

// WaitIdle blocks until every task called so far has run and every task is
// up to date with the inputs, or until ctx is done. Strongly consistent reads
// do not need it: they wait for what they depend on. WaitIdle is for when
// everything must be finished, such as before reporting totals of work done.
// Edits made while it waits are applied once it returns. Called with the
// context of a running task function, it returns [ErrIdleInTask].
func (e *Engine) WaitIdle(ctx context.Context) error { return e.core.WaitIdle(ctx) }

// Stats is a snapshot of an engine's counters.
type Stats struct {
	// Tasks is the number of tasks created, States included.
	Tasks uint64
	// Executions is the number of task function executions that
	// completed. Executions abandoned because nobody needed them any more
	// are not counted.
	Executions uint64
	// InternalExecutions is the number of those executions that were of
	// the engine's own collect tasks, which gather collectibles for
	// [Peek] and [Take]: one per task and collectible type, run again when
	// what it gathers may have changed.
	InternalExecutions uint64
	// Reused is the number of calls answered by a task that had already
	// been computed, without running it.
	Reused uint64
	// Invalidated is the number of times a task was marked dirty because
	// something it read changed.
	Invalidated uint64
	// CutOff is the number of re-executions that produced values equal to
	// the previous ones, so that nothing that read them had to re-run.
	CutOff uint64
	// Evicted is the number of cell contents dropped after a final read
	// ([Vc.GetFinal]).
	Evicted uint64
}

// Stats returns the engine's counters.
func (e *Engine) Stats() Stats {
	s := e.core.Stats()
	return Stats{
		Tasks:              s.Tasks,
		Executions:         s.Executions,
		InternalExecutions: s.Internal,
		Reused:             s.Reused,
		Invalidated:        s.Invalidated,
		CutOff:             s.CutOff,
		Evicted:            s.Evicted,
	}
}

// register reserves a task function name, panicking on misuse: a duplicate
// name would make two functions share memoized results.
func (e *Engine) register(name string, fnIsNil bool) {
	if name == "" {
		panic("cellar: task function registered with an empty name")
	}
	if fnIsNil {
		panic("cellar: task function " + name + " is nil")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.names[name] {
		panic("cellar: task function " + name + " registered twice on the same engine")
	}
	e.names[name] = true
}

// builtin returns the task function registered under name by make, making
// and registering it on first use.
//
// Builtins are found by kind and type. Their names come from the type's
// name, which two types can share (types declared inside functions); the
// second such type gets a numbered name, kind[T]#2.
func builtin[F any](e *Engine, kind string, rt reflect.Type, make func(name string) F) F {
	e.builtinMu.Lock()
	defer e.builtinMu.Unlock()
	key := builtinKey{kind, rt}
	if f, ok := e.builtins[key]; ok {
		return f.(F)
	}
	base := kind + "[" + codec.TypeName(rt) + "]"
	name := base
	for n := 2; e.registered(name); n++ {
		name = base + "#" + strconv.Itoa(n)
	}
	f := make(name)
	e.builtins[key] = f
	return f
}

type builtinKey struct {
	kind string
	rt   reflect.Type
}

// registered reports whether a task function was registered under name.
func (e *Engine) registered(name string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.names[name]
}
