package cellar_test

import (
	"bytes"
	"context"
	"runtime/pprof"
	"runtime/trace"
	"strings"
	"testing"

	"github.com/cellar-go/cellar"
)

func mustInfo(t *testing.T, of func() (cellar.TaskInfo, error)) cellar.TaskInfo {
	t.Helper()
	info, err := of()
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func TestInfoSaysWhyATaskRan(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	text := cellar.NewState(e, "text", "a b")
	other := cellar.NewState(e, "other", 0)
	words := cellar.NewFunc1(e, "words", func(ctx context.Context, file string) (int, error) {
		return len(strings.Fields(text.Get(ctx))) + other.Get(ctx), nil
	})
	op := words.CallOperation(ctx, "a.txt")
	mustGet(t, op.Connect())
	in := mustInfo(t, op.Info)
	if in.Name != `words("a.txt")` || in.Executions != 1 || in.Cause.Kind != cellar.CauseFirstRun || in.State != "done" {
		t.Fatalf("after the first run: %+v", in)
	}
	text.Set("a b c")
	mustGet(t, op.Connect())
	in = mustInfo(t, op.Info)
	if in.Executions != 2 || in.Cause.Kind != cellar.CauseChanged || in.Cause.Changed != `State("text")#0` {
		t.Fatalf("after editing text: %+v", in)
	}
	if got, want := in.Cause.String(), `read State("text")#0, which changed`; got != want {
		t.Fatalf("Cause.String() = %q, want %q", got, want)
	}
	other.Set(1)
	mustGet(t, op.Connect())
	if in = mustInfo(t, op.Info); in.Cause.Changed != `State("other")#0` || in.Executions != 3 {
		t.Fatalf("after editing other: %+v", in)
	}
	if in.Duration != 0 {
		t.Fatalf("Duration = %v without Options.Observe", in.Duration)
	}
}

func TestInfoOfAnInvalidatedTask(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	var inv cellar.Invalidator
	clock := cellar.NewFunc1(e, "clock", func(ctx context.Context, _ int) (int, error) {
		inv = cellar.InvalidatorFor(ctx)
		return 1, nil
	})
	op := clock.CallOperation(ctx, 0)
	mustGet(t, op.Connect())
	inv.Invalidate()
	mustGet(t, op.Connect())
	if in := mustInfo(t, op.Info); in.Cause.Kind != cellar.CauseInvalidated || in.Executions != 2 {
		t.Fatalf("%+v", in)
	}
}

func TestDebugIdentifier(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	var cell cellar.Vc[int]
	count := cellar.NewVcFunc1(e, "wordCount", func(ctx context.Context, file string) (cellar.Vc[int], error) {
		cell = cellar.Cell(ctx, 3)
		return cell, nil
	})
	v := count.Call(ctx, "a.txt")
	mustGet(t, v)
	if got := v.DebugIdentifier(); got != `wordCount("a.txt")` {
		t.Fatalf("output: %q", got)
	}
	if got := cell.DebugIdentifier(); got != `wordCount("a.txt")#0` {
		t.Fatalf("cell: %q", got)
	}
	if got := (cellar.Vc[int]{}).DebugIdentifier(); got != "Vc(nil)" {
		t.Fatalf("zero Vc: %q", got)
	}
	// String stays opaque.
	if s := cell.String(); strings.Contains(s, "wordCount") {
		t.Fatalf("String() = %q shows more than the handle", s)
	}
}

func TestObserveTimesAndLabelsExecutions(t *testing.T) {
	e := newEngine(t, &cellar.Options{Observe: true})
	ctx := context.Background()
	var profile bytes.Buffer
	square := cellar.NewFunc1(e, "square", func(ctx context.Context, n int) (int, error) {
		// The goroutine profile shows labels of the goroutine running
		// this function.
		if err := pprof.Lookup("goroutine").WriteTo(&profile, 1); err != nil {
			return 0, err
		}
		return n * n, nil
	})
	op := square.CallOperation(ctx, 3)
	if v := mustGet(t, op.Connect()); v != 9 {
		t.Fatal(v)
	}
	if in := mustInfo(t, op.Info); in.Duration <= 0 {
		t.Fatalf("Duration = %v with Options.Observe", in.Duration)
	}
	if !strings.Contains(profile.String(), `"cellar.task":"square"`) {
		t.Fatalf("no cellar.task label in the goroutine profile:\n%.2000s", profile.String())
	}
}

func TestExecutionsAreTraceRegions(t *testing.T) {
	if trace.IsEnabled() {
		t.Skip("a trace is already being recorded")
	}
	e := newEngine(t, nil)
	ctx := context.Background()
	var buf bytes.Buffer
	if err := trace.Start(&buf); err != nil {
		t.Fatal(err)
	}
	f := cellar.NewFunc1(e, "tracedFunction", func(ctx context.Context, n int) (int, error) { return n, nil })
	mustGet(t, f.Call(ctx, 1))
	trace.Stop()
	if !bytes.Contains(buf.Bytes(), []byte("cellar tracedFunction")) {
		t.Fatal("the trace has no region named after the task function")
	}
}
