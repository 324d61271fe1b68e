package main

import (
	"encoding/json"
	"io"
	"strconv"
	"time"

	"github.com/cellar-go/cellar"
)

// traceEvent is one event of the trace-event JSON format that Perfetto and
// chrome://tracing open: a complete event ("X") for each execution, with
// times in microseconds.
type traceEvent struct {
	Name string         `json:"name"`
	Cat  string         `json:"cat,omitempty"`
	Ph   string         `json:"ph"`
	TS   float64        `json:"ts"`
	Dur  float64        `json:"dur,omitempty"`
	PID  int            `json:"pid"`
	TID  int            `json:"tid"`
	Args map[string]any `json:"args,omitempty"`
}

// writeTrace writes the executions as a trace: one complete event per
// execution on the track of the engine goroutine that ran it, with why it
// ran, its count and its error as arguments. Times count from origin.
func writeTrace(w io.Writer, execs []cellar.Execution, origin time.Time) error {
	events := []traceEvent{{Name: "process_name", Ph: "M", PID: 1, Args: map[string]any{"name": "cellar"}}}
	threads := make(map[int]bool)
	for _, x := range execs {
		if !threads[x.Thread] {
			threads[x.Thread] = true
			events = append(events, traceEvent{Name: "thread_name", Ph: "M", PID: 1, TID: x.Thread,
				Args: map[string]any{"name": "worker " + strconv.Itoa(x.Thread)}})
		}
		args := map[string]any{"cause": x.Cause.String(), "count": x.Count}
		if x.Err != nil {
			args["error"] = x.Err.Error()
		}
		cat := "task"
		if x.Internal {
			cat = "internal"
		}
		events = append(events, traceEvent{
			Name: x.Task,
			Cat:  cat + "," + x.Function,
			Ph:   "X",
			TS:   float64(x.Start.Sub(origin).Nanoseconds()) / 1e3,
			Dur:  float64(x.Duration.Nanoseconds()) / 1e3,
			PID:  1,
			TID:  x.Thread,
			Args: args,
		})
	}
	enc := json.NewEncoder(w)
	return enc.Encode(struct {
		TraceEvents     []traceEvent `json:"traceEvents"`
		DisplayTimeUnit string       `json:"displayTimeUnit"`
	}{events, "ms"})
}
