package engine

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
)

// Completion and cutoff: storing what an execution produced. Each new cell is
// compared with the old one, and the output with the old output; only the
// readers of what changed are marked dirty (early cutoff), and the
// dependency list is diffed against the previous execution's (deps.go).
// Failures are compared by what they are (errorShape), dropped cells by
// their fingerprints.

// completeLocked stores what x produced, invalidates the readers of
// everything that changed, and wakes whoever waits for the task.
func (e *Engine) completeLocked(x *execution) {
	t := x.t
	abandoned := x.run.Err() != nil
	x.finished = true
	x.run.finish()
	e.mu.sched.running--
	if x.reexec {
		e.mu.sched.runningRe.remove(t)
	}
	if x.more != nil && !abandoned {
		for _, h := range x.more.owned {
			if !h.released && h.t.phase == h.phase {
				// The caller finished normally: what it called must
				// complete.
				h.t.pinned = true
			}
		}
	}
	if abandoned && !x.reexec {
		e.discardLocked(x)
	} else if !e.mu.closed {
		e.storeLocked(x)
	}
	if len(e.mu.cycles.back) > 0 {
		e.recheckCyclesLocked()
	}
	e.mu.wait.tasks.wake(t)
	e.wakeLevelLocked()
	inline := x.parent != nil
	e.freeExecLocked(x)
	if inline {
		// An inline execution ends inside its reader; nobody else is
		// about to look for the work it may have made runnable.
		e.kickLocked(0)
	}
	e.settleLocked()
}

func (e *Engine) storeLocked(x *execution) {
	t, res := x.t, &x.res
	if !checks.skipFastPath() && res.Err == nil && !res.IsVc && len(x.cells) == 0 && !t.more.hasMeta() && x.more == nil &&
		len(t.cells) == 1 && t.cells[0].typ != nil && t.out == (output{vc: Raw{Eng: e.id, Task: t.id, Slot: 1}}) {
		// The common case of a task with one cell that ran before and
		// returns a value again: update the cell in place. The output
		// is the cell, so its readers depend on the value too.
		changed := e.updateCellLocked(x, &t.cells[0])
		if changed && len(t.outReaders) > 0 {
			e.markReadersLocked(t.outReaders, nil, Why{Kind: WhyChanged, task: t.id}, dep{t: t})
		}
		e.finishStoreLocked(x, changed)
		return
	}
	var out output
	changed := false
	switch {
	case res.Err != nil:
		out.err = &TaskError{Task: x.name, Err: res.Err, task: t, fp: errorFingerprint(t, x.shape)}
	case res.IsVc:
		if res.Vc.IsLocal() {
			err := fmt.Errorf("%w (returned as the task's result)", ErrNonLocalValue)
			out.err = engineTaskError(t, x.name, err)
		} else if err := e.checkRawLocked(res.Vc); err != nil {
			out.err = engineTaskError(t, x.name, err)
		} else if res.Vc == t.outputRaw(e.id) {
			cyc := &CycleError{tasks: []*Task{t, t}, names: []string{x.name, x.name}} // named outside mu
			out.err = engineTaskError(t, x.name, cyc)
		} else {
			out.vc = res.Vc
		}
	}
	if res.Err == nil && !res.IsVc && len(x.cells) == 0 && len(t.cells) == 1 && t.cells[0].typ != nil {
		// One cell that ran before, but the output or the collectibles
		// change too.
		out.vc = Raw{Eng: e.id, Task: t.id, Slot: 1}
		if e.updateCellLocked(x, &t.cells[0]) {
			changed = true
			if out.equal(t.out) {
				e.markReadersLocked(t.outReaders, nil, Why{Kind: WhyChanged, task: t.id}, dep{t: t})
			}
		}
	} else {
		newCells := x.cells
		if res.Err == nil && !res.IsVc {
			if len(newCells) == 0 && len(t.cells) == 0 {
				newCells = t.inlCell[:0:1]
			}
			newCells = append(newCells, cell{value: res.Value, typ: res.Type})
			out.vc = Raw{Eng: e.id, Task: t.id, Slot: uint32(len(newCells))}
		}
		var outCell int
		if out.err == nil && out.vc.Task == t.id {
			outCell = int(out.vc.Slot)
		}
		var outCellChanged bool
		changed, outCellChanged = e.replaceCellsLocked(x, newCells, outCell)
		if outCellChanged && out.equal(t.out) {
			// Readers through the output depend on the value of
			// the own cell it points at (see readLoopLocked).
			e.markReadersLocked(t.outReaders, nil, Why{Kind: WhyChanged, task: t.id}, dep{t: t})
		}
	}
	// Collect tasks follow a returned Vc to its task: another task there
	// changes what t collects, as a changed list of reads does.
	retargeted := (out.err != nil) != (t.out.err != nil) || out.vc.Task != t.out.vc.Task
	if !out.equal(t.out) {
		if t.execs > 0 {
			changed = true
		}
		e.markReadersLocked(t.outReaders, nil, Why{Kind: WhyChanged, task: t.id}, dep{t: t})
		if m := t.more; m != nil && len(m.targetReaders) > 0 {
			e.markReadersLocked(m.targetReaders, nil, Why{Kind: WhyChanged, task: t.id}, dep{t: t, slot: targetSlot})
		}
		t.out = out
	} else if out.err != nil {
		// The same failure, which its readers need not see again; but
		// reads from now on get the latest error value (two errors that
		// print alike may still differ in identity, see errorShape).
		t.out.err = out.err
	}
	if (t.more.hasMeta() || x.more != nil) && e.storeMetaLocked(x, retargeted || x.diverged || x.cursor < len(x.old)) && t.execs > 0 {
		changed = true
	}
	e.finishStoreLocked(x, changed)
}

// updateCellLocked stores x's value in oc, the only cell of x's task, and
// reports whether it changed; if it did, the readers of the cell are marked
// dirty (those of the output are the caller's business).
func (e *Engine) updateCellLocked(x *execution, oc *cell) bool {
	t, res := x.t, &x.res
	if oc.evicted() && x.sameAsEvicted(oc, 0, res.Type) {
		oc.value = res.Value // recomputed as it was
		return false
	}
	if oc.typ == res.Type && !oc.evicted() && res.Type.Equal(oc.value, res.Value) {
		return false
	}
	oc.value, oc.typ = res.Value, res.Type
	e.markReadersLocked(oc.readers, nil, Why{Kind: WhyChanged, task: t.id, slot: 1}, dep{t: t, slot: 1})
	return true
}

// finishStoreLocked ends the store of x's results: the dependencies, the
// counters, and the task's state. changed reports whether any result did.
func (e *Engine) finishStoreLocked(x *execution, changed bool) {
	t := x.t
	e.finishDepsLocked(x)
	t.exec = nil
	t.execs++
	e.mu.stats.executions++
	if t.fn == &collectFunc {
		e.mu.stats.internal++
	}
	if x.reexec && !changed {
		e.mu.stats.cutOff++
	}
	if !x.reexec {
		e.endFreshPhaseLocked(t)
		t.settled.Store(true)
	}
	t.state = stDone
	if x.dirtyAgain {
		e.markDirtyLocked(t, x.againWhy, unconditional)
	}
}

// replaceCellsLocked makes newCells t's cells, marking the readers of every
// cell whose value changed or that no longer exists. It reports whether
// anything changed, and whether cell outCell-1 did (0 names no cell).
func (e *Engine) replaceCellsLocked(x *execution, newCells []cell, outCell int) (changed, outCellChanged bool) {
	t := x.t
	oldCells := t.cells
	for i := range newCells {
		nc := &newCells[i]
		saw := nc.readers // tasks that already read the new value
		nc.readers = nil
		if i >= len(oldCells) {
			continue
		}
		oc := &oldCells[i]
		if oc.evicted() && x.sameAsEvicted(oc, i, nc.typ) {
			// Recomputed as it was.
		} else if oc.same(nc) {
			nc.value = oc.value
		} else {
			changed = true
			outCellChanged = outCellChanged || i == outCell-1
			e.markReadersLocked(oc.readers, saw, Why{Kind: WhyChanged, task: t.id, slot: uint32(i + 1)}, dep{t: t, slot: uint32(i + 1)})
		}
		nc.readers = oc.readers
	}
	// Cells the new execution did not make stay as placeholders while
	// tasks read them: a reader's dependency and its edge go together,
	// and the edge makes the reader run again when the cell comes back.
	keep := len(newCells)
	for i := len(newCells); i < len(oldCells); i++ {
		oc := &oldCells[i]
		if len(oc.readers) > 0 {
			keep = i + 1
		}
		if oc.typ != nil {
			changed = true
			e.markReadersLocked(oc.readers, nil, Why{Kind: WhyChanged, task: t.id, slot: uint32(i + 1)}, dep{t: t, slot: uint32(i + 1)})
		}
	}
	for i := len(newCells); i < keep; i++ {
		newCells = append(newCells, cell{readers: oldCells[i].readers})
	}
	t.cells = newCells
	return changed, outCellChanged
}

// Errors and cutoff. A re-execution that fails as the previous one did
// changes nothing for its readers, so failures are compared, by what they
// are rather than by message: messages elide the middle of long chains, and
// two different errors can print alike. The comparison looks at the error's
// shape, computed outside the lock when the function returns (errorShape):
// the tree of errors that Unwrap reaches, each with its type and message,
// where an error of the engine's is a leaf: a *TaskError of another task
// stands for its own fingerprint, a *CycleError for its tasks. A failure is
// compared by the fingerprint of its task and shape (errorFingerprint).
//
// The panics of Error and String methods are caught: an error that cannot
// print compares by type, and as the function's result it is replaced by a
// *BrokenError that can.

// errNode is one error of a shape, in preorder: kids nodes follow that are
// its children, the errors its Unwrap returns.
type errNode struct {
	typ  reflect.Type
	msg  string
	leaf error // an error of the engine's, compared as said above
	kids int
}

// maxShape bounds the nodes of a shape: an error tree larger than that (a
// join of thousands of errors, say) compares the rest by message.
const maxShape = 64

// errorShape returns err's shape, and err itself or, if its Error method
// panics, a *BrokenError in its place.
func errorShape(err error) ([]errNode, error) {
	var shape []errNode
	var broken any // what err's Error method panicked with
	var walk func(err error) bool
	walk = func(err error) bool {
		i := len(shape)
		shape = append(shape, errNode{typ: reflect.TypeOf(err)})
		switch err := err.(type) {
		case *TaskError:
			if err.task != nil {
				shape[i].leaf = err
				return true
			}
		case *CycleError:
			shape[i].leaf = err
			return true
		}
		msg, p := safeMessage(err)
		shape[i].msg = msg
		if p != nil {
			broken = p
			return false
		}
		var kids []error
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			if k := safeUnwrap(u.Unwrap); k != nil {
				kids = []error{k}
			}
		case interface{ Unwrap() []error }:
			kids = safeUnwraps(u.Unwrap)
		}
		for _, k := range kids {
			if len(shape) >= maxShape {
				break
			}
			shape[i].kids++
			walk(k)
		}
		return true
	}
	if !walk(err) {
		err = &BrokenError{Err: err, Panic: broken}
		shape = []errNode{{typ: reflect.TypeOf(err), msg: err.Error()}}
	}
	return shape, err
}

// safeMessage returns err's message, or what its Error method panicked
// with.
func safeMessage(err error) (msg string, panicked any) {
	defer func() {
		if r := recover(); r != nil {
			panicked = r
		}
	}()
	return err.Error(), nil
}

func safeUnwrap(f func() error) (err error) {
	defer func() {
		if recover() != nil {
			err = nil
		}
	}()
	return f()
}

func safeUnwraps(f func() []error) (errs []error) {
	defer func() {
		if recover() != nil {
			errs = nil
		}
	}()
	return f()
}

// engineTaskError is t's output error for err, an error of the engine's own
// made under the lock: err's message is the engine's, so it may be taken.
func engineTaskError(t *Task, name string, err error) *TaskError {
	shape := []errNode{{typ: reflect.TypeOf(err)}}
	if c, ok := err.(*CycleError); ok {
		shape[0].leaf = c
	} else {
		shape[0].msg = err.Error()
	}
	return &TaskError{Task: name, Err: err, task: t, fp: errorFingerprint(t, shape)}
}

// errorFingerprint returns the fingerprint of t failing with an error of the
// given shape: a hash of t's identity and, for each node, its type, message
// and number of children, or, for an error of the engine's, what it is (a
// *TaskError's own fingerprint; a *CycleError's tasks). Failures with equal
// fingerprints count as the same for cutoff (collisions aside: SHA-256). A
// *TaskError is thus compared by what it is, not by identity: a failure
// that goes away and comes back the same, between two runs of a reader,
// changes nothing for it. What the shape does not see is not compared
// either: the identity of an error (two sentinels that print alike) and
// fields its message does not show.
func errorFingerprint(t *Task, shape []errNode) Fingerprint {
	h := sha256.New()
	var b []byte
	b = binary.AppendUvarint(b, uint64(t.id))
	for _, n := range shape {
		b = binary.AppendUvarint(b, typeID(n.typ))
		b = binary.AppendUvarint(b, uint64(n.kids))
		switch leaf := n.leaf.(type) {
		case *TaskError:
			b = append(b, 'T')
			b = append(b, leaf.fp[:]...)
		case *CycleError:
			b = append(b, 'C')
			b = binary.AppendUvarint(b, uint64(len(leaf.tasks)))
			for _, c := range leaf.tasks {
				b = binary.AppendUvarint(b, uint64(c.id))
			}
		default:
			b = append(b, 'E')
			b = binary.AppendUvarint(b, uint64(len(n.msg)))
			b = append(b, n.msg...)
		}
		if len(b) > 1<<12 {
			h.Write(b)
			b = b[:0]
		}
	}
	h.Write(b)
	var fp Fingerprint
	h.Sum(fp[:0])
	return fp
}

// typeIDs numbers the dynamic types of errors, for fingerprints: two types
// are the same exactly when they have the same number, whatever their names.
var (
	typeIDs    sync.Map // reflect.Type -> uint64
	nextTypeID atomic.Uint64
)

func typeID(t reflect.Type) uint64 {
	if id, ok := typeIDs.Load(t); ok {
		return id.(uint64)
	}
	id, _ := typeIDs.LoadOrStore(t, nextTypeID.Add(1))
	return id.(uint64)
}

// sameAsEvicted reports whether x recomputed, as its new cell i of type typ,
// the value that the evicted cell oc held: whether the fingerprints are
// equal. Not even a re-execution that ran only because the content was
// dropped is assumed to give the same value: a task may read the outside
// world, whose change it has yet to be told of.
func (x *execution) sameAsEvicted(oc *cell, i int, typ *Type) bool {
	return oc.typ == typ && i < len(x.fps) && x.fps[i] != nil && *x.fps[i] == oc.value.(*evictedCell).fp
}

// fingerprintLocked computes the fingerprints of x's new cells whose old
// cell is evicted, with mu released (a fingerprint costs time in proportion
// to the value).
func (e *Engine) fingerprintLocked(x *execution) {
	t := x.t
	n := len(x.cells)
	if x.res.Err == nil && !x.res.IsVc {
		n++ // the cell of the value returned
	}
	type job struct {
		i   int
		v   any
		typ *Type
	}
	var jobs []job
	for i := 0; i < n && i < len(t.cells); i++ {
		oc := &t.cells[i]
		if !oc.evicted() || oc.typ == nil || oc.typ.Fingerprint == nil {
			continue
		}
		v, typ := x.res.Value, x.res.Type
		if i < len(x.cells) {
			v, typ = x.cells[i].value, x.cells[i].typ
		}
		if typ == oc.typ {
			jobs = append(jobs, job{i, v, typ})
		}
	}
	if len(jobs) == 0 {
		return
	}
	e.mu.Unlock()
	fps := make([]*Fingerprint, n)
	for _, j := range jobs {
		if fp, ok := j.typ.Fingerprint(j.v); ok {
			fps[j.i] = &fp
		}
	}
	e.mu.Lock()
	x.fps = fps
}
