package main

import (
	"bytes"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// lockedBuffer is a bytes.Buffer safe for the progress goroutine and the
// test to use at once.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestProgressLineAfterTheDelayThenErased(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out lockedBuffer
		rec := newRecorder(false)
		rec.executed.Store(42)
		rec.files.Store(7)
		p := startProgress(&out, rec, time.Second)
		time.Sleep(999 * time.Millisecond)
		synctest.Wait()
		before := out.String()
		time.Sleep(250 * time.Millisecond) // at the delay, then two ticks
		synctest.Wait()
		during := out.String()
		p.stop()
		if before != "" {
			t.Fatalf("progress before the delay: %q", before)
		}
		if n := strings.Count(during, "indexing: 42 tasks run, 7 files read"); n != 3 {
			t.Fatalf("%d progress lines after 1.25s, want 3: %q", n, during)
		}
		if s := out.String(); !strings.HasSuffix(s, "\r\033[K") {
			t.Fatalf("progress line not erased at the end: %q", s)
		}
	})
}

func TestNoProgressOnAShortRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out lockedBuffer
		p := startProgress(&out, newRecorder(false), time.Second)
		p.stop()
		if s := out.String(); s != "" {
			t.Fatalf("progress for a run shorter than the delay: %q", s)
		}
	})
}

func TestNoProgressWhenNotATerminal(t *testing.T) {
	if isTerminal(&bytes.Buffer{}) {
		t.Fatal("a buffer counts as a terminal")
	}
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer devNull.Close()
	if isTerminal(devNull) {
		t.Fatal("a character device that is not a terminal counts as one")
	}
}
