package engine

import (
	"testing"
	"time"
)

func TestShortTasks(t *testing.T) {
	for _, c := range []struct {
		n       uint64
		elapsed time.Duration
		want    bool
	}{
		{0, 0, false},                   // nothing finished: a long task is running
		{shortSample - 1, 0, false},     // too few to judge
		{shortSample, 0, true},          // finished at once
		{1000, 999 * shortTask, true},   // just under shortTask each
		{1000, 1000 * shortTask, false}, // shortTask each
		{10, time.Millisecond, false},   // 100µs each
	} {
		if got := shortTasks(c.n, c.elapsed); got != c.want {
			t.Errorf("shortTasks(%d, %v) = %v, want %v", c.n, c.elapsed, got, c.want)
		}
	}
}
