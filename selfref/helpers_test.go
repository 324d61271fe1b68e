package selfref_test

import (
	"errors"
	"github.com/cellar-go/cellar/selfref"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
)

// journal records, in order, what the resources of a test did.
type journal struct {
	mu     sync.Mutex
	events []string
}

func (j *journal) add(e string) {
	j.mu.Lock()
	j.events = append(j.events, e)
	j.mu.Unlock()
}

func (j *journal) get() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.events)
}

// res is a resource that records its Close in a journal and fails it with
// err. closed is atomic so that the concurrency tests can check it.
type res struct {
	name   string
	j      *journal
	err    error
	closed atomic.Int32
}

func (r *res) Close() error {
	r.closed.Add(1)
	r.j.add("close " + r.name)
	return r.err
}

func (r *res) String() string { return r.name }

// borrower is a dependent that borrows a res and records its own Close.
type borrower struct {
	res
	from *res
}

func newBorrower(name string, from *res) *borrower {
	return &borrower{res: res{name: name, j: from.j}, from: from}
}

func wantEvents(t *testing.T, j *journal, want ...string) {
	t.Helper()
	if got := j.get(); !slices.Equal(got, want) {
		t.Errorf("events = %q, want %q", got, want)
	}
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("err = %v, want %v", err, target)
	}
}

// copyOf returns a copy of *p made without go vet seeing it: the misuse
// the runtime copy check is there to catch.
func copyOf[T any](p *T) *T {
	q := new(T)
	reflect.ValueOf(q).Elem().Set(reflect.ValueOf(p).Elem())
	return q
}

// recovered runs f and returns what it panicked with.
func recovered(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

var errBuild = errors.New("build failed")

// addr returns the address of the field a borrow lends, read in a shared
// view, or nil if the borrow or the view fails.
func addr[T any](b selfref.Borrowed[T], err error) *T {
	if err != nil {
		return nil
	}
	var p *T
	if b.With(func(q *T) { p = q }) != nil {
		return nil
	}
	return p
}

// must returns v, ignoring err: for reads whose error a test checks
// through the value.
func must[T any](v T, err error) T { return v }
