package engine

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
)

// A read of a cell index far past anything the task made (a forged handle)
// fails with ErrCellGone without growing the task's cell table.
func TestReadOfAFarMissingCellDoesNotGrowTheTask(t *testing.T) {
	e := New(Options{Workers: 1})
	defer e.Close()
	st := e.NewState(&Func{Name: "s", Format: func(any) string { return "" }}, "s", 0, intType)
	for _, slot := range []uint32{2, maxPlaceholders + 1, localBit - 1, localBit} {
		fn := &Func{Name: "f", Format: func(any) string { return "" }, Run: func(ctx context.Context, args any, res *Result) {
			run := FromContext(ctx)
			_, err := run.Engine().Read(ctx, run, Raw{Eng: e.id, Task: st.id, Slot: args.(uint32)})
			res.Err = err
		}}
		tk := e.NewTask(context.Background(), fn, slot)
		_, err := e.ReadStrong(context.Background(), tk.outputRaw(e.id))
		want := ErrCellGone
		if slot&localBit != 0 {
			want = ErrNonLocalValue // a local output of no execution of the reader
		}
		if !errors.Is(err, want) {
			t.Fatalf("slot %d: err = %v, want %v", slot, err, want)
		}
	}
	e.mu.Lock()
	n := len(st.cells)
	e.mu.Unlock()
	if n > maxPlaceholders+1 {
		t.Fatalf("state task has %d cells after forged reads", n)
	}
}

// A task that reads an up-to-date task while work below it is still pending
// waits for that work rather than take the value it may be about to lose,
// even when it has read other tasks before and stands above them all.
func TestReadWaitsForPendingWorkBelow(t *testing.T) {
	e := New(Options{Workers: 2})
	defer e.Close()
	ctx := context.Background()
	blank := func(any) string { return "" }
	st := e.NewState(&Func{Name: "s", Format: blank}, "s", 0, intType)
	read := func(ctx context.Context, r Raw) int {
		run := FromContext(ctx)
		v, err := e.Read(ctx, run, r)
		if err != nil {
			panic(err)
		}
		return v.(int)
	}
	started, gate := make(chan struct{}), make(chan struct{})
	u := e.NewTask(ctx, &Func{Name: "u", Format: blank, Run: func(ctx context.Context, _ any, res *Result) {
		v := read(ctx, Raw{Eng: e.id, Task: st.id, Slot: 1})
		if v == 1 {
			close(started)
			<-gate
		}
		*res = Result{Value: v, Type: intType}
	}}, 0)
	above := func(name string) *Task {
		return e.NewTask(ctx, &Func{Name: name, Format: blank, Run: func(ctx context.Context, _ any, res *Result) {
			*res = Result{Value: read(ctx, u.outputRaw(e.id)), Type: intType}
		}}, 0)
	}
	first, second := above("first"), above("second")
	for _, tk := range []*Task{first, second} {
		if v, err := e.ReadStrong(ctx, tk.outputRaw(e.id)); err != nil || v != 0 {
			t.Fatal(v, err)
		}
	}

	// x reads first while nothing is pending, which puts it above first
	// and second; then st changes, and x reads second while u, below
	// second, runs again.
	var mu sync.Mutex
	var seen []int // what each execution of x read of second
	readFirst, proceed, readSecond := make(chan struct{}), make(chan struct{}), make(chan struct{}, 1)
	x := e.NewTask(ctx, &Func{Name: "x", Format: blank, Run: func(ctx context.Context, _ any, res *Result) {
		a := read(ctx, first.outputRaw(e.id))
		mu.Lock()
		again := len(seen) > 0
		mu.Unlock()
		if !again {
			close(readFirst)
			<-proceed
		}
		b := read(ctx, second.outputRaw(e.id))
		mu.Lock()
		seen = append(seen, b)
		mu.Unlock()
		select {
		case readSecond <- struct{}{}:
		default:
		}
		*res = Result{Value: a + b, Type: intType}
	}}, 0)
	<-readFirst
	e.SetState(st, 1, false)
	<-started
	close(proceed)
	// Let u finish once x waits for it, or once x has read second
	// without waiting (the failure this test looks for).
	for waiting := false; !waiting; {
		select {
		case <-readSecond:
			waiting = true
		default:
			e.mu.Lock()
			waiting = e.mu.wait.level.len() > 0
			e.mu.Unlock()
			runtime.Gosched()
		}
	}
	close(gate)
	if v, err := e.ReadStrong(ctx, x.outputRaw(e.id)); err != nil || v != 2 {
		t.Fatal(v, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) == 0 || seen[0] != 1 {
		t.Fatalf("x's executions read %v of second, want the new value 1 from the first", seen)
	}
}

// Reading through another engine's Run fails with ErrForeign, and looks at
// nothing of that Run's execution, which the other engine changes under its
// own lock (the race detector checks this).
func TestReadThroughAnotherEnginesRun(t *testing.T) {
	a, b := New(Options{Workers: 1}), New(Options{Workers: 1})
	defer a.Close()
	defer b.Close()
	ctx := context.Background()
	blank := func(any) string { return "" }
	st := b.NewState(&Func{Name: "s", Format: blank}, "s", 0, intType)
	done := make(chan error, 1)
	tk := a.NewTask(ctx, &Func{Name: "f", Format: blank, Run: func(ctx context.Context, _ any, res *Result) {
		run := FromContext(ctx)
		go func() {
			var err error
			for range 100 {
				if _, err = b.Read(run, run, Raw{Eng: b.id, Task: st.id, Slot: 1}); !errors.Is(err, ErrForeign) {
					break
				}
			}
			done <- err
		}()
		*res = Result{Value: 1, Type: intType}
	}}, 0)
	if _, err := a.ReadStrong(ctx, tk.outputRaw(a.id)); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, ErrForeign) {
		t.Fatalf("err = %v, want ErrForeign", err)
	}
}
