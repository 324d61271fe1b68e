package selfref_test

import (
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/cellar-go/cellar/selfref"
)

// cloneInt is a cloneDep for Cell[int, int].
func cloneInt(_ *int, d *int) int { return *d }

// IntoOwner that begins while a Clone's view runs either reports
// ErrShared or makes the Clone fail: never do both succeed, handing back
// an owner that the clone still uses.
func TestIntoOwnerDuringCloneRace(t *testing.T) {
	c := selfref.New(1, func(*int) int { return 2 })
	started, into := make(chan struct{}), make(chan struct{})
	var intoErr error
	go func() {
		<-started
		_, intoErr = c.IntoOwner()
		close(into)
	}()
	var cl *selfref.Cell[int, int]
	var cloneErr error
	noHang(t, "Clone racing IntoOwner", func() {
		cl, cloneErr = c.Clone(func(o *int, d *int) int {
			close(started)
			// Let IntoOwner begin (its check, then marking c closed)
			// before the clone is done, or let it return.
			for !strings.HasSuffix(c.String(), "{closed}") {
				select {
				case <-into:
					return *d
				default:
					runtime.Gosched()
				}
			}
			return *d
		})
		<-into
	})
	if cloneErr == nil && intoErr == nil {
		t.Fatal("IntoOwner and Clone both succeeded: the owner was handed back while a clone shares it")
	}
	if cloneErr == nil {
		wantErr(t, intoErr, selfref.ErrShared)
		if err := cl.Close(); err != nil {
			t.Error(err)
		}
	}
	if intoErr == nil {
		wantErr(t, cloneErr, selfref.ErrClosed)
	}
	if err := c.Close(); err != nil {
		t.Error(err)
	}
}

// The same, racing freely: of IntoOwner and Clone, at most one succeeds,
// and the owner is closed exactly once or handed back.
func TestIntoOwnerAndCloneHammer(t *testing.T) {
	for range 500 {
		j := new(journal)
		c := selfref.New(&res{name: "owner", j: j}, func(*(*res)) int { return 0 })
		var wg sync.WaitGroup
		var owner *res
		var intoErr, cloneErr error
		var cl *selfref.Cell[*res, int]
		wg.Go(func() { owner, intoErr = c.IntoOwner() })
		wg.Go(func() {
			cl, cloneErr = c.Clone(func(_ **res, d *int) int { return *d })
		})
		wg.Wait()
		switch {
		case intoErr == nil && cloneErr == nil:
			t.Fatal("IntoOwner and Clone both succeeded")
		case intoErr == nil:
			wantErr(t, cloneErr, selfref.ErrClosed)
			owner.Close()
		case cloneErr == nil:
			wantErr(t, intoErr, selfref.ErrShared)
			c.Close()
			cl.Close()
		default:
			t.Fatalf("IntoOwner: %v; Clone: %v", intoErr, cloneErr)
		}
		wantEvents(t, j, "close owner")
	}
}

// An IntoOwner refused with ErrInView changes nothing: the Cell can still
// be cloned, and handed back once its clones are closed.
func TestIntoOwnerInViewKeepsTheCellCloneable(t *testing.T) {
	c := selfref.New(1, func(*int) int { return 2 })
	err := c.WithDependent(func(*int) {
		_, err := c.IntoOwner()
		wantErr(t, err, selfref.ErrInView)
	})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := c.Clone(cloneInt)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.IntoOwner()
	wantErr(t, err, selfref.ErrShared)
	if err := cl.Close(); err != nil {
		t.Fatal(err)
	}
	if o, err := c.IntoOwner(); err != nil || o != 1 {
		t.Fatalf("IntoOwner = %v, %v", o, err)
	}
}
