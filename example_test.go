package cellar_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"

	"github.com/cellar-go/cellar"
)

// A task function's result is memoized: calling it again with equal
// arguments reuses the result, until an input it read changes.
func Example() {
	ctx := context.Background()
	e := cellar.New(nil)
	defer e.Close()

	text := cellar.NewState(e, "text", "the quick brown fox")
	words := cellar.NewFunc1(e, "words", func(ctx context.Context, _ struct{}) (int, error) {
		fmt.Println("counting")
		return len(strings.Fields(text.Get(ctx))), nil
	})

	n, _ := words.Call(ctx, struct{}{}).Get(ctx)
	fmt.Println(n)
	n, _ = words.Call(ctx, struct{}{}).Get(ctx) // memoized: no "counting"
	fmt.Println(n)
	text.Set("jumps over the lazy dog again")
	n, _ = words.Call(ctx, struct{}{}).Get(ctx)
	fmt.Println(n)
	// Output:
	// counting
	// 4
	// 4
	// counting
	// 6
}

// When a task produces the same value as before, the tasks that read it do
// not run again (early cutoff).
func ExampleState() {
	ctx := context.Background()
	e := cellar.New(nil)
	defer e.Close()

	n := cellar.NewState(e, "n", 2)
	parity := cellar.NewFunc1(e, "parity", func(ctx context.Context, _ struct{}) (string, error) {
		fmt.Println("parity runs")
		if n.Get(ctx)%2 == 0 {
			return "even", nil
		}
		return "odd", nil
	})
	shout := cellar.NewFunc1(e, "shout", func(ctx context.Context, _ struct{}) (string, error) {
		fmt.Println("shout runs")
		p, err := parity.Call(ctx, struct{}{}).Get(ctx)
		return strings.ToUpper(p), err
	})

	op := shout.CallOperation(ctx, struct{}{})
	s, _ := op.ReadStronglyConsistent(ctx)
	fmt.Println(s)
	n.Set(4) // still even: parity runs, shout does not
	s, _ = op.ReadStronglyConsistent(ctx)
	fmt.Println(s)
	// Output:
	// shout runs
	// parity runs
	// EVEN
	// parity runs
	// EVEN
}

// Errors are results too: readers see the chain of tasks they came through.
func ExampleTaskError() {
	ctx := context.Background()
	e := cellar.New(nil)
	defer e.Close()

	readFile := cellar.NewFunc1(e, "readFile", func(ctx context.Context, name string) (string, error) {
		return "", errors.New("no such file")
	})
	wordCount := cellar.NewFunc1(e, "wordCount", func(ctx context.Context, name string) (int, error) {
		s, err := readFile.Call(ctx, name).Get(ctx)
		if err != nil {
			return 0, err
		}
		return len(strings.Fields(s)), nil
	})

	_, err := wordCount.Call(ctx, "a.txt").Get(ctx)
	fmt.Println(err)
	var te *cellar.TaskError
	if errors.As(err, &te) {
		fmt.Println(te.Chain())
	}
	// Output:
	// wordCount("a.txt") -> readFile("a.txt"): no such file
	// [wordCount("a.txt") readFile("a.txt")]
}

// Tasks that depend on each other in a cycle fail instead of waiting
// forever.
func ExampleCycleError() {
	ctx := context.Background()
	e := cellar.New(nil)
	defer e.Close()

	var ping, pong *cellar.Func1[int, int]
	ping = cellar.NewFunc1(e, "ping", func(ctx context.Context, n int) (int, error) {
		return pong.Call(ctx, n).Get(ctx)
	})
	pong = cellar.NewFunc1(e, "pong", func(ctx context.Context, n int) (int, error) {
		return ping.Call(ctx, n).Get(ctx)
	})

	_, err := ping.Call(ctx, 1).Get(ctx)
	fmt.Println(errors.Is(err, cellar.ErrCycle))
	// Output:
	// true
}

// A task that looks at something outside the engine takes its Invalidator,
// and whatever notices the change calls it.
func ExampleInvalidatorFor() {
	ctx := context.Background()
	e := cellar.New(nil)
	defer e.Close()

	config := map[string]string{"greeting": "hello"} // outside the engine
	var inv cellar.Invalidator
	greeting := cellar.NewFunc1(e, "greeting", func(ctx context.Context, key string) (string, error) {
		inv = cellar.InvalidatorFor(ctx) // a file watcher would keep this
		return config[key], nil
	})

	op := greeting.CallOperation(ctx, "greeting")
	g, _ := op.ReadStronglyConsistent(ctx)
	fmt.Println(g)
	config["greeting"] = "bonjour"
	inv.Invalidate()
	g, _ = op.ReadStronglyConsistent(ctx)
	fmt.Println(g)
	// Output:
	// hello
	// bonjour
}

// A task can hand out several cells, so that readers of one are not re-run
// when another changes.
func ExampleCell() {
	ctx := context.Background()
	e := cellar.New(nil)
	defer e.Close()

	first := cellar.NewState(e, "first", "Ada")
	last := cellar.NewState(e, "last", "Lovelace")
	type name struct{ First, Last cellar.Vc[string] }
	split := cellar.NewFunc1(e, "split", func(ctx context.Context, _ struct{}) (name, error) {
		return name{cellar.Cell(ctx, first.Get(ctx)), cellar.Cell(ctx, last.Get(ctx))}, nil
	})
	initial := cellar.NewFunc1(e, "initial", func(ctx context.Context, _ struct{}) (string, error) {
		fmt.Println("initial runs")
		n, err := split.Call(ctx, struct{}{}).Get(ctx)
		if err != nil {
			return "", err
		}
		f, err := n.First.Get(ctx)
		return f[:1] + ".", err
	})

	op := initial.CallOperation(ctx, struct{}{})
	s, _ := op.ReadStronglyConsistent(ctx)
	fmt.Println(s)
	last.Set("Byron") // the First cell is unchanged: initial does not run
	s, _ = op.ReadStronglyConsistent(ctx)
	fmt.Println(s)
	// Output:
	// initial runs
	// A.
	// A.
}

// A Vc can be passed to another task function: it is resolved to the cell it
// points at, so handles of the same cell share a task.
func ExampleNewVcFunc1() {
	ctx := context.Background()
	e := cellar.New(nil)
	defer e.Close()

	celsius := cellar.NewState(e, "celsius", 20.0)
	current := cellar.NewVcFunc1(e, "current", func(ctx context.Context, _ struct{}) (cellar.Vc[float64], error) {
		return celsius.Vc(), nil // no copy: the output points at the state's cell
	})
	fahrenheit := cellar.NewFunc1(e, "fahrenheit", func(ctx context.Context, c cellar.Vc[float64]) (float64, error) {
		fmt.Println("converting")
		v, err := c.Get(ctx)
		return v*9/5 + 32, err
	})

	a, _ := fahrenheit.Call(ctx, celsius.Vc()).Get(ctx)
	b, _ := fahrenheit.Call(ctx, current.Call(ctx, struct{}{})).Get(ctx) // same cell, same task
	fmt.Println(a, b)
	// Output:
	// converting
	// 68 68
}

// Tasks emit collectibles, such as diagnostics, besides their results; an
// operation above them gathers them, and an edit updates what it gathers.
func ExamplePeek() {
	ctx := context.Background()
	e := cellar.New(nil)
	defer e.Close()

	type Diagnostic struct{ File, Msg string }
	files := map[string]*cellar.State[string]{
		"a.go": cellar.NewState(e, "a.go", "package a"),
		"b.go": cellar.NewState(e, "b.go", "pakage b"),
	}
	check := cellar.NewFunc1(e, "check", func(ctx context.Context, name string) (bool, error) {
		ok := strings.HasPrefix(files[name].Get(ctx), "package ")
		if !ok {
			cellar.Emit(ctx, Diagnostic{name, "expected 'package'"})
		}
		return ok, nil
	})
	all := cellar.NewFunc1(e, "all", func(ctx context.Context, _ struct{}) (int, error) {
		good := 0
		for _, name := range []string{"a.go", "b.go"} {
			if ok, err := check.Call(ctx, name).Get(ctx); err != nil {
				return 0, err
			} else if ok {
				good++
			}
		}
		return good, nil
	})

	op := all.CallOperation(ctx, struct{}{})
	report := func() {
		good, _ := op.ReadStronglyConsistent(ctx)
		diags, _ := cellar.Peek[Diagnostic](ctx, op)
		fmt.Println(good, "good")
		for d := range diags {
			fmt.Printf("%s: %s\n", d.File, d.Msg)
		}
	}
	report()
	files["b.go"].Set("package b")
	report()
	// Output:
	// 1 good
	// b.go: expected 'package'
	// 2 good
}

// Every task can say how often it ran and why it last ran.
func ExampleOperationVc_Info() {
	ctx := context.Background()
	e := cellar.New(nil)
	defer e.Close()

	text := cellar.NewState(e, "text", "a b")
	words := cellar.NewFunc1(e, "words", func(ctx context.Context, file string) (int, error) {
		return len(strings.Fields(text.Get(ctx))), nil
	})
	op := words.CallOperation(ctx, "a.txt")
	op.ReadStronglyConsistent(ctx)
	text.Set("a b c")
	op.ReadStronglyConsistent(ctx)

	info, _ := op.Info()
	fmt.Println(info.Name, "ran", info.Executions, "times")
	fmt.Println("last because it", info.Cause)
	// Output:
	// words("a.txt") ran 2 times
	// last because it read State("text")#0, which changed
}

// Lookup finds a task without calling it, so that a tool can look at a task
// (its Info, say) without creating or scheduling one.
func ExampleFunc1_Lookup() {
	ctx := context.Background()
	e := cellar.New(nil)
	defer e.Close()

	length := cellar.NewFunc1(e, "length", func(ctx context.Context, s string) (int, error) {
		return len(s), nil
	})
	length.Call(ctx, "hello").Get(ctx)

	if op, ok := length.Lookup("hello"); ok {
		info, _ := op.Info()
		fmt.Println(info.Name, info.State, "after", info.Executions, "execution")
	}
	_, ok := length.Lookup("never called")
	fmt.Println("never called:", ok, "- tasks:", e.Stats().Tasks)
	// Output:
	// length("hello") done after 1 execution
	// never called: false - tasks: 1
}

// == on a Vc compares handles; resolving first compares cells.
func ExampleVc_ToResolved() {
	ctx := context.Background()
	e := cellar.New(nil)
	defer e.Close()

	config := cellar.NewState(e, "config", "debug")
	current := cellar.NewVcFunc1(e, "current", func(ctx context.Context, _ struct{}) (cellar.Vc[string], error) {
		return config.Vc(), nil
	})
	viaTask := current.Call(ctx, struct{}{})
	direct := config.Vc()
	fmt.Println(viaTask == direct)

	a, _ := viaTask.ToResolved(ctx)
	b, _ := direct.ToResolved(ctx)
	fmt.Println(a == b, a.DebugIdentifier())
	// Output:
	// false
	// true State("config")#0
}

// Update modifies a state in place; readers re-run only if it reports a
// change.
func ExampleState_Update() {
	ctx := context.Background()
	e := cellar.New(nil)
	defer e.Close()

	hits := cellar.NewState(e, "hits", map[string]int{})
	total := cellar.NewFunc1(e, "total", func(ctx context.Context, _ struct{}) (int, error) {
		n := 0
		for _, v := range hits.Get(ctx) {
			n += v
		}
		return n, nil
	})
	record := func(page string) {
		hits.Update(func(m *map[string]int) bool {
			next := maps.Clone(*m) // replace, do not modify what tasks may read
			next[page]++
			*m = next
			return true
		})
	}
	record("/")
	record("/about")
	record("/")
	n, _ := total.CallOperation(ctx, struct{}{}).ReadStronglyConsistent(ctx)
	fmt.Println(n, hits.GetUntracked()["/"])
	// Output:
	// 3 2
}

type Animal interface{ Sound() string }
type Dog struct{ Name string }

func (d Dog) Sound() string { return d.Name + " says woof" }

// A Vc of an interface type can be cast to the concrete type of its value.
func ExampleTryDowncastType() {
	ctx := context.Background()
	e := cellar.New(nil)
	defer e.Close()

	pet := cellar.NewFunc1(e, "pet", func(ctx context.Context, name string) (Animal, error) {
		return Dog{Name: name}, nil
	})
	a := pet.Call(ctx, "Rex")
	if dog, ok, err := cellar.TryDowncastType[Dog](ctx, a); err == nil && ok {
		d, _ := dog.Get(ctx)
		fmt.Println("a dog named", d.Name)
	}
	back := cellar.Upcast[Animal](a) // checked when made
	animal, _ := back.Get(ctx)
	fmt.Println(animal.Sound())
	// Output:
	// a dog named Rex
	// Rex says woof
}

type Limits struct{ MaxFiles int }

func (Limits) Default() Limits { return Limits{MaxFiles: 1000} }

// Default gives a Vc of a type's default value.
func ExampleDefault() {
	ctx := context.Background()
	e := cellar.New(nil)
	defer e.Close()

	limits, _ := cellar.Default[Limits](ctx, e).Get(ctx)
	fmt.Println(limits.MaxFiles)
	// Output:
	// 1000
}

// Vc handles can be stored in encoded values; they stay valid within their
// engine.
func ExampleVc_MarshalText() {
	ctx := context.Background()
	e := cellar.New(nil)
	defer e.Close()

	greeting := cellar.NewState(e, "greeting", "hello")
	saved, _ := json.Marshal(map[string]cellar.Vc[string]{"greeting": greeting.Vc()})

	var loaded map[string]cellar.Vc[string]
	json.Unmarshal(saved, &loaded)
	v, _ := loaded["greeting"].Get(ctx)
	fmt.Println(v)
	// Output:
	// hello
}

// A task that reads one key of a map is not re-run when other keys change.
func ExampleGetKey() {
	ctx := context.Background()
	e := cellar.New(nil)
	defer e.Close()

	env := cellar.NewState(e, "env", map[string]string{"HOME": "/home/gopher", "PWD": "/tmp"})
	home := cellar.NewFunc1(e, "home", func(ctx context.Context, _ struct{}) (string, error) {
		fmt.Println("home runs")
		v, _, err := cellar.GetKey(ctx, env.Vc(), "HOME")
		return v, err
	})
	op := home.CallOperation(ctx, struct{}{})
	v, _ := op.ReadStronglyConsistent(ctx)
	fmt.Println(v)
	env.Set(map[string]string{"HOME": "/home/gopher", "PWD": "/src"}) // another key
	v, _ = op.ReadStronglyConsistent(ctx)
	fmt.Println(v)
	// Output:
	// home runs
	// /home/gopher
	// /home/gopher
}

// A final read lets the engine drop a large value once it has been handed
// on; reading it again recomputes it.
func ExampleVc_GetFinal() {
	ctx := context.Background()
	e := cellar.New(nil)
	defer e.Close()

	render := cellar.NewFunc1(e, "render", func(ctx context.Context, page string) ([]byte, error) {
		fmt.Println("rendering", page)
		return []byte("<h1>" + page + "</h1>"), nil
	})
	html, _ := render.Call(ctx, "home").GetFinal(ctx) // written out, then dropped
	fmt.Println(len(html), "bytes,", e.Stats().Evicted, "dropped")
	html, _ = render.Call(ctx, "home").Get(ctx) // needed again: recomputed
	fmt.Println(len(html), "bytes")
	// Output:
	// rendering home
	// 13 bytes, 1 dropped
	// rendering home
	// 13 bytes
}

type Package struct {
	Name    string
	Imports []cellar.Vc[Package]
}

// DebugValue shows a value with the Vcs inside it followed.
func ExampleVc_DebugValue() {
	ctx := context.Background()
	e := cellar.New(nil)
	defer e.Close()

	var pkg *cellar.Func1[string, Package]
	pkg = cellar.NewFunc1(e, "pkg", func(ctx context.Context, name string) (Package, error) {
		p := Package{Name: name}
		if name == "main" {
			p.Imports = []cellar.Vc[Package]{pkg.Call(ctx, "fmt")}
		}
		return p, nil
	})
	fmt.Println(pkg.Call(ctx, "main").DebugValue(ctx, 2))
	// Output:
	// pkg("main") -> cellar_test.Package{Name: "main", Imports: [pkg("fmt") -> cellar_test.Package{Name: "fmt", Imports: nil}]}
}

// An untracked read does not make the reading task depend on the value.
func ExampleVc_GetUntracked() {
	ctx := context.Background()
	e := cellar.New(nil)
	defer e.Close()

	data := cellar.NewState(e, "data", "v1")
	verbose := cellar.NewState(e, "verbose", false)
	report := cellar.NewFunc1(e, "report", func(ctx context.Context, _ struct{}) (string, error) {
		fmt.Println("report runs")
		v, err := verbose.Vc().GetUntracked(ctx) // a setting: no re-run when it changes
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%s (verbose %v)", data.Get(ctx), v), nil
	})
	op := report.CallOperation(ctx, struct{}{})
	s, _ := op.ReadStronglyConsistent(ctx)
	fmt.Println(s)
	verbose.Set(true)
	s, _ = op.ReadStronglyConsistent(ctx)
	fmt.Println(s)
	// Output:
	// report runs
	// v1 (verbose false)
	// v1 (verbose false)
}

// Take hands an operation's collectibles to the caller and hides them from
// the tasks above it.
func ExampleTake() {
	ctx := context.Background()
	e := cellar.New(nil)
	defer e.Close()

	compile := cellar.NewFunc1(e, "compile", func(ctx context.Context, file string) (int, error) {
		cellar.Emit(ctx, "warning in "+file)
		return 1, nil
	})
	// build handles the warnings of its compile steps itself.
	build := cellar.NewFunc1(e, "build", func(ctx context.Context, file string) (int, error) {
		op := compile.CallOperation(ctx, file)
		n, err := op.Connect().Get(ctx)
		if err != nil {
			return 0, err
		}
		warnings, err := cellar.Take[string](ctx, op)
		if err != nil {
			return 0, err
		}
		for w := range warnings {
			cellar.Emit(ctx, "handled: "+w)
		}
		return n, nil
	})
	seq, _ := cellar.Peek[string](ctx, build.CallOperation(ctx, "main.go"))
	for s := range seq {
		fmt.Println(s)
	}
	// Output:
	// handled: warning in main.go
}

// A call inside a task whose argument is a task's output, not yet a cell,
// is a local step of the caller: it resolves the argument and finds the
// task when the caller reads it. Its Vc means nothing outside the caller.
func ExampleVc_IsLocal() {
	ctx := context.Background()
	e := cellar.New(nil)
	defer e.Close()

	name := cellar.NewState(e, "name", "gopher")
	upper := cellar.NewFunc1(e, "upper", func(ctx context.Context, _ struct{}) (string, error) {
		return strings.ToUpper(name.Get(ctx)), nil
	})
	greet := cellar.NewFunc1(e, "greet", func(ctx context.Context, who cellar.Vc[string]) (string, error) {
		s, err := who.Get(ctx)
		return "hello, " + s, err
	})
	var escaped cellar.Vc[string]
	page := cellar.NewFunc1(e, "page", func(ctx context.Context, _ struct{}) (string, error) {
		g := greet.Call(ctx, upper.Call(ctx, struct{}{})) // upper's output is not a cell yet
		fmt.Println("local:", g.IsLocal())
		escaped = g
		return g.Get(ctx)
	})
	v, _ := page.CallOperation(ctx, struct{}{}).ReadStronglyConsistent(ctx)
	fmt.Println(v)
	_, err := escaped.Get(ctx)
	fmt.Println(errors.Is(err, cellar.ErrNonLocalValue))
	// Output:
	// local: true
	// hello, GOPHER
	// true
}
