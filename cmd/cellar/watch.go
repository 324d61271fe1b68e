package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"
)

// watcher watches every directory of the tree for changes.
type watcher struct {
	root    string
	fsw     *fsnotify.Watcher
	watched map[string]bool // absolute paths of the directories watched
}

func newWatcher(root string) (*watcher, error) {
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, watchError(err)
	}
	return &watcher{root: root, fsw: fsw, watched: make(map[string]bool)}, nil
}

func (w *watcher) Close() error { return w.fsw.Close() }

// add watches the directory dir. A directory that vanished in the meantime
// is not an error.
func (w *watcher) add(dir string) error {
	if w.watched[dir] {
		return nil
	}
	if err := w.fsw.Add(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return watchError(err)
	}
	w.watched[dir] = true
	return nil
}

// forget drops dir and every directory below it from the watched set: they
// are gone, or elsewhere, and a directory that takes their place must be
// watched anew.
func (w *watcher) forget(dir string) {
	below := dir + string(filepath.Separator)
	for p := range w.watched {
		if p == dir || strings.HasPrefix(p, below) {
			delete(w.watched, p)
		}
	}
}

// addTree watches dir and every directory below it that the index does not
// skip: for a directory created while watching, whose listing the index
// will read after this.
func (w *watcher) addTree(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil // unreadable parts are the index's to report
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		return w.add(p)
	})
}

// watchError translates the errors of the kernel's watch limits into
// messages that say what to do.
func watchError(err error) error {
	switch {
	case errors.Is(err, syscall.ENOSPC):
		limit := "?"
		if b, rerr := os.ReadFile("/proc/sys/fs/inotify/max_user_watches"); rerr == nil {
			limit = strings.TrimSpace(string(b))
		}
		return fmt.Errorf("cannot watch the tree: the inotify watch limit (fs.inotify.max_user_watches = %s) is reached; "+
			"raise it, for example with: sudo sysctl fs.inotify.max_user_watches=524288", limit)
	case errors.Is(err, syscall.EMFILE):
		return fmt.Errorf("cannot watch the tree: too many inotify instances (fs.inotify.max_user_instances); " +
			"close other watching programs or raise the limit with sysctl")
	}
	return fmt.Errorf("cannot watch the tree: %v", err)
}

// watch keeps the index up to date with the tree until ctx is done: it
// collects the changes fsnotify reports until none came for the debounce
// delay, then updates the index and prints what changed.
func (s *session) watch(ctx context.Context) error {
	w, err := newWatcher(s.root)
	if err != nil {
		return err
	}
	defer w.Close()
	if err := s.watchIndexed(w); err != nil {
		return err
	}
	fmt.Fprintf(s.notices(), "watching %s (%d directories); press Ctrl-C to stop\n", s.root, len(w.watched))

	pending := make(map[string]bool)
	debounce := time.NewTimer(0)
	<-debounce.C
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return nil
			}
			rel, ok := s.ix.relPath(ev.Name)
			if !ok {
				continue
			}
			created := ev.Has(fsnotify.Create) || ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename)
			pending[rel] = pending[rel] || created
			if ev.Has(fsnotify.Create) {
				if fi, err := os.Lstat(ev.Name); err == nil && fi.IsDir() {
					if err := w.addTree(ev.Name); err != nil {
						return err
					}
				}
			}
			if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
				w.forget(ev.Name)
			}
			debounce.Reset(s.cfg.debounce)
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return nil
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				// Events were lost: every task that looked at the tree
				// must look again.
				fmt.Fprintln(s.stderr, "cellar: too many changes at once; re-reading the whole tree")
				pending = s.ix.everything()
				debounce.Reset(s.cfg.debounce)
				continue
			}
			return watchError(err)
		case <-debounce.C:
			ended := time.Now()
			res, err := s.update(ctx, pending)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
			pending = make(map[string]bool)
			if err := s.print(res, false); err != nil {
				return err
			}
			if s.cfg.timing {
				fmt.Fprintf(s.notices(), "report printed %v after the debounce ended\n", round(time.Since(ended)))
			}
			if err := s.watchIndexed(w); err != nil {
				return err
			}
		}
	}
}

// watchIndexed watches every directory of the latest index: after an update,
// it catches directories whose creation was missed.
func (s *session) watchIndexed(w *watcher) error {
	for _, p := range s.prev.Packages {
		if err := w.add(s.ix.abs(p.Dir)); err != nil {
			return err
		}
	}
	return nil
}
