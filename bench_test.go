package cellar_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/cellar-go/cellar"
)

// Benchmarks of the engine. Each one that claims a ratio has its baseline in
// this file, so that both come from the same run: compare
// BenchmarkCallCached with BenchmarkBaselineSyncMapLoad, and the pool=1 and
// pool=default halves of BenchmarkParallelFanOut.

var sink int

var sizes = []int{1000, 10000, 100000}

// inTask runs body as the function of a task, so that body's reads are
// tracked reads made from inside a task.
func inTask(b *testing.B, e *cellar.Engine, body func(ctx context.Context)) {
	b.Helper()
	root := cellar.NewFunc1(e, "bench", func(ctx context.Context, _ int) (int, error) {
		body(ctx)
		return 0, nil
	})
	if _, err := root.Call(context.Background(), 0).Get(context.Background()); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkBaselineSyncMapLoad(b *testing.B) {
	var m sync.Map
	for i := range 1000 {
		m.Store(i, i)
	}
	key := 7
	for b.Loop() {
		v, _ := m.Load(key)
		sink = v.(int)
	}
}

func BenchmarkCallCached(b *testing.B) {
	e := cellar.New(nil)
	defer e.Close()
	square := cellar.NewFunc1(e, "square", func(ctx context.Context, n int) (int, error) { return n * n, nil })
	inTask(b, e, func(ctx context.Context) {
		square.Call(ctx, 7).Get(ctx) // computed once, before the loop
		for b.Loop() {
			v, err := square.Call(ctx, 7).Get(ctx)
			if err != nil {
				b.Fatal(err)
			}
			sink = v
		}
	})
}

func BenchmarkCallNew(b *testing.B) {
	e := cellar.New(nil)
	defer e.Close()
	square := cellar.NewFunc1(e, "square", func(ctx context.Context, n int) (int, error) { return n * n, nil })
	inTask(b, e, func(ctx context.Context) {
		n := 0
		for b.Loop() {
			n++
			v, err := square.Call(ctx, n).Get(ctx)
			if err != nil {
				b.Fatal(err)
			}
			sink = v
		}
	})
}

// retained measures the heap retained by what build creates.
func retained(build func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	build()
	runtime.GC()
	runtime.ReadMemStats(&after)
	if after.HeapAlloc < before.HeapAlloc {
		return 0
	}
	return after.HeapAlloc - before.HeapAlloc
}

// chain builds a chain of n tasks over the state head: task 0 applies first
// to the head's value, every other task adds 1 to its predecessor. It
// returns the tail and the bytes retained per task.
func chain(b *testing.B, e *cellar.Engine, n int, head *cellar.State[int], first func(int) int) (cellar.OperationVc[int], float64) {
	ctx := context.Background()
	var link *cellar.Func1[int, int]
	link = cellar.NewFunc1(e, "link", func(ctx context.Context, i int) (int, error) {
		if i == 0 {
			return first(head.Get(ctx)), nil
		}
		v, err := link.Call(ctx, i-1).Get(ctx)
		return v + 1, err
	})
	var tail cellar.OperationVc[int]
	bytes := retained(func() {
		// Bottom up, so that no read has to run a long chain first.
		for i := 0; i < n; i += 500 {
			if _, err := link.Call(ctx, i).Get(ctx); err != nil {
				b.Fatal(err)
			}
		}
		tail = link.CallOperation(ctx, n-1)
		if _, err := tail.ReadStronglyConsistent(ctx); err != nil {
			b.Fatal(err)
		}
	})
	return tail, float64(bytes) / float64(n)
}

func perTask(b *testing.B, tasks int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(tasks), "ns/task")
}

func BenchmarkChain(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprint("N=", n), func(b *testing.B) {
			ctx := context.Background()
			e := cellar.New(nil)
			defer e.Close()
			head := cellar.NewState(e, "head", 0)
			tail, perTaskBytes := chain(b, e, n, head, func(v int) int { return v })
			v := 0
			for b.Loop() {
				v++
				head.Set(v)
				got, err := tail.ReadStronglyConsistent(ctx)
				if err != nil || got != v+n-1 {
					b.Fatal(got, err)
				}
			}
			perTask(b, n)
			b.ReportMetric(perTaskBytes, "B/task")
		})
	}
}

func BenchmarkChainCutoff(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprint("N=", n), func(b *testing.B) {
			ctx := context.Background()
			e := cellar.New(nil)
			defer e.Close()
			head := cellar.NewState(e, "head", 0)
			// The first task maps every input to the same value.
			tail, _ := chain(b, e, n, head, func(int) int { return 0 })
			v := 0
			for b.Loop() {
				v++
				head.Set(v)
				got, err := tail.ReadStronglyConsistent(ctx)
				if err != nil || got != n-1 {
					b.Fatal(got, err)
				}
			}
		})
	}
}

// sumTree builds a balanced binary sum tree over n states.
func sumTree(b *testing.B, e *cellar.Engine, n int) ([]*cellar.State[int], cellar.OperationVc[int]) {
	leaves := make([]*cellar.State[int], n)
	for i := range leaves {
		leaves[i] = cellar.NewState(e, "leaf", 1)
	}
	var sum *cellar.Func2[int, int, int]
	sum = cellar.NewFunc2(e, "sum", func(ctx context.Context, lo, hi int) (int, error) {
		if hi-lo == 1 {
			return leaves[lo].Get(ctx), nil
		}
		mid := (lo + hi) / 2
		left, right := sum.Call(ctx, lo, mid), sum.Call(ctx, mid, hi)
		l, err := left.Get(ctx)
		if err != nil {
			return 0, err
		}
		r, err := right.Get(ctx)
		return l + r, err
	})
	root := sum.CallOperation(context.Background(), 0, n)
	if got, err := root.ReadStronglyConsistent(context.Background()); err != nil || got != n {
		b.Fatal(got, err)
	}
	return leaves, root
}

func BenchmarkFanIn(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprint("N=", n), func(b *testing.B) {
			ctx := context.Background()
			e := cellar.New(nil)
			defer e.Close()
			leaves, root := sumTree(b, e, n)
			i := 0
			for b.Loop() {
				i++
				// A different leaf each time, set to a value it never had.
				leaves[i%n].Set(2 + i/n)
				if _, err := root.ReadStronglyConsistent(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkFanOut(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprint("N=", n), func(b *testing.B) {
			ctx := context.Background()
			e := cellar.New(nil)
			defer e.Close()
			in := cellar.NewState(e, "in", 0)
			reader := cellar.NewFunc1(e, "reader", func(ctx context.Context, i int) (int, error) {
				return in.Get(ctx) + i, nil
			})
			sum := cellar.NewFunc1(e, "sum", func(ctx context.Context, n int) (int, error) {
				vcs := make([]cellar.Vc[int], n)
				for i := range vcs {
					vcs[i] = reader.Call(ctx, i)
				}
				return sumAll(ctx, vcs)
			})
			root := sum.CallOperation(ctx, n)
			if _, err := root.ReadStronglyConsistent(ctx); err != nil {
				b.Fatal(err)
			}
			v := 0
			for b.Loop() {
				v++
				in.Set(v)
				if _, err := root.ReadStronglyConsistent(ctx); err != nil {
					b.Fatal(err)
				}
			}
			perTask(b, n+1)
		})
	}
}

func BenchmarkReadClean(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprint("N=", n), func(b *testing.B) {
			ctx := context.Background()
			e := cellar.New(nil)
			defer e.Close()
			_, root := sumTree(b, e, n)
			for b.Loop() {
				v, err := root.ReadStronglyConsistent(ctx)
				if err != nil {
					b.Fatal(err)
				}
				sink = v
			}
		})
	}
}

// spin burns CPU for about 20µs on this machine, without allocating.
func spin(seed int) int {
	x := uint64(seed) | 1
	for range 12000 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return int(x & 0xff)
}

func BenchmarkSpin(b *testing.B) {
	for b.Loop() {
		sink = spin(3)
	}
}

// BenchmarkBaselineSpin64 is BenchmarkParallelFanOut's work without the
// engine: 64 spins on one goroutine, and split over two. Their ratio is the
// best speed-up this machine allows.
func BenchmarkBaselineSpin64(b *testing.B) {
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			for i := range 64 {
				sink += spin(i)
			}
		}
	})
	b.Run("goroutines=2", func(b *testing.B) {
		for b.Loop() {
			var wg sync.WaitGroup
			var sums [2]int
			for g := range sums {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := g; i < 64; i += len(sums) {
						sums[g] += spin(i)
					}
				}()
			}
			wg.Wait()
			sink += sums[0] + sums[1]
		}
	})
}

func BenchmarkParallelFanOut(b *testing.B) {
	for _, pool := range []int{0, 1} {
		name := "pool=default"
		if pool == 1 {
			name = "pool=1"
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			e := cellar.New(&cellar.Options{Workers: pool})
			defer e.Close()
			in := cellar.NewState(e, "in", 0)
			work := cellar.NewFunc1(e, "work", func(ctx context.Context, i int) (int, error) {
				return spin(in.Get(ctx) + i), nil
			})
			sum := cellar.NewFunc1(e, "sum", func(ctx context.Context, n int) (int, error) {
				vcs := make([]cellar.Vc[int], n)
				for i := range vcs {
					vcs[i] = work.Call(ctx, i)
				}
				return sumAll(ctx, vcs)
			})
			root := sum.CallOperation(ctx, 64)
			if _, err := root.ReadStronglyConsistent(ctx); err != nil {
				b.Fatal(err)
			}
			v := 0
			for b.Loop() {
				v++
				in.Set(v)
				if _, err := root.ReadStronglyConsistent(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// emittingTree builds a balanced binary tree of about n tasks over n/2
// states; 1% of the tasks (every 50th leaf) emit a collectible.
func emittingTree(b *testing.B, e *cellar.Engine, n int) cellar.OperationVc[int] {
	leaves := make([]*cellar.State[int], n/2)
	for i := range leaves {
		leaves[i] = cellar.NewState(e, "leaf", i)
	}
	var node *cellar.Func2[int, int, int]
	node = cellar.NewFunc2(e, "node", func(ctx context.Context, lo, hi int) (int, error) {
		if hi-lo == 1 {
			v := leaves[lo].Get(ctx)
			if lo%50 == 0 {
				cellar.Emit(ctx, v)
			}
			return v, nil
		}
		mid := (lo + hi) / 2
		l, r := node.Call(ctx, lo, mid), node.Call(ctx, mid, hi)
		lv, err := l.Get(ctx)
		if err != nil {
			return 0, err
		}
		rv, err := r.Get(ctx)
		return lv + rv, err
	})
	root := node.CallOperation(context.Background(), 0, len(leaves))
	if _, err := root.ReadStronglyConsistent(context.Background()); err != nil {
		b.Fatal(err)
	}
	return root
}

func BenchmarkPeekCollectiblesClean(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprint("N=", n), func(b *testing.B) {
			ctx := context.Background()
			e := cellar.New(nil)
			defer e.Close()
			root := emittingTree(b, e, n)
			want := n / 100
			b.Run("peek", func(b *testing.B) {
				for b.Loop() {
					seq, err := cellar.Peek[int](ctx, root)
					if err != nil {
						b.Fatal(err)
					}
					if seq == nil {
						b.Fatal("nil sequence")
					}
				}
			})
			b.Run("peek+iterate", func(b *testing.B) {
				for b.Loop() {
					seq, err := cellar.Peek[int](ctx, root)
					if err != nil {
						b.Fatal(err)
					}
					count := 0
					for range seq {
						count++
					}
					if count != want {
						b.Fatalf("%d collectibles, want %d", count, want)
					}
				}
			})
			b.Run("baseline-read", func(b *testing.B) {
				for b.Loop() {
					v, err := root.ReadStronglyConsistent(ctx)
					if err != nil {
						b.Fatal(err)
					}
					sink = v
				}
			})
		})
	}
}
