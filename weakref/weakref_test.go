package weakref

import (
	"errors"
	"strings"
	"testing"

	"github.com/cellar-go/cellar/handle"
)

// thing is a test object. It has a pointer field, so that it is never one
// of the tiny pointer-free allocations the garbage collector batches.
type thing struct {
	name string
	id   int
}

func TestWeakSameHandleForSameObject(t *testing.T) {
	var r Registry[thing]
	a, b := &thing{name: "a"}, &thing{name: "a"} // equal, but two objects
	wa := r.Weak(a)
	if r.Weak(a) != wa {
		t.Fatal("asking twice gave two handles")
	}
	wb := r.Weak(b)
	if wb == wa || wb.Raw() == wa.Raw() {
		t.Fatal("two objects share a handle")
	}
	if r.Len() != 2 {
		t.Fatalf("Len = %d, want 2", r.Len())
	}
	// Once deleted, the object gets a new handle; the old one stays gone.
	if err := wa.Delete(); err != nil {
		t.Fatal(err)
	}
	wa2 := r.Weak(a)
	if wa2 == wa {
		t.Fatal("a deleted handle was handed out again")
	}
	if _, ok := wa.Upgrade(); ok {
		t.Fatal("the old handle upgrades")
	}
	if p, ok := wa2.Upgrade(); !ok || p != a {
		t.Fatal("the new handle does not upgrade")
	}
	if r.Weak(a) != wa2 || r.Weak(b) != wb {
		t.Fatal("handles changed")
	}
}

func TestManyObjects(t *testing.T) {
	// Enough objects to grow the identity index and the table several
	// times, then shrink the index again.
	var r Registry[thing]
	objs := make([]*thing, 3000)
	ws := make([]Weak[thing], len(objs))
	for i := range objs {
		objs[i] = &thing{id: i}
		ws[i] = r.Weak(objs[i])
	}
	for i, o := range objs {
		if r.Weak(o) != ws[i] {
			t.Fatalf("object %d got a second handle", i)
		}
		if p, ok := ws[i].Upgrade(); !ok || p != o {
			t.Fatalf("handle %d upgrades to %v, %v", i, p, ok)
		}
	}
	for i := range objs {
		if i%10 != 0 {
			if err := ws[i].Delete(); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i, o := range objs {
		p, ok := ws[i].Upgrade()
		if kept := i%10 == 0; kept != ok || (kept && p != o) {
			t.Fatalf("handle %d: %v, %v", i, p, ok)
		}
		if w, found := r.Lookup(o); found != (i%10 == 0) || (found && w != ws[i]) {
			t.Fatalf("Lookup %d = %v, %v", i, w, found)
		}
	}
	if r.Len() != 300 {
		t.Fatalf("Len = %d", r.Len())
	}
}

func TestUpgradeAndUpgradeOr(t *testing.T) {
	var r Registry[thing]
	o, fallback := &thing{name: "o"}, &thing{name: "fallback"}
	w := r.Weak(o)
	if p, ok := w.Upgrade(); !ok || p != o {
		t.Fatalf("Upgrade = %v, %v", p, ok)
	}
	if w.UpgradeOr(fallback) != o || w.UpgradeOr(nil) != o {
		t.Fatal("UpgradeOr of a live object")
	}
	w.Delete()
	if p, ok := w.Upgrade(); ok || p != nil {
		t.Fatalf("Upgrade after Delete = %v, %v", p, ok)
	}
	if w.UpgradeOr(fallback) != fallback || w.UpgradeOr(nil) != nil {
		t.Fatal("UpgradeOr after Delete")
	}
}

func TestZeroWeak(t *testing.T) {
	var w Weak[thing]
	if !w.IsZero() || w.Raw() != 0 {
		t.Fatal("zero Weak is not zero")
	}
	if p, ok := w.Upgrade(); ok || p != nil {
		t.Fatal("zero Weak upgrades")
	}
	if w.UpgradeOr(nil) != nil {
		t.Fatal("zero Weak UpgradeOr")
	}
	if err := w.Delete(); !errors.Is(err, ErrNull) {
		t.Fatalf("Delete = %v", err)
	}
	if _, err := w.Strong(); !errors.Is(err, ErrNull) {
		t.Fatalf("Strong = %v", err)
	}
	if w.String() != "weakref.Weak(null)" {
		t.Fatalf("String = %q", w.String())
	}
	var r Registry[thing]
	if r.Weak(&thing{}).IsZero() {
		t.Fatal("a real handle is zero")
	}
}

func TestDeleteTwice(t *testing.T) {
	var r Registry[thing]
	w := r.Weak(&thing{})
	if err := w.Delete(); err != nil {
		t.Fatal(err)
	}
	err := w.Delete()
	if !errors.Is(err, ErrGone) {
		t.Fatalf("second Delete = %v", err)
	}
	var we *Error
	if !errors.As(err, &we) || we.Op != "delete" || we.Raw != w.Raw() {
		t.Fatalf("error %#v", we)
	}
	if r.Len() != 0 {
		t.Fatalf("Len = %d", r.Len())
	}
}

func TestWeakNilPanics(t *testing.T) {
	var r Registry[thing]
	defer func() {
		if s, _ := recover().(string); !strings.Contains(s, "nil") {
			t.Fatalf("panic %q", s)
		}
	}()
	r.Weak(nil)
}

func TestLookup(t *testing.T) {
	var r Registry[thing]
	o := &thing{}
	if _, ok := r.Lookup(o); ok {
		t.Fatal("Lookup of an unregistered object")
	}
	if _, ok := r.Lookup(nil); ok {
		t.Fatal("Lookup(nil)")
	}
	if r.Len() != 0 {
		t.Fatal("Lookup registered the object")
	}
	w := r.Weak(o)
	if got, ok := r.Lookup(o); !ok || got != w {
		t.Fatalf("Lookup = %v, %v", got, ok)
	}
	w.Delete()
	if _, ok := r.Lookup(o); ok {
		t.Fatal("Lookup of a deleted object")
	}
}

func TestFromRaw(t *testing.T) {
	var r, other Registry[thing]
	o := &thing{name: "o"}
	w := r.Weak(o)
	deleted := r.Weak(&thing{})
	deleted.Delete()
	foreign := other.Weak(&thing{}).Raw()
	h := handle.Handle(w.Raw())
	allOnes := error(ErrForeign)
	if h.TableID() == handle.MaxTableID {
		allOnes = ErrInvalid // the ids cycle: this registry may have the last one
	}

	got, err := r.FromRaw(w.Raw())
	if err != nil || got != w {
		t.Fatalf("FromRaw(valid) = %v, %v", got, err)
	}
	if p, ok := got.Upgrade(); !ok || p != o {
		t.Fatal("round trip does not upgrade")
	}
	for _, c := range []struct {
		name string
		raw  uint64
		want error
	}{
		{"zero", 0, ErrNull},
		{"deleted", deleted.Raw(), ErrGone},
		{"other registry", foreign, ErrForeign},
		{"other registry, same slot", uint64(handle.Make(h.TableID()%handle.MaxTableID+1, h.Index(), h.Generation())), ErrForeign},
		{"never issued generation", uint64(handle.Make(h.TableID(), h.Index(), h.Generation()+1)), ErrInvalid},
		{"generation 0", uint64(handle.Make(h.TableID(), h.Index(), 0)), ErrInvalid},
		{"never issued index", uint64(handle.Make(h.TableID(), 1000, 1)), ErrInvalid},
		{"all ones", ^uint64(0), allOnes},
	} {
		got, err := r.FromRaw(c.raw)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: FromRaw(%#x) error %v, want %v", c.name, c.raw, err, c.want)
		}
		if !got.IsZero() {
			t.Errorf("%s: FromRaw returned %v with an error", c.name, got)
		}
		var we *Error
		if !errors.As(err, &we) || we.Raw != c.raw || we.Op != "from raw" {
			t.Errorf("%s: error %#v", c.name, we)
		}
	}
}

func TestRegistriesHaveDistinctIDs(t *testing.T) {
	var a, b Registry[thing]
	c, d := New[thing](Options{}), New[thing](Options{Collectable: true})
	o := &thing{}
	ws := []Weak[thing]{a.Weak(o), b.Weak(o), c.Weak(o), d.Weak(o)}
	regs := []*Registry[thing]{&a, &b, c, d}
	for i, r := range regs {
		for j, w := range ws {
			_, err := r.FromRaw(w.Raw())
			if i == j && err != nil {
				t.Errorf("registry %d rejects its own handle: %v", i, err)
			}
			if i != j && !errors.Is(err, ErrForeign) {
				t.Errorf("registry %d accepts the handle of %d: %v", i, j, err)
			}
		}
	}
	// All four registered the same object at slot 0, generation 1: only
	// the id tells them apart.
	for _, w := range ws {
		if h := handle.Handle(w.Raw()); h.Index() != 0 || h.Generation() != 1 {
			t.Fatalf("unexpected handle %v", h)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	err := &Error{Op: "from raw", Raw: 0x1234, Err: ErrGone}
	if got, want := err.Error(), "weakref: from raw 0x1234: object gone"; got != want {
		t.Fatalf("message %q, want %q", got, want)
	}
}

func TestAll(t *testing.T) {
	var r Registry[thing]
	objs := []*thing{{name: "a"}, {name: "b"}, {name: "c"}}
	for _, o := range objs {
		r.Weak(o)
	}
	r.Weak(objs[1]).Delete()
	var names []string
	for w, p := range r.All() {
		if q, ok := w.Upgrade(); !ok || q != p {
			t.Fatalf("All yields %v with %v", w, p)
		}
		names = append(names, p.name)
	}
	if strings.Join(names, ",") != "a,c" {
		t.Fatalf("All = %v", names)
	}
	for range r.All() {
		break
	}
}

func TestCollectableFlag(t *testing.T) {
	var z Registry[thing]
	if z.Collectable() || New[thing](Options{}).Collectable() || !New[thing](Options{Collectable: true}).Collectable() {
		t.Fatal("Collectable is wrong")
	}
}
