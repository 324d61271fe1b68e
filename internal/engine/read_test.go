package engine

import (
	"context"
	"errors"
	"testing"
)

// A read of a cell index far past anything the task made (a forged handle)
// fails with ErrCellGone without growing the task's cell table.
func TestReadOfAFarMissingCellDoesNotGrowTheTask(t *testing.T) {
	e := New(Options{Workers: 1})
	defer e.Close()
	st := e.NewState(&Func{Name: "s", Format: func(any) string { return "" }}, "s", 0, intType)
	for _, slot := range []uint32{2, maxPlaceholders + 1, localBit - 1, localBit} {
		fn := &Func{Name: "f", Format: func(any) string { return "" }, Run: func(ctx context.Context, args any) Result {
			run := FromContext(ctx)
			_, err := run.Engine().Read(ctx, run, Raw{Eng: e.id, Task: st.id, Slot: args.(uint32)})
			return Result{Err: err}
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
