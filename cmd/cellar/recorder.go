package main

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/cellar-go/cellar"
)

// recentMax is how many recent executions the recorder keeps per function,
// for the graph page's "why did it re-run" column.
const recentMax = 5

// funcStats is what the recorder accumulates for one task function.
type funcStats struct {
	Executions int
	Total      time.Duration
	Recent     []cellar.Execution // the latest, newest last
}

// recorder receives every execution from the engine (Options.OnExecute) and
// keeps what the reports, the progress line, the trace and the graph page
// need.
type recorder struct {
	origin   time.Time
	executed atomic.Int64 // executions of the user's task functions
	files    atomic.Int64 // executions of the file task

	mu      sync.Mutex
	ran     []cellar.Execution // since the last takeRan
	tracing bool
	trace   []cellar.Execution // every execution, when tracing
	funcs   map[string]*funcStats
	recent  []cellar.Execution // the latest executions, newest last, at most 2*tasksMax
}

func newRecorder(tracing bool) *recorder {
	return &recorder{origin: time.Now(), tracing: tracing, funcs: make(map[string]*funcStats)}
}

// onExecute is the engine's Options.OnExecute. The engine waits for it, so
// it only appends.
func (r *recorder) onExecute(x cellar.Execution) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.tracing {
		r.trace = append(r.trace, x)
	}
	fs := r.funcs[x.Function]
	if fs == nil {
		fs = &funcStats{}
		r.funcs[x.Function] = fs
	}
	fs.Executions++
	fs.Total += x.Duration
	if len(fs.Recent) == recentMax {
		copy(fs.Recent, fs.Recent[1:])
		fs.Recent = fs.Recent[:recentMax-1]
	}
	fs.Recent = append(fs.Recent, x)
	if x.Internal {
		return
	}
	if len(r.recent) == 2*tasksMax {
		r.recent = append(r.recent[:0], r.recent[tasksMax:]...)
	}
	r.recent = append(r.recent, x)
	r.executed.Add(1)
	if x.Function == "file" {
		r.files.Add(1)
	}
	r.ran = append(r.ran, x)
}

// takeRan returns the executions of the user's task functions since the
// last call, in the order they finished, and forgets them.
func (r *recorder) takeRan() []cellar.Execution {
	r.mu.Lock()
	defer r.mu.Unlock()
	ran := r.ran
	r.ran = nil
	return ran
}

// traceEvents returns every execution recorded, when tracing.
func (r *recorder) traceEvents() ([]cellar.Execution, time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]cellar.Execution(nil), r.trace...), r.origin
}

// functions returns a copy of the per-function statistics.
func (r *recorder) functions() map[string]funcStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]funcStats, len(r.funcs))
	for name, fs := range r.funcs {
		c := *fs
		c.Recent = append([]cellar.Execution(nil), fs.Recent...)
		out[name] = c
	}
	return out
}

// latest returns at most n of the latest executions of the user's task
// functions, newest first.
func (r *recorder) latest(n int) []cellar.Execution {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]cellar.Execution, 0, min(n, len(r.recent)))
	for i := len(r.recent) - 1; i >= 0 && len(out) < n; i-- {
		out = append(out, r.recent[i])
	}
	return out
}
