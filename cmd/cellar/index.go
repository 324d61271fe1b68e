package main

import (
	"cmp"
	"context"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/cellar-go/cellar"
	"github.com/cellar-go/cellar/cmd/cellar/internal/analyze"
)

// listing is a directory's entries as the index sees them.
type listing struct {
	Files []string // names of regular files, sorted
	Dirs  []string // names of subdirectories, sorted, hidden ones left out
}

// Equal reports whether l and m list the same entries.
func (l listing) Equal(m listing) bool {
	return slices.Equal(l.Files, m.Files) && slices.Equal(l.Dirs, m.Dirs)
}

// treeIndex is the value of the tree task: the summary and every directory.
type treeIndex struct {
	Summary  analyze.Summary
	Packages []analyze.Package // sorted by Dir
}

// Equal reports whether t and u are the same.
func (t treeIndex) Equal(u treeIndex) bool {
	return t.Summary.Equal(u.Summary) &&
		slices.EqualFunc(t.Packages, u.Packages, analyze.Package.Equal)
}

// indexer holds the engine and the task functions that index one tree, and
// the invalidators through which changes of the tree reach the tasks.
//
// Task arguments are slash-separated paths relative to the root, "." for the
// root itself, so that task names read like paths of the tree:
//
//   - listDir(dir) reads a directory: its files and subdirectories. Its
//     invalidator fires when an entry is created, removed or renamed.
//   - file(path) reads and parses one file into an analyze.File, emitting an
//     analyze.Diagnostic when it cannot be read or does not parse. Its
//     invalidator fires when the file changes. Edits that change nothing the
//     index records (a comment, a function body) stop here.
//   - pkg(dir) adds up a directory's files into an analyze.Package: language
//     counts, Go package clause, import set, exported identifiers. It runs
//     again when a file of the directory changes its record or the listing
//     of the directory changes.
//   - dirs(dir) lists every directory below dir, itself included. It depends
//     only on listings, so it runs again when directories come and go, and
//     stops there when a listing changed only in its files.
//   - tree(dir) reads dirs and every pkg, and makes the summary. Its
//     diagnostics are the collectibles of everything below it.
type indexer struct {
	root   string
	engine *cellar.Engine

	listDir *cellar.Func1[string, listing]
	file    *cellar.Func1[string, analyze.File]
	pkg     *cellar.Func1[string, analyze.Package]
	dirs    *cellar.Func1[string, []string]
	tree    *cellar.Func1[string, treeIndex]

	mu      sync.Mutex
	fileInv map[string]cellar.Invalidator // file -> its file task
	dirInv  map[string]cellar.Invalidator // directory -> its listDir task
}

// newIndexer returns an indexer of the tree at root with a new engine
// created with opts.
func newIndexer(root string, opts *cellar.Options) *indexer {
	e := cellar.New(opts)
	ix := &indexer{
		root:    root,
		engine:  e,
		fileInv: make(map[string]cellar.Invalidator),
		dirInv:  make(map[string]cellar.Invalidator),
	}
	ix.listDir = cellar.NewFunc1(e, "listDir", ix.runListDir)
	ix.file = cellar.NewFunc1(e, "file", ix.runFile)
	ix.pkg = cellar.NewFunc1(e, "pkg", ix.runPkg)
	ix.dirs = cellar.NewFunc1(e, "dirs", ix.runDirs)
	ix.tree = cellar.NewFunc1(e, "tree", ix.runTree)
	return ix
}

// Close stops the engine.
func (ix *indexer) Close() error { return ix.engine.Close() }

func (ix *indexer) abs(rel string) string {
	return filepath.Join(ix.root, filepath.FromSlash(rel))
}

func (ix *indexer) runListDir(ctx context.Context, dir string) (listing, error) {
	// Registered before the read, so that a change made while the
	// directory is being read is not missed.
	inv := cellar.InvalidatorFor(ctx)
	ix.mu.Lock()
	ix.dirInv[dir] = inv
	ix.mu.Unlock()
	files, dirs, err := analyze.Entries(ix.abs(dir))
	if err != nil {
		// An unreadable directory is reported and indexed as what could
		// be read of it, never a failure of the whole index.
		cellar.Emit(ctx, analyze.Diagnostic{Path: dir, Message: analyze.Unreadable(err)})
	}
	return listing{Files: files, Dirs: dirs}, nil
}

func (ix *indexer) runFile(ctx context.Context, file string) (analyze.File, error) {
	inv := cellar.InvalidatorFor(ctx)
	ix.mu.Lock()
	ix.fileInv[file] = inv
	ix.mu.Unlock()
	f, diag := analyze.ReadFile(ix.root, file)
	if diag != nil {
		cellar.Emit(ctx, *diag)
	}
	return f, nil
}

func (ix *indexer) runPkg(ctx context.Context, dir string) (analyze.Package, error) {
	l, err := ix.listDir.Call(ctx, dir).Get(ctx)
	if err != nil {
		return analyze.Package{}, err
	}
	// Every file is called before any is read, so that they run in
	// parallel.
	vcs := make([]cellar.Vc[analyze.File], len(l.Files))
	for i, name := range l.Files {
		vcs[i] = ix.file.Call(ctx, path.Join(dir, name))
	}
	files := make([]analyze.File, len(vcs))
	for i, vc := range vcs {
		if files[i], err = vc.Get(ctx); err != nil {
			return analyze.Package{}, err
		}
	}
	return analyze.Aggregate(dir, files), nil
}

func (ix *indexer) runDirs(ctx context.Context, dir string) ([]string, error) {
	l, err := ix.listDir.Call(ctx, dir).Get(ctx)
	if err != nil {
		return nil, err
	}
	vcs := make([]cellar.Vc[[]string], len(l.Dirs))
	for i, name := range l.Dirs {
		vcs[i] = ix.dirs.Call(ctx, path.Join(dir, name))
	}
	all := []string{dir}
	for _, vc := range vcs {
		sub, err := vc.Get(ctx)
		if err != nil {
			return nil, err
		}
		all = append(all, sub...)
	}
	return all, nil
}

func (ix *indexer) runTree(ctx context.Context, dir string) (treeIndex, error) {
	dirs, err := ix.dirs.Call(ctx, dir).Get(ctx)
	if err != nil {
		return treeIndex{}, err
	}
	vcs := make([]cellar.Vc[analyze.Package], len(dirs))
	for i, d := range dirs {
		vcs[i] = ix.pkg.Call(ctx, d)
	}
	t := treeIndex{Packages: make([]analyze.Package, len(vcs))}
	for i, vc := range vcs {
		if t.Packages[i], err = vc.Get(ctx); err != nil {
			return treeIndex{}, err
		}
	}
	slices.SortFunc(t.Packages, func(a, b analyze.Package) int { return cmp.Compare(a.Dir, b.Dir) })
	t.Summary = analyze.Summarize(t.Packages)
	return t, nil
}

// read returns the index of the whole tree, up to date with every change
// reported so far: the tree task's value and its diagnostics, sorted by path.
func (ix *indexer) read(ctx context.Context) (analyze.Index, error) {
	op := ix.tree.CallOperation(ctx, ".")
	t, err := op.ReadStronglyConsistent(ctx)
	if err != nil {
		return analyze.Index{}, err
	}
	seq, err := cellar.Peek[analyze.Diagnostic](ctx, op)
	if err != nil {
		return analyze.Index{}, err
	}
	diags := slices.SortedFunc(seq, func(a, b analyze.Diagnostic) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Message, b.Message))
	})
	return analyze.Index{Summary: t.Summary, Packages: t.Packages, Diagnostics: diags}, nil
}

// changed tells the tasks that looked at the path rel (slash-separated,
// relative to the root) that it changed. created says whether an entry may
// have appeared, disappeared or been renamed there, which changes the
// listing of its directory too. It reports whether any task was invalidated.
func (ix *indexer) changed(rel string, created bool) bool {
	ix.mu.Lock()
	var invs []cellar.Invalidator
	if inv, ok := ix.fileInv[rel]; ok {
		invs = append(invs, inv)
	}
	if inv, ok := ix.dirInv[rel]; ok {
		invs = append(invs, inv)
	}
	if created && rel != "." {
		if inv, ok := ix.dirInv[path.Dir(rel)]; ok {
			invs = append(invs, inv)
		}
		// A directory that appeared, vanished or was renamed here
		// changes everything that was read below it.
		below := rel + "/"
		for p, inv := range ix.fileInv {
			if strings.HasPrefix(p, below) {
				invs = append(invs, inv)
			}
		}
		for p, inv := range ix.dirInv {
			if strings.HasPrefix(p, below) {
				invs = append(invs, inv)
			}
		}
	}
	ix.mu.Unlock()
	for _, inv := range invs {
		inv.Invalidate()
	}
	return len(invs) > 0
}

// relPath returns the slash-separated path of the file name relative to the
// root, and false when it is outside the tree or in a part the index skips.
func (ix *indexer) relPath(name string) (string, bool) {
	rel, err := filepath.Rel(ix.root, name)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	rel = filepath.ToSlash(rel)
	// The index skips hidden directories, not hidden files.
	dir, base := path.Split(rel)
	for part := range strings.SplitSeq(strings.TrimSuffix(dir, "/"), "/") {
		if analyze.Skip(part) {
			return "", false
		}
	}
	if analyze.Skip(base) {
		if fi, err := os.Lstat(name); err == nil && fi.IsDir() {
			return "", false
		}
	}
	return rel, true
}

// everything returns every path a task has looked at, as changes to report
// when the watcher lost track of what changed.
func (ix *indexer) everything() map[string]bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	all := make(map[string]bool, len(ix.fileInv)+len(ix.dirInv))
	for p := range ix.fileInv {
		all[p] = false
	}
	for p := range ix.dirInv {
		all[p] = true
	}
	return all
}
