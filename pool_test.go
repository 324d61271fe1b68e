package cellar_test

import (
	"context"
	"sync"
	"testing"

	"github.com/cellar-go/cellar"
)

// fanOutWithRendezvous builds, on a pool of two, a task that reads n tiny
// tasks and then two "meet" tasks that can only finish together: each waits
// in its function, holding its slot, until the other has started. Tiny tasks
// make a second worker stand aside (see the engine's crowdedLocked); the
// meeting tasks then need it back.
func fanOutWithRendezvous(t *testing.T, n int) (*cellar.Engine, *cellar.State[int], cellar.OperationVc[int]) {
	e := newEngine(t, &cellar.Options{Workers: 2})
	in := cellar.NewState(e, "in", 0)
	tiny := cellar.NewFunc1(e, "tiny", func(ctx context.Context, i int) (int, error) {
		return in.Get(ctx) + i, nil
	})
	var mu sync.Mutex
	started := map[[2]int]chan struct{}{}
	arrival := func(round, side int) chan struct{} {
		mu.Lock()
		defer mu.Unlock()
		k := [2]int{round, side}
		if started[k] == nil {
			started[k] = make(chan struct{})
		}
		return started[k]
	}
	meet := cellar.NewFunc1(e, "meet", func(ctx context.Context, side int) (int, error) {
		// Reading a tiny task puts the meeting above all of them.
		round, err := tiny.Call(ctx, 0).Get(ctx)
		if err != nil {
			return 0, err
		}
		close(arrival(round, side))
		select {
		case <-arrival(round, 1-side):
			return round, nil
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	})
	root := cellar.NewFunc1(e, "root", func(ctx context.Context, n int) (int, error) {
		vcs := make([]cellar.Vc[int], 0, n+2)
		for i := range n {
			vcs = append(vcs, tiny.Call(ctx, i))
		}
		vcs = append(vcs, meet.Call(ctx, 0), meet.Call(ctx, 1))
		return sumAll(ctx, vcs)
	})
	return e, in, root.CallOperation(context.Background(), n)
}

// After thousands of tiny tasks, two tasks that must run at the same time
// still get two threads: a worker that stood aside comes back.
func TestLongTasksAfterTinyOnesRunInParallel(t *testing.T) {
	const n = 5000
	_, in, root := fanOutWithRendezvous(t, n)
	for round := range 20 {
		in.Set(round)
		// A read that can be cancelled does not run tasks itself, so all
		// of them run on the engine's two workers.
		ctx, cancel := guard(t)
		got, err := root.ReadStronglyConsistent(ctx)
		cancel()
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if want := (n+2)*round + n*(n-1)/2; got != want {
			t.Fatalf("round %d: sum = %d, want %d", round, got, want)
		}
	}
}

// Close ends a worker that stands aside as well.
func TestCloseAfterTinyTasksLeavesNoGoroutine(t *testing.T) {
	e, in, root := fanOutWithRendezvous(t, 5000)
	for round := range 3 {
		in.Set(round)
		ctx, cancel := guard(t)
		_, err := root.ReadStronglyConsistent(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
	}
	e.Close()
	if left := engineGoroutines(); len(left) > 0 {
		t.Fatalf("%d engine goroutines left after Close:\n%s", len(left), left[0])
	}
}
