package engine

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// The dependency diff: an execution records its reads (in any order, with
// repeats) against the previous execution's dependencies; when it ends, the
// task's dependencies are exactly what it read, in first-read order, and
// every input has the task among its readers exactly when it was read.
// Random pairs of executions cover the cursor that follows the previous
// order, the first difference, and the sets used once lists are long.
func TestDependencyDiff(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	e := New(Options{Workers: 1})
	defer e.Close()
	e.mu.Lock()
	defer e.mu.Unlock()
	var inputs []*Task
	for i := range 30 {
		s := e.addTaskLocked(&Func{Name: "s", Format: blank}, i)
		s.state, s.isState, s.height = stDone, true, 1
		s.cells = []cell{{value: 0, typ: intType}}
		inputs = append(inputs, s)
	}
	reader := e.addTaskLocked(&Func{Name: "r", Format: blank}, nil)
	reader.height, reader.state = 2, stDone
	draw := func() []dep {
		var ds []dep
		for range rng.IntN(25) {
			ds = append(ds, dep{t: inputs[rng.IntN(len(inputs))], slot: uint32(rng.IntN(2))})
		}
		return ds
	}
	for round := range 2000 {
		reads := draw()
		if round%3 == 0 && len(reader.deps) > 0 {
			// Often an execution repeats the previous one, perhaps
			// with a change somewhere.
			reads = slices.Clone(reader.deps)
			if len(reads) > 0 && rng.IntN(2) == 0 {
				reads[rng.IntN(len(reads))] = dep{t: inputs[rng.IntN(len(inputs))]}
			}
		}
		x := &execution{e: e, t: reader, old: reader.deps, reexec: true}
		for _, d := range reads {
			e.recordDepLocked(x, d)
		}
		e.finishDepsLocked(x)
		var want []dep
		for _, d := range reads {
			if !slices.Contains(want, d) {
				want = append(want, d)
			}
		}
		if !slices.Equal(reader.deps, want) {
			t.Fatalf("round %d: dependencies %v, want %v", round, reader.deps, want)
		}
		for _, s := range inputs {
			for slot, list := range [][]uint32{s.outReaders, s.cells[0].readers} {
				n := 0
				for _, id := range list {
					if id == reader.id {
						n++
					}
				}
				read := slices.Contains(want, dep{t: s, slot: uint32(slot)})
				if (n == 1) != read || n > 1 {
					t.Fatalf("round %d: input %v slot %d lists the reader %d time(s), read: %v", round, s.args, slot, n, read)
				}
			}
		}
	}
}
