package cellar

import (
	"context"
	"sync"

	"github.com/cellar-go/cellar/internal/engine"
)

// State is a mutable input of the engine: a value that task functions read
// and that code outside the engine sets. Setting a different value re-runs
// exactly the tasks that read it, and from there whatever their changes
// affect.
//
// A State is safe for use by multiple goroutines.
type State[T any] struct {
	e  *Engine
	t  *engine.Task
	mu sync.Mutex // orders Set and Update, so that Update cannot lose a Set
}

// stateFunc names states in debug output: State("name").
var stateFunc = &engine.Func{Name: "State", Format: func(args any) string { return formatArgs(args) }}

// NewState returns a state holding initial. name appears in debug output and
// error chains; it need not be unique.
func NewState[T any](e *Engine, name string, initial T) *State[T] {
	return &State[T]{e: e, t: e.core.NewState(stateFunc, name, initial, typeFor[T]())}
}

// Get returns the state's value. Inside a task function the task then
// depends on the state and runs again when it changes. Outside any task Get
// returns the latest value set, even if the tasks that read it have not been
// updated yet.
func (s *State[T]) Get(ctx context.Context) T {
	if run := engine.FromContext(ctx); run != nil {
		v, err := run.Engine().Read(ctx, run, s.vc().r)
		if err == nil {
			t, _ := convert[T](v, nil)
			return t
		}
		// The execution is being abandoned or has returned, or the
		// engine closed: nothing depends on this read any more.
	}
	t, _ := convert[T](s.e.core.StateValue(s.t), nil)
	return t
}

// Set replaces the value. A value equal to the current one (by the same
// comparison the engine uses for cells) changes nothing. Tasks that read the
// state are re-run in the background; read an [OperationVc] strongly
// consistently, or a Vc from outside any task, to wait for the result.
//
// Set, like SetUnconditionally and Update, panics with an error wrapping
// [ErrNonLocalValue] if v holds a local Vc (see [Vc.IsLocal]): a
// programming error.
func (s *State[T]) Set(v T) {
	mustHoldNoLocal(v)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.e.core.SetState(s.t, v, false)
}

// SetUnconditionally replaces the value and re-runs the tasks that read it
// even if the value is equal to the current one.
func (s *State[T]) SetUnconditionally(v T) {
	mustHoldNoLocal(v)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.e.core.SetState(s.t, v, true)
}

// Update changes the value in place: f receives a copy of the current value
// to modify and reports whether it changed anything. If it did, the result
// becomes the value and the tasks that read the state run again, without
// comparing old and new. Concurrent Sets and Updates of the state are
// applied one at a time, so none is lost.
//
// The copy is shallow: a map or slice inside T is shared with the current
// value, which tasks may still be reading. Replace such parts rather than
// modifying them. f must not call Set or Update on the same state.
func (s *State[T]) Update(f func(v *T) (changed bool)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, _ := convert[T](s.e.core.StateValue(s.t), nil)
	if f(&v) {
		mustHoldNoLocal(v)
		s.e.core.SetState(s.t, v, true)
	}
}

// GetUntracked returns the state's value without making the calling task
// depend on it: the task does not run again when the state changes. It
// returns the latest value set, like Get outside a task.
func (s *State[T]) GetUntracked() T {
	t, _ := convert[T](s.e.core.StateValue(s.t), nil)
	return t
}

// Vc returns a Vc of the state's value, to pass to task functions.
func (s *State[T]) Vc() Vc[T] { return s.vc() }

func (s *State[T]) vc() Vc[T] {
	return Vc[T]{r: engine.Raw{Eng: s.e.core.ID(), Task: s.t.ID(), Slot: 1}}
}

func mustHoldNoLocal[T any](v T) {
	if err := checkNoLocal(v, "a state"); err != nil {
		panic(err)
	}
}
