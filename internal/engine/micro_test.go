package engine

import (
	"context"
	"testing"
)

// BenchmarkReexec measures the engine's own cost of one re-execution, without
// the typed layer, memo tables or strongly consistent reads: a task that
// reads one state is marked dirty, picked, run and completed.
func BenchmarkReexec(b *testing.B) {
	e := New(Options{Workers: 1})
	defer e.Close()
	st := e.NewState(&Func{Name: "s", Format: func(any) string { return "" }}, "s", 0, intType)
	fn := &Func{Name: "f", Format: func(any) string { return "" }, Run: func(ctx context.Context, args any, res *Result) {
		run := FromContext(ctx)
		v, err := run.Engine().Read(ctx, run, Raw{Eng: e.id, Task: st.id, Slot: 1})
		if err != nil {
			panic(err)
		}
		*res = Result{Value: v.(int) + 1, Type: intType}
	}}
	t := e.NewTask(context.Background(), fn, 0)
	th := &thread{holdsSlot: true}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.mu.sched.free = 0
	run := func() {
		for {
			t := e.pickLocked()
			if t == nil {
				return
			}
			e.executeLocked(e.startLocked(t, th, nil), context.Background())
		}
	}
	run()
	i := 0
	for b.Loop() {
		i++
		st.cells[0].value = i
		e.markReadersLocked(st.cells[0].readers, nil, Why{}, dep{t: st, slot: 1})
		run()
	}
	if t.state != stDone {
		b.Fatal("not done")
	}
}
