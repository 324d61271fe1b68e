package engine

import (
	"testing"
)

func closed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// A wait queue wakes in order, wakes all, wakes by key, and forgets waits
// that leave.
func TestWaitQueue(t *testing.T) {
	var q waitQueue[int]
	a, b, c := q.add(1), q.add(2), q.add(3)
	q.remove(b)
	if q.len() != 2 {
		t.Fatalf("len = %d after a removal", q.len())
	}
	if !q.wakeFirst() || !closed(a.ch) || closed(c.ch) {
		t.Fatal("wakeFirst did not wake exactly the oldest wait")
	}
	q.remove(a) // already gone: nothing happens
	d := q.add(4)
	q.wakeIf(func(k int) bool { return k > 3 })
	if !closed(d.ch) || closed(c.ch) || q.len() != 1 {
		t.Fatal("wakeIf did not wake exactly the selected waits")
	}
	q.wakeAll()
	if !closed(c.ch) || q.len() != 0 || q.wakeFirst() {
		t.Fatal("wakeAll left a wait")
	}
	if closed(b.ch) {
		t.Fatal("a removed wait was woken")
	}
}

// Level waits are woken once the level has passed their height, and the
// bound they keep never exceeds the lowest height waited for.
func TestLevelWaits(t *testing.T) {
	e := New(Options{Workers: 1})
	defer e.Close()
	e.mu.Lock()
	defer e.mu.Unlock()
	dirty := &Task{height: 5, heapIdx: noHeap, state: stDirty}
	e.mu.sched.dirty.push(dirty)
	low, high := e.mu.wait.level.add(3), e.mu.wait.level.add(7)
	if e.mu.wait.level.min != 3 {
		t.Fatalf("min = %d, want 3", e.mu.wait.level.min)
	}
	e.wakeLevelLocked() // level 5: passed 3, not 7
	if !closed(low.ch) || closed(high.ch) {
		t.Fatal("level 5 did not wake exactly the wait for 3")
	}
	if e.mu.wait.level.min > 7 {
		t.Fatalf("min = %d above the wait for 7", e.mu.wait.level.min)
	}
	e.mu.sched.dirty.remove(dirty)
	e.wakeLevelLocked() // nothing pending
	if !closed(high.ch) || e.mu.wait.level.len() != 0 {
		t.Fatal("an empty level did not wake every wait")
	}
}

// Task waits are kept per task, list their executions, and vanish with
// their last wait.
func TestTaskWaits(t *testing.T) {
	m := make(taskWaits)
	t1, t2 := &Task{id: 1}, &Task{id: 2}
	x := &execution{t: t2}
	a := m.add(t1, x)
	b := m.add(t1, nil)
	c := m.add(t2, nil)
	var waiting []*execution
	m.waiters(t1, func(x *execution) { waiting = append(waiting, x) })
	if len(waiting) != 1 || waiting[0] != x {
		t.Fatalf("waiters of t1 = %v, want only the execution", waiting)
	}
	m.remove(t1, b)
	m.wake(t1)
	if !closed(a.ch) || closed(c.ch) || closed(b.ch) {
		t.Fatal("wake(t1) did not wake exactly t1's remaining wait")
	}
	if _, ok := m[t1]; ok {
		t.Fatal("t1's queue outlived its waits")
	}
	m.remove(t2, c)
	if len(m) != 0 {
		t.Fatal("an emptied queue stayed in the map")
	}
}
