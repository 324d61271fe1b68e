package externref_test

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cellar-go/cellar/externref"
	"github.com/cellar-go/cellar/handle"
)

func mustRelease(t *testing.T, r externref.Ref) {
	t.Helper()
	if err := r.Release(); err != nil {
		t.Fatalf("Release(%v): %v", r, err)
	}
}

func TestNewCloneRelease(t *testing.T) {
	var released []any
	r := externref.NewWithRelease(&file{name: "a"}, func(v any) { released = append(released, v) })
	if r.IsNull() {
		t.Fatal("new reference is null")
	}
	if n := r.StrongCount(); n != 1 {
		t.Fatalf("StrongCount after New = %d, want 1", n)
	}
	c, err := r.Clone()
	if err != nil {
		t.Fatal(err)
	}
	if c == r || !c.Equal(r) || c.ID() != r.ID() {
		t.Fatalf("clone %v of %v: want another lease of the same value", c, r)
	}
	if n := r.StrongCount(); n != 2 {
		t.Fatalf("StrongCount after Clone = %d, want 2", n)
	}
	mustRelease(t, c)
	if len(released) != 0 {
		t.Fatal("callback ran before the last release")
	}
	if n := r.StrongCount(); n != 1 {
		t.Fatalf("StrongCount = %d, want 1", n)
	}
	v := r.Value()
	mustRelease(t, r)
	if len(released) != 1 || released[0] != v {
		t.Fatalf("callback got %v, want [%v]", released, v)
	}
	if n := r.StrongCount(); n != 0 {
		t.Fatalf("StrongCount after last release = %d, want 0", n)
	}

	// Everything on the dead reference fails, and the callback stays run
	// once.
	if err := r.Release(); !errors.Is(err, externref.ErrReleased) {
		t.Fatalf("double Release: %v, want ErrReleased", err)
	}
	if _, err := r.Clone(); !errors.Is(err, externref.ErrReleased) {
		t.Fatalf("Clone of a dead reference: %v, want ErrReleased", err)
	}
	if err := r.Err(); !errors.Is(err, externref.ErrReleased) {
		t.Fatalf("Err of a dead reference: %v, want ErrReleased", err)
	}
	if r.Value() != nil || externref.Is[*file](r) {
		t.Fatal("dead reference still yields its value")
	}
	if len(released) != 1 {
		t.Fatalf("callback ran %d times", len(released))
	}
}

func TestNewWith(t *testing.T) {
	calls := 0
	r := externref.NewWith(func() any { calls++; return &file{name: "w"} })
	defer mustRelease(t, r)
	if calls != 1 {
		t.Fatalf("make called %d times", calls)
	}
	if f, ok := externref.Downcast[*file](r); !ok || f.name != "w" {
		t.Fatalf("Downcast = %v, %v", f, ok)
	}
}

func TestNull(t *testing.T) {
	var r externref.Ref
	if !r.IsNull() || r.Value() != nil || r.StrongCount() != 0 || r.AsRaw() != 0 {
		t.Fatal("zero Ref is not a null reference")
	}
	for name, err := range map[string]error{
		"Release": r.Release(),
		"Clone":   func() error { _, err := r.Clone(); return err }(),
		"Err":     r.Err(),
		"FromRaw": func() error { _, err := externref.FromRaw(0); return err }(),
	} {
		if !errors.Is(err, externref.ErrNull) {
			t.Errorf("%s of null: %v, want ErrNull", name, err)
		}
	}
	if got := fmt.Sprint(r); got != "externref(null)" {
		t.Errorf("null prints as %q", got)
	}
}

func TestTypes(t *testing.T) {
	r := externref.New("hello")
	defer mustRelease(t, r)
	if !externref.Is[string](r) || externref.Is[int](r) || externref.Is[*file](r) {
		t.Fatal("Is is wrong")
	}
	if s, ok := externref.Downcast[string](r); !ok || s != "hello" {
		t.Fatalf("Downcast[string] = %q, %v", s, ok)
	}
	if _, ok := externref.Downcast[fmt.Stringer](r); ok {
		t.Fatal("a string is not a fmt.Stringer")
	}
	if r.Value() != "hello" {
		t.Fatalf("Value = %v", r.Value())
	}
	n := externref.New(nil)
	defer mustRelease(t, n)
	if n.Value() != nil || n.Err() != nil || n.StrongCount() != 1 {
		t.Fatal("reference to nil")
	}
}

func TestIdentity(t *testing.T) {
	a, b := externref.New(1), externref.New(1)
	defer mustRelease(t, a)
	defer mustRelease(t, b)
	if a == b || a.Equal(b) || a.ID() == b.ID() || a.Compare(b) != -1 || b.Compare(a) != 1 {
		t.Fatal("two references to equal values are equal")
	}
	if a.Hash() == b.Hash() {
		t.Fatal("distinct references hash equally")
	}
	c, _ := a.Clone()
	defer mustRelease(t, c)
	d, _ := externref.CloneFromRaw(a.AsRaw())
	defer mustRelease(t, d)
	e, _ := a.ID().Clone()
	defer mustRelease(t, e)
	copied := a
	if copied != a {
		t.Fatal("a copy is not == to its original")
	}
	for _, x := range []externref.Ref{c, d, e} {
		if x == a {
			t.Fatalf("clone %v == %v: clones are leases of their own", x, a)
		}
		if !x.Equal(a) || x.ID() != a.ID() || x.Compare(a) != 0 || x.Hash() != a.Hash() || x.AsRaw() != a.AsRaw() {
			t.Fatalf("%v is not identical to %v", x, a)
		}
	}
	m := map[externref.ID]int{a.ID(): 1, b.ID(): 2}
	m[c.ID()]++
	if m[a.ID()] != 2 || len(m) != 2 {
		t.Fatalf("map by identity: %v", m)
	}
	// Creation order.
	refs := []externref.Ref{b, a, c}
	slices.SortFunc(refs, externref.Ref.Compare)
	if !refs[0].Equal(a) || refs[2] != b {
		t.Fatalf("sorted = %v", refs)
	}
	var null externref.Ref
	if null.Compare(a) != -1 || !null.ID().IsNull() || null.ID().Compare(a.ID()) != -1 {
		t.Fatal("null does not come first")
	}
}

// TestDoubleReleaseKeepsOtherHoldersCount releases a clone twice while
// the original holds its count: the second release is reported, and the
// value stays alive for the original.
func TestDoubleReleaseKeepsOtherHoldersCount(t *testing.T) {
	var freed int
	r := externref.NewWithRelease(&file{name: "kept"}, func(any) { freed++ })
	c, err := r.Clone()
	if err != nil {
		t.Fatal(err)
	}
	mustRelease(t, c)
	if err := c.Release(); !errors.Is(err, externref.ErrReleased) {
		t.Fatalf("second release of a clone: %v, want ErrReleased", err)
	}
	copied := c
	if err := copied.Release(); !errors.Is(err, externref.ErrReleased) {
		t.Fatalf("release of a copy of a released clone: %v, want ErrReleased", err)
	}
	if freed != 0 || r.StrongCount() != 1 || r.Err() != nil {
		t.Fatalf("the original lost its count: freed %d, count %d, err %v", freed, r.StrongCount(), r.Err())
	}
	if f, ok := externref.Downcast[*file](r); !ok || f.name != "kept" {
		t.Fatal("the original lost its value")
	}
	// The released clone is dead to its holder, though the value lives.
	if c.Value() != nil || c.StrongCount() != 0 || !errors.Is(c.Err(), externref.ErrReleased) {
		t.Fatal("a released clone still reads the value")
	}
	if _, err := c.Clone(); !errors.Is(err, externref.ErrReleased) {
		t.Fatalf("Clone of a released clone: %v, want ErrReleased", err)
	}
	// A lease word reused by the next clone is not the released clone's.
	n, _ := r.Clone()
	if err := c.Release(); !errors.Is(err, externref.ErrReleased) || n.StrongCount() != 2 {
		t.Fatalf("stale release after reuse: %v, count %d", err, n.StrongCount())
	}
	mustRelease(t, n)
	mustRelease(t, r)
	if freed != 1 {
		t.Fatalf("callback ran %d times", freed)
	}
}

// TestManyClones holds more clones than an entry has inline lease words,
// releases them out of order, and checks that each is released once.
func TestManyClones(t *testing.T) {
	var freed int
	r := externref.NewWithRelease(0, func(any) { freed++ })
	var clones []externref.Ref
	seen := map[externref.Ref]bool{r: true}
	for range 100 {
		c, err := r.Clone()
		if err != nil {
			t.Fatal(err)
		}
		if seen[c] {
			t.Fatalf("clone %v issued twice", c)
		}
		seen[c] = true
		clones = append(clones, c)
	}
	if r.StrongCount() != 101 {
		t.Fatalf("count %d, want 101", r.StrongCount())
	}
	for i := range clones {
		j := (i * 37) % len(clones) // every index once: 37 is prime to 100
		mustRelease(t, clones[j])
		if err := clones[j].Release(); !errors.Is(err, externref.ErrReleased) {
			t.Fatalf("second release of clone %d: %v", j, err)
		}
	}
	if r.StrongCount() != 1 || freed != 0 {
		t.Fatalf("count %d, freed %d", r.StrongCount(), freed)
	}
	mustRelease(t, r)
	if freed != 1 {
		t.Fatalf("callback ran %d times", freed)
	}
}

func TestHashStableAfterRelease(t *testing.T) {
	r := externref.New(0)
	h := r.Hash()
	mustRelease(t, r)
	if r.Hash() != h {
		t.Fatal("hash changed on release")
	}
}

type secret struct{ password string }

func TestFormatHidesValue(t *testing.T) {
	r := externref.New(&secret{"hunter2"})
	defer mustRelease(t, r)
	h := handle.Handle(r.AsRaw())
	for _, verb := range []string{"%v", "%+v", "%s", "%d", "%x", "%q"} {
		got := fmt.Sprintf(verb, r)
		if strings.Contains(got, "hunter2") || got != "externref("+h.String()+"/0.1)" {
			t.Errorf("%s prints %q", verb, got)
		}
	}
	if got := fmt.Sprintf("%#v", r); got != "externref.Ref("+h.String()+"/0.1)" {
		t.Errorf("%%#v prints %q", got)
	}
	if got := fmt.Sprint(r.ID()); got != "externref.ID("+h.String()+")" {
		t.Errorf("ID prints %q", got)
	}
}

func TestRawRoundTrips(t *testing.T) {
	r := externref.New(&file{name: "raw"})
	// AsRaw does not count; CloneFromRaw does.
	raw := r.AsRaw()
	if r.StrongCount() != 1 {
		t.Fatal("AsRaw changed the count")
	}
	c, err := externref.CloneFromRaw(raw)
	if err != nil || c == r || !c.Equal(r) || r.StrongCount() != 2 {
		t.Fatalf("CloneFromRaw = %v, %v; count %d", c, err, r.StrongCount())
	}
	mustRelease(t, c)
	// A raw value of AsRaw carries no count for FromRaw to take.
	if _, err := externref.FromRaw(raw); !errors.Is(err, externref.ErrReleased) {
		t.Fatalf("FromRaw of AsRaw's value: %v, want ErrReleased", err)
	}
	// IntoRaw moves the count; FromRaw takes it back, once.
	owned, err := r.IntoRaw()
	if err != nil || owned != raw || r.StrongCount() != 0 {
		t.Fatalf("IntoRaw = %#x, %v; count seen through r %d", owned, err, r.StrongCount())
	}
	if err := r.Release(); !errors.Is(err, externref.ErrReleased) {
		t.Fatalf("Release after IntoRaw: %v, want ErrReleased", err)
	}
	if _, err := r.IntoRaw(); !errors.Is(err, externref.ErrReleased) {
		t.Fatalf("second IntoRaw: %v, want ErrReleased", err)
	}
	back, err := externref.FromRaw(owned)
	if err != nil || back != r || back.StrongCount() != 1 {
		t.Fatalf("FromRaw = %v, %v; want %v back", back, err, r)
	}
	if _, err := externref.FromRaw(owned); !errors.Is(err, externref.ErrReleased) {
		t.Fatalf("second FromRaw: %v, want ErrReleased", err)
	}
	mustRelease(t, back)
	for name, f := range map[string]func(uint64) (externref.Ref, error){
		"FromRaw": externref.FromRaw, "CloneFromRaw": externref.CloneFromRaw,
	} {
		if _, err := f(raw); !errors.Is(err, externref.ErrReleased) {
			t.Errorf("%s of a released raw: %v, want ErrReleased", name, err)
		}
		forged := uint64(handle.Make(externref.TableID, 1<<30, 1))
		if _, err := f(forged); !errors.Is(err, externref.ErrForged) {
			t.Errorf("%s of a forged raw: %v, want ErrForged", name, err)
		}
		foreign := raw&^(uint64(handle.MaxTableID)<<52) | 7<<52
		if _, err := f(foreign); !errors.Is(err, externref.ErrForged) {
			t.Errorf("%s of a foreign raw: %v, want ErrForged", name, err)
		}
	}
	var e *externref.Error
	_, err = externref.FromRaw(raw)
	if !errors.As(err, &e) || e.Raw != raw || e.Op != "from raw" || !strings.HasPrefix(err.Error(), "externref: from raw 0x") {
		t.Fatalf("error = %#v (%v)", e, err)
	}
}

// TestIntoRawOfSeveralHolders moves two holders' counts into the one raw
// value of their value: FromRaw gives back two leases, then fails.
func TestIntoRawOfSeveralHolders(t *testing.T) {
	r := externref.New("shared")
	c, _ := r.Clone()
	raw1, err1 := r.IntoRaw()
	raw2, err2 := c.IntoRaw()
	if err1 != nil || err2 != nil || raw1 != raw2 {
		t.Fatalf("IntoRaw: %#x %v, %#x %v", raw1, err1, raw2, err2)
	}
	a, err1 := externref.FromRaw(raw1)
	b, err2 := externref.FromRaw(raw1)
	if err1 != nil || err2 != nil || a == b || !a.Equal(b) {
		t.Fatalf("FromRaw twice: %v %v, %v %v", a, err1, b, err2)
	}
	if _, err := externref.FromRaw(raw1); !errors.Is(err, externref.ErrReleased) {
		t.Fatalf("third FromRaw: %v, want ErrReleased", err)
	}
	mustRelease(t, a)
	mustRelease(t, b)
	if r.Err() == nil {
		t.Fatal("value alive after both counts were released")
	}
}

// TestStaleRawNeverNamesSuccessor reuses the slot of a released reference
// and checks that the old raw value does not name the new one.
func TestStaleRawNeverNamesSuccessor(t *testing.T) {
	old := externref.New("old")
	raw := old.AsRaw()
	mustRelease(t, old)
	for range 100 {
		n := externref.New("new")
		if got, err := externref.CloneFromRaw(raw); err == nil {
			t.Fatalf("stale raw names %v (%v)", got, got.Value())
		}
		if n.Equal(old) || n.ID() == old.ID() {
			t.Fatal("successor equals the released reference")
		}
		mustRelease(t, n)
	}
}

// TestForgedRawNeverYieldsOtherObject tries every generation and nearby
// index around live references: a raw value either names the reference it
// was issued for or fails.
func TestForgedRawNeverYieldsOtherObject(t *testing.T) {
	live := map[uint64]externref.Ref{}
	for i := range 64 {
		r := externref.New(i)
		live[r.AsRaw()] = r
	}
	dead := externref.New("dead")
	deadRaw := dead.AsRaw()
	mustRelease(t, dead)
	defer func() {
		for _, r := range live {
			mustRelease(t, r)
		}
	}()
	for raw := range maps.Keys(live) {
		h := handle.Handle(raw)
		for di := -2; di <= 2; di++ {
			for g := uint32(0); g < 40; g++ {
				cand := uint64(handle.Make(h.TableID(), uint32(int64(h.Index())+int64(di)), g))
				got, err := externref.CloneFromRaw(cand)
				if err != nil {
					continue
				}
				mustRelease(t, got)
				want, ok := live[cand]
				if !ok {
					// Live references of other tests (the fuzz targets'),
					// each holding its own raw value.
					want, ok = fuzzRefs[cand]
				}
				if !ok || !got.Equal(want) || got.AsRaw() != cand {
					t.Fatalf("forged raw %#x yields %v (value %v)", cand, got, got.Value())
				}
			}
		}
	}
	if _, err := externref.CloneFromRaw(deadRaw); err == nil {
		t.Fatal("released raw accepted")
	}
}

// TestHammerCloneRelease clones and releases one shared reference from
// many goroutines: the count is right at the end and the callback runs
// once.
func TestHammerCloneRelease(t *testing.T) {
	const workers, rounds = 8, 2000
	var calls atomic.Int32
	r := externref.NewWithRelease(&file{}, func(any) { calls.Add(1) })
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			held := make([]externref.Ref, 0, 8)
			for i := range rounds {
				c, err := r.Clone()
				if err != nil {
					t.Error(err)
					return
				}
				held = append(held, c)
				if i%8 == 7 {
					for _, c := range held {
						if err := c.Release(); err != nil {
							t.Error(err)
							return
						}
					}
					held = held[:0]
				}
			}
			if err := externref.ReleaseAll(held...); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := r.StrongCount(); n != 1 || calls.Load() != 0 {
		t.Fatalf("after the hammer: count %d, callback ran %d times", n, calls.Load())
	}
	mustRelease(t, r)
	if calls.Load() != 1 {
		t.Fatalf("callback ran %d times", calls.Load())
	}
}

// TestHammerLastRelease races the last releases of many holders against
// clones, each holder releasing its lease twice: exactly one of each pair
// succeeds, the callback runs once, and nothing succeeds on the dead
// reference.
func TestHammerLastRelease(t *testing.T) {
	const workers = 8
	for range 200 {
		var calls atomic.Int32
		r := externref.NewWithRelease(1, func(any) { calls.Add(1) })
		holders := []externref.Ref{r}
		for range workers - 1 {
			c, err := r.Clone()
			if err != nil {
				t.Fatal(err)
			}
			holders = append(holders, c)
		}
		var start, wg sync.WaitGroup
		var released, failed, clones atomic.Int32
		start.Add(1)
		for _, h := range holders {
			wg.Go(func() {
				start.Wait()
				if c, err := h.Clone(); err == nil {
					clones.Add(1)
					if c.Release() == nil {
						released.Add(1)
					}
				}
				for range 2 {
					if err := h.Release(); err == nil {
						released.Add(1)
					} else if errors.Is(err, externref.ErrReleased) {
						failed.Add(1)
					} else {
						t.Error(err)
					}
				}
			})
		}
		start.Done()
		wg.Wait()
		if got, want := released.Load(), workers+clones.Load(); got != want || failed.Load() != workers {
			t.Fatalf("%d releases succeeded (want %d), %d failed (want %d)", got, want, failed.Load(), workers)
		}
		if calls.Load() != 1 {
			t.Fatalf("callback ran %d times", calls.Load())
		}
		if r.StrongCount() != 0 || r.Err() == nil {
			t.Fatal("reference alive after every count was released")
		}
		if _, err := externref.CloneFromRaw(r.AsRaw()); !errors.Is(err, externref.ErrReleased) {
			t.Fatalf("CloneFromRaw of the dead reference: %v", err)
		}
	}
}

// TestHammerDoubleReleaseRace has holders of one value release their
// leases twice, twice at once from two goroutines, while others clone:
// one release of each lease succeeds, and no holder's count is taken.
func TestHammerDoubleReleaseRace(t *testing.T) {
	const workers, rounds = 4, 500
	r := externref.New(&file{})
	defer mustRelease(t, r)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range rounds {
				c, err := r.Clone()
				if err != nil {
					t.Error(err)
					return
				}
				var ok atomic.Int32
				var pair sync.WaitGroup
				for range 2 {
					pair.Go(func() {
						if c.Release() == nil {
							ok.Add(1)
						}
					})
				}
				pair.Wait()
				if ok.Load() != 1 {
					t.Errorf("%d of two releases of one lease succeeded", ok.Load())
					return
				}
			}
		})
	}
	wg.Wait()
	if n := r.StrongCount(); n != 1 {
		t.Fatalf("count %d after the hammer, want 1", n)
	}
}
