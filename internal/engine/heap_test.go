package engine

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// The height heap under random pushes, removals and height changes keeps
// its order and every member's index, and yields the same minimum as a
// plain list.
func TestHeapAgainstAList(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var h taskHeap
	var in []*Task
	check := func(step int) {
		t.Helper()
		for i, tk := range h {
			if int(tk.heapIdx) != i {
				t.Fatalf("step %d: task at %d has index %d", step, i, tk.heapIdx)
			}
			if p := (i - 1) / 2; i > 0 && h[p].height > tk.height {
				t.Fatalf("step %d: height %d at %d below its parent's %d", step, tk.height, i, h[p].height)
			}
		}
		if len(h) != len(in) {
			t.Fatalf("step %d: heap has %d tasks, want %d", step, len(h), len(in))
		}
		want := int32(1 << 30)
		for _, tk := range in {
			want = min(want, tk.height)
		}
		if len(in) > 0 && h.minHeight() != want {
			t.Fatalf("step %d: minHeight = %d, want %d", step, h.minHeight(), want)
		}
	}
	for step := range 20000 {
		switch op := rng.IntN(3); {
		case op == 0 || len(in) == 0:
			tk := &Task{height: rng.Int32N(50), heapIdx: noHeap}
			h.push(tk)
			in = append(in, tk)
		case op == 1:
			i := rng.IntN(len(in))
			h.remove(in[i])
			if in[i].heapIdx != noHeap {
				t.Fatalf("step %d: removed task keeps index %d", step, in[i].heapIdx)
			}
			in = slices.Delete(in, i, i+1)
		default:
			tk := in[rng.IntN(len(in))]
			tk.height = rng.Int32N(50)
			h.fix(tk)
		}
		check(step)
	}
	if (taskHeap{}).minHeight() != 1<<31-1 {
		t.Fatal("an empty heap's minimum is not the largest height")
	}
}
