package selfref_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/cellar-go/cellar/selfref"
)

// lineIndex is an index of the lines of a file: it reads them through the
// file it was built over, so it must not outlive it.
type lineIndex struct {
	file   *os.File
	starts []int64 // the offset of each line, and of the end
}

func buildIndex(f *os.File) (*lineIndex, error) {
	x := &lineIndex{file: f, starts: []int64{0}}
	r := bufio.NewReader(io.NewSectionReader(f, 0, 1<<62))
	var off int64
	for {
		line, err := r.ReadBytes('\n')
		off += int64(len(line))
		if len(line) > 0 {
			x.starts = append(x.starts, off)
		}
		if err == io.EOF {
			return x, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// Line reads line i from the file.
func (x *lineIndex) Line(i int) (string, error) {
	buf := make([]byte, x.starts[i+1]-x.starts[i])
	if _, err := x.file.ReadAt(buf, x.starts[i]); err != nil {
		return "", err
	}
	return strings.TrimSuffix(string(buf), "\n"), nil
}

// Close runs before the file's Close: the index may still use the file.
func (x *lineIndex) Close() error {
	_, err := x.file.Stat()
	fmt.Println("closing the index; the file is still open:", err == nil)
	return nil
}

// A real case: an *os.File and an index built over it, in one value.
// TryNew builds the index from the file inside the Cell; Close closes the
// index first, while the file is still open, then the file.
func Example_file() {
	dir, _ := os.MkdirTemp("", "selfref")
	defer os.RemoveAll(dir)
	name := filepath.Join(dir, "poem.txt")
	os.WriteFile(name, []byte("one\ntwo\nthree\n"), 0o666)

	f, err := os.Open(name)
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := selfref.TryNew(f, func(f **os.File) (*lineIndex, error) { return buildIndex(*f) })
	if err != nil {
		fmt.Println(err) // f is closed already
		return
	}
	c.WithDependent(func(x **lineIndex) {
		line, _ := (*x).Line(1)
		fmt.Println("line 1:", line)
	})
	if err := c.Close(); err != nil {
		fmt.Println(err)
	}
	_, err = f.Stat()
	fmt.Println("the file is closed:", errors.Is(err, os.ErrClosed))
	// Output:
	// line 1: two
	// closing the index; the file is still open: true
	// the file is closed: true
}

// New builds a dependent from a pointer to the owner inside the Cell: here
// a slice into an array the Cell owns.
func ExampleNew() {
	c := selfref.New([8]byte{'s', 'e', 'l', 'f', '-', 'r', 'e', 'f'}, func(buf *[8]byte) []byte {
		return buf[5:]
	})
	defer c.Close()
	c.With(func(buf *[8]byte, tail *[]byte) {
		(*tail)[0] = 'R' // writes into the owner
		fmt.Printf("%s %s\n", buf[:], *tail)
	})
	// Output:
	// self-Ref Ref
}

// tracked is a resource that prints when it is closed.
type tracked string

func (t tracked) Close() error {
	fmt.Println("close", string(t))
	return nil
}

// A chain of three: an owner, a borrower of it, and a borrower of the
// borrower. Close closes them in reverse order.
func ExampleNewChain3() {
	ch := selfref.NewChain3(tracked("db"),
		func(db *tracked) tracked { return tracked("tx on " + string(*db)) },
		func(_ *tracked, tx *tracked) tracked { return tracked("stmt in " + string(*tx)) })
	ch.WithTail(func(stmt *tracked) { fmt.Println("using", string(*stmt)) })
	ch.Close()
	// Output:
	// using stmt in tx on db
	// close stmt in tx on db
	// close tx on db
	// close db
}

// A builder that fails: TryNew closes the owner, TryNewOrRecover hands it
// back along with the error, which names the field that failed.
func ExampleTryNewOrRecover() {
	parse := func(src *string) (int, error) {
		var n int
		_, err := fmt.Sscan(*src, &n)
		return n, err
	}
	_, owner, err := selfref.TryNewOrRecover("not a number", parse)
	fmt.Println(err)
	fmt.Printf("recovered %q\n", owner)

	var be *selfref.BuildError
	fmt.Println(errors.As(err, &be), be.Field)
	// Output:
	// selfref: building dependent: expected integer
	// recovered "not a number"
	// true dependent
}

// NewContext passes a context to the builder, and does not call it once
// the context has ended: Go's counterpart of an async builder.
func ExampleNewContext() {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := selfref.NewContext(ctx, tracked("conn"), func(ctx context.Context, c *tracked) (string, error) {
		return "session on " + string(*c), nil
	})
	fmt.Println(errors.Is(err, context.Canceled))
	// Output:
	// close conn
	// true
}

// After Close (or IntoOwner), every view and borrow reports ErrClosed
// instead of handing out stale data.
func ExampleCell_Close() {
	c := selfref.New(tracked("owner"), func(o *tracked) tracked { return "dependent of " + *o })
	fmt.Println(c.Close())
	fmt.Println(c.Close()) // closing again does nothing
	err := c.WithDependent(func(d *tracked) { fmt.Println("never runs") })
	fmt.Println(err, errors.Is(err, selfref.ErrClosed))
	_, err = c.BorrowOwner()
	fmt.Println(err)
	// Output:
	// close dependent of owner
	// close owner
	// <nil>
	// <nil>
	// selfref: bundle is closed true
	// selfref: bundle is closed
}

// BorrowDependent lends the dependent for as long as the Cell is open:
// each Get reads it in a shared view, and once the Cell is closed, Get
// reports it instead of reading a field that Close has reset.
func ExampleCell_BorrowDependent() {
	c := selfref.New("hello", func(s *string) int { return len(*s) })
	n, err := c.BorrowDependent()
	fmt.Println(err)
	fmt.Println(n.Get())
	c.Close()
	fmt.Println(n.Get())
	// Output:
	// <nil>
	// 5 <nil>
	// 0 selfref: bundle is closed
}

// IntoOwner closes the dependent only and hands the owner back.
func ExampleCell_IntoOwner() {
	c := selfref.New(tracked("file"), func(f *tracked) tracked { return "reader of " + *f })
	owner, err := c.IntoOwner()
	fmt.Println(owner, err)
	// Output:
	// close reader of file
	// file <nil>
}

// Clone shares the owner between Cells (rental's clone, for a head that
// can be shared); the owner is closed with the last of them.
func ExampleCell_Clone() {
	c := selfref.New(tracked("pool"), func(p *tracked) tracked { return "conn 1 of " + *p })
	d, _ := c.Clone(func(p *tracked, _ *tracked) tracked { return "conn 2 of " + *p })
	c.Close()
	fmt.Println("--")
	d.Close()
	// Output:
	// close conn 1 of pool
	// --
	// close conn 2 of pool
	// close pool
}

// String prints the fields while the Cell is open, and its state once it
// is not; it never blocks or panics.
func ExampleCell_String() {
	c := selfref.New([]int{1, 2, 3}, func(s *[]int) int { return len(*s) })
	fmt.Println(c)
	c.WithMut(func(*[]int, *int) { fmt.Println(c) })
	c.Close()
	fmt.Println(c)
	// Output:
	// selfref.Cell{owner: [1 2 3], dependent: 3}
	// selfref.Cell{busy}
	// selfref.Cell{closed}
}

// MapDependent turns the dependent into another type, keeping the owner
// where it is (rental's map_suffix).
func ExampleMapDependent() {
	c := selfref.New([]byte("key=value"), func(b *[]byte) []byte { return *b })
	v, _ := selfref.MapDependent(c, func(d []byte) string {
		_, value, _ := bytes.Cut(d, []byte("="))
		return string(value)
	})
	defer v.Close()
	v.WithDependent(func(s *string) { fmt.Println(*s) })
	// Output:
	// value
}

// NewSub builds a bundle whose head is another bundle (rental's
// subrental): the new dependent borrows both fields of the head, and
// closing the new bundle closes its dependent, then the whole head.
func ExampleNewSub() {
	file := selfref.New(tracked("file"), func(f *tracked) tracked { return "decoder of " + *f })
	cursor, err := selfref.NewSub(file, func(f *tracked, dec *tracked) tracked { return "cursor of " + *dec })
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(file.Close()) // the head belongs to the new bundle
	cursor.Close()
	// Output:
	// selfref: bundle is the head of another bundle
	// close cursor of decoder of file
	// close decoder of file
	// close file
}

// A RentMutex holds a lock for its whole life: rental's RentMutex, a mutex
// and its guard in one value that can be stored or passed around.
func ExampleNewRentMutex() {
	var mu sync.Mutex
	counts := map[string]int{}
	r := selfref.NewRentMutex(&mu, &counts)
	r.WithMut(func(m *map[string]int) { (*m)["a"]++ })
	fmt.Println("locked:", !mu.TryLock())
	r.Close()
	fmt.Println("locked:", !mu.TryLock())
	mu.Unlock()
	// Output:
	// locked: true
	// locked: false
}

// A RentRWMutex holds a read lock: other readers may still get in.
func ExampleNewRentRWMutex() {
	var mu sync.RWMutex
	config := "debug=true"
	r := selfref.NewRentRWMutex(&mu, &config)
	r.With(func(c *string) { fmt.Println(*c) })
	fmt.Println("writer kept out:", !mu.TryLock())
	r.Close()
	fmt.Println("writer kept out:", !mu.TryLock())
	// Output:
	// debug=true
	// writer kept out: true
	// writer kept out: false
}

// Close on another goroutine waits for the views in progress: the view
// below reads its dependent to the end, and only then is the Cell closed.
// Inside the view, closing the same Cell is reported, not a deadlock.
func ExampleCell_With_concurrentClose() {
	c := selfref.New(tracked("file"), func(f *tracked) tracked { return "reader of " + *f })
	closed := make(chan error)
	err := c.WithDependent(func(d *tracked) {
		fmt.Println(c.Close())
		go func() { closed <- c.Close() }()
		fmt.Println("still reading", *d)
	})
	fmt.Println(err, <-closed)
	// Output:
	// selfref: called inside a view, the operation would wait for another view or a Close of the bundle
	// still reading reader of file
	// close reader of file
	// close file
	// <nil> <nil>
}

// counter is a bundle written by hand: a Lifecycle, and views built from
// Shared and Exclusive, which count and lock them as the package's
// bundles do.
type counter struct {
	life selfref.Lifecycle
	n    int
}

func (c *counter) Get() (n int, err error) {
	err = selfref.Shared(&c.life, &c.n, func(p *int) { n = *p })
	return n, err
}

func (c *counter) Add(d int) error {
	return selfref.Exclusive(&c.life, &c.n, func(p *int) { *p += d })
}

func (c *counter) Close() error { return c.life.Close(selfref.Field("n", &c.n)) }

func ExampleShared() {
	c := new(counter)
	c.life.MustBuild(selfref.Step{Slot: selfref.Field("n", &c.n)})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { _ = c.Add(1) })
	}
	wg.Wait()
	fmt.Println(c.Get())
	c.Close()
	fmt.Println(c.Get())
	// Output:
	// 4 <nil>
	// 0 selfref: bundle is closed
}

// TrackOpen and Open list the bundles nobody closed, with the line that
// built each: a leak report for the end of a test.
func ExampleOpen() {
	selfref.TrackOpen(true)
	defer selfref.TrackOpen(false)
	a := selfref.New(1, func(o *int) *int { return o })
	b := selfref.New(2, func(o *int) *int { return o })
	a.Close()
	for _, l := range selfref.Open() {
		fmt.Println(l.Bundle, strings.Contains(l.Site, "example_test.go"))
	}
	b.Close()
	fmt.Println(len(selfref.Open()))
	// Output:
	// selfref.Cell true
	// 0
}
