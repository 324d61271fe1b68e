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
	if c != r {
		t.Fatalf("clone %v != original %v", c, r)
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
	if a == b || a.Equal(b) || a.Compare(b) != -1 || b.Compare(a) != 1 {
		t.Fatal("two references to equal values are equal")
	}
	if a.Hash() == b.Hash() {
		t.Fatal("distinct references hash equally")
	}
	c, _ := a.Clone()
	defer mustRelease(t, c)
	raw, _ := externref.FromRaw(a.AsRaw())
	for _, x := range []externref.Ref{c, raw} {
		if x != a || x.Compare(a) != 0 || x.Hash() != a.Hash() {
			t.Fatalf("%v is not identical to %v", x, a)
		}
	}
	m := map[externref.Ref]int{a: 1, b: 2}
	m[c]++
	if m[a] != 2 || len(m) != 2 {
		t.Fatalf("map by identity: %v", m)
	}
	// Creation order.
	refs := []externref.Ref{b, a, c}
	slices.SortFunc(refs, externref.Ref.Compare)
	if refs[0] != a || refs[2] != b {
		t.Fatalf("sorted = %v", refs)
	}
	var null externref.Ref
	if null.Compare(a) != -1 {
		t.Fatal("null does not come first")
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
		if strings.Contains(got, "hunter2") || got != "externref("+h.String()+")" {
			t.Errorf("%s prints %q", verb, got)
		}
	}
	if got := fmt.Sprintf("%#v", r); got != "externref.Ref("+h.String()+")" {
		t.Errorf("%%#v prints %q", got)
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
	if err != nil || c != r || r.StrongCount() != 2 {
		t.Fatalf("CloneFromRaw = %v, %v; count %d", c, err, r.StrongCount())
	}
	mustRelease(t, c)
	// IntoRaw hands the count over; FromRaw takes it back.
	owned := r.IntoRaw()
	back, err := externref.FromRaw(owned)
	if err != nil || back != r || back.StrongCount() != 1 {
		t.Fatalf("FromRaw = %v, %v", back, err)
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

// TestStaleRawNeverNamesSuccessor reuses the slot of a released reference
// and checks that the old raw value does not name the new one.
func TestStaleRawNeverNamesSuccessor(t *testing.T) {
	old := externref.New("old")
	raw := old.AsRaw()
	mustRelease(t, old)
	for range 100 {
		n := externref.New("new")
		if got, err := externref.FromRaw(raw); err == nil {
			t.Fatalf("stale raw names %v (%v)", got, got.Value())
		}
		if handle.Handle(n.AsRaw()).Index() == handle.Handle(raw).Index() && n == old {
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
				got, err := externref.FromRaw(cand)
				if err != nil {
					continue
				}
				want, ok := live[cand]
				if !ok {
					// Live references of other tests (the fuzz targets'),
					// each holding its own raw value.
					want, ok = fuzzRefs[cand]
				}
				if !ok || got != want || got.Value() != want.Value() {
					t.Fatalf("forged raw %#x yields %v (value %v)", cand, got, got.Value())
				}
			}
		}
	}
	if _, err := externref.FromRaw(deadRaw); err == nil {
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
			for _, c := range held {
				c.Release()
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

// TestHammerLastRelease races the last releases of many counts against
// clones: exactly one release is the last, the callback runs once, and no
// release or clone succeeds on the dead reference.
func TestHammerLastRelease(t *testing.T) {
	const workers = 8
	for range 200 {
		var calls atomic.Int32
		r := externref.NewWithRelease(1, func(any) { calls.Add(1) })
		for range workers - 1 {
			r.Clone()
		}
		var start, wg sync.WaitGroup
		var released, clones atomic.Int32
		start.Add(1)
		for range workers {
			wg.Go(func() {
				start.Wait()
				if c, err := r.Clone(); err == nil {
					clones.Add(1)
					if c.Release() == nil {
						released.Add(1)
					}
				}
				// Two releases each: twice as many as the counts, so half
				// of them must fail.
				for range 2 {
					if err := r.Release(); err == nil {
						released.Add(1)
					} else if !errors.Is(err, externref.ErrReleased) {
						t.Error(err)
					}
				}
			})
		}
		start.Done()
		wg.Wait()
		if got, want := released.Load(), workers+clones.Load(); got != want {
			t.Fatalf("%d releases succeeded, want %d (counts %d, clones %d)", got, want, workers, clones.Load())
		}
		if calls.Load() != 1 {
			t.Fatalf("callback ran %d times", calls.Load())
		}
		if r.StrongCount() != 0 || r.Err() == nil {
			t.Fatal("reference alive after every count was released")
		}
	}
}
