package analyze

import (
	"cmp"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sync"
)

// Entries lists the directory dir: the names of its regular files and of its
// subdirectories, sorted, leaving out what Skip excludes. Symbolic links,
// devices, pipes and sockets are left out: following links could count a file
// twice or loop, and reading a pipe may block.
func Entries(dir string) (files, dirs []string, err error) {
	des, err := os.ReadDir(dir)
	for _, de := range des {
		switch t := de.Type(); {
		case t.IsDir():
			if !Skip(de.Name()) {
				dirs = append(dirs, de.Name())
			}
		case t.IsRegular():
			files = append(files, de.Name())
		}
	}
	return files, dirs, err
}

// ReadFile reads and analyzes the file rel (slash-separated) of the tree at
// root. A file that cannot be read is counted with no lines, marked Failed,
// and reported as a diagnostic, as is a Go file that does not parse.
func ReadFile(root, rel string) (File, *Diagnostic) {
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		return File{Lang: Language(rel), Failed: true}, &Diagnostic{Path: rel, Message: Unreadable(err)}
	}
	return Analyze(rel, data)
}

// Unreadable describes why a file or directory could not be read, without
// repeating its path.
func Unreadable(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		err = pe.Err
	}
	return "cannot read: " + err.Error()
}

// Index is the whole index of a tree, as Walk computes it.
type Index struct {
	Summary     Summary      `json:"summary"`
	Packages    []Package    `json:"packages"`
	Diagnostics []Diagnostic `json:"diagnostics"`
}

// Walk indexes the tree at root in one pass, with no engine and no caching:
// it lists every directory, then reads and analyzes the files with workers
// goroutines (at least one), then adds up each directory and the tree. It is
// the baseline the cellar command's full run is measured against, and the
// reference its tests compare with.
func Walk(root string, workers int) Index {
	type job struct {
		dir, rel string
		slot     *File
	}
	type dirFiles struct {
		dir   string
		files []File
	}
	var (
		dirs  []*dirFiles
		jobs  []job
		diags []Diagnostic
	)
	var list func(rel string)
	list = func(rel string) {
		files, subdirs, err := Entries(filepath.Join(root, filepath.FromSlash(rel)))
		if err != nil {
			diags = append(diags, Diagnostic{Path: rel, Message: Unreadable(err)})
		}
		d := &dirFiles{dir: rel, files: make([]File, len(files))}
		dirs = append(dirs, d)
		for i, name := range files {
			jobs = append(jobs, job{dir: rel, rel: path.Join(rel, name), slot: &d.files[i]})
		}
		for _, name := range subdirs {
			list(path.Join(rel, name))
		}
	}
	list(".")

	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		next = make(chan job)
	)
	for range max(workers, 1) {
		wg.Go(func() {
			for j := range next {
				f, d := ReadFile(root, j.rel)
				*j.slot = f
				if d != nil {
					mu.Lock()
					diags = append(diags, *d)
					mu.Unlock()
				}
			}
		})
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()

	idx := Index{Packages: make([]Package, len(dirs))}
	for i, d := range dirs {
		idx.Packages[i] = Aggregate(d.dir, d.files)
	}
	slices.SortFunc(idx.Packages, func(a, b Package) int { return cmp.Compare(a.Dir, b.Dir) })
	slices.SortFunc(diags, func(a, b Diagnostic) int { return cmp.Compare(a.Path, b.Path) })
	idx.Summary = Summarize(idx.Packages)
	idx.Diagnostics = diags
	return idx
}
