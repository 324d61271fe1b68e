package cellar_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/cellar-go/cellar"
)

// Graph exports the task graph, here after an edit, to see what ran and
// why; WriteDOT renders it for Graphviz (dot -Tsvg), and encoding/json for
// other tools.
func ExampleEngine_Graph() {
	ctx := context.Background()
	e := cellar.New(nil)
	defer e.Close()

	text := cellar.NewState(e, "text", "a b")
	words := cellar.NewFunc1(e, "words", func(ctx context.Context, file string) (int, error) {
		return len(strings.Fields(text.Get(ctx))), nil
	})
	report := cellar.NewFunc1(e, "report", func(ctx context.Context, file string) (string, error) {
		n, err := words.Call(ctx, file).Get(ctx)
		return fmt.Sprintf("%s: %d words", file, n), err
	})
	op := report.CallOperation(ctx, "a.txt")
	s, _ := op.ReadStronglyConsistent(ctx)
	fmt.Println(s)
	text.Set("a b c")
	s, _ = op.ReadStronglyConsistent(ctx)
	fmt.Println(s)

	g := e.Graph()
	for _, t := range g.Tasks {
		fmt.Printf("%d %s: %s, %d runs, %s\n", t.ID, t.Name, t.Kind, t.Executions, t.Cause)
	}
	g.WriteDOT(os.Stdout)
	// Output:
	// a.txt: 2 words
	// a.txt: 3 words
	// 1 State("text"): state, 0 runs, first run
	// 2 report("a.txt"): task, 2 runs, read words("a.txt"), which changed
	// 3 words("a.txt"): task, 2 runs, read State("text")#0, which changed
	// digraph cellar {
	// 	t1 [label="State(\"text\")\nstate done, 0 runs", shape=box];
	// 	t2 [label="report(\"a.txt\")\nstate done, 2 runs"];
	// 	t3 [label="words(\"a.txt\")\nstate done, 2 runs"];
	// 	t3 -> t2;
	// 	t1 -> t3 [label="#0"];
	// }
}

// OnExecute reports every execution as it finishes: what a progress line
// or a trace needs.
func ExampleOptions_onExecute() {
	var mu sync.Mutex
	var ran []string
	e := cellar.New(&cellar.Options{OnExecute: func(x cellar.Execution) {
		mu.Lock()
		defer mu.Unlock()
		ran = append(ran, fmt.Sprintf("%s #%d: %v", x.Task, x.Count, x.Cause))
	}})
	defer e.Close()
	text := cellar.NewState(e, "text", "a b c")
	words := cellar.NewFunc1(e, "words", func(ctx context.Context, _ struct{}) (int, error) {
		return len(strings.Fields(text.Get(ctx))), nil
	})
	ctx := context.Background()
	words.CallOperation(ctx, struct{}{}).ReadStronglyConsistent(ctx)
	text.Set("a b")
	words.CallOperation(ctx, struct{}{}).ReadStronglyConsistent(ctx)
	e.WaitIdle(ctx) // reports follow the executions; WaitIdle waits for them
	mu.Lock()
	defer mu.Unlock()
	for _, r := range ran {
		fmt.Println(r)
	}
	// Output:
	// words() #1: first run
	// words() #2: read State("text")#0, which changed
}
