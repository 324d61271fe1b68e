package cellar_test

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"

	"testing/synctest"
	"time"

	"github.com/cellar-go/cellar"
)

// OnExecute is documented to be called after every execution; an
// execution that ends with runtime.Goexit is counted in Stats.Executions
// but never reported.
func TestOnExecuteReportsAGoexitExecution(t *testing.T) {
	var reported atomic.Int64
	e := newEngine(t, &cellar.Options{Workers: 2, OnExecute: func(cellar.Execution) { reported.Add(1) }})
	exit := cellar.NewFunc1(e, "exit", func(ctx context.Context, n int) (int, error) {
		runtime.Goexit()
		return n, nil
	})
	ctx, cancel := guard(t)
	defer cancel()
	if _, err := exit.Call(ctx, 1).Get(ctx); err == nil {
		t.Fatal("want an error")
	}
	if err := e.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := reported.Load(), int64(e.Stats().Executions); got != want {
		t.Fatalf("OnExecute called %d times, Stats.Executions = %d", got, want)
	}
}

// OnExecute "may read Vcs from outside tasks". During a re-execution, a
// strongly consistent read of an unrelated, up-to-date Vc from OnExecute
// waits for the level to pass the re-executing task, which cannot complete
// before OnExecute returns: a deadlock.
func TestOnExecuteMayReadVcs(t *testing.T) {
	var other atomic.Pointer[cellar.Vc[int]]
	var readErr atomic.Pointer[error]
	e := newEngine(t, &cellar.Options{OnExecute: func(x cellar.Execution) {
		v := other.Load()
		if v == nil || x.Function != "f" {
			return
		}
		ctx, cancel := guard(t)
		defer cancel()
		if _, err := v.Get(ctx); err != nil {
			readErr.Store(&err)
		}
	}})
	s := cellar.NewState(e, "s", 1)
	f := cellar.NewFunc1(e, "f", func(ctx context.Context, _ struct{}) (int, error) {
		return s.Get(ctx) + 1, nil
	})
	g := cellar.NewFunc1(e, "g", func(ctx context.Context, _ struct{}) (int, error) {
		return 7, nil
	})
	mustGet(t, f.Call(context.Background(), struct{}{}))
	gv := g.Call(context.Background(), struct{}{})
	mustGet(t, gv)
	other.Store(&gv)
	s.Set(2)
	if got := mustGet(t, f.Call(context.Background(), struct{}{})); got != 3 {
		t.Fatalf("f = %d", got)
	}
	waitIdle(t, e) // OnExecute is called after the execution completes: wait for the reports
	if p := readErr.Load(); p != nil {
		t.Fatalf("read of an unrelated up-to-date Vc from OnExecute failed: %v", *p)
	}
}

// The report of an execution run inline waits for the end of its reader: a
// callback made inside the reader's read, reading a Vc that depends on the
// reader, would wait for it forever (and checked builds would take it for a
// read inside a task through a foreign context).
func TestOnExecuteOfAnInlineTaskMayReadItsReader(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		var root cellar.OperationVc[int]
		type res struct {
			v   int
			err error
		}
		got := make(chan res, 1)
		e := cellar.New(&cellar.Options{Workers: 2, OnExecute: func(x cellar.Execution) {
			if x.Function != "child" {
				return
			}
			rctx, cancel := context.WithTimeout(ctx, time.Hour) // fake time: ends once all is blocked
			defer cancel()
			v, err := root.ReadStronglyConsistent(rctx)
			got <- res{v, err}
		}})
		defer e.Close()
		child := cellar.NewFunc1(e, "child", func(ctx context.Context, n int) (int, error) { return n, nil })
		parent := cellar.NewFunc1(e, "parent", func(ctx context.Context, n int) (int, error) {
			return child.Call(ctx, n).Get(ctx) // runs child inline
		})
		root = parent.CallOperation(ctx, 1)
		if v, err := root.ReadStronglyConsistent(ctx); err != nil || v != 1 {
			t.Fatalf("root = %d, %v", v, err)
		}
		r := <-got
		if r.err != nil || r.v != 1 {
			t.Errorf("OnExecute(child) reading the root: %d, %v; want 1 (it waits for parent, which waits for the callback)", r.v, r.err)
		}
	})
}
