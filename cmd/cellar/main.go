package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cellar-go/cellar"
	"github.com/cellar-go/cellar/cmd/cellar/internal/analyze"
	"golang.org/x/term"
)

func main() {
	signal.Ignore(syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `usage: cellar index [flags] [DIR]

Index the source tree DIR (default: $(go env GOROOT)/src) incrementally.

flags:
  --json          print the index as JSON instead of a report
  --watch         keep running, and print what changed after each change
  --debounce D    in watch mode, wait D after the last change (default 100ms)
  --timing        in watch mode, print how long each update took to print
  --trace FILE    write the task executions to FILE as trace-event JSON
  --serve ADDR    serve a live page of the task graph at ADDR; keeps running
  --workers N     run at most N task functions at once (default GOMAXPROCS)
`

// usageError is an error in the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// config is the parsed command line of "cellar index".
type config struct {
	dir      string
	json     bool
	watch    bool
	debounce time.Duration
	timing   bool
	trace    string
	serve    string
	workers  int
}

// parseArgs parses the arguments of "cellar index"; flags may come before
// or after DIR.
func parseArgs(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("cellar index", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&c.json, "json", false, "")
	fs.BoolVar(&c.watch, "watch", false, "")
	fs.DurationVar(&c.debounce, "debounce", 100*time.Millisecond, "")
	fs.BoolVar(&c.timing, "timing", false, "")
	fs.StringVar(&c.trace, "trace", "", "")
	fs.StringVar(&c.serve, "serve", "", "")
	fs.IntVar(&c.workers, "workers", 0, "")
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return c, err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	switch {
	case len(pos) > 1:
		return c, usageError{"too many arguments: " + strings.Join(pos, " ")}
	case c.workers < 0:
		return c, usageError{"--workers must not be negative"}
	case c.debounce < 0:
		return c, usageError{"--debounce must not be negative"}
	}
	if len(pos) == 1 {
		c.dir = pos[0]
	}
	return c, nil
}

// run is the command: it parses args, runs it writing to stdout and
// stderr, and returns the exit status. It returns when ctx is done in watch
// and serve modes.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	case "index":
	default:
		fmt.Fprintf(stderr, "cellar: unknown command %q\nRun 'cellar help' for usage.\n", args[0])
		return 2
	}
	c, err := parseArgs(args[1:])
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "cellar: %v\nRun 'cellar help' for usage.\n", err)
		return 2
	}
	if err := index(ctx, c, stdout, stderr); err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return 1
		}
		fmt.Fprintln(stderr, "cellar:", err)
		return 1
	}
	return 0
}

// goSource returns the source tree of the Go installation, as the go
// command on PATH reports it (the GOROOT recorded in the binary is empty when
// it was built with -trimpath, and wrong once it is copied elsewhere). Without
// a go command, $GOROOT is used if it is set.
func goSource() (string, error) {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		dir = os.Getenv("GOROOT")
	}
	if dir == "" {
		return "", errors.New("cannot find the Go installation; pass the directory to index")
	}
	return filepath.Join(dir, "src"), nil
}

// checkRoot returns the clean absolute form of dir, or an error a user can
// act on.
func checkRoot(dir string) (string, error) {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("no such directory: %s", dir)
	case err != nil:
		return "", fmt.Errorf("cannot read directory %s: %v", dir, unwrapPath(err))
	case !fi.IsDir():
		return "", fmt.Errorf("not a directory: %s", dir)
	}
	if _, err := os.ReadDir(dir); err != nil {
		return "", fmt.Errorf("cannot read directory %s: %v", dir, unwrapPath(err))
	}
	return filepath.Abs(dir)
}

func unwrapPath(err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Err
	}
	return err
}

// index runs "cellar index" as configured by c.
func index(ctx context.Context, c config, stdout, stderr io.Writer) error {
	dir := c.dir
	if dir == "" {
		var err error
		if dir, err = goSource(); err != nil {
			return err
		}
	}
	root, err := checkRoot(dir)
	if err != nil {
		return err
	}
	s := &session{cfg: c, root: root, stdout: stdout, stderr: stderr, rec: newRecorder(c.trace != "")}
	// Whatever can fail because of the user's choices fails before the
	// long work starts.
	var traceFile *os.File
	if c.trace != "" {
		if traceFile, err = os.Create(c.trace); err != nil {
			return fmt.Errorf("cannot write trace: %v", unwrapPath(err))
		}
		defer traceFile.Close()
	}
	if c.serve != "" {
		srv, err := s.listen(c.serve)
		if err != nil {
			return err
		}
		defer srv.Close()
	}

	ix := newIndexer(root, &cellar.Options{Workers: c.workers, OnExecute: s.rec.onExecute})
	defer ix.Close()
	s.mu.Lock()
	s.ix = ix
	s.mu.Unlock()

	var prog *progress
	if isTerminal(stdout) {
		prog = startProgress(stdout, s.rec, 300*time.Millisecond)
	}
	res, err := s.update(ctx, nil)
	prog.stop()
	if err != nil {
		return err
	}
	if err := s.print(res, true); err != nil {
		return err
	}

	switch {
	case c.watch:
		err = s.watch(ctx)
	case c.serve != "":
		<-ctx.Done()
	}
	if traceFile != nil {
		execs, origin := s.rec.traceEvents()
		if werr := writeTrace(traceFile, execs, origin); werr != nil && err == nil {
			err = fmt.Errorf("cannot write trace: %v", werr)
		}
		if cerr := traceFile.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("cannot write trace: %v", cerr)
		}
	}
	return err
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// session is one run of "cellar index": the indexer and what it reports.
type session struct {
	cfg            config
	root           string
	stdout, stderr io.Writer
	rec            *recorder
	prev           *analyze.Index // the index printed last

	mu      sync.Mutex // guards what the graph page reads
	ix      *indexer
	updates int // updates printed, the first run included
}

// notices is where lines other than the report go: standard output, or
// standard error with --json, so that standard output stays JSON.
func (s *session) notices() io.Writer {
	if s.cfg.json {
		return s.stderr
	}
	return s.stdout
}

// result is what one update of the index did.
type result struct {
	index    analyze.Index
	ran      []cellar.Execution // the executions of task functions, internal ones left out
	executed uint64             // all executions, from the engine's counters
	reused   uint64
	wall     time.Duration
}

// update reports the changes to the engine (paths relative to the root,
// mapped to whether entries may have appeared or disappeared there), then
// reads the index, up to date.
func (s *session) update(ctx context.Context, changes map[string]bool) (result, error) {
	start := time.Now()
	before := s.ix.engine.Stats()
	s.rec.takeRan()
	for rel, created := range changes {
		s.ix.changed(rel, created)
	}
	idx, err := s.ix.read(ctx)
	if err != nil {
		return result{}, err
	}
	// Nothing should be left running, but the list of what ran must be
	// complete.
	if err := s.ix.engine.WaitIdle(ctx); err != nil {
		return result{}, err
	}
	after := s.ix.engine.Stats()
	res := result{
		index:    idx,
		ran:      s.rec.takeRan(),
		executed: (after.Executions - after.InternalExecutions) - (before.Executions - before.InternalExecutions),
		reused:   after.Reused - before.Reused,
		wall:     time.Since(start),
	}
	return res, nil
}

// print writes the outcome of an update: the whole report (or JSON) for the
// first, what changed for the others, then the final line.
func (s *session) print(res result, first bool) error {
	var err error
	switch {
	case s.cfg.json:
		err = writeJSON(s.stdout, s.root, res)
	case first:
		_, err = io.WriteString(s.stdout, strings.Join(reportLines(s.root, res.index), "\n")+"\n")
	default:
		err = writeChanges(s.stdout, s.prev, &res)
	}
	if err != nil {
		return err
	}
	s.prev = &res.index
	s.mu.Lock()
	s.updates++
	s.mu.Unlock()
	line := finalLine(res)
	if s.cfg.json {
		_, err = fmt.Fprintln(s.stderr, line)
	} else {
		_, err = fmt.Fprintln(s.stdout, line)
	}
	return err
}

// finalLine is the line that ends every run and every update.
func finalLine(res result) string {
	return fmt.Sprintf("cellar: %d tasks executed, %d reused, wall %v", res.executed, res.reused, round(res.wall))
}

// writeJSON writes the index as one JSON document.
func writeJSON(w io.Writer, root string, res result) error {
	doc := struct {
		Root string `json:"root"`
		analyze.Index
		Executed uint64 `json:"tasks_executed"`
		Reused   uint64 `json:"tasks_reused"`
		WallMS   int64  `json:"wall_ms"`
	}{root, res.index, res.executed, res.reused, res.wall.Milliseconds()}
	if doc.Diagnostics == nil {
		doc.Diagnostics = []analyze.Diagnostic{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// round keeps about three significant digits.
func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	default:
		return d.Round(time.Microsecond)
	}
}
