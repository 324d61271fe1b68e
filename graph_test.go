package cellar_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cellar-go/cellar"
)

// parts is the result of a task that hands out one of its values in a
// separate cell.
type parts struct {
	Head cellar.Vc[int]
	Tail int
}

// graphFixture is a small graph with every kind of task and edge.
type graphFixture struct {
	e     *cellar.Engine
	input *cellar.State[int]
	label cellar.OperationVc[string]
	warn  cellar.OperationVc[int]
	sum   cellar.OperationVc[int]
	fail  cellar.OperationVc[int]
}

// newGraphFixture builds:
//
//	State("input") read by double(2) and label()
//	label() reads double(2)
//	parts() makes a Cell besides its result; sumParts() reads both
//	failing() fails
//	warn() emits a collectible and reads label(); warn() is peeked,
//	which makes collect tasks for warn(), label() and double(2)
func newGraphFixture(t *testing.T, opts *cellar.Options) *graphFixture {
	t.Helper()
	ctx := context.Background()
	e := newEngine(t, opts)
	f := &graphFixture{e: e, input: cellar.NewState(e, "input", 2)}
	double := cellar.NewFunc1(e, "double", func(ctx context.Context, n int) (int, error) {
		if opts != nil && opts.Observe {
			time.Sleep(time.Millisecond) // something to time, not synchronisation
		}
		return n * f.input.Get(ctx), nil
	})
	label := cellar.NewFunc1(e, "label", func(ctx context.Context, _ struct{}) (string, error) {
		d, err := double.Call(ctx, 2).Get(ctx)
		return fmt.Sprintf("%d doubled is %d", f.input.Get(ctx), d), err
	})
	mkParts := cellar.NewFunc1(e, "parts", func(ctx context.Context, _ struct{}) (parts, error) {
		return parts{Head: cellar.Cell(ctx, 40), Tail: 2}, nil
	})
	sumParts := cellar.NewFunc1(e, "sumParts", func(ctx context.Context, _ struct{}) (int, error) {
		p, err := mkParts.Call(ctx, struct{}{}).Get(ctx)
		if err != nil {
			return 0, err
		}
		h, err := p.Head.Get(ctx)
		return h + p.Tail, err
	})
	failing := cellar.NewFunc1(e, "failing", func(ctx context.Context, _ struct{}) (int, error) {
		return 0, errors.New(`boom "quoted" \ backslash`)
	})
	warn := cellar.NewFunc1(e, "warn", func(ctx context.Context, _ struct{}) (int, error) {
		cellar.Emit(ctx, "careful")
		s, err := label.Call(ctx, struct{}{}).Get(ctx)
		return len(s), err
	})
	f.label = label.CallOperation(ctx, struct{}{})
	f.warn = warn.CallOperation(ctx, struct{}{})
	f.sum = sumParts.CallOperation(ctx, struct{}{})
	f.fail = failing.CallOperation(ctx, struct{}{})
	if got := mustGet(t, f.sum.Connect()); got != 42 {
		t.Fatalf("sumParts() = %d", got)
	}
	if _, err := f.fail.ReadStronglyConsistent(ctx); err == nil {
		t.Fatal("failing() did not fail")
	}
	f.peek(t)
	f.idle(t)
	return f
}

func (f *graphFixture) peek(t *testing.T) {
	t.Helper()
	ctx, cancel := guard(t)
	defer cancel()
	seq, err := cellar.Peek[string](ctx, f.warn)
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Collect(seq); !slices.Equal(got, []string{"careful"}) {
		t.Fatalf("Peek = %q", got)
	}
}

func (f *graphFixture) idle(t *testing.T) {
	t.Helper()
	ctx, cancel := guard(t)
	defer cancel()
	if err := f.e.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
}

// Names of the fixture's tasks.
const (
	gInput    = `State("input")`
	gDouble   = `double(2)`
	gLabel    = `label()`
	gParts    = `parts()`
	gSum      = `sumParts()`
	gFailing  = `failing()`
	gWarn     = `warn()`
	gCollWarn = `collectibles(warn(), string)`
	gCollLbl  = `collectibles(label(), string)`
	gCollDbl  = `collectibles(double(2), string)`
)

// byName indexes a graph's tasks by name, failing on duplicates: names are
// unique in the fixture, which lets the tests ignore ID assignment.
func byName(t *testing.T, g cellar.Graph) map[string]cellar.GraphTask {
	t.Helper()
	m := make(map[string]cellar.GraphTask)
	for _, task := range g.Tasks {
		if _, dup := m[task.Name]; dup {
			t.Fatalf("two tasks named %s", task.Name)
		}
		m[task.Name] = task
	}
	return m
}

// edgeNames renders g's edges as "reader -slot-> task" by task name, sorted.
func edgeNames(t *testing.T, g cellar.Graph) []string {
	t.Helper()
	names := make(map[uint32]string)
	for _, task := range g.Tasks {
		names[task.ID] = task.Name
	}
	var out []string
	for _, d := range g.Edges {
		r, ok1 := names[d.Reader]
		k, ok2 := names[d.Task]
		if !ok1 || !ok2 {
			t.Fatalf("edge %+v names a task not in the graph", d)
		}
		s := fmt.Sprintf("%s -%s-> %s", r, d.Slot, k)
		if d.Cycle {
			s += " (cycle)"
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// checkSorted checks the order Graph promises.
func checkSorted(t *testing.T, g cellar.Graph) {
	t.Helper()
	if !slices.IsSortedFunc(g.Tasks, func(a, b cellar.GraphTask) int { return cmp.Compare(a.ID, b.ID) }) {
		t.Fatalf("tasks not sorted by ID: %+v", g.Tasks)
	}
	slotRank := func(s string) int {
		switch s {
		case "out":
			return -1
		case "collectibles":
			return 1 << 30
		}
		var i int
		if _, err := fmt.Sscanf(s, "#%d", &i); err != nil {
			t.Fatalf("bad slot %q", s)
		}
		return i
	}
	if !slices.IsSortedFunc(g.Edges, func(a, b cellar.GraphEdge) int {
		return cmp.Or(cmp.Compare(a.Reader, b.Reader), cmp.Compare(a.Task, b.Task), cmp.Compare(slotRank(a.Slot), slotRank(b.Slot)))
	}) {
		t.Fatalf("edges not sorted: %+v", g.Edges)
	}
}

func TestGraphTasksAndEdges(t *testing.T) {
	f := newGraphFixture(t, nil)
	g := f.e.Graph()
	checkSorted(t, g)

	// Through JSON and back: the export is plain data.
	data, err := json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	var back cellar.Graph
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, g) {
		t.Fatalf("JSON round trip changed the graph:\n%s\n%+v", data, back)
	}
	for _, key := range []string{`"tasks":[`, `"edges":[`, `"id":`, `"function":"collectibles"`, `"kind":"internal"`, `"slot":"#0"`, `"cause":"first run"`} {
		if !bytes.Contains(data, []byte(key)) {
			t.Errorf("JSON lacks %s:\n%s", key, data)
		}
	}
	if bytes.Contains(data, []byte(`"duration_ns"`)) || bytes.Contains(data, []byte(`"cycle"`)) {
		t.Errorf("JSON has fields that should be omitted:\n%s", data)
	}

	type want struct {
		function, kind, state string
		executions, cells     int
		err                   string
	}
	wantTasks := map[string]want{
		gInput:    {"State", "state", "done", 0, 1, ""},
		gDouble:   {"double", "task", "done", 1, 1, ""},
		gLabel:    {"label", "task", "done", 1, 1, ""},
		gParts:    {"parts", "task", "done", 1, 2, ""},
		gSum:      {"sumParts", "task", "done", 1, 1, ""},
		gFailing:  {"failing", "task", "done", 1, 0, `failing(): boom "quoted" \ backslash`},
		gWarn:     {"warn", "task", "done", 1, 1, ""},
		gCollWarn: {"collectibles", "internal", "done", 1, 1, ""},
		gCollLbl:  {"collectibles", "internal", "done", 1, 1, ""},
		gCollDbl:  {"collectibles", "internal", "done", 1, 1, ""},
	}
	tasks := byName(t, back)
	if len(tasks) != len(wantTasks) {
		t.Errorf("%d tasks, want %d: %+v", len(tasks), len(wantTasks), back.Tasks)
	}
	for name, w := range wantTasks {
		got, ok := tasks[name]
		if !ok {
			t.Errorf("no task %s in %+v", name, back.Tasks)
			continue
		}
		if got.Function != w.function || got.Kind != w.kind || got.State != w.state ||
			got.Executions != w.executions || got.Cells != w.cells || got.Error != w.err ||
			got.Cause != "first run" || got.DurationNS != 0 {
			t.Errorf("%s = %+v, want %+v", name, got, w)
		}
	}

	wantEdges := []string{
		gCollDbl + " -collectibles-> " + gDouble,
		gCollLbl + " -collectibles-> " + gLabel,
		gCollLbl + " -out-> " + gCollDbl,
		gCollWarn + " -collectibles-> " + gWarn,
		gCollWarn + " -out-> " + gCollLbl,
		gDouble + " -#0-> " + gInput,
		gLabel + " -#0-> " + gInput,
		gLabel + " -out-> " + gDouble,
		gSum + " -#0-> " + gParts,
		gSum + " -out-> " + gParts,
		gWarn + " -out-> " + gLabel,
	}
	slices.Sort(wantEdges)
	if got := edgeNames(t, back); !slices.Equal(got, wantEdges) {
		t.Fatalf("edges:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(wantEdges, "\n\t"))
	}
}

func TestGraphAfterAnEdit(t *testing.T) {
	f := newGraphFixture(t, nil)
	before := byName(t, f.e.Graph())
	f.input.Set(3)
	if got, want := mustGet(t, f.label.Connect()), "3 doubled is 6"; got != want {
		t.Fatalf("label() = %q, want %q", got, want)
	}
	f.idle(t)
	after := byName(t, f.e.Graph())
	changed := `read State("input")#0, which changed`
	for _, c := range []struct {
		name       string
		executions int
		cause      string
	}{
		{gDouble, 2, changed},
		{gLabel, 2, changed},
		{gWarn, 2, "read label(), which changed"},
		{gParts, 1, "first run"},
		{gSum, 1, "first run"},
		{gFailing, 1, "first run"},
		{gInput, 0, "first run"},
	} {
		got := after[c.name]
		if got.Executions != c.executions || got.Cause != c.cause || got.State != "done" {
			t.Errorf("after the edit %s = %+v, want %d executions because %q", c.name, got, c.executions, c.cause)
		}
		if got.ID != before[c.name].ID {
			t.Errorf("%s changed ID from %d to %d", c.name, before[c.name].ID, got.ID)
		}
	}
}

func TestGraphRecordsDurationsWhenObserving(t *testing.T) {
	f := newGraphFixture(t, &cellar.Options{Observe: true})
	tasks := byName(t, f.e.Graph())
	if d := tasks[gDouble].DurationNS; d < int64(time.Millisecond) {
		t.Fatalf("double(2) took %d ns, want at least the millisecond it slept", d)
	}
	if d := tasks[gInput].DurationNS; d != 0 {
		t.Fatalf("a State has a duration: %d ns", d)
	}
}

func TestGraphDOT(t *testing.T) {
	f := newGraphFixture(t, nil)
	g := f.e.Graph()
	var b1, b2 bytes.Buffer
	if err := g.WriteDOT(&b1); err != nil {
		t.Fatal(err)
	}
	if err := f.e.Graph().WriteDOT(&b2); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b1.Bytes(), b2.Bytes()) {
		t.Fatalf("two exports of an idle engine differ:\n%s\n%s", b1.Bytes(), b2.Bytes())
	}
	dot := b1.String()
	tasks := byName(t, g)
	id := func(name string) uint32 {
		task, ok := tasks[name]
		if !ok {
			t.Fatalf("no task %s", name)
		}
		return task.ID
	}
	wantLines := []string{
		fmt.Sprintf(`t%d [label="State(\"input\")\nstate done, 0 runs", shape=box];`, id(gInput)),
		fmt.Sprintf(`t%d [label="double(2)\nstate done, 1 run"];`, id(gDouble)),
		fmt.Sprintf(`t%d [label="collectibles(warn(), string)\nstate done, 1 run", style=dashed];`, id(gCollWarn)),
		fmt.Sprintf(`t%d [label="failing()\nstate done, 1 run", color=red, fontcolor=red, tooltip="failing(): boom \"quoted\" \\ backslash"];`, id(gFailing)),
		fmt.Sprintf(`t%d -> t%d [label="#0"];`, id(gInput), id(gDouble)),
		fmt.Sprintf(`t%d -> t%d;`, id(gDouble), id(gLabel)),
		fmt.Sprintf(`t%d -> t%d [label="collectibles"];`, id(gWarn), id(gCollWarn)),
	}
	lines := strings.Split(strings.TrimSuffix(dot, "\n"), "\n")
	if lines[0] != "digraph cellar {" || lines[len(lines)-1] != "}" {
		t.Fatalf("not a digraph:\n%s", dot)
	}
	for i := range lines[1 : len(lines)-1] {
		lines[i+1] = strings.TrimPrefix(lines[i+1], "\t")
	}
	for _, w := range wantLines {
		if !slices.Contains(lines, w) {
			t.Errorf("DOT lacks the line\n\t%s\nin\n%s", w, dot)
		}
	}
	if n, want := len(lines)-2, len(g.Tasks)+len(g.Edges); n != want {
		t.Errorf("%d statements, want one per task and edge (%d):\n%s", n, want, dot)
	}
}

func TestGraphDOTEscapes(t *testing.T) {
	g := cellar.Graph{
		Tasks: []cellar.GraphTask{
			{ID: 1, Name: `f("a\"b\\c")`, Kind: "task", State: "done", Executions: 2},
			{ID: 2, Name: "multi\nline", Kind: "task", State: "dirty", Executions: 1},
		},
		Edges: []cellar.GraphEdge{{Reader: 2, Task: 1, Slot: "out", Cycle: true}},
	}
	var b strings.Builder
	if err := g.WriteDOT(&b); err != nil {
		t.Fatal(err)
	}
	want := "digraph cellar {\n" +
		`	t1 [label="f(\"a\\\"b\\\\c\")\nstate done, 2 runs"];` + "\n" +
		`	t2 [label="multi\nline\nstate dirty, 1 run"];` + "\n" +
		`	t1 -> t2 [style=dashed, color=red];` + "\n" +
		"}\n"
	if got := b.String(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestGraphDOTReportsWriteErrors(t *testing.T) {
	if err := (cellar.Graph{}).WriteDOT(failingWriter{}); err == nil || err.Error() != "disk full" {
		t.Fatalf("err = %v, want the writer's", err)
	}
}

func TestGraphCycleEdge(t *testing.T) {
	e := newEngine(t, &cellar.Options{Workers: 1})
	ctx := context.Background()
	var a, b *cellar.Func1[int, int]
	a = cellar.NewFunc1(e, "a", func(ctx context.Context, n int) (int, error) { return b.Call(ctx, n).Get(ctx) })
	b = cellar.NewFunc1(e, "b", func(ctx context.Context, n int) (int, error) { return a.Call(ctx, n).Get(ctx) })
	if _, err := a.Call(ctx, 1).Get(ctx); !errors.Is(err, cellar.ErrCycle) {
		t.Fatalf("err = %v, want a cycle", err)
	}
	g := e.Graph()
	want := []string{"a(1) -out-> b(1)", "b(1) -out-> a(1) (cycle)"}
	if got := edgeNames(t, g); !slices.Equal(got, want) {
		t.Fatalf("edges %q, want %q", got, want)
	}
	for _, task := range g.Tasks {
		if !strings.Contains(task.Error, "dependency cycle") {
			t.Errorf("%s: error %q, want a cycle", task.Name, task.Error)
		}
	}
	var dot strings.Builder
	if err := g.WriteDOT(&dot); err != nil {
		t.Fatal(err)
	}
	ids := byName(t, g)
	if line := fmt.Sprintf("\tt%d -> t%d [style=dashed, color=red];\n", ids["a(1)"].ID, ids["b(1)"].ID); !strings.Contains(dot.String(), line) {
		t.Fatalf("DOT lacks the cycle edge %q:\n%s", line, dot.String())
	}
}

// Graph takes a consistent snapshot while tasks run and states change: run
// with -race. Every snapshot must be internally consistent, and no task's
// execution count may go down from one snapshot to the next.
func TestGraphWhileEditing(t *testing.T) {
	e := newEngine(t, nil)
	ctx, cancel := guard(t)
	defer cancel()
	input := cellar.NewState(e, "input", 0)
	double := cellar.NewFunc1(e, "double", func(ctx context.Context, n int) (int, error) {
		return n * input.Get(ctx), nil
	})
	sum := cellar.NewFunc1(e, "sum", func(ctx context.Context, _ struct{}) (int, error) {
		total := 0
		for i := range 8 {
			v, err := double.Call(ctx, i).Get(ctx)
			if err != nil {
				return 0, err
			}
			total += v
		}
		return total, nil
	})
	op := sum.CallOperation(ctx, struct{}{})
	if _, err := op.ReadStronglyConsistent(ctx); err != nil {
		t.Fatal(err)
	}

	done := make(chan struct{})
	var wg sync.WaitGroup
	var editErr error
	wg.Go(func() {
		for i := 1; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			input.Set(i)
			got, err := op.ReadStronglyConsistent(ctx)
			if err != nil {
				editErr = err
				return
			}
			if got != 28*i {
				editErr = fmt.Errorf("sum() = %d after setting %d, want %d", got, i, 28*i)
				return
			}
		}
	})

	execs := make(map[uint32]int)
	states := map[string]bool{"new": true, "queued": true, "running": true, "done": true, "dirty": true}
	for range 300 {
		g := e.Graph()
		checkSorted(t, g)
		ids := make(map[uint32]bool)
		for _, task := range g.Tasks {
			ids[task.ID] = true
			if !states[task.State] {
				t.Fatalf("task %s in state %q", task.Name, task.State)
			}
			if task.Executions < execs[task.ID] {
				t.Fatalf("%s: %d executions after %d", task.Name, task.Executions, execs[task.ID])
			}
			execs[task.ID] = task.Executions
		}
		for _, d := range g.Edges {
			if !ids[d.Reader] || !ids[d.Task] {
				t.Fatalf("edge %+v names a task missing from the snapshot", d)
			}
		}
		if err := g.WriteDOT(new(bytes.Buffer)); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	wg.Wait()
	if editErr != nil {
		t.Fatal(editErr)
	}
	if len(execs) != 10 {
		t.Fatalf("saw tasks %v, want the state, sum() and 8 double(i)", execs)
	}
}
