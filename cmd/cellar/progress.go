package main

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progress shows, on a terminal, a line that counts the tasks run so far,
// rewritten in place, from a delay after the start until stop.
type progress struct {
	done chan struct{}
	wg   sync.WaitGroup
}

// startProgress starts showing progress on w once delay has passed.
func startProgress(w io.Writer, rec *recorder, delay time.Duration) *progress {
	p := &progress{done: make(chan struct{})}
	start := time.Now()
	p.wg.Go(func() {
		select {
		case <-p.done:
			return
		case <-time.After(delay):
		}
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			fmt.Fprintf(w, "\r\033[Kindexing: %d tasks run, %d files read, %.1fs",
				rec.executed.Load(), rec.files.Load(), time.Since(start).Seconds())
			select {
			case <-p.done:
				fmt.Fprint(w, "\r\033[K")
				return
			case <-tick.C:
			}
		}
	})
	return p
}

// stop erases the progress line and returns once it is gone. A nil
// progress does nothing.
func (p *progress) stop() {
	if p == nil {
		return
	}
	close(p.done)
	p.wg.Wait()
}
