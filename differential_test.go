package cellar_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cellar-go/cellar"
	"pgregory.net/rapid"
)

// The differential test builds random task graphs over random inputs, edits
// the inputs at random, and after every edit checks the engine against a
// naive evaluator that computes everything from scratch (diffModel, below):
//
//   - every strongly consistent read equals the from-scratch result: the
//     value, or for a failure the exact chain of tasks and the root error,
//     or for a cycle a CycleError whose Tasks() is a cycle of the
//     from-scratch graph;
//   - collectibles come in the documented order: a task's own emissions,
//     then those of the tasks it read, in first-read order, deduplicated;
//   - across one edit every task executes at most once, and only if a value
//     it read in its previous execution changed (relaxed for tasks that are
//     in a cycle, or read one, before or after the edit);
//   - in every kind of step, no execution repeats its previous execution's
//     reads exactly when none of them changed after that execution started
//     (a wasted run);
//   - reads abandoned at random points (cancelled contexts) return either
//     ctx.Err() or the right result, and the same read made again is right;
//   - reads made while other goroutines set inputs return the from-scratch
//     result of some input state between their start and their end.
//
// Graphs have dynamic dependencies (reads that depend on values read
// before), cycles that edits open and close (a gate State decides whether a
// node reads a node that may depend on it), tasks with several cells, Vc
// returning functions, Vc arguments resolved as local steps and with
// ToResolved, callees that return equal values for different arguments,
// and failing and panicking tasks. Every wait is bounded: a read that does
// not return within diffGuard fails the test with every goroutine's stack.

const valueMod = 7 // node values are kept small so that equal results (cutoff) are common

// diffGuard bounds every wait of the differential test; a healthy engine
// answers in microseconds.
const diffGuard = 20 * time.Second

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
	// numKinds counts the kinds above, which make acyclic graphs that
	// never fail (TestHammer draws from them).
	numKinds

	kindGate    // reads gate (a state); while it is odd, reads back (any node: a cycle, perhaps), otherwise other
	kindFail    // reads a ref; fails (or panics) when the ref plus offset is a multiple of valueMod
	kindFwd     // reads fwd(i), a NewVcFunc task that reads cond (a state) and returns node(then) or node(else), either possibly higher
	kindResolve // reads a ref, resolves node(target) with ToResolved and reads deref(cell): the parity
	kindVcArg   // reads a ref, then par(node(target)): the parity, through a Vc argument resolved as a local step
	numAllKinds
)

var diffKindNames = [...]string{"sum", "branch", "param", "mod2", "alias", "key", "cell", "local", "", "gate", "fail", "fwd", "resolve", "vcarg"}

func (k nodeKind) String() string { return diffKindNames[k] }

// diffKindWeights are the relative frequencies of the kinds diffDrawGraph
// draws.
var diffKindWeights = [numAllKinds]int{
	kindSum: 16, kindBranch: 10, kindParam: 8, kindMod2: 8, kindAlias: 6, kindKey: 5, kindCell: 7, kindLocal: 6,
	kindGate: 8, kindFail: 8, kindFwd: 7, kindResolve: 7, kindVcArg: 7,
}

// ref is an input (a State) or a node: a lower-numbered one, except where
// a kind says otherwise.
type ref struct {
	state bool
	idx   int
}

type nodeSpec struct {
	kind   nodeKind
	refs   []ref // sum: operands; branch: cond, then, else; gate: gate, back, other; fwd: cond, then, else; others: one ref
	target int   // param, alias, local, resolve, vcarg: a lower-numbered node; cell: a state
	offset int
	panics bool // fail: panic instead of returning an error
	yield  bool // let other goroutines run at the start of each execution
}

type graphSpec struct {
	states int
	nodes  []nodeSpec
}

func (g graphSpec) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d states", g.states)
	for i, s := range g.nodes {
		fmt.Fprintf(&b, "\n  node %d: %v refs=%v target=%d offset=%d", i, s.kind, s.refs, s.target, s.offset)
		if s.panics {
			b.WriteString(" panics")
		}
	}
	return b.String()
}

func (r ref) String() string {
	if r.state {
		return fmt.Sprint("s", r.idx)
	}
	return fmt.Sprint("n", r.idx)
}

func diffDrawGraph(t *rapid.T) graphSpec {
	g := graphSpec{states: rapid.IntRange(1, 50).Draw(t, "states")}
	// rapid favours small numbers; a size class makes large graphs, where
	// long chains and cycles through several kinds of tasks form, common.
	size := rapid.SampledFrom([]int{12, 40, 120, 200}).Draw(t, "size")
	n := rapid.IntRange(1, size).Draw(t, "nodes")
	total := 0
	for _, w := range diffKindWeights {
		total += w
	}
	drawKind := func() nodeKind {
		x := rapid.IntRange(0, total-1).Draw(t, "kind")
		for k, w := range diffKindWeights {
			if x < w {
				return nodeKind(k)
			}
			x -= w
		}
		panic("unreachable")
	}
	drawState := func(label string) ref {
		return ref{state: true, idx: rapid.IntRange(0, g.states-1).Draw(t, label)}
	}
	lowerNode := func(i int, label string) ref {
		// Prefer nearby nodes so that graphs are deep, but allow any.
		lo := max(0, i-10)
		if rapid.Bool().Draw(t, label+"_far") {
			lo = 0
		}
		return ref{idx: rapid.IntRange(lo, i-1).Draw(t, label+"_node")}
	}
	drawRef := func(i int, label string) ref {
		if i == 0 || rapid.IntRange(0, 3).Draw(t, label+"_kind") == 0 {
			return drawState(label + "_state")
		}
		return lowerNode(i, label)
	}
	// anyNode may name i itself or a higher node, which may depend on i:
	// reading it may close a cycle.
	anyNode := func(i int, label string) ref {
		lo, hi := max(0, i-2), min(n-1, i+6)
		if rapid.IntRange(0, 3).Draw(t, label+"_anywhere") == 0 {
			lo, hi = 0, n-1
		}
		return ref{idx: rapid.IntRange(lo, hi).Draw(t, label+"_node")}
	}
	for i := range n {
		s := nodeSpec{kind: drawKind(), offset: rapid.IntRange(0, valueMod-1).Draw(t, "offset")}
		if i == 0 {
			switch s.kind {
			case kindParam, kindAlias, kindLocal, kindResolve, kindVcArg:
				s.kind = kindSum
			}
		}
		switch s.kind {
		case kindSum:
			for j := range rapid.IntRange(1, 4).Draw(t, "operands") {
				s.refs = append(s.refs, drawRef(i, fmt.Sprint("op", j)))
			}
		case kindBranch:
			s.refs = []ref{drawRef(i, "cond"), drawRef(i, "then"), drawRef(i, "else")}
		case kindParam, kindMod2, kindLocal, kindResolve, kindVcArg:
			s.refs = []ref{drawRef(i, "ref")}
		case kindFail:
			s.refs = []ref{drawRef(i, "ref")}
			s.panics = rapid.IntRange(0, 2).Draw(t, "panics") == 0
		case kindCell:
			s.refs = []ref{drawRef(i, "ref")}
			s.target = rapid.IntRange(0, g.states-1).Draw(t, "split_state")
		case kindKey:
			s.refs = []ref{{state: true, idx: rapid.IntRange(0, mapKeys-1).Draw(t, "key")}}
		case kindGate:
			s.refs = []ref{drawState("gate"), anyNode(i, "back"), drawRef(i, "other")}
		case kindFwd:
			pick := func(label string) ref {
				if i == 0 || rapid.IntRange(0, 2).Draw(t, label+"_back") == 0 {
					return anyNode(i, label)
				}
				return lowerNode(i, label)
			}
			s.refs = []ref{drawState("cond"), pick("then"), pick("else")}
		}
		switch s.kind {
		case kindParam, kindAlias, kindLocal, kindResolve, kindVcArg:
			s.target = rapid.IntRange(max(0, i-10), i-1).Draw(t, "target")
		}
		s.yield = rapid.IntRange(0, 7).Draw(t, "yield") == 0
		g.nodes = append(g.nodes, s)
	}
	return g
}

func diffParamValue(v, k int) int { return (v*k + k + 1) % valueMod }

// diffIncValue is v after n applications of inc.
func diffIncValue(v, n int) int { return (v + n) % valueMod }

// split(s) makes diffSplitCount(states[s]) cells, cell k holding
// diffSplitCell(states[s], k), so that cells come and go as the state
// changes.
func diffSplitCount(v int) int { return v % 4 }

// diffSplitCell returns what a read of cell k of split over v sees: its value,
// -2 when the slot holds split's output (the cell after the last), or -1
// when there is no such cell.
func diffSplitCell(v, k int) int {
	switch n := diffSplitCount(v); {
	case k == n:
		return -2
	case k > n:
		return -1
	}
	return (v + k) % valueMod
}

// diffFwdChoice is the node fwd(i) returns over states.
func diffFwdChoice(s nodeSpec, states []int) int {
	if states[s.refs[0].idx]%2 == 0 {
		return s.refs[1].idx
	}
	return s.refs[2].idx
}

// diffFailMessage is the error of a failing node (or, with "panic: " before it,
// its panic). It depends on the parity of what the node read, so that
// failures change now and then without their chain changing.
func diffFailMessage(i, v int, panics bool) string {
	if panics {
		return fmt.Sprintf("node %d panics on %d", i, v%2)
	}
	return fmt.Sprintf("node %d rejects %d", i, v%2)
}

// Task keys name the tasks of a graph, in the model and in the execution
// log: n3 is node(3), p3,1 param(3, 1), a3 alias(3), f3 fwd(3), x3
// split(3), i3,0 inc(node 3's cell, {3, 0}), d3 deref(node 3's cell, 3) and
// q3 par(node 3's cell, 3). Read keys name what an execution read: a task
// key for a task's output, or s2 (state 2), m4 (key 4 of the map), c3,1
// (cell 1 of split(3)), l3,2 (node 3 after two incs, read through a local
// Vc), L3,0 (the input of inc, {3, 0}), r3 (the resolution of node(3)'s
// output), v3 (node 3's cell, read by deref or par).
func diffNodeKey(i int) string     { return "n" + strconv.Itoa(i) }
func diffStateKey(i int) string    { return "s" + strconv.Itoa(i) }
func diffParamKey(t, k int) string { return fmt.Sprintf("p%d,%d", t, k) }
func diffNodeName(i int) string    { return fmt.Sprintf("node(%d)", i) }

// diffKeyArgs parses the numbers of a key.
func diffKeyArgs(key string) (a, b int) {
	rest := key[1:]
	if j := strings.IndexByte(rest, ','); j >= 0 {
		b, _ = strconv.Atoi(rest[j+1:])
		rest = rest[:j]
	}
	a, _ = strconv.Atoi(rest)
	return a, b
}

// diffTaskKey returns the task key of a task's debug name, as a CycleError
// lists it.
func diffTaskKey(name string) (string, bool) {
	open := strings.IndexByte(name, '(')
	if open < 0 || !strings.HasSuffix(name, ")") {
		return "", false
	}
	fn, args := name[:open], name[open+1:len(name)-1]
	last := args
	if j := strings.LastIndex(args, ", "); j >= 0 {
		last = args[j+2:]
	}
	switch fn {
	case "node":
		return "n" + args, true
	case "param":
		a, b, ok := strings.Cut(args, ", ")
		return "p" + a + "," + b, ok
	case "alias":
		return "a" + args, true
	case "fwd":
		return "f" + args, true
	case "split":
		return "x" + args, true
	case "deref":
		return "d" + last, true
	case "par":
		return "q" + last, true
	case "inc":
		var t, d int
		j := strings.Index(args, "{Node:")
		if j < 0 {
			return "", false
		}
		if _, err := fmt.Sscanf(args[j:], "{Node:%d, Depth:%d}", &t, &d); err != nil {
			return "", false
		}
		return fmt.Sprintf("i%d,%d", t, d), true
	}
	return "", false
}

// diffResult is a from-scratch result: a value, a failure (chain of debug names
// outermost first, root error message, whether it was a panic), or a
// cycle.
type diffResult struct {
	val   int
	err   bool
	cycle bool
	chain []string
	root  string
	panic bool
}

// repr is how results are compared: what the execution log records for a
// read, and what diffErrRepr gives for the engine's errors.
func (r diffResult) repr() string {
	switch {
	case r.cycle:
		return "cycle"
	case r.err:
		return "E:" + strings.Join(r.chain, "->") + ":" + r.root
	}
	return strconv.Itoa(r.val)
}

// wrap is r as the result of a task named name that returned r's failure.
func (r diffResult) wrap(name string) diffResult {
	if r.err && !r.cycle {
		r.chain = append([]string{name}, r.chain...)
	}
	return r
}

// diffIsErr reports whether a result recorded by the log is a failure: a
// cycle, an error the engine returned ("E:", or "X:" when it is not a
// TaskError, as a task's own record of its error is), or a panic (which a
// task's own record marks "P:").
func diffIsErr(s string) bool {
	return s == "cycle" || strings.HasPrefix(s, "E:") || strings.HasPrefix(s, "X:") || strings.HasPrefix(s, "P:")
}

// diffErrRepr is diffResult.repr for an error the engine returned.
func diffErrRepr(err error) string {
	if errors.Is(err, cellar.ErrCycle) {
		return "cycle"
	}
	var te *cellar.TaskError
	if !errors.As(err, &te) {
		return "X:" + err.Error()
	}
	root := err
	for {
		te, ok := root.(*cellar.TaskError)
		if !ok {
			break
		}
		root = te.Err
	}
	msg := "<nil>"
	if root != nil {
		msg = root.Error()
	}
	return "E:" + strings.Join(te.Chain(), "->") + ":" + msg
}

func diffResRepr(v int, err error) string {
	if err != nil {
		return diffErrRepr(err)
	}
	return strconv.Itoa(v)
}

// diffTask is a task of the model: its result, what it read or tried to read
// (task keys, in order: the edges of the from-scratch graph), the tasks
// whose output it read, in first-read order (where its collectibles come
// from), and what it emitted.
type diffTask struct {
	res      diffResult
	reads    []string
	children []string
	emits    []int
}

// diffModel evaluates a graph from scratch over one input state. Tasks are
// evaluated on demand and memoized; a task whose evaluation reads itself,
// directly or through others, reads a cycle error, and so fails, and so
// does every task that reads a failing task, as in the engine. Which task
// of a cycle gets which cycle's chain depends on the order of evaluation,
// so cycles are compared only as cycles; everything else (values, failures
// with their chains) does not.
type diffModel struct {
	g      graphSpec
	states []int
	tasks  map[string]*diffTask
	active map[string]bool
}

func newDiffModel(g graphSpec, states []int) *diffModel {
	return &diffModel{g: g, states: states, tasks: map[string]*diffTask{}, active: map[string]bool{}}
}

// task returns the evaluated task key, or nil if it is being evaluated.
func (m *diffModel) task(key string) *diffTask {
	if t, ok := m.tasks[key]; ok {
		return t
	}
	if m.active[key] {
		return nil
	}
	m.active[key] = true
	t := new(diffTask)
	m.run(key, t)
	delete(m.active, key)
	m.tasks[key] = t
	return t
}

func (m *diffModel) result(key string) diffResult { return m.task(key).res }

// read is t's read of the task key: output says whether it is a read of
// the output (which makes key a source of t's collectibles) rather than of
// a cell.
func (m *diffModel) read(t *diffTask, key string, output bool) diffResult {
	t.reads = append(t.reads, key)
	if output && !slices.Contains(t.children, key) {
		t.children = append(t.children, key)
	}
	c := m.task(key)
	if c == nil {
		return diffResult{err: true, cycle: true}
	}
	return c.res
}

func (m *diffModel) run(key string, t *diffTask) {
	a, b := diffKeyArgs(key)
	switch key[0] {
	case 'n':
		m.runNode(a, t)
	case 'p':
		x := m.read(t, diffNodeKey(a), true)
		if x.err {
			t.res = x.wrap(fmt.Sprintf("param(%d, %d)", a, b))
			return
		}
		t.res = diffResult{val: diffParamValue(x.val, b)}
	case 'a':
		t.children = []string{diffNodeKey(a)} // the Vc it returns
	case 'f':
		t.children = []string{diffNodeKey(diffFwdChoice(m.g.nodes[a], m.states))}
	case 'i':
		if b == 0 {
			t.reads = []string{diffNodeKey(a)}
		} else {
			t.reads = []string{fmt.Sprintf("i%d,0", a)}
		}
	case 'd', 'q':
		t.reads = []string{diffNodeKey(a)}
	case 'x':
	default:
		panic("bad task key " + key)
	}
}

func (m *diffModel) runNode(i int, t *diffTask) {
	s := m.g.nodes[i]
	get := func(r ref) diffResult {
		if r.state {
			return diffResult{val: m.states[r.idx]}
		}
		return m.read(t, diffNodeKey(r.idx), true)
	}
	var v int
	var x diffResult
	switch s.kind {
	case kindSum:
		for _, r := range s.refs {
			if x = get(r); x.err {
				break
			}
			v += x.val
		}
	case kindBranch:
		if x = get(s.refs[0]); !x.err {
			if x.val%2 == 0 {
				x = get(s.refs[1])
			} else {
				x = get(s.refs[2])
			}
			v = x.val
		}
	case kindParam:
		if x = get(s.refs[0]); !x.err {
			x = m.read(t, diffParamKey(s.target, x.val%3), true)
			v = x.val
		}
	case kindMod2:
		x = get(s.refs[0])
		v = x.val % 2
	case kindAlias:
		m.read(t, fmt.Sprint("a", s.target), true)
		x = m.read(t, diffNodeKey(s.target), true) // the output alias returned
		v = x.val
	case kindKey:
		v = m.states[m.g.states+s.refs[0].idx]
	case kindCell:
		x = get(s.refs[0])
		v = max(0, diffSplitCell(m.states[s.target], x.val%3))
	case kindLocal:
		if x = get(s.refs[0]); !x.err {
			depth := 1 + x.val%2
			if x = m.read(t, diffNodeKey(s.target), true); !x.err { // the resolution of inc's argument
				for d := range depth {
					m.read(t, fmt.Sprintf("i%d,%d", s.target, d), true)
				}
				v = diffIncValue(x.val, depth)
			}
		}
	case kindGate:
		r := s.refs[2]
		if m.states[s.refs[0].idx]%2 == 1 {
			r = s.refs[1]
		}
		x = get(r)
		v = x.val
	case kindFail:
		if x = get(s.refs[0]); !x.err && (x.val+s.offset)%valueMod == 0 {
			t.emits = append(t.emits, -(i + 1))
			root := diffFailMessage(i, x.val, s.panics)
			if s.panics {
				root = "panic: " + root
			}
			t.res = diffResult{err: true, chain: []string{diffNodeName(i)}, root: root, panic: s.panics}
			return
		}
		v = x.val
	case kindFwd:
		m.read(t, fmt.Sprint("f", i), true)
		x = m.read(t, diffNodeKey(diffFwdChoice(s, m.states)), true) // the output fwd returned
		v = x.val
	case kindResolve, kindVcArg:
		if x = get(s.refs[0]); !x.err {
			v = x.val
			if x = m.read(t, diffNodeKey(s.target), true); !x.err { // the resolution
				helper := "d"
				if s.kind == kindVcArg {
					helper = "q"
				}
				m.read(t, fmt.Sprint(helper, s.target), true)
				v += x.val % 2
			}
		}
	}
	if x.err {
		t.res = x.wrap(diffNodeName(i))
		return
	}
	v = (v + s.offset) % valueMod
	if v%3 == 0 {
		t.emits = append(t.emits, i)
	}
	t.res = diffResult{val: v}
}

// evaluate computes every node from scratch: its value, or -1 if it fails.
func (g graphSpec) evaluate(states []int) []int {
	m := newDiffModel(g, states)
	vals := make([]int, len(g.nodes))
	for i := range vals {
		r := m.result(diffNodeKey(i))
		vals[i] = r.val
		if r.err {
			vals[i] = -1
		}
	}
	return vals
}

// collected returns the collectibles of node root from scratch, in the
// documented order, or false when a cycle is on the way (the engine then
// reports one, from its collect tasks, which are not modelled).
func (m *diffModel) collected(root int) ([]int, bool) {
	seen := map[string]bool{}
	have := map[int]bool{}
	var out []int
	ok := true
	var walk func(key string)
	walk = func(key string) {
		if seen[key] {
			return
		}
		seen[key] = true
		t := m.task(key)
		if t == nil || t.res.cycle {
			ok = false
			return
		}
		for _, v := range t.emits {
			if !have[v] {
				have[v] = true
				out = append(out, v)
			}
		}
		for _, c := range t.children {
			walk(c)
		}
	}
	walk(diffNodeKey(root))
	return out, ok
}

// readValue returns the from-scratch value of what the read key names, as
// the execution log records it.
func (m *diffModel) readValue(key string) string {
	a, b := diffKeyArgs(key)
	node := func() diffResult { return m.result(diffNodeKey(a)) }
	switch key[0] {
	case 's':
		return strconv.Itoa(m.states[a])
	case 'm':
		return strconv.Itoa(m.states[m.g.states+a])
	case 'n', 'p':
		return m.result(key).repr()
	case 'a':
		return node().repr()
	case 'f':
		return m.result(diffNodeKey(diffFwdChoice(m.g.nodes[a], m.states))).repr()
	case 'x':
		return strconv.Itoa(diffSplitCount(m.states[a]))
	case 'c':
		return strconv.Itoa(diffSplitCell(m.states[a], b))
	case 'l':
		if r := node(); r.err {
			return r.repr()
		} else {
			return strconv.Itoa(diffIncValue(r.val, b))
		}
	case 'L':
		switch r := node(); {
		case r.err && b == 0:
			return "gone" // node a's cell
		case r.err:
			return "0" // what inc(…, {a, 0}) returns when its input is gone
		default:
			return strconv.Itoa(diffIncValue(r.val, b))
		}
	case 'r':
		if r := node(); r.err {
			return r.repr()
		}
		return "ok"
	case 'd':
		if r := node(); !r.err {
			return strconv.Itoa(r.val % 2)
		}
		return "0"
	case 'q':
		if r := node(); r.err {
			return r.repr()
		} else {
			return strconv.Itoa(r.val % 2)
		}
	case 'v':
		if r := node(); r.err {
			return "gone"
		} else {
			return strconv.Itoa(r.val)
		}
	}
	panic("bad read key " + key)
}

// inCycle reports whether the task key is, or reads, a cycle from scratch.
func (m *diffModel) inCycle(key string) bool {
	a, _ := diffKeyArgs(key)
	switch key[0] {
	case 'n', 'p':
		return m.result(key).cycle
	case 'a', 'i', 'd', 'q':
		return m.result(diffNodeKey(a)).cycle
	case 'f':
		return m.result(diffNodeKey(a)).cycle || m.result(diffNodeKey(diffFwdChoice(m.g.nodes[a], m.states))).cycle
	}
	return false
}

// mismatch describes how the engine's result got, err for node root
// differs from the model's, or returns "".
func (m *diffModel) mismatch(root int, got int, err error) string {
	w := m.result(diffNodeKey(root))
	switch {
	case w.cycle:
		if err == nil {
			return fmt.Sprintf("= %d, from scratch a cycle", got)
		}
		if !errors.Is(err, cellar.ErrCycle) {
			return fmt.Sprintf("fails with %v, from scratch a cycle", err)
		}
		var ce *cellar.CycleError
		if !errors.As(err, &ce) {
			return fmt.Sprintf("fails with %v, which matches ErrCycle but holds no *CycleError", err)
		}
		return m.checkCycle(ce.Tasks())
	case w.err:
		if err == nil {
			return fmt.Sprintf("= %d, from scratch fails with %s", got, w.repr())
		}
		if r := diffErrRepr(err); r != w.repr() {
			return fmt.Sprintf("fails with %s, from scratch %s", r, w.repr())
		}
		if errors.Is(err, cellar.ErrPanic) != w.panic {
			return fmt.Sprintf("fails with %v: errors.Is(err, ErrPanic) = %v, from scratch %v", err, !w.panic, w.panic)
		}
	default:
		if err != nil {
			return fmt.Sprintf("fails with %v, from scratch = %d", err, w.val)
		}
		if got != w.val {
			return fmt.Sprintf("= %d, from scratch %d", got, w.val)
		}
	}
	return ""
}

// checkCycle checks that tasks, a CycleError's Tasks(), is a cycle of the
// from-scratch graph: it starts and ends with the same task, and each task
// in it reads the next.
func (m *diffModel) checkCycle(tasks []string) string {
	if len(tasks) < 2 || tasks[0] != tasks[len(tasks)-1] {
		return fmt.Sprintf("CycleError.Tasks() = %q is not a cycle (first and last must be the same task)", tasks)
	}
	for i := 0; i+1 < len(tasks); i++ {
		a, ok1 := diffTaskKey(tasks[i])
		b, ok2 := diffTaskKey(tasks[i+1])
		if !ok1 || !ok2 {
			return fmt.Sprintf("CycleError.Tasks() = %q names a task the graph does not have", tasks)
		}
		ta := m.task(a)
		if !slices.Contains(ta.reads, b) && !slices.Contains(ta.children, b) {
			return fmt.Sprintf("CycleError.Tasks() = %q: from scratch %s does not read %s (it reads %v)", tasks, tasks[i], tasks[i+1], ta.reads)
		}
	}
	return ""
}

// diffLog records, per task, its executions: how many (not counting runs
// that may have been abandoned), and what its latest one read.
type diffLog struct {
	mu        sync.Mutex
	count     map[string]int
	last      map[string]*diffExec
	events    map[string]int64 // the latest change of what a key names, by sequence number
	evicted   map[string]bool  // its value was dropped by a final read, and it has not run since
	finaling  map[string]int   // final reads of it in progress
	exempt    map[string]bool  // it ran to recompute a dropped value
	forced    map[string]bool  // states set with Update since the last snapshot
	redundant []string         // executions that repeated the previous one's reads with nothing changed
	errs      []error
	finals    map[string]int // how many final reads each task's value had, for messages
}

type diffExec struct {
	start     int64
	reads     []diffRead
	result    string
	tentative bool // a first execution that may have been abandoned
}

type diffRead struct {
	key   string
	value string
}

// diffRecorder collects the reads of one execution.
type diffRecorder struct {
	key       string
	start     int64
	tentative bool
	reads     []diffRead
}

func (r *diffRecorder) saw(key, v string) { r.reads = append(r.reads, diffRead{key, v}) }

func (r *diffRecorder) sawInt(key string, v int) int {
	r.saw(key, strconv.Itoa(v))
	return v
}

func newDiffLog() *diffLog {
	return &diffLog{count: map[string]int{}, last: map[string]*diffExec{}, events: map[string]int64{},
		evicted: map[string]bool{}, finaling: map[string]int{}, exempt: map[string]bool{}, forced: map[string]bool{}, finals: map[string]int{}}
}

// diffEventKeys returns the keys whose changes justify an execution that read
// the read key again.
func diffEventKeys(key string) []string {
	a, b := diffKeyArgs(key)
	switch key[0] {
	case 'a', 'v':
		return []string{diffNodeKey(a)}
	case 'c':
		return []string{fmt.Sprint("x", a)}
	case 'l':
		return []string{diffNodeKey(a), fmt.Sprintf("i%d,0", a), fmt.Sprintf("i%d,1", a)}
	case 'L':
		if b == 0 {
			return []string{diffNodeKey(a)}
		}
		return []string{fmt.Sprintf("i%d,0", a)}
	case 'r':
		return []string{fmt.Sprint("R", a)}
	case 'd', 'q':
		return []string{key, fmt.Sprint("R", a)}
	case 'f':
		return nil // see done: fwd's reads are states
	}
	return []string{key}
}

// force records that the state key was set with Update, which re-runs its
// readers unconditionally, until the next snapshot.
func (l *diffLog) force(key string) {
	l.mu.Lock()
	l.forced[key] = true
	l.mu.Unlock()
}

// event records that what key names changed at sequence number seq.
func (l *diffLog) event(key string, seq int64) {
	l.mu.Lock()
	l.events[key] = seq
	l.mu.Unlock()
}

func (l *diffLog) changedSince(reads []diffRead, seq int64, fwdTargets func(string) []string) bool {
	for _, r := range reads {
		keys := diffEventKeys(r.key)
		if r.key[0] == 'f' {
			keys = fwdTargets(r.key)
		}
		for _, k := range keys {
			if l.events[k] > seq {
				return true
			}
		}
	}
	return false
}

func (l *diffLog) done(r *diffRecorder, result string, seq int64, fwdTargets func(string) []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	prev := l.last[r.key]
	rec := &diffExec{start: r.start, reads: r.reads, result: result,
		tentative: r.tentative && (prev == nil || prev.tentative)}
	if !rec.tentative {
		l.count[r.key]++
	}
	if l.evicted[r.key] || l.finaling[r.key] > 0 {
		// It may be recomputing a value a final read dropped (other
		// goroutines read alongside the final read).
		delete(l.evicted, r.key)
		l.exempt[r.key] = true
	} else if prev != nil && !prev.tentative && slices.Equal(prev.reads, rec.reads) && !l.changedSince(prev.reads, prev.start, fwdTargets) &&
		!slices.ContainsFunc(prev.reads, func(r diffRead) bool { return l.forced[r.key] }) {
		var ev []string
		keys := []string{r.key}
		for _, rr := range prev.reads {
			ks := diffEventKeys(rr.key)
			if rr.key[0] == 'f' {
				ks = fwdTargets(rr.key)
			}
			for _, k := range ks {
				ev = append(ev, fmt.Sprintf("%s@%d", k, l.events[k]))
			}
			keys = append(keys, ks...)
		}
		l.redundant = append(l.redundant, fmt.Sprintf("%s re-executed (at %d) with the same reads %v, none of which changed after its previous execution started (at %d; latest changes %v)%s",
			r.key, r.start, rec.reads, prev.start, ev, l.finalsOf(keys...)))
	}
	if prev == nil || prev.result != result {
		l.events[r.key] = seq
		if r.key[0] == 'n' && (prev == nil || diffIsErr(prev.result) || diffIsErr(result)) {
			l.events["R"+r.key[1:]] = seq // the resolution of its output changed
		}
	}
	l.last[r.key] = rec
}

func (l *diffLog) fail(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, err)
}

// final records a final read of the task key, from its start (begin) to
// its end: once it has dropped the value (evicted), the task's next
// execution may recompute it from unchanged inputs.
func (l *diffLog) final(key string, begin, evicted bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if begin {
		l.finaling[key]++
		return
	}
	l.finaling[key]--
	if evicted {
		l.evicted[key] = true
		l.finals[key]++
	}
}

// finalsOf describes the final reads of the tasks keys, for messages.
func (l *diffLog) finalsOf(keys ...string) string {
	var s string
	for _, k := range keys {
		if n := l.finals[k]; n > 0 {
			s += fmt.Sprintf("; %s had %d final reads", k, n)
		}
	}
	return s
}

// snapshot returns the execution counts, the latest executions and the
// tasks that ran to recompute a dropped value since the last snapshot.
func (l *diffLog) snapshot() (map[string]int, map[string]*diffExec, map[string]bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	exempt := diffClone(l.exempt)
	clear(l.exempt)
	clear(l.forced)
	return diffClone(l.count), diffClone(l.last), exempt
}

func diffClone[V any](m map[string]V) map[string]V {
	c := make(map[string]V, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// takeRedundant returns and forgets the redundant executions recorded.
func (l *diffLog) takeRedundant() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.redundant
	l.redundant = nil
	return r
}

// graphEngine is a graphSpec wired into an engine.
type graphEngine struct {
	g      graphSpec
	e      *cellar.Engine
	states []*cellar.State[int]
	all    *cellar.State[map[int]int] // the map that keyed reads read
	node   *cellar.Func1[int, int]
	param  *cellar.Func2[int, int, int]
	alias  *cellar.Func1[int, int]
	fwd    *cellar.Func1[int, int]
	split  *cellar.Func1[int, diffSplitOut]
	inc    *cellar.Func2[cellar.Vc[int], incInput, int]
	deref  *cellar.Func2[cellar.ResolvedVc[int], int, int]
	par    *cellar.Func2[cellar.Vc[int], int, int]
	log    *diffLog

	seq atomic.Int64 // orders executions and edits, for the log
	// cycleGone counts the executions that ran because a cycle their
	// previous execution failed in was gone: when an edit opens or closes
	// a cycle, its tasks (and what reads them) may run twice in the edit,
	// and a re-check may find the cycle still there (see the package
	// documentation's caveats and RATIONALE.md). The execution checks are
	// relaxed for the steps that have such executions.
	cycleGone  atomic.Int64
	abandoning atomic.Bool            // reads that may be abandoned are in progress
	hook       atomic.Pointer[func()] // called at the start of every execution
	mu         sync.Mutex
	handles    map[[2]int]cellar.Vc[int] // cell k of split(s), once seen
}

// incInput names what inc's Vc argument holds, for the log: node Node
// after Depth applications of inc.
type incInput struct{ Node, Depth int }

// diffSplitOut is what split returns: the cells it made.
type diffSplitOut struct{ Cells []cellar.Vc[int] }

// begin starts the record of an execution of the task key.
func (ge *graphEngine) begin(key string, yield bool) *diffRecorder {
	if h := ge.hook.Load(); h != nil {
		(*h)()
	}
	if yield {
		runtime.Gosched()
	}
	return &diffRecorder{key: key, start: ge.seq.Add(1), tentative: ge.abandoning.Load()}
}

// end records an execution that produced result, unless it is being
// abandoned (the engine then discards it).
func (ge *graphEngine) end(ctx context.Context, rec *diffRecorder, result string) {
	if ctx.Err() != nil {
		return
	}
	ge.log.done(rec, result, ge.seq.Add(1), ge.fwdTargets)
}

// fwdTargets returns the event keys of a read of fwd(i)'s output.
func (ge *graphEngine) fwdTargets(key string) []string {
	i, _ := diffKeyArgs(key)
	s := ge.g.nodes[i]
	return []string{key, diffNodeKey(s.refs[1].idx), diffNodeKey(s.refs[2].idx)}
}

// cellOf reads cell k of split(s): through a handle kept from an earlier
// execution when there is one, which depends on that cell alone, otherwise
// through split's output. It returns -1 when the cell does not exist.
func (ge *graphEngine) cellOf(ctx context.Context, rec *diffRecorder, s, k int) int {
	ge.mu.Lock()
	h, ok := ge.handles[[2]int{s, k}]
	ge.mu.Unlock()
	ckey := fmt.Sprint("c", s, ",", k)
	if !ok {
		out, err := ge.split.Call(ctx, s).Get(ctx)
		if err != nil && ctx.Err() == nil {
			ge.log.fail(err)
		}
		rec.sawInt(fmt.Sprint("x", s), len(out.Cells))
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
			return rec.sawInt(ckey, v)
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
	return rec.sawInt(ckey, v)
}

func newGraphEngine(g graphSpec, workers int, initial []int) *graphEngine {
	ge := &graphEngine{
		g:       g,
		log:     newDiffLog(),
		handles: map[[2]int]cellar.Vc[int]{},
	}
	ge.e = cellar.New(&cellar.Options{Workers: workers, OnExecute: func(x cellar.Execution) {
		if x.Cause.Kind == cellar.CauseCycleGone {
			ge.cycleGone.Add(1)
		}
	}})
	for i, v := range initial[:g.states] {
		ge.states = append(ge.states, cellar.NewState(ge.e, fmt.Sprint("s", i), v))
	}
	ge.all = cellar.NewState(ge.e, "all", mapOf(initial[g.states:]))
	readNode := func(ctx context.Context, rec *diffRecorder, j int) (int, error) {
		v, err := ge.node.Call(ctx, j).Get(ctx)
		rec.saw(diffNodeKey(j), diffResRepr(v, err))
		return v, err
	}
	// readCell reads a cell handed down as an argument: 0 when it is gone.
	readCell := func(ctx context.Context, rec *diffRecorder, key string, vc cellar.Vc[int]) int {
		v, err := vc.Get(ctx)
		if err != nil {
			if !errors.Is(err, cellar.ErrCellGone) && ctx.Err() == nil {
				ge.log.fail(fmt.Errorf("%s reading %s: %w", rec.key, key, err))
			}
			rec.saw(key, "gone")
			return 0
		}
		return rec.sawInt(key, v)
	}
	ge.node = cellar.NewFunc1(ge.e, "node", func(ctx context.Context, i int) (int, error) {
		s := g.nodes[i]
		rec := ge.begin(diffNodeKey(i), s.yield)
		get := func(r ref) (int, error) {
			if r.state {
				return rec.sawInt(diffStateKey(r.idx), ge.states[r.idx].Get(ctx)), nil
			}
			return readNode(ctx, rec, r.idx)
		}
		v, err := func() (int, error) {
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
					x, err := get(r)
					if err != nil {
						return 0, err
					}
					v += x
				}
			case kindBranch:
				c, err := get(s.refs[0])
				if err != nil {
					return 0, err
				}
				r := s.refs[1]
				if c%2 != 0 {
					r = s.refs[2]
				}
				if v, err = get(r); err != nil {
					return 0, err
				}
			case kindParam:
				k, err := get(s.refs[0])
				if err != nil {
					return 0, err
				}
				k %= 3
				v, err = ge.param.Call(ctx, s.target, k).Get(ctx)
				rec.saw(diffParamKey(s.target, k), diffResRepr(v, err))
				if err != nil {
					return 0, err
				}
			case kindMod2:
				x, err := get(s.refs[0])
				if err != nil {
					return 0, err
				}
				v = x % 2
			case kindAlias:
				av, err := ge.alias.Call(ctx, s.target).Get(ctx)
				rec.saw(fmt.Sprint("a", s.target), diffResRepr(av, err))
				if err != nil {
					return 0, err
				}
				v = av
			case kindCell:
				x, err := get(s.refs[0])
				if err != nil {
					return 0, err
				}
				v = max(0, ge.cellOf(ctx, rec, s.target, x%3))
			case kindLocal:
				x, err := get(s.refs[0])
				if err != nil {
					return 0, err
				}
				depth := 1 + x%2
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
				v, err = vc.Get(ctx)
				rec.saw(fmt.Sprint("l", s.target, ",", depth), diffResRepr(v, err))
				if err != nil {
					return 0, err
				}
			case kindKey:
				key := s.refs[0].idx
				kv, ok, err := cellar.GetKey(ctx, ge.all.Vc(), key)
				if (err != nil || !ok) && ctx.Err() == nil {
					ge.log.fail(fmt.Errorf("%s reading key %d: %v, %v", rec.key, key, ok, err))
				}
				v = rec.sawInt(fmt.Sprint("m", key), kv)
			case kindGate:
				r := s.refs[2]
				if rec.sawInt(diffStateKey(s.refs[0].idx), ge.states[s.refs[0].idx].Get(ctx))%2 == 1 {
					r = s.refs[1]
				}
				x, err := get(r)
				if err != nil {
					return 0, err
				}
				v = x
			case kindFail:
				x, err := get(s.refs[0])
				if err != nil {
					return 0, err
				}
				if (x+s.offset)%valueMod == 0 {
					cellar.Emit(ctx, -(i + 1)) // a failed task's collectibles count too
					msg := diffFailMessage(i, x, s.panics)
					if s.panics {
						ge.end(ctx, rec, "P:"+msg)
						panic(msg)
					}
					return 0, errors.New(msg)
				}
				v = x
			case kindFwd:
				fv, err := ge.fwd.Call(ctx, i).Get(ctx)
				rec.saw(fmt.Sprint("f", i), diffResRepr(fv, err))
				if err != nil {
					return 0, err
				}
				v = fv
			case kindResolve:
				x, err := get(s.refs[0])
				if err != nil {
					return 0, err
				}
				rkey := fmt.Sprint("r", s.target)
				cell, err := ge.node.Call(ctx, s.target).ToResolved(ctx)
				if err != nil {
					rec.saw(rkey, diffErrRepr(err))
					return 0, err
				}
				rec.saw(rkey, "ok")
				dv, err := ge.deref.Call(ctx, cell, s.target).Get(ctx)
				rec.saw(fmt.Sprint("d", s.target), diffResRepr(dv, err))
				if err != nil {
					return 0, err
				}
				v = x + dv
			case kindVcArg:
				x, err := get(s.refs[0])
				if err != nil {
					return 0, err
				}
				vc := ge.par.Call(ctx, ge.node.Call(ctx, s.target), s.target)
				if !vc.IsLocal() {
					ge.log.fail(fmt.Errorf("%s: par with an unresolved argument is not local", rec.key))
				}
				qv, err := vc.Get(ctx)
				rec.saw(fmt.Sprint("q", s.target), diffResRepr(qv, err))
				if err != nil {
					return 0, err
				}
				v = x + qv
			}
			v = (v + s.offset) % valueMod
			if v%3 == 0 {
				cellar.Emit(ctx, i) // data-dependent collectibles
			}
			return v, nil
		}()
		ge.end(ctx, rec, diffResRepr(v, err))
		return v, err
	})
	ge.param = cellar.NewFunc2(ge.e, "param", func(ctx context.Context, j, k int) (int, error) {
		rec := ge.begin(diffParamKey(j, k), false)
		v, err := readNode(ctx, rec, j)
		if err == nil {
			v = diffParamValue(v, k)
		}
		ge.end(ctx, rec, diffResRepr(v, err))
		return v, err
	})
	ge.split = cellar.NewFunc1(ge.e, "split", func(ctx context.Context, s int) (diffSplitOut, error) {
		rec := ge.begin(fmt.Sprint("x", s), false)
		v := rec.sawInt(diffStateKey(s), ge.states[s].Get(ctx))
		var out diffSplitOut
		var vals []int
		for k := range diffSplitCount(v) {
			vals = append(vals, diffSplitCell(v, k))
			out.Cells = append(out.Cells, cellar.Cell(ctx, diffSplitCell(v, k)))
		}
		ge.end(ctx, rec, fmt.Sprint(vals))
		return out, nil
	})
	ge.inc = cellar.NewFunc2(ge.e, "inc", func(ctx context.Context, vc cellar.Vc[int], in incInput) (int, error) {
		rec := ge.begin(fmt.Sprint("i", in.Node, ",", in.Depth), false)
		if !vc.IsResolved() {
			ge.log.fail(fmt.Errorf("%s: argument not resolved", rec.key))
		}
		v := readCell(ctx, rec, fmt.Sprint("L", in.Node, ",", in.Depth), vc)
		if rec.reads[0].value != "gone" {
			v = diffIncValue(v, 1)
		}
		ge.end(ctx, rec, strconv.Itoa(v))
		return v, nil
	})
	ge.alias = cellar.NewVcFunc1(ge.e, "alias", func(ctx context.Context, j int) (cellar.Vc[int], error) {
		rec := ge.begin(fmt.Sprint("a", j), false)
		ge.end(ctx, rec, "alias")
		return ge.node.Call(ctx, j), nil
	})
	ge.fwd = cellar.NewVcFunc1(ge.e, "fwd", func(ctx context.Context, i int) (cellar.Vc[int], error) {
		s := g.nodes[i]
		rec := ge.begin(fmt.Sprint("f", i), false)
		choice := s.refs[1].idx
		if rec.sawInt(diffStateKey(s.refs[0].idx), ge.states[s.refs[0].idx].Get(ctx))%2 != 0 {
			choice = s.refs[2].idx
		}
		ge.end(ctx, rec, strconv.Itoa(choice))
		return ge.node.Call(ctx, choice), nil
	})
	parity := func(name string) func(ctx context.Context, cell cellar.Vc[int], j int) (int, error) {
		return func(ctx context.Context, cell cellar.Vc[int], j int) (int, error) {
			rec := ge.begin(fmt.Sprint(name, j), false)
			if !cell.IsResolved() {
				ge.log.fail(fmt.Errorf("%s: argument not resolved", rec.key))
			}
			v := readCell(ctx, rec, fmt.Sprint("v", j), cell) % 2
			ge.end(ctx, rec, strconv.Itoa(v))
			return v, nil
		}
	}
	derefParity := parity("d")
	ge.deref = cellar.NewFunc2(ge.e, "deref", func(ctx context.Context, cell cellar.ResolvedVc[int], j int) (int, error) {
		return derefParity(ctx, cell.Vc(), j)
	})
	ge.par = cellar.NewFunc2(ge.e, "par", parity("q"))
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

// edit sets input i (a State, or a key of the map) to v in states and in
// the engine, recording the change for the log first.
func (ge *graphEngine) edit(states []int, i, v int, byUpdate bool) {
	if states[i] != v {
		key := diffStateKey(i)
		if i >= ge.g.states {
			key = fmt.Sprint("m", i-ge.g.states)
		}
		ge.log.event(key, ge.seq.Add(1))
		if byUpdate && i < ge.g.states {
			// Update re-runs the readers without comparing, even if
			// the value it applies (deferred behind a strong read)
			// turns out to be the one they read.
			ge.log.force(key)
		}
	}
	states[i] = v
	switch {
	case i >= ge.g.states:
		ge.all.Set(mapOf(states[ge.g.states:]))
	case byUpdate:
		ge.states[i].Update(func(p *int) bool {
			changed := *p != v
			*p = v
			return changed
		})
	default:
		ge.states[i].Set(v)
	}
}

// diffGuarded runs f, failing t with a goroutine dump if it does not return
// within diffGuard. The reads it bounds use context.Background(), as a
// caller that waits forever would: bounding them with a context of their
// own would change how the engine runs them.
func diffGuarded[T any](t interface{ Fatalf(string, ...any) }, what string, f func() T) T {
	ch := make(chan T, 1)
	go func() { ch <- f() }()
	timer := time.NewTimer(diffGuard)
	defer timer.Stop()
	select {
	case v := <-ch:
		return v
	case <-timer.C:
		t.Fatalf("%s did not return within %v; goroutines:\n%s", what, diffGuard, goroutines())
		panic("unreachable")
	}
}

type diffReadResult struct {
	v   int
	err error
}

// diffStats counts what the differential tests checked, across all runs
// of the property.
var diffStats struct {
	sync.Mutex
	singleSteps, cycleReads, failReads, abandoned, concurrent int
}

// diffRun is one run of the property.
type diffRun struct {
	t       *rapid.T
	readAll bool // every check reads every node
	g       graphSpec
	ge      *graphEngine
	states  []int
	// checkedGone is the count of cycleGone executions when redundant
	// executions were last checked.
	checkedGone int64
}

func (d *diffRun) scratch() *diffModel { return newDiffModel(d.g, slices.Clone(d.states)) }

func (d *diffRun) idle(what string) {
	err := diffGuarded(d.t, "WaitIdle "+what, func() error { return d.ge.e.WaitIdle(context.Background()) })
	if err != nil {
		d.t.Fatalf("WaitIdle %s: %v", what, err)
	}
	// Every step ends with a well-formed graph.
	if err := cellar.CheckInvariants(d.ge.e); err != nil {
		d.t.Fatalf("engine invariants %s:\n%v", what, err)
	}
}

// read reads node root from outside any task, strongly consistently,
// through its OperationVc or through a Vc.
func (d *diffRun) read(ctx context.Context, root int, viaVc bool) diffReadResult {
	if viaVc {
		v, err := d.ge.node.Call(ctx, root).Get(ctx)
		return diffReadResult{v, err}
	}
	v, err := d.ge.node.CallOperation(ctx, root).ReadStronglyConsistent(ctx)
	return diffReadResult{v, err}
}

func (d *diffRun) count(r diffReadResult, m *diffModel, root int) {
	w := m.result(diffNodeKey(root))
	diffStats.Lock()
	defer diffStats.Unlock()
	switch {
	case w.cycle:
		diffStats.cycleReads++
	case w.err:
		diffStats.failReads++
	}
}

// diffAbandon is a read from outside that is cancelled at some point.
type diffAbandon struct {
	root  int
	viaVc bool
	how   int // 0: cancelled before the read; 1: by another goroutine at once; 2: at the start of the after-th execution; 3: a timeout of after µs
	after int
}

func (d *diffRun) drawAbandon() *diffAbandon {
	t := d.t
	if rapid.IntRange(0, 3).Draw(t, "abandon") != 0 {
		return nil
	}
	return &diffAbandon{
		root:  rapid.IntRange(0, len(d.g.nodes)-1).Draw(t, "abandon_root"),
		viaVc: rapid.Bool().Draw(t, "abandon_via_vc"),
		how:   rapid.IntRange(0, 3).Draw(t, "abandon_how"),
		after: rapid.IntRange(1, 30).Draw(t, "abandon_after"),
	}
}

// startAbandon starts the read of p on another goroutine and returns what
// waits for its result.
func (d *diffRun) startAbandon(p *diffAbandon) func() diffReadResult {
	ge := d.ge
	ge.abandoning.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	if p.how == 3 {
		cancel()
		ctx, cancel = context.WithTimeout(context.Background(), time.Duration(p.after)*time.Microsecond)
	}
	switch p.how {
	case 0:
		cancel()
	case 2:
		var n atomic.Int32
		hook := func() {
			if int(n.Add(1)) == p.after {
				cancel()
			}
		}
		ge.hook.Store(&hook)
	}
	ch := make(chan diffReadResult, 1)
	go func() { ch <- d.read(ctx, p.root, p.viaVc) }()
	if p.how == 1 {
		go cancel()
	}
	return func() diffReadResult {
		defer cancel()
		defer ge.hook.Store(nil)
		return diffGuarded(d.t, fmt.Sprintf("abandoned read of node %d (%+v)", p.root, *p), func() diffReadResult { return <-ch })
	}
}

// checkRoots reads a few nodes strongly consistently (and their
// collectibles, and now and then with a final read) and compares them with
// the from-scratch model, while a read that is abandoned runs alongside.
func (d *diffRun) checkRoots(step int) {
	t, ge := d.t, d.ge
	ctx := context.Background()
	m := d.scratch()
	var waitAbandoned func() diffReadResult
	p := d.drawAbandon()
	if p != nil {
		t.Logf("step %d: abandoned read %+v, alongside the reads below", step, *p)
		waitAbandoned = d.startAbandon(p)
	}
	roots := rapid.IntRange(1, 6).Draw(t, "roots")
	if d.readAll {
		roots = len(d.g.nodes)
	}
	for k := range roots {
		r := k
		if !d.readAll {
			r = rapid.IntRange(0, len(d.g.nodes)-1).Draw(t, "root")
		}
		viaVc := rapid.IntRange(0, 3).Draw(t, "via_vc") == 0
		got := diffGuarded(t, fmt.Sprintf("step %d: strongly consistent read of node %d", step, r), func() diffReadResult { return d.read(ctx, r, viaVc) })
		t.Logf("step %d: read node %d (via a Vc: %v): %d, %v", step, r, viaVc, got.v, got.err)
		if s := m.mismatch(r, got.v, got.err); s != "" {
			t.Fatalf("step %d: node %d %s", step, r, s)
		}
		d.count(got, m, r)
		if rapid.IntRange(0, 5).Draw(t, "final") == 0 {
			ge.log.final(diffNodeKey(r), true, false)
			fin := diffGuarded(t, fmt.Sprintf("step %d: final read of node %d", step, r), func() diffReadResult {
				v, err := ge.node.Call(ctx, r).GetFinal(ctx)
				return diffReadResult{v, err}
			})
			ge.log.final(diffNodeKey(r), false, fin.err == nil)
			if s := m.mismatch(r, fin.v, fin.err); s != "" {
				t.Fatalf("step %d: final read: node %d %s", step, r, s)
			}
			t.Logf("step %d: final read of node %d: %d, %v", step, r, fin.v, fin.err)
		}
		if rapid.Bool().Draw(t, "peek") {
			want, ok := m.collected(r)
			if !ok {
				continue
			}
			type peeked struct {
				col []int
				err error
			}
			pk := diffGuarded(t, fmt.Sprintf("step %d: Peek(node %d)", step, r), func() peeked {
				seq, err := cellar.Peek[int](ctx, ge.node.CallOperation(ctx, r))
				if err != nil {
					return peeked{nil, err}
				}
				return peeked{slices.Collect(seq), nil}
			})
			t.Logf("step %d: Peek(node %d): %v, %v", step, r, pk.col, pk.err)
			if pk.err != nil {
				t.Fatalf("step %d: Peek(node %d): %v", step, r, pk.err)
			}
			if !slices.Equal(pk.col, want) {
				t.Fatalf("step %d: collectibles of node %d = %v, from scratch %v (own emissions, then the tasks read in first-read order, deduplicated)", step, r, pk.col, want)
			}
		}
	}
	if waitAbandoned != nil {
		res := waitAbandoned()
		t.Logf("step %d: abandoned read of node %d: %d, %v", step, p.root, res.v, res.err)
		cancelled := errors.Is(res.err, context.Canceled) || errors.Is(res.err, context.DeadlineExceeded)
		var te *cellar.TaskError
		if !cancelled || errors.As(res.err, &te) {
			if s := m.mismatch(p.root, res.v, res.err); s != "" {
				t.Fatalf("step %d: abandoned read (%+v): node %d %s", step, *p, p.root, s)
			}
		}
		again := diffGuarded(t, fmt.Sprintf("step %d: read of node %d after an abandoned one", step, p.root), func() diffReadResult { return d.read(ctx, p.root, p.viaVc) })
		if s := m.mismatch(p.root, again.v, again.err); s != "" {
			t.Fatalf("step %d: read after an abandoned one (%+v): node %d %s", step, *p, p.root, s)
		}
		diffStats.Lock()
		diffStats.abandoned++
		diffStats.Unlock()
		d.idle(fmt.Sprintf("step %d: after an abandoned read", step))
		ge.abandoning.Store(false)
	}
	ge.log.mu.Lock()
	errs := ge.log.errs
	ge.log.mu.Unlock()
	if len(errs) > 0 {
		t.Fatalf("step %d: task errors: %v", step, errs)
	}
}

// checkRedundant fails if an execution repeated its previous one with
// nothing changed, except for tasks in a cycle in one of models.
func (d *diffRun) checkRedundant(step int, models ...*diffModel) {
	redundant := d.ge.log.takeRedundant()
	if gone := d.ge.cycleGone.Load(); gone != d.checkedGone {
		d.checkedGone = gone // a cycle went away: see graphEngine.cycleGone
		return
	}
	for _, s := range redundant {
		key, _, _ := strings.Cut(s, " ")
		if slices.ContainsFunc(models, func(m *diffModel) bool { return m.inCycle(key) }) {
			continue
		}
		var scratch []string
		if key[0] == 'n' || key[0] == 'p' {
			for _, m := range models {
				scratch = append(scratch, m.result(key).repr())
			}
		}
		d.t.Fatalf("step %d: %s (from scratch over the step's inputs: %q)%s", step, s, scratch, d.cause(key))
	}
}

// checkExecutions checks the executions of a single edit: each task ran at
// most once, and only if something it read in its previous execution
// changed.
func (d *diffRun) checkExecutions(step int, before, after *diffModel, beforeCount map[string]int, beforeLast map[string]*diffExec, goneBefore int64) {
	if d.ge.cycleGone.Load() != goneBefore {
		return // a cycle went away: see graphEngine.cycleGone
	}
	afterCount, _, exempt := d.ge.log.snapshot()
	for key, n := range afterCount {
		ran := n - beforeCount[key]
		if ran == 0 || exempt[key] {
			continue
		}
		involved := before.inCycle(key) || after.inCycle(key)
		if ran > 1 && !involved {
			d.t.Fatalf("step %d: %s executed %d times for one edit%s", step, key, ran, d.cause(key))
		}
		prev := beforeLast[key]
		if prev == nil || prev.tentative || involved {
			continue // a first execution, or in a cycle
		}
		changed := slices.ContainsFunc(prev.reads, func(r diffRead) bool {
			if r.key[0] == 'f' {
				// A read through fwd's output depends on which node it
				// returns, as well as on that node's value.
				i, _ := diffKeyArgs(r.key)
				if diffFwdChoice(d.g.nodes[i], before.states) != diffFwdChoice(d.g.nodes[i], after.states) {
					return true
				}
			}
			return after.readValue(r.key) != r.value
		})
		if !changed {
			keys := []string{key}
			for _, r := range prev.reads {
				keys = append(keys, diffEventKeys(r.key)...)
			}
			d.ge.log.mu.Lock()
			finals := d.ge.log.finalsOf(keys...)
			d.ge.log.mu.Unlock()
			d.t.Fatalf("step %d: %s re-executed although nothing it read changed (read %v)%s%s", step, key, prev.reads, finals, d.cause(key))
		}
	}
}

// cause says why the engine says the task key last ran, for messages.
func (d *diffRun) cause(key string) string {
	i, k := diffKeyArgs(key)
	var in cellar.TaskInfo
	var err error
	switch key[0] {
	case 'n':
		in, err = d.ge.node.CallOperation(context.Background(), i).Info()
	case 'p':
		in, err = d.ge.param.CallOperation(context.Background(), i, k).Info()
	default:
		return ""
	}
	if err != nil {
		return ""
	}
	d.ge.log.mu.Lock()
	defer d.ge.log.mu.Unlock()
	return fmt.Sprintf("; the engine says its latest execution (number %d) ran because it %v", in.Executions, in.Cause)
}

// concurrentStep lets writer goroutines edit the inputs while reader
// goroutines read nodes: every read must return the from-scratch result
// of some input state between its start and its end.
func (d *diffRun) concurrentStep(step int) {
	t, ge := d.t, d.ge
	type edit struct {
		i, v     int
		byUpdate bool
	}
	var writers [][]edit
	for range rapid.IntRange(1, 2).Draw(t, "writers") {
		var es []edit
		for range rapid.IntRange(1, 8).Draw(t, "writer_edits") {
			es = append(es, edit{
				i:        rapid.IntRange(0, len(d.states)-1).Draw(t, "edit_state"),
				v:        rapid.IntRange(0, 4).Draw(t, "edit_value"),
				byUpdate: rapid.Bool().Draw(t, "edit_by_update"),
			})
		}
		writers = append(writers, es)
	}
	type read struct {
		root     int
		viaVc    bool
		from, to int
		res      diffReadResult
	}
	var readers [][]read
	for range rapid.IntRange(1, 2).Draw(t, "readers") {
		var rs []read
		for range rapid.IntRange(1, 4).Draw(t, "reader_reads") {
			rs = append(rs, read{root: rapid.IntRange(0, len(d.g.nodes)-1).Draw(t, "root"), viaVc: rapid.Bool().Draw(t, "via_vc")})
		}
		readers = append(readers, rs)
	}

	t.Logf("step %d: concurrent edits %v and reads %v", step, writers, readers)
	var mu sync.Mutex
	cur := slices.Clone(d.states)
	history := [][]int{slices.Clone(cur)}
	var wg sync.WaitGroup
	for _, es := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, e := range es {
				mu.Lock()
				ge.edit(cur, e.i, e.v, e.byUpdate)
				history = append(history, slices.Clone(cur))
				mu.Unlock()
				runtime.Gosched()
			}
		}()
	}
	for _, rs := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range rs {
				mu.Lock()
				rs[k].from = len(history) - 1
				mu.Unlock()
				rs[k].res = d.read(context.Background(), rs[k].root, rs[k].viaVc)
				mu.Lock()
				rs[k].to = len(history) - 1
				mu.Unlock()
			}
		}()
	}
	diffGuarded(t, fmt.Sprintf("step %d: concurrent writers and readers", step), func() struct{} { wg.Wait(); return struct{}{} })
	models := make([]*diffModel, len(history))
	modelAt := func(v int) *diffModel {
		if models[v] == nil {
			models[v] = newDiffModel(d.g, history[v])
		}
		return models[v]
	}
	for _, rs := range readers {
		for _, r := range rs {
			var why []string
			for v := r.from; v <= r.to; v++ {
				s := modelAt(v).mismatch(r.root, r.res.v, r.res.err)
				if s == "" {
					why = nil
					break
				}
				why = append(why, fmt.Sprintf("state %d: %s", v, s))
			}
			if why != nil {
				t.Fatalf("step %d: a read of node %d made while inputs were being set matches none of the input states %d to %d it overlapped: %s",
					step, r.root, r.from, r.to, strings.Join(why, "; "))
			}
		}
	}
	d.states = cur
	d.idle(fmt.Sprintf("step %d: after concurrent edits", step))
	for v := range history {
		modelAt(v)
	}
	d.checkRedundant(step, models...)
	diffStats.Lock()
	diffStats.concurrent++
	diffStats.Unlock()
}

func TestDifferential(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		g := diffDrawGraph(t)
		states := make([]int, g.states+mapKeys) // the States, then the map's values
		for i := range states {
			states[i] = rapid.IntRange(0, 4).Draw(t, "initial")
		}
		workers := rapid.SampledFrom([]int{1, 2, 3, 4, 8}).Draw(t, "workers")
		ge := newGraphEngine(g, workers, states)
		defer ge.e.Close()
		d := &diffRun{t: t, g: g, ge: ge, states: slices.Clone(states), readAll: rapid.IntRange(0, 3).Draw(t, "read_all") == 0}
		t.Logf("graph: %v", g)

		d.checkRoots(0)
		steps := rapid.IntRange(25, 60).Draw(t, "steps")
		for step := 1; step <= steps; step++ {
			d.idle(fmt.Sprintf("before step %d", step))
			d.checkRedundant(step-1, d.scratch())
			before := d.scratch()
			beforeCount, beforeLast, _ := ge.log.snapshot()
			goneBefore := ge.cycleGone.Load()
			mode := rapid.IntRange(0, 9).Draw(t, "mode")
			if mode == 0 {
				d.concurrentStep(step)
				continue
			}
			batch := mode == 1 // now and then, several edits at once
			edits := 1
			if batch {
				edits = rapid.IntRange(2, 5).Draw(t, "edits")
			}
			models := []*diffModel{before} // every input state of the step
			for range edits {
				i := rapid.IntRange(0, len(d.states)-1).Draw(t, "edit_state")
				v := rapid.IntRange(0, 4).Draw(t, "edit_value")
				t.Logf("step %d: input %d = %d", step, i, v)
				ge.edit(d.states, i, v, rapid.Bool().Draw(t, "edit_by_update"))
				models = append(models, d.scratch())
			}
			d.checkRoots(step)
			d.idle(fmt.Sprintf("after step %d", step))
			d.checkRedundant(step, models...)
			if batch {
				continue
			}
			d.checkExecutions(step, before, models[1], beforeCount, beforeLast, goneBefore)
			diffStats.Lock()
			diffStats.singleSteps++
			diffStats.Unlock()
		}
	})
	diffStats.Lock()
	defer diffStats.Unlock()
	if !testing.Short() && !t.Failed() && diffStats.singleSteps < 1500 {
		t.Errorf("only %d single-edit steps were checked, want at least 1500", diffStats.singleSteps)
	}
	t.Logf("%d single-edit steps, %d concurrent steps, %d abandoned reads; %d reads of cycles, %d of failures",
		diffStats.singleSteps, diffStats.concurrent, diffStats.abandoned, diffStats.cycleReads, diffStats.failReads)
}
