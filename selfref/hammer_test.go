package selfref_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cellar-go/cellar/selfref"
)

// counted is a dependent whose count the exclusive views increment with
// plain writes and the shared views read, so that the race detector
// reports any exclusive view that is not ordered against the others or
// against Close.
type counted struct {
	borrower
	count int
}

// hammer runs goroutines that loop over views of one bundle until it is
// closed, closes it once every goroutine has completed a view, and checks
// that no view ever saw a closed resource and that every goroutine ended
// on ErrClosed.
func hammer(t *testing.T, views []func(check func(*counted)) error, close func() error) {
	t.Helper()
	const goroutines = 8
	var started, done sync.WaitGroup
	started.Add(goroutines)
	var sawClosed atomic.Int64
	for g := range goroutines {
		done.Go(func() {
			first := true
			for i := g; ; i++ {
				err := views[i%len(views)](func(d *counted) {
					if d.closed.Load() != 0 || d.from.closed.Load() != 0 {
						t.Error("a view saw a closed resource")
					}
				})
				if first {
					first = false
					started.Done()
				}
				if err != nil {
					if errors.Is(err, selfref.ErrClosed) {
						sawClosed.Add(1)
					} else {
						t.Errorf("view: %v", err)
					}
					return
				}
			}
		})
	}
	started.Wait()
	if err := close(); err != nil {
		t.Error(err)
	}
	done.Wait()
	if sawClosed.Load() != goroutines {
		t.Errorf("%d goroutines ended on ErrClosed, want %d", sawClosed.Load(), goroutines)
	}
}

func newCounted(name string, from *res) *counted {
	return &counted{borrower: borrower{res: res{name: name, j: from.j}, from: from}}
}

func TestHammerCellExclusiveViewsAgainstClose(t *testing.T) {
	for range 20 {
		j := new(journal)
		c := selfref.New(&res{name: "owner", j: j}, func(o **res) *counted { return newCounted("dependent", *o) })
		hammer(t, []func(func(*counted)) error{
			func(check func(*counted)) error {
				return c.WithDependentMut(func(d **counted) { check(*d); (*d).count++ })
			},
			func(check func(*counted)) error {
				return c.WithMut(func(o **res, d **counted) {
					check(*d)
					if (*o).closed.Load() != 0 {
						t.Error("a view saw a closed owner")
					}
					(*d).count++
				})
			},
		}, c.Close)
		wantEvents(t, j, "close dependent", "close owner")
	}
}

func TestHammerChain3ExclusiveViewsAgainstClose(t *testing.T) {
	for range 20 {
		j := new(journal)
		ch := selfref.NewChain3(&res{name: "head", j: j},
			func(h **res) *res { return &res{name: "middle", j: j} },
			func(_ **res, m **res) *counted { return newCounted("tail", *m) })
		hammer(t, []func(func(*counted)) error{
			func(check func(*counted)) error {
				return ch.WithTailMut(func(tl **counted) { check(*tl); (*tl).count++ })
			},
			func(check func(*counted)) error {
				return ch.WithMut(func(_ **res, _ **res, tl **counted) { check(*tl); (*tl).count++ })
			},
		}, ch.Close)
		wantEvents(t, j, "close tail", "close middle", "close head")
	}
}

// sharedHammer runs the shared views of one bundle on several goroutines at
// once, each view checking that it sees the bundle open and unmodified;
// once they are done it closes the bundle, and then every view reports
// ErrClosed.
func sharedHammer(t *testing.T, views []func(check func(*counted)) error, close func() error) {
	t.Helper()
	const goroutines, rounds = 8, 200
	var done sync.WaitGroup
	for g := range goroutines {
		done.Go(func() {
			for i := range rounds {
				err := views[(g+i)%len(views)](func(d *counted) {
					if d.closed.Load() != 0 || d.from.closed.Load() != 0 || d.count != 0 {
						t.Error("a shared view saw a closed or modified dependent")
					}
				})
				if err != nil {
					t.Errorf("view: %v", err)
					return
				}
			}
		})
	}
	done.Wait()
	if err := close(); err != nil {
		t.Error(err)
	}
	for i, v := range views {
		if err := v(func(*counted) { t.Errorf("view %d ran after Close", i) }); !errors.Is(err, selfref.ErrClosed) {
			t.Errorf("view %d after Close: %v, want ErrClosed", i, err)
		}
	}
}

func TestHammerCellSharedViews(t *testing.T) {
	j := new(journal)
	c := selfref.New(&res{name: "owner", j: j}, func(o **res) *counted { return newCounted("dependent", *o) })
	sharedHammer(t, []func(func(*counted)) error{
		func(check func(*counted)) error {
			return c.WithDependent(func(d **counted) { check(*d) })
		},
		func(check func(*counted)) error {
			return c.With(func(_ **res, d **counted) { check(*d) })
		},
		func(check func(*counted)) error {
			return c.WithOwner(func(o **res) {
				if (*o).closed.Load() != 0 {
					t.Error("a view saw a closed owner")
				}
			})
		},
	}, c.Close)
	wantEvents(t, j, "close dependent", "close owner")
}

func TestHammerChain3SharedViews(t *testing.T) {
	j := new(journal)
	ch := selfref.NewChain3(&res{name: "head", j: j},
		func(h **res) *res { return &res{name: "middle", j: j} },
		func(_ **res, m **res) *counted { return newCounted("tail", *m) })
	sharedHammer(t, []func(func(*counted)) error{
		func(check func(*counted)) error {
			return ch.WithTail(func(tl **counted) { check(*tl) })
		},
		func(check func(*counted)) error {
			return ch.With(func(_ **res, _ **res, tl **counted) { check(*tl) })
		},
		func(check func(*counted)) error {
			return ch.WithHead(func(h **res) {
				if (*h).closed.Load() != 0 {
					t.Error("a view saw a closed head")
				}
			})
		},
	}, ch.Close)
	wantEvents(t, j, "close tail", "close middle", "close head")
}

// TestHammerIntoOwner races IntoOwner against exclusive views: exactly the
// views that began before it see the dependent open.
func TestHammerIntoOwnerAgainstViews(t *testing.T) {
	for range 20 {
		j := new(journal)
		c := selfref.New(&res{name: "owner", j: j}, func(o **res) *counted { return newCounted("dependent", *o) })
		hammer(t, []func(func(*counted)) error{
			func(check func(*counted)) error {
				return c.WithDependentMut(func(d **counted) { check(*d); (*d).count++ })
			},
		}, func() error {
			o, err := c.IntoOwner()
			if o == nil || o.closed.Load() != 0 {
				t.Error("IntoOwner did not hand back an open owner")
			}
			return err
		})
		wantEvents(t, j, "close dependent")
	}
}

// Shared views race Close: Close waits for the views in progress, so none
// sees a closed resource, and the later ones report ErrClosed.
func TestHammerCellSharedViewsAgainstClose(t *testing.T) {
	for range 20 {
		j := new(journal)
		c := selfref.New(&res{name: "owner", j: j}, func(o **res) *counted { return newCounted("dependent", *o) })
		b, err := c.BorrowDependent()
		if err != nil {
			t.Fatal(err)
		}
		hammer(t, []func(func(*counted)) error{
			func(check func(*counted)) error { return c.WithDependent(func(d **counted) { check(*d) }) },
			func(check func(*counted)) error {
				return c.With(func(o **res, d **counted) {
					check(*d)
					if (*o).closed.Load() != 0 {
						t.Error("a view saw a closed owner")
					}
				})
			},
			func(check func(*counted)) error {
				return c.WithOwner(func(o **res) {
					if (*o).closed.Load() != 0 {
						t.Error("a view saw a closed owner")
					}
				})
			},
			func(check func(*counted)) error { return b.With(func(d **counted) { check(*d) }) },
			func(check func(*counted)) error {
				return c.WithDependentMut(func(d **counted) { check(*d); (*d).count++ })
			},
		}, c.Close)
		wantEvents(t, j, "close dependent", "close owner")
	}
}

func TestHammerChain3SharedViewsAgainstClose(t *testing.T) {
	for range 20 {
		j := new(journal)
		ch := selfref.NewChain3(&res{name: "head", j: j},
			func(h **res) *res { return &res{name: "middle", j: j} },
			func(_ **res, m **res) *counted { return newCounted("tail", *m) })
		hammer(t, []func(func(*counted)) error{
			func(check func(*counted)) error { return ch.WithTail(func(tl **counted) { check(*tl) }) },
			func(check func(*counted)) error {
				return ch.With(func(_ **res, _ **res, tl **counted) { check(*tl) })
			},
			func(check func(*counted)) error {
				return ch.WithMiddle(func(m **res) {
					if (*m).closed.Load() != 0 {
						t.Error("a view saw a closed middle")
					}
				})
			},
		}, ch.Close)
		wantEvents(t, j, "close tail", "close middle", "close head")
	}
}

// TestHammerRentMutexViewsAgainstClose: the lock is held for as long as a
// view runs, even while another goroutine closes the RentMutex.
func TestHammerRentMutexViewsAgainstClose(t *testing.T) {
	for range 20 {
		var mu sync.Mutex
		r := selfref.NewRentMutex(&mu, newCounted("data", &res{name: "from", j: new(journal)}))
		check := func(check func(*counted), d *counted) {
			if mu.TryLock() {
				t.Error("a view ran without the lock")
				mu.Unlock()
			}
			check(d)
		}
		hammer(t, []func(func(*counted)) error{
			func(c func(*counted)) error { return r.With(func(d *counted) { check(c, d) }) },
			func(c func(*counted)) error { return r.WithMut(func(d *counted) { check(c, d); d.count++ }) },
		}, r.Close)
	}
}
