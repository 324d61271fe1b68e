// Package cellar is an incremental computation engine: the Go counterpart
// of turbo-tasks' value cells (Vc<T>).
//
// You write ordinary Go functions and register them on an [Engine] as task
// functions. A call of a task function with some arguments is a task; the
// engine runs it once and remembers its result. Everything a task reads
// through the engine (other tasks' results, [State] inputs) is recorded
// automatically. When an input changes, exactly the tasks that read it run
// again, then the tasks that read those, and so on, stopping wherever a
// recomputed value equals the previous one.
//
//	e := cellar.New(nil)
//	defer e.Close()
//	text := cellar.NewState(e, "text", "a b c")
//	words := cellar.NewFunc1(e, "words", func(ctx context.Context, _ struct{}) (int, error) {
//		return len(strings.Fields(text.Get(ctx))), nil
//	})
//	n, err := words.Call(ctx, struct{}{}).Get(ctx) // 3
//	text.Set("a b c d")
//	n, err = words.Call(ctx, struct{}{}).Get(ctx)  // 4: words ran again
//
// # Task functions
//
// [NewFunc1] to [NewFunc4] register functions of one to four comparable
// arguments; [NewVcFunc1] to [NewVcFunc4] register functions that return a
// [Vc] they got from elsewhere. A task is identified by the function's name
// and its arguments, so calling a function again with equal arguments finds
// the same task. Calls return at once: the task runs in the background, and
// reading its [Vc] waits for it. A task's function runs again only when
// something it read has changed.
//
// # Cells and Vcs
//
// A task's results live in cells. Returning a value stores it in a new cell;
// [Cell] creates further cells, numbered in creation order. A [Vc] is a
// small comparable handle to a task's output or to one cell. When a task
// runs again, each of its cells is compared with the previous run's (with
// ==, with an Equal method when the type has one, otherwise by content), and
// only the readers of cells that changed are invalidated.
//
// # Reads
//
// Inside a task function, [Vc.Get] with the context the function received
// records a dependency. Outside any task, Get (and
// [OperationVc.ReadStronglyConsistent]) waits until everything the value
// depends on is up to date and returns exactly what a computation from
// scratch over the current inputs would: never a mix of old and new inputs.
//
// # Inputs
//
// A [State] is a value set from outside the engine. For inputs the engine
// cannot see change, such as files, a task takes its [Invalidator] with
// [InvalidatorFor] and gives it to whatever watches the input.
//
// # Guarantees
//
// Across one edit, every task runs at most once, and only if a value it
// read in its previous run changed; tasks are re-run in dependency order
// (lowest first), independent ones in parallel on a bounded pool of
// goroutines. The work an edit causes is proportional to what changed, not
// to the size of the graph. Tasks that take well under a microsecond each
// run faster on one thread than on several, since their time is mostly the
// engine's bookkeeping; the pool then keeps to one thread until they take
// longer.
//
// # Failures
//
// A task function's error, or its panic, becomes the task's result: readers
// get a [*TaskError] naming the chain of tasks it passed through, and it is
// memoized like a value until something the task read changes. Tasks that
// depend on each other in a cycle get a [*CycleError] instead of waiting
// forever. A read whose context is cancelled returns ctx.Err(); work that
// nobody waits for any more is cancelled, and [Engine.Close] stops
// everything and waits for it.
//
// # Caveats
//
// Task functions must be deterministic given what they read through the
// engine, and must not keep their context after they return. Results are
// shared between readers and must not be modified.
//
// Reads inside a task function must go through the context the function
// received, or one derived from it. A read through any other context
// (context.Background(), one saved from elsewhere) is a read from outside
// the engine: it records no dependency, so the task does not run again when
// the value changes, and it waits for everything the value depends on,
// which may include the reading task itself. Builds with the race detector
// or the build tag cellar_checks detect such a read on the task function's
// goroutine and fail it with [ErrNotTaskContext]; other builds cannot tell
// it from a read by code outside any task.
//
// A task whose read closes a dependency cycle fails with a [*CycleError],
// and is checked again whenever the graph loses an edge. When an edit makes
// a cycle appear or disappear, the tasks on it may run twice in that edit
// (once before the cycle is seen to be gone, say): the one exception to
// "at most once per edit".
//
// A read inside a task that fails (its context was cancelled) returns at
// once, even when every worker slot is taken; the task function then goes
// on without a slot until it blocks again or returns, so that for a moment
// more than [Options].Workers functions may compute.
//
// [Vc.GetFinal] drops a cell's content only if the value has a fingerprint
// (a deterministic encoding: no funcs, channels or, for types compared
// with ==, pointers); otherwise it keeps the value.
package cellar
