package engine

import "math"

// The height heap: the dirty tasks, and the running re-executions, each in a
// min-heap by height, whose minima make the level (read.go). Invariant:
// every member's heapIdx is its index, and a task is in a heap exactly while
// it is dirty or re-executing.

// taskHeap is a min-heap of tasks by height. Each task records its index so
// that it can be fixed or removed when its height changes.
type taskHeap []*Task

func (h taskHeap) minHeight() int32 {
	if len(h) == 0 {
		return math.MaxInt32
	}
	return h[0].height
}

func (h *taskHeap) push(t *Task) {
	t.heapIdx = int32(len(*h))
	*h = append(*h, t)
	h.up(len(*h) - 1)
}

func (h *taskHeap) remove(t *Task) {
	i := int(t.heapIdx)
	last := len(*h) - 1
	if i != last {
		h.swap(i, last)
	}
	(*h)[last] = nil
	*h = (*h)[:last]
	t.heapIdx = noHeap
	if i != last {
		h.down(i)
		h.up(i)
	}
}

func (h taskHeap) fix(t *Task) {
	h.down(int(t.heapIdx))
	h.up(int(t.heapIdx))
}

func (h taskHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIdx = int32(i)
	h[j].heapIdx = int32(j)
}

func (h taskHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if h[p].height <= h[i].height {
			return
		}
		h.swap(i, p)
		i = p
	}
}

func (h taskHeap) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && h[r].height < h[l].height {
			m = r
		}
		if h[i].height <= h[m].height {
			return
		}
		h.swap(i, m)
		i = m
	}
}
