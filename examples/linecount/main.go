// Linecount counts the files, lines, bytes and functions under a directory
// with the cellar engine, then edits one file a few times and shows how
// little of the computation each edit runs again.
//
// Each file is counted by a fileStats task, each directory listing is read by
// a listDir task, and each directory is summed by a dirStats task from the
// tasks of its files and subdirectories. The program prints, for each step,
// the totals, how many tasks the engine executed, the wall time, and which
// tasks ran:
//
//  1. full run: every task runs once;
//  2. again, nothing changed: nothing runs;
//  3. append a function to a Go file: that file's fileStats runs, then the
//     dirStats of each directory from the file's up to the root;
//  4. change one letter in a comment of the same file: only its fileStats
//     runs, because its counts did not change and the engine stops there
//     (early cutoff);
//  5. undo: the totals are those of the full run again.
//
// The tree is never written to: an edited file is a copy in a temporary
// directory that an overlay substitutes for the original, and the temporary
// directory is removed before the program exits.
//
// Usage:
//
//	go run ./examples/linecount [-workers N] [-quiet] [dir]
//
// dir defaults to the source tree of the Go installation, $(go env
// GOROOT)/src, where the edited file is strings/strings.go.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cellar-go/cellar"
)

func main() {
	workers := flag.Int("workers", 0, "maximum number of task functions running at once (0 means GOMAXPROCS)")
	quiet := flag.Bool("quiet", false, "print only the summary line of each step")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: linecount [-workers N] [-quiet] [dir]\n\ndir defaults to $(go env GOROOT)/src.")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 1 || *workers < 0 {
		flag.Usage()
		os.Exit(2)
	}
	root := flag.Arg(0)
	var err error
	if root == "" {
		root, err = goSource()
	}
	if err == nil {
		// The temporary directory must be removed however the program
		// ends: a signal cancels the reads instead of killing the
		// process, and a closed stdout ("| head") makes writes fail
		// instead of killing it.
		signal.Ignore(syscall.SIGPIPE)
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		_, err = run(ctx, root, *workers, *quiet, os.Stdout)
		stop()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "linecount:", err)
		os.Exit(1)
	}
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
		return "", errors.New("cannot find the Go installation; pass the directory to count")
	}
	return filepath.Join(dir, "src"), nil
}

// FileStats is what fileStats computes for one file.
type FileStats struct {
	Lines, Bytes int
	Funcs        int // lines starting with "func ", counted in .go files only
}

// DirStats is what dirStats computes for a directory and everything below
// it, the directory itself included in Dirs.
type DirStats struct {
	Files, Dirs, Lines, Bytes, Funcs int
	Errors                           int // files and directories that could not be read
}

func (s DirStats) String() string {
	str := fmt.Sprintf("%d files, %d dirs, %d lines, %d funcs", s.Files, s.Dirs, s.Lines, s.Funcs)
	if s.Errors > 0 {
		str += fmt.Sprintf(", %d unreadable", s.Errors)
	}
	return str
}

// dirEntry is an entry of a directory listing that the count descends into.
type dirEntry struct {
	Name string
	Dir  bool
}

// counter holds the engine and the task functions that count one tree, and
// the outside world those functions look at: the files, seen through an
// overlay.
//
// Task arguments are slash-separated paths relative to the root, "." for the
// root itself, so that task labels read like paths in the tree.
type counter struct {
	root      string
	engine    *cellar.Engine
	listDir   *cellar.Func1[string, []dirEntry]
	fileStats *cellar.Func1[string, FileStats]
	dirStats  *cellar.Func1[string, DirStats]

	mu           sync.Mutex
	overlay      map[string]string             // file -> replacement to read instead
	invalidators map[string]cellar.Invalidator // file or directory -> the task that read it
	ran          []string                      // labels of the executions since the last takeRan
}

func newCounter(root string, workers int) *counter {
	e := cellar.New(&cellar.Options{Workers: workers})
	c := &counter{
		root:         root,
		engine:       e,
		overlay:      make(map[string]string),
		invalidators: make(map[string]cellar.Invalidator),
	}
	c.listDir = cellar.NewFunc1(e, "listDir", c.runListDir)
	c.fileStats = cellar.NewFunc1(e, "fileStats", c.runFileStats)
	c.dirStats = cellar.NewFunc1(e, "dirStats", c.runDirStats)
	return c
}

func (c *counter) runListDir(ctx context.Context, dir string) ([]dirEntry, error) {
	c.record("listDir", dir)
	c.watch(ctx, dir)
	des, err := os.ReadDir(c.abs(dir))
	if err != nil {
		return nil, err
	}
	var entries []dirEntry
	for _, de := range des {
		// Left out: symbolic links, which could count a file twice or
		// loop, and devices, pipes and sockets, whose reads may block.
		switch t := de.Type(); {
		case t.IsDir():
			entries = append(entries, dirEntry{Name: de.Name(), Dir: true})
		case t.IsRegular():
			entries = append(entries, dirEntry{Name: de.Name()})
		}
	}
	return entries, nil
}

func (c *counter) runFileStats(ctx context.Context, file string) (FileStats, error) {
	c.record("fileStats", file)
	// Registered before the read, so that an edit made while the file is
	// being read is not missed.
	c.watch(ctx, file)
	data, err := os.ReadFile(c.source(file))
	if err != nil {
		return FileStats{}, err
	}
	return countFile(data, strings.HasSuffix(file, ".go")), nil
}

func countFile(data []byte, isGo bool) FileStats {
	s := FileStats{Bytes: len(data)}
	for line := range bytes.Lines(data) {
		s.Lines++
		if isGo && bytes.HasPrefix(line, []byte("func ")) {
			s.Funcs++
		}
	}
	return s
}

func (c *counter) runDirStats(ctx context.Context, dir string) (DirStats, error) {
	c.record("dirStats", dir)
	entries, err := c.listDir.Call(ctx, dir).Get(ctx)
	if err != nil {
		return DirStats{}, err
	}
	// Every child is called before any is read, so that they all run in
	// parallel instead of one after the other.
	var files []cellar.Vc[FileStats]
	var dirs []cellar.Vc[DirStats]
	for _, en := range entries {
		p := path.Join(dir, en.Name)
		if en.Dir {
			dirs = append(dirs, c.dirStats.Call(ctx, p))
		} else {
			files = append(files, c.fileStats.Call(ctx, p))
		}
	}
	s := DirStats{Dirs: 1}
	for _, vc := range files {
		f, err := vc.Get(ctx)
		if unreadable(err) {
			s.Errors++
			continue
		}
		if err != nil {
			return DirStats{}, err
		}
		s.Files++
		s.Lines += f.Lines
		s.Bytes += f.Bytes
		s.Funcs += f.Funcs
	}
	for _, vc := range dirs {
		d, err := vc.Get(ctx)
		if unreadable(err) {
			s.Errors++
			continue
		}
		if err != nil {
			return DirStats{}, err
		}
		s.Files += d.Files
		s.Dirs += d.Dirs
		s.Lines += d.Lines
		s.Bytes += d.Bytes
		s.Funcs += d.Funcs
		s.Errors += d.Errors
	}
	return s, nil
}

// unreadable reports whether err is the file system refusing a file or
// directory of the tree, which is counted, as opposed to a failure of the
// computation itself (the engine closing, a panic), which is passed on.
func unreadable(err error) bool {
	var pe *fs.PathError
	return errors.As(err, &pe)
}

// record adds the label of the running execution to the list of what ran.
func (c *counter) record(fn, arg string) {
	c.mu.Lock()
	c.ran = append(c.ran, fn+"("+arg+")")
	c.mu.Unlock()
}

// watch registers the running task as the one to invalidate when p changes.
func (c *counter) watch(ctx context.Context, p string) {
	inv := cellar.InvalidatorFor(ctx)
	c.mu.Lock()
	c.invalidators[p] = inv
	c.mu.Unlock()
}

func (c *counter) abs(p string) string {
	return filepath.Join(c.root, filepath.FromSlash(p))
}

// source returns the file to read for file of the tree.
func (c *counter) source(file string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r, ok := c.overlay[file]; ok {
		return r
	}
	return c.abs(file)
}

// replace makes file read as the contents of replacement from now on.
func (c *counter) replace(file, replacement string) {
	c.mu.Lock()
	c.overlay[file] = replacement
	inv := c.invalidators[file]
	c.mu.Unlock()
	inv.Invalidate()
}

// restore makes file read as itself again.
func (c *counter) restore(file string) {
	c.mu.Lock()
	delete(c.overlay, file)
	inv := c.invalidators[file]
	c.mu.Unlock()
	inv.Invalidate()
}

// takeRan returns the labels of the executions since the last call, in the
// order they started, and forgets them.
func (c *counter) takeRan() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	ran := c.ran
	c.ran = nil
	return ran
}

func (c *counter) totals(ctx context.Context) (DirStats, error) {
	return c.dirStats.CallOperation(ctx, ".").ReadStronglyConsistent(ctx)
}

// step is the outcome of one read of the totals.
type step struct {
	title    string
	totals   DirStats
	executed uint64   // task executions, from the engine's counters
	ran      []string // task executions, as the task functions recorded them
	wall     time.Duration
}

// measure applies edit, if any, and reads the totals.
func (c *counter) measure(ctx context.Context, title string, edit func()) (step, error) {
	before := c.engine.Stats()
	start := time.Now()
	if edit != nil {
		edit()
	}
	totals, err := c.totals(ctx)
	wall := time.Since(start)
	if err != nil {
		return step{}, err
	}
	return step{
		title:    title,
		totals:   totals,
		executed: c.engine.Stats().Executions - before.Executions,
		ran:      c.takeRan(),
		wall:     wall,
	}, nil
}

// result is what run did: the file it edited (relative to the root,
// slash-separated; empty when the tree has no Go file to edit) and the steps.
type result struct {
	file  string
	steps []step
}

// run counts the tree at root, edits one of its Go files through the
// overlay, and reports each step to w. When quiet, it reports only one
// summary line per step.
func run(ctx context.Context, root string, workers int, quiet bool, w io.Writer) (result, error) {
	var res result
	// Checked here because a root that cannot be listed is the user's
	// mistake, which deserves a plainer message than a task's failure.
	if _, err := os.ReadDir(root); err != nil {
		return res, err
	}
	tmp, err := os.MkdirTemp("", "linecount-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(tmp)

	c := newCounter(root, workers)
	defer c.engine.Close()
	p := printer{w: w, quiet: quiet}
	p.printf("counting %s\n", root)

	var prev DirStats // the totals before the step, zero before the first
	do := func(title string, edit func()) (step, error) {
		s, err := c.measure(ctx, title, edit)
		if err != nil {
			return s, err
		}
		res.steps = append(res.steps, s)
		p.step(s, prev)
		prev = s.totals
		return s, nil
	}

	full, err := do("full run", nil)
	if err != nil {
		return res, err
	}
	if _, err := do("again, nothing changed", nil); err != nil {
		return res, err
	}

	file, orig, letter, err := pickFile(root)
	if err != nil {
		return res, err
	}
	if file == "" {
		p.printf("no Go file with a comment under %s: nothing to edit\n", root)
		return res, nil
	}
	res.file = file

	// Each edit starts from the state the previous one left.
	appended := appendFunc(orig)
	appendedPath, err := writeTemp(tmp, file, appended)
	if err != nil {
		return res, err
	}
	if _, err := do("edit: append a function to "+file, func() { c.replace(file, appendedPath) }); err != nil {
		return res, err
	}

	// orig is a prefix of appended, so the letter is at the same index.
	changed := bytes.Clone(appended)
	changed[letter] = otherLetter(changed[letter])
	changedPath, err := writeTemp(tmp, file, changed)
	if err != nil {
		return res, err
	}
	s, err := do("edit: change one letter in a comment of "+file, func() { c.replace(file, changedPath) })
	if err != nil {
		return res, err
	}
	p.detail("line %d: %q became %q\n", 1+bytes.Count(orig[:letter], []byte("\n")), appended[letter], changed[letter])
	p.cutoff(s)

	s, err = do("edit: undo", func() { c.restore(file) })
	if err != nil {
		return res, err
	}
	p.detail("totals equal the full run's: %v\n", s.totals == full.totals)
	return res, nil
}

// pickFile returns the Go file to edit, relative to root and slash-separated,
// its contents, and the index in them of a letter in a comment. It prefers
// strings/strings.go, then the first suitable file of a sorted walk. file is
// empty when no Go file has a comment line with a letter.
func pickFile(root string) (file string, data []byte, letter int, err error) {
	try := func(rel string) bool {
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
		if err != nil {
			return false
		}
		if i := commentLetter(b); i >= 0 {
			file, data, letter = rel, b, i
			return true
		}
		return false
	}
	if try("strings/strings.go") {
		return file, data, letter, nil
	}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		// Parts of the tree that cannot be read are skipped here as they
		// are in the count.
		if err != nil || !d.Type().IsRegular() || !strings.HasSuffix(p, ".go") {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		if try(filepath.ToSlash(rel)) {
			return fs.SkipAll
		}
		return nil
	})
	return file, data, letter, err
}

// commentLetter returns the index of the first ASCII letter of the first line
// starting with "//" that has one, or -1.
func commentLetter(data []byte) int {
	off := 0
	for line := range bytes.Lines(data) {
		if bytes.HasPrefix(line, []byte("//")) {
			if i := bytes.IndexFunc(line, isASCIILetter); i >= 0 {
				return off + i
			}
		}
		off += len(line)
	}
	return -1
}

func isASCIILetter(r rune) bool { return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' }

// otherLetter returns a different letter of the same case.
func otherLetter(b byte) byte {
	if b == 'z' || b == 'Z' {
		return b - 1
	}
	return b + 1
}

// appendFunc returns data with a function appended, which adds two lines:
// a blank one and the function.
func appendFunc(data []byte) []byte {
	out := bytes.Clone(data)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	return append(out, "\nfunc linecountAdded() int { return 42 }\n"...)
}

// writeTemp writes content to a new file in dir, named after file.
func writeTemp(dir, file string, content []byte) (string, error) {
	f, err := os.CreateTemp(dir, "*-"+path.Base(file))
	if err != nil {
		return "", err
	}
	_, err = f.Write(content)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return f.Name(), err
}

// printer writes the report of the steps.
type printer struct {
	w     io.Writer
	quiet bool
}

// listMax is the longest list of executions printed in full; longer ones
// are summarized by task function.
const listMax = 10

func (p printer) printf(format string, args ...any) { fmt.Fprintf(p.w, format, args...) }

func (p printer) detail(format string, args ...any) {
	if !p.quiet {
		p.printf("  "+format, args...)
	}
}

// step prints s; prev is the totals before it, zero for the first step.
func (p printer) step(s step, prev DirStats) {
	tasks := "tasks"
	if s.executed == 1 {
		tasks = "task"
	}
	p.printf("%s: %s; executed %d %s in %v\n", s.title, s.totals, s.executed, tasks, round(s.wall))
	if len(s.ran) > 0 {
		p.detail("ran: %s\n", summarize(s.ran))
	}
	if prev != (DirStats{}) && s.totals != prev {
		p.detail("change: %+d files, %+d lines, %+d bytes, %+d funcs\n",
			s.totals.Files-prev.Files, s.totals.Lines-prev.Lines, s.totals.Bytes-prev.Bytes, s.totals.Funcs-prev.Funcs)
	}
}

// cutoff says whether the engine stopped at the file's task.
func (p printer) cutoff(s step) {
	n := 0
	for _, label := range s.ran {
		if strings.HasPrefix(label, "dirStats(") {
			n++
		}
	}
	if n == 0 {
		p.detail("cut off: dirStats not re-run\n")
	} else {
		p.detail("no cut off: %d dirStats re-run\n", n)
	}
}

// summarize lists the labels, or counts them by task function when there
// are too many to read.
func summarize(ran []string) string {
	if len(ran) <= listMax {
		return strings.Join(ran, ", ")
	}
	counts := make(map[string]int)
	var fns []string
	for _, label := range ran {
		fn, _, _ := strings.Cut(label, "(")
		if counts[fn] == 0 {
			fns = append(fns, fn)
		}
		counts[fn]++
	}
	slices.Sort(fns)
	parts := make([]string, len(fns))
	for i, fn := range fns {
		parts[i] = fmt.Sprintf("%d %s", counts[fn], fn)
	}
	return strings.Join(parts, ", ")
}

// round keeps three significant digits or so, which is all a single wall
// time measurement is worth.
func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	default:
		return d.Round(time.Microsecond)
	}
}
