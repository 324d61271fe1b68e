package cellar_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/cellar-go/cellar"
)

func TestIndependentTasksRunInParallel(t *testing.T) {
	e := newEngine(t, &cellar.Options{Workers: 2})
	ctx, cancel := guard(t)
	defer cancel()
	// Each task waits until the other has started: they finish only if
	// they run at the same time.
	var both sync.WaitGroup
	both.Add(2)
	meet := cellar.NewFunc1(e, "meet", func(ctx context.Context, n int) (int, error) {
		both.Done()
		both.Wait()
		return n, nil
	})
	sum := cellar.NewFunc1(e, "sum", func(ctx context.Context, _ int) (int, error) {
		a, b := meet.Call(ctx, 1), meet.Call(ctx, 2)
		va, err := a.Get(ctx)
		if err != nil {
			return 0, err
		}
		vb, err := b.Get(ctx)
		return va + vb, err
	})
	if v, err := sum.Call(ctx, 0).Get(ctx); err != nil || v != 3 {
		t.Fatal(v, err)
	}
}

func TestBlockedReadGivesBackItsSlot(t *testing.T) {
	e := newEngine(t, &cellar.Options{Workers: 2})
	ctx, cancel := guard(t)
	defer cancel()
	gate := make(chan struct{})
	started := make(chan struct{})
	slow := cellar.NewFunc1(e, "slow", func(ctx context.Context, _ int) (int, error) {
		close(started)
		<-gate // holds its slot: it is computing, as far as the engine knows
		return 1, nil
	})
	waiting := cellar.NewFunc1(e, "waiting", func(ctx context.Context, _ int) (int, error) {
		return slow.Call(ctx, 0).Get(ctx) // blocks on slow
	})
	quick := cellar.NewFunc1(e, "quick", func(ctx context.Context, n int) (int, error) { return n, nil })

	slowVc := slow.Call(ctx, 0)
	<-started
	waitingVc := waiting.Call(ctx, 0)
	// Both slots have been used: one by slow, one by waiting. quick can
	// only run if waiting gave its slot back while it is blocked.
	if v, err := quick.Call(ctx, 7).Get(ctx); err != nil || v != 7 {
		t.Fatalf("quick: %v, %v (the blocked task kept its slot)", v, err)
	}
	close(gate)
	if v, err := waitingVc.Get(ctx); err != nil || v != 1 {
		t.Fatal(v, err)
	}
	slowVc.Get(ctx)
}

func TestDeepChainOnOneWorker(t *testing.T) {
	e := newEngine(t, &cellar.Options{Workers: 1})
	ctx := context.Background()
	in := cellar.NewState(e, "in", 1)
	var chain *cellar.Func1[int, int]
	chain = cellar.NewFunc1(e, "chain", func(ctx context.Context, n int) (int, error) {
		if n == 0 {
			return in.Get(ctx), nil
		}
		v, err := chain.Call(ctx, n-1).Get(ctx)
		return v + 1, err
	})
	const depth = 5000 // deeper than one goroutine runs inline
	if got := mustGet(t, chain.Call(ctx, depth)); got != depth+1 {
		t.Fatalf("got %d", got)
	}
	in.Set(10)
	if got := mustGet(t, chain.Call(ctx, depth)); got != depth+10 {
		t.Fatalf("got %d", got)
	}
}

// TestHammer edits inputs and reads results from several goroutines at
// once. Every strongly consistent read must equal the from-scratch value for
// some input state that existed while the read was in progress.
func TestHammer(t *testing.T) {
	const (
		nStates   = 8
		nNodes    = 60
		goroutine = 6
	)
	ops := 300
	if testing.Short() {
		ops = 50
	}
	rng := rand.New(rand.NewPCG(1, 2))
	g := graphSpec{states: nStates}
	for i := range nNodes {
		s := nodeSpec{kind: nodeKind(rng.IntN(int(numKinds))), offset: rng.IntN(valueMod)}
		if i == 0 && (s.kind == kindParam || s.kind == kindAlias || s.kind == kindLocal) {
			s.kind = kindSum
		}
		pick := func() ref {
			if i == 0 || rng.IntN(3) == 0 {
				return ref{state: true, idx: rng.IntN(nStates)}
			}
			return ref{idx: rng.IntN(i)}
		}
		switch s.kind {
		case kindSum:
			s.refs = []ref{pick(), pick(), pick()}
		case kindBranch:
			s.refs = []ref{pick(), pick(), pick()}
		case kindParam, kindMod2, kindLocal:
			s.refs = []ref{pick()}
		case kindCell:
			s.refs = []ref{pick()}
			s.target = rng.IntN(nStates)
		case kindKey:
			s.refs = []ref{{state: true, idx: rng.IntN(mapKeys)}}
		}
		if s.kind == kindParam || s.kind == kindAlias || s.kind == kindLocal {
			s.target = rng.IntN(i)
		}
		g.nodes = append(g.nodes, s)
	}

	// history[v] is the input state after the v-th edit. Edits are made
	// and recorded under mu, so versions and engine edits agree.
	var mu sync.Mutex
	current := make([]int, nStates+mapKeys) // the States, then the map's values
	history := [][]int{append([]int(nil), current...)}
	ge := newGraphEngine(g, 3, current)
	defer ge.e.Close()

	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, goroutine)
	for w := range goroutine {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for range ops {
				if rng.IntN(2) == 0 {
					mu.Lock()
					i, v := rng.IntN(len(current)), rng.IntN(5)
					current[i] = v
					if i >= nStates {
						ge.all.Set(mapOf(current[nStates:]))
					} else {
						ge.states[i].Set(v)
					}
					history = append(history, append([]int(nil), current...))
					mu.Unlock()
					continue
				}
				root := rng.IntN(nNodes)
				mu.Lock()
				from := len(history) - 1
				mu.Unlock()
				got, err := ge.node.CallOperation(ctx, root).ReadStronglyConsistent(ctx)
				mu.Lock()
				to := len(history) - 1
				candidates := history[from : to+1]
				mu.Unlock()
				if err != nil {
					errs <- err
					return
				}
				ok := false
				var want []int
				for _, states := range candidates {
					v := g.evaluate(states)[root]
					want = append(want, v)
					ok = ok || v == got
				}
				if !ok {
					errs <- fmt.Errorf("node %d = %d; from scratch over the %d states during the read: %v", root, got, len(candidates), want)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(ge.log.errs) > 0 {
		t.Fatal(ge.log.errs)
	}
}
