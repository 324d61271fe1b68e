package cellar_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/cellar-go/cellar"
	"pgregory.net/rapid"
)

// The differential test builds random task graphs over random inputs, edits
// the inputs at random, and after every edit checks the engine against a
// naive evaluator that computes everything from scratch: every strongly
// consistent read must equal the from-scratch value, and across one edit
// every task must have executed at most once, and only if a value it read
// in its previous execution changed.

const valueMod = 7 // node values are kept small so that equal results (cutoff) are common

type nodeKind int

const (
	kindSum    nodeKind = iota // sum of several refs
	kindBranch                 // reads cond, then one of two refs depending on it
	kindParam                  // reads a ref, then param(target, ref%3): a task chosen by data
	kindMod2                   // ref % 2: often unchanged
	kindAlias                  // reads alias(target), which returns node(target)'s Vc
	kindKey                    // reads one key of a map holding every state (a keyed read)
	kindCell                   // reads a ref, then cell ref%3 of split(state), often through a handle kept from before
	kindLocal                  // reads a ref, then inc(node(target)), or inc(inc(node(target))) for an odd ref: local calls
	numKinds
)

// ref is an input (a State) or a lower-numbered node.
type ref struct {
	state bool
	idx   int
}

type nodeSpec struct {
	kind    nodeKind
	refs    []ref // sum: operands; branch: cond, then, else; param and mod2: one ref
	target  int   // param, alias: a lower-numbered node; cell: a state
	offset  int
	hasPrev bool // target is meaningful only for nodes that have lower nodes
}

type graphSpec struct {
	states int
	nodes  []nodeSpec
}

func drawGraph(t *rapid.T) graphSpec {
	g := graphSpec{states: rapid.IntRange(1, 50).Draw(t, "states")}
	n := rapid.IntRange(1, 200).Draw(t, "nodes")
	drawRef := func(i int, label string) ref {
		if i == 0 || rapid.IntRange(0, 3).Draw(t, label+"_kind") == 0 {
			return ref{state: true, idx: rapid.IntRange(0, g.states-1).Draw(t, label+"_state")}
		}
		// Prefer nearby nodes so that graphs are deep, but allow any.
		lo := max(0, i-10)
		if rapid.Bool().Draw(t, label+"_far") {
			lo = 0
		}
		return ref{idx: rapid.IntRange(lo, i-1).Draw(t, label+"_node")}
	}
	for i := range n {
		s := nodeSpec{kind: nodeKind(rapid.IntRange(0, int(numKinds)-1).Draw(t, "kind")), offset: rapid.IntRange(0, valueMod-1).Draw(t, "offset")}
		if i == 0 && (s.kind == kindParam || s.kind == kindAlias || s.kind == kindLocal) {
			s.kind = kindSum
		}
		switch s.kind {
		case kindSum:
			for j := range rapid.IntRange(1, 4).Draw(t, "operands") {
				s.refs = append(s.refs, drawRef(i, fmt.Sprint("op", j)))
			}
		case kindBranch:
			s.refs = []ref{drawRef(i, "cond"), drawRef(i, "then"), drawRef(i, "else")}
		case kindParam, kindMod2, kindLocal:
			s.refs = []ref{drawRef(i, "ref")}
		case kindCell:
			s.refs = []ref{drawRef(i, "ref")}
			s.target = rapid.IntRange(0, g.states-1).Draw(t, "split_state")
		case kindKey:
			s.refs = []ref{{state: true, idx: rapid.IntRange(0, mapKeys-1).Draw(t, "key")}}
		}
		if s.kind == kindParam || s.kind == kindAlias || s.kind == kindLocal {
			s.target = rapid.IntRange(0, i-1).Draw(t, "target")
		}
		g.nodes = append(g.nodes, s)
	}
	return g
}

func paramValue(v, k int) int { return (v*k + k + 1) % valueMod }

// incValue is v after n applications of inc.
func incValue(v, n int) int { return (v + n) % valueMod }

// split(s) makes splitCount(states[s]) cells, cell k holding
// splitCell(states[s], k), so that cells come and go as the state changes.
func splitCount(v int) int { return v % 4 }

// splitCell returns what a read of cell k of split over v sees: its value,
// -2 when the slot holds split's output (the cell after the last), or -1
// when there is no such cell.
func splitCell(v, k int) int {
	switch n := splitCount(v); {
	case k == n:
		return -2
	case k > n:
		return -1
	}
	return (v + k) % valueMod
}

// evaluate computes every node from scratch.
func (g graphSpec) evaluate(states []int) []int {
	vals := make([]int, len(g.nodes))
	get := func(r ref) int {
		if r.state {
			return states[r.idx]
		}
		return vals[r.idx]
	}
	for i, s := range g.nodes {
		var v int
		switch s.kind {
		case kindSum:
			for _, r := range s.refs {
				v += get(r)
			}
		case kindBranch:
			if get(s.refs[0])%2 == 0 {
				v = get(s.refs[1])
			} else {
				v = get(s.refs[2])
			}
		case kindParam:
			v = paramValue(vals[s.target], get(s.refs[0])%3)
		case kindMod2:
			v = get(s.refs[0]) % 2
		case kindAlias:
			v = vals[s.target]
		case kindKey:
			v = states[g.states+s.refs[0].idx]
		case kindCell:
			v = max(0, splitCell(states[s.target], get(s.refs[0])%3))
		case kindLocal:
			v = incValue(vals[s.target], 1+get(s.refs[0])%2)
		}
		vals[i] = (v + s.offset) % valueMod
	}
	return vals
}

// collected returns, sorted, the collectibles of node root from scratch: the
// nodes whose value is a multiple of 3 among root and the nodes it reads,
// transitively, over the current inputs.
func (g graphSpec) collected(states, vals []int, root int) []int {
	seen := map[int]bool{}
	var walk func(i int)
	node := func(r ref) {
		if !r.state {
			walk(r.idx)
		}
	}
	get := func(r ref) int {
		if r.state {
			return states[r.idx]
		}
		return vals[r.idx]
	}
	walk = func(i int) {
		if seen[i] {
			return
		}
		seen[i] = true
		s := g.nodes[i]
		switch s.kind {
		case kindSum:
			for _, r := range s.refs {
				node(r)
			}
		case kindBranch:
			node(s.refs[0])
			if get(s.refs[0])%2 == 0 {
				node(s.refs[1])
			} else {
				node(s.refs[2])
			}
		case kindParam, kindMod2, kindCell:
			node(s.refs[0]) // split reads only a state: it collects nothing
			if s.kind == kindParam {
				walk(s.target) // through param(target, k)
			}
		case kindAlias:
			walk(s.target) // through alias(target)
		case kindLocal:
			node(s.refs[0])
			walk(s.target) // resolved by the caller, read by inc
		}
	}
	walk(root)
	var out []int
	for i := range seen {
		if vals[i]%3 == 0 {
			out = append(out, i)
		}
	}
	slices.Sort(out)
	return out
}

// execLog records, per task, how often it executed and what it read in its
// latest execution.
type execLog struct {
	mu    sync.Mutex
	count map[string]int
	reads map[string][]readRec
	errs  []error
}

type readRec struct {
	key   string
	value int
}

// recorder collects the reads of one execution.
type recorder struct {
	key   string
	reads []readRec
}

func (r *recorder) saw(key string, v int) int {
	r.reads = append(r.reads, readRec{key, v})
	return v
}

func (l *execLog) done(r *recorder) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.count[r.key]++
	l.reads[r.key] = r.reads
}

func (l *execLog) fail(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, err)
}

func (l *execLog) snapshot() (map[string]int, map[string][]readRec) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := make(map[string]int, len(l.count))
	for k, v := range l.count {
		c[k] = v
	}
	r := make(map[string][]readRec, len(l.reads))
	for k, v := range l.reads {
		r[k] = v
	}
	return c, r
}

// graphEngine is a graphSpec wired into an engine.
type graphEngine struct {
	e      *cellar.Engine
	states []*cellar.State[int]
	all    *cellar.State[map[int]int] // the map that keyed reads read
	node   *cellar.Func1[int, int]
	param  *cellar.Func2[int, int, int]
	alias  *cellar.Func1[int, int]
	split  *cellar.Func1[int, splitOut]
	inc    *cellar.Func2[cellar.Vc[int], incInput, int]
	log    *execLog

	mu      sync.Mutex
	handles map[[2]int]cellar.Vc[int] // cell k of split(s), once seen
}

// incInput names what inc's Vc argument holds, for the log: node Node
// after Depth applications of inc.
type incInput struct{ Node, Depth int }

// splitOut is what split returns: the cells it made.
type splitOut struct{ Cells []cellar.Vc[int] }

// cellOf reads cell k of split(s): through a handle kept from an earlier
// execution when there is one, which depends on that cell alone, otherwise
// through split's output. It returns -1 when the cell does not exist.
func (ge *graphEngine) cellOf(ctx context.Context, rec *recorder, s, k int) int {
	ge.mu.Lock()
	h, ok := ge.handles[[2]int{s, k}]
	ge.mu.Unlock()
	if !ok {
		out, err := ge.split.Call(ctx, s).Get(ctx)
		if err != nil {
			ge.log.fail(err)
		}
		rec.saw(fmt.Sprint("x", s), len(out.Cells))
		ge.mu.Lock()
		for i, c := range out.Cells {
			ge.handles[[2]int{s, i}] = c
		}
		ge.mu.Unlock()
		if n := len(out.Cells); k >= n {
			v := -1 // no such cell
			if k == n {
				v = -2 // the slot holds split's output
			}
			return rec.saw(fmt.Sprint("c", s, ",", k), v)
		}
		h = out.Cells[k]
	}
	v, err := h.Get(ctx)
	switch {
	case errors.Is(err, cellar.ErrCellGone):
		v = -1
	case err != nil:
		v = -2 // the slot holds split's output
	}
	return rec.saw(fmt.Sprint("c", s, ",", k), v)
}

func newGraphEngine(g graphSpec, workers int, initial []int) *graphEngine {
	ge := &graphEngine{
		e:       cellar.New(&cellar.Options{Workers: workers}),
		log:     &execLog{count: map[string]int{}, reads: map[string][]readRec{}},
		handles: map[[2]int]cellar.Vc[int]{},
	}
	for i, v := range initial[:g.states] {
		ge.states = append(ge.states, cellar.NewState(ge.e, fmt.Sprint("s", i), v))
	}
	ge.all = cellar.NewState(ge.e, "all", mapOf(initial[g.states:]))
	readNode := func(ctx context.Context, rec *recorder, j int) int {
		v, err := ge.node.Call(ctx, j).Get(ctx)
		if err != nil {
			ge.log.fail(fmt.Errorf("%s reading node %d: %w", rec.key, j, err))
		}
		return rec.saw(fmt.Sprint("n", j), v)
	}
	get := func(ctx context.Context, rec *recorder, r ref) int {
		if r.state {
			return rec.saw(fmt.Sprint("s", r.idx), ge.states[r.idx].Get(ctx))
		}
		return readNode(ctx, rec, r.idx)
	}
	ge.node = cellar.NewFunc1(ge.e, "node", func(ctx context.Context, i int) (int, error) {
		rec := &recorder{key: fmt.Sprint("n", i)}
		defer ge.log.done(rec)
		s := g.nodes[i]
		var v int
		switch s.kind {
		case kindSum:
			// Call every operand first so that they can run in parallel.
			for _, r := range s.refs {
				if !r.state {
					ge.node.Call(ctx, r.idx)
				}
			}
			for _, r := range s.refs {
				v += get(ctx, rec, r)
			}
		case kindBranch:
			if get(ctx, rec, s.refs[0])%2 == 0 {
				v = get(ctx, rec, s.refs[1])
			} else {
				v = get(ctx, rec, s.refs[2])
			}
		case kindParam:
			k := get(ctx, rec, s.refs[0]) % 3
			pv, err := ge.param.Call(ctx, s.target, k).Get(ctx)
			if err != nil {
				ge.log.fail(err)
			}
			v = rec.saw(fmt.Sprint("p", s.target, ",", k), pv)
		case kindMod2:
			v = get(ctx, rec, s.refs[0]) % 2
		case kindAlias:
			av, err := ge.alias.Call(ctx, s.target).Get(ctx)
			if err != nil {
				ge.log.fail(err)
			}
			v = rec.saw(fmt.Sprint("a", s.target), av)
		case kindCell:
			v = max(0, ge.cellOf(ctx, rec, s.target, get(ctx, rec, s.refs[0])%3))
		case kindLocal:
			depth := 1 + get(ctx, rec, s.refs[0])%2
			// node(target) is a task's output, not a cell: the calls
			// are local steps of this execution, and the second one
			// takes the first's local Vc as its argument.
			vc := ge.inc.Call(ctx, ge.node.Call(ctx, s.target), incInput{s.target, 0})
			if depth == 2 {
				vc = ge.inc.Call(ctx, vc, incInput{s.target, 1})
			}
			if !vc.IsLocal() {
				ge.log.fail(fmt.Errorf("%s: inc with an unresolved argument is not local", rec.key))
			}
			lv, err := vc.Get(ctx)
			if err != nil {
				ge.log.fail(err)
			}
			v = rec.saw(fmt.Sprint("l", s.target, ",", depth), lv)
		case kindKey:
			key := s.refs[0].idx
			kv, ok, err := cellar.GetKey(ctx, ge.all.Vc(), key)
			if err != nil || !ok {
				ge.log.fail(fmt.Errorf("%s reading key %d: %v, %v", rec.key, key, ok, err))
			}
			v = rec.saw(fmt.Sprint("m", g.states+key), kv)
		}
		v = (v + s.offset) % valueMod
		if v%3 == 0 {
			cellar.Emit(ctx, i) // data-dependent collectibles
		}
		return v, nil
	})
	ge.param = cellar.NewFunc2(ge.e, "param", func(ctx context.Context, j, k int) (int, error) {
		rec := &recorder{key: fmt.Sprint("p", j, ",", k)}
		defer ge.log.done(rec)
		return paramValue(readNode(ctx, rec, j), k), nil
	})
	ge.split = cellar.NewFunc1(ge.e, "split", func(ctx context.Context, s int) (splitOut, error) {
		rec := &recorder{key: fmt.Sprint("x", s)}
		defer ge.log.done(rec)
		v := rec.saw(fmt.Sprint("s", s), ge.states[s].Get(ctx))
		var out splitOut
		for k := range splitCount(v) {
			out.Cells = append(out.Cells, cellar.Cell(ctx, splitCell(v, k)))
		}
		return out, nil
	})
	ge.inc = cellar.NewFunc2(ge.e, "inc", func(ctx context.Context, vc cellar.Vc[int], in incInput) (int, error) {
		rec := &recorder{key: fmt.Sprint("i", in.Node, ",", in.Depth)}
		defer ge.log.done(rec)
		if !vc.IsResolved() {
			ge.log.fail(fmt.Errorf("%s: argument not resolved", rec.key))
		}
		v, err := vc.Get(ctx)
		if err != nil {
			ge.log.fail(err)
		}
		return incValue(rec.saw(fmt.Sprint("l", in.Node, ",", in.Depth), v), 1), nil
	})
	ge.alias = cellar.NewVcFunc1(ge.e, "alias", func(ctx context.Context, j int) (cellar.Vc[int], error) {
		rec := &recorder{key: fmt.Sprint("a", j)}
		defer ge.log.done(rec)
		return ge.node.Call(ctx, j), nil
	})
	return ge
}

// mapKeys is the size of the map State that keyed reads read.
const mapKeys = 5

// mapOf returns the map State's value for the values vs of its keys.
func mapOf(states []int) map[int]int {
	m := make(map[int]int, len(states))
	for i, v := range states {
		m[i] = v
	}
	return m
}

// currentValue returns the from-scratch value of what a read key names.
func currentValue(key string, states, vals []int) int {
	var a, b int
	switch key[0] {
	case 's':
		fmt.Sscan(key[1:], &a)
		return states[a]
	case 'm':
		fmt.Sscan(key[1:], &a)
		return states[a]
	case 'n', 'a':
		fmt.Sscan(key[1:], &a)
		return vals[a]
	case 'p':
		fmt.Sscanf(key[1:], "%d,%d", &a, &b)
		return paramValue(vals[a], b)
	case 'x':
		fmt.Sscan(key[1:], &a)
		return splitCount(states[a])
	case 'l':
		fmt.Sscanf(key[1:], "%d,%d", &a, &b)
		return incValue(vals[a], b)
	case 'c':
		fmt.Sscanf(key[1:], "%d,%d", &a, &b)
		return splitCell(states[a], b)
	}
	panic("bad key " + key)
}

// editSteps counts the edits checked, across all runs of the property.
var editSteps struct {
	sync.Mutex
	n int
}

func TestDifferential(t *testing.T) {
	ctx := context.Background()
	rapid.Check(t, func(t *rapid.T) {
		g := drawGraph(t)
		states := make([]int, g.states+mapKeys) // the States, then the map's values
		for i := range states {
			states[i] = rapid.IntRange(0, 4).Draw(t, "initial")
		}
		workers := rapid.SampledFrom([]int{1, 2, 3, 8}).Draw(t, "workers")
		ge := newGraphEngine(g, workers, states)
		defer ge.e.Close()

		checkRoots := func(step int) {
			vals := g.evaluate(states)
			for range rapid.IntRange(1, 4).Draw(t, "roots") {
				r := rapid.IntRange(0, len(g.nodes)-1).Draw(t, "root")
				got, err := ge.node.CallOperation(ctx, r).ReadStronglyConsistent(ctx)
				if err != nil {
					t.Fatalf("step %d: node %d: %v", step, r, err)
				}
				if got != vals[r] {
					t.Fatalf("step %d: node %d = %d, from scratch %d", step, r, got, vals[r])
				}
				if rapid.Bool().Draw(t, "peek") {
					seq, err := cellar.Peek[int](ctx, ge.node.CallOperation(ctx, r))
					if err != nil {
						t.Fatalf("step %d: Peek(node %d): %v", step, r, err)
					}
					col := slices.Collect(seq)
					sorted := slices.Sorted(slices.Values(col))
					if want := g.collected(states, vals, r); !slices.Equal(sorted, want) || len(slices.Compact(sorted)) != len(col) {
						t.Fatalf("step %d: collectibles of node %d = %v, from scratch %v", step, r, col, want)
					}
				}
			}
			if len(ge.log.errs) > 0 {
				t.Fatalf("step %d: task errors: %v", step, ge.log.errs)
			}
		}
		checkRoots(0)

		steps := rapid.IntRange(20, 50).Draw(t, "steps")
		for step := 1; step <= steps; step++ {
			if err := ge.e.WaitIdle(ctx); err != nil {
				t.Fatal(err)
			}
			beforeCount, beforeReads := ge.log.snapshot()
			batch := rapid.IntRange(1, 10).Draw(t, "batch") == 1 // now and then, several edits at once
			edits := 1
			if batch {
				edits = rapid.IntRange(2, 5).Draw(t, "edits")
			}
			for range edits {
				i := rapid.IntRange(0, len(states)-1).Draw(t, "edit_state")
				v := rapid.IntRange(0, 4).Draw(t, "edit_value")
				states[i] = v
				if i >= g.states {
					ge.all.Set(mapOf(states[g.states:]))
				} else if rapid.Bool().Draw(t, "edit_by_update") {
					ge.states[i].Update(func(p *int) bool {
						changed := *p != v
						*p = v
						return changed
					})
				} else {
					ge.states[i].Set(v)
				}
			}
			checkRoots(step)
			if batch {
				continue
			}
			if err := ge.e.WaitIdle(ctx); err != nil {
				t.Fatal(err)
			}

			vals := g.evaluate(states)
			afterCount, _ := ge.log.snapshot()
			for key, n := range afterCount {
				ran := n - beforeCount[key]
				if ran == 0 {
					continue
				}
				if ran > 1 {
					t.Fatalf("step %d: %s executed %d times for one edit", step, key, ran)
				}
				prev, existed := beforeReads[key]
				if !existed {
					continue // first execution
				}
				changed := slices.ContainsFunc(prev, func(r readRec) bool {
					return currentValue(r.key, states, vals) != r.value
				})
				if !changed {
					t.Fatalf("step %d: %s re-executed although nothing it read changed (read %v)", step, key, prev)
				}
			}
			editSteps.Lock()
			editSteps.n++
			editSteps.Unlock()
		}
	})
	if !testing.Short() && !t.Failed() && editSteps.n < 2000 {
		t.Errorf("only %d single-edit steps were checked, want at least 2000", editSteps.n)
	}
	t.Logf("%d single-edit steps checked", editSteps.n)
}
