package main

import (
	"cmp"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"syscall"
	"time"

	"github.com/cellar-go/cellar"
)

//go:embed page.html
var pageHTML []byte

// tasksMax is the length of the page's task list.
const tasksMax = 200

// listen starts serving the graph page on addr and returns the server. It
// fails with a clear message when the address cannot be listened on.
func (s *session) listen(addr string) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("cannot serve on %s: the port is already in use", addr)
		}
		return nil, fmt.Errorf("cannot serve on %s: %v", addr, unwrapNet(err))
	}
	srv := &http.Server{Handler: s.handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	fmt.Fprintf(s.notices(), "serving the task graph at http://%s/\n", ln.Addr())
	return srv, nil
}

func unwrapNet(err error) error {
	if oe, ok := errors.AsType[*net.OpError](err); ok {
		return oe.Err
	}
	return err
}

// handler serves the page and the JSON it polls.
func (s *session) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(pageHTML)
	})
	mux.HandleFunc("GET /api/graph", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(s.graphView())
	})
	return mux
}

// graphView is what the page shows: the task graph aggregated by function,
// and the tasks that ran last.
type graphView struct {
	Root      string         `json:"root"`
	Ready     bool           `json:"ready"` // whether the first run is done
	Updates   int            `json:"updates"`
	Tasks     int            `json:"tasks"`
	Edges     int            `json:"edges"`
	Functions []functionView `json:"functions"`
	Recent    []taskView     `json:"recent"` // the latest executions, newest first
}

type functionView struct {
	Function   string         `json:"function"`
	Kind       string         `json:"kind"`
	Tasks      int            `json:"tasks"`
	States     map[string]int `json:"states"`
	Executions int            `json:"executions"`
	TotalMS    float64        `json:"total_ms"`
	Errors     int            `json:"errors"`
	Latest     []taskView     `json:"latest"` // its latest executions, newest first
}

type taskView struct {
	Task     string  `json:"task"`
	Function string  `json:"function,omitempty"`
	State    string  `json:"state,omitempty"`
	Count    int     `json:"count"`
	Cause    string  `json:"cause"`
	MS       float64 `json:"ms"`
	Error    string  `json:"error,omitempty"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }

// graphView snapshots the engine's graph for the page.
func (s *session) graphView() graphView {
	v := graphView{Root: s.root}
	s.mu.Lock()
	ix, updates := s.ix, s.updates
	s.mu.Unlock()
	v.Updates, v.Ready = updates, updates > 0
	if ix == nil {
		return v
	}
	g := ix.engine.Graph()
	v.Tasks, v.Edges = len(g.Tasks), len(g.Edges)
	byFn := make(map[string]*functionView)
	states := make(map[string]string, len(g.Tasks))
	for _, t := range g.Tasks {
		states[t.Name] = t.State
		f := byFn[t.Function]
		if f == nil {
			f = &functionView{Function: t.Function, Kind: t.Kind, States: make(map[string]int)}
			byFn[t.Function] = f
		}
		f.Tasks++
		f.States[t.State]++
		if t.Error != "" {
			f.Errors++
		}
	}
	for name, st := range s.rec.functions() {
		f := byFn[name]
		if f == nil {
			continue
		}
		f.Executions = st.Executions
		f.TotalMS = ms(st.Total)
		for i := len(st.Recent) - 1; i >= 0; i-- {
			f.Latest = append(f.Latest, execView(st.Recent[i]))
		}
	}
	for _, f := range byFn {
		v.Functions = append(v.Functions, *f)
	}
	slices.SortFunc(v.Functions, func(a, b functionView) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Function, b.Function))
	})
	for _, x := range s.rec.latest(tasksMax) {
		t := execView(x)
		t.State = states[x.Task]
		v.Recent = append(v.Recent, t)
	}
	return v
}

func execView(x cellar.Execution) taskView {
	t := taskView{Task: x.Task, Function: x.Function, Count: x.Count, Cause: x.Cause.String(), MS: ms(x.Duration)}
	if x.Err != nil {
		t.Error = x.Err.Error()
	}
	return t
}
