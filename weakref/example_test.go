package weakref_test

import (
	"errors"
	"fmt"
	"runtime"
	"strings"

	"github.com/cellar-go/cellar/weakref"
)

type mob struct{ name string }

func (m *mob) call(proc string) { fmt.Println(m.name + "." + proc + "()") }

// Store a weak handle to an object for a later callback; if the object is
// deleted in the meantime, upgrading reports it gone instead of reaching a
// recycled object.
func Example() {
	var mobs weakref.Registry[mob]
	callbacks := map[int]weakref.Weak[mob]{}

	goblin := &mob{name: "goblin"}
	callbacks[1] = mobs.Weak(goblin)

	// ... some calls later ...
	if m, ok := callbacks[1].Upgrade(); ok {
		m.call("callback")
	}

	// The goblin is deleted, and its slot goes to another mob.
	callbacks[1].Delete()
	mobs.Weak(&mob{name: "troll"})

	if m, ok := callbacks[1].Upgrade(); ok {
		m.call("callback")
	} else {
		fmt.Println("gone")
	}
	// Output:
	// goblin.callback()
	// gone
}

// savedRaw is a raw handle kept in a global, as C or WebAssembly code
// would keep it: a plain integer.
var savedRaw uint64

// Round trip through the raw form: FromRaw validates whatever integer it
// is given.
func ExampleRegistry_FromRaw() {
	var mobs weakref.Registry[mob]
	w := mobs.Weak(&mob{name: "bat"})
	savedRaw = w.Raw()

	back, err := mobs.FromRaw(savedRaw)
	if err == nil {
		m, _ := back.Upgrade()
		fmt.Println(m.name, back == w)
	}

	w.Delete()
	_, err = mobs.FromRaw(savedRaw)
	fmt.Println(errors.Is(err, weakref.ErrGone))

	var others weakref.Registry[mob]
	_, err = others.FromRaw(others.Weak(&mob{}).Raw() + 1) // forged
	fmt.Println(errors.Is(err, weakref.ErrInvalid))
	_, err = others.FromRaw(mobs.Weak(&mob{}).Raw())
	fmt.Println(errors.Is(err, weakref.ErrForeign))
	// Output:
	// bat true
	// true
	// true
	// true
}

// Asking twice for the handle of the same object gives the same handle.
func ExampleRegistry_Weak() {
	var mobs weakref.Registry[mob]
	a, b := &mob{name: "twin"}, &mob{name: "twin"}
	first, again := mobs.Weak(a), mobs.Weak(a)
	fmt.Println(first == again)
	fmt.Println(first == mobs.Weak(b)) // an equal but distinct object
	fmt.Println(mobs.Len())
	// Output:
	// true
	// false
	// 2
}

// UpgradeOr returns a fallback, typically nil, for a gone object.
func ExampleWeak_UpgradeOr() {
	var mobs weakref.Registry[mob]
	w := mobs.Weak(&mob{name: "slime"})
	fmt.Println(w.UpgradeOr(nil) != nil)
	w.Delete()
	fmt.Println(w.UpgradeOr(nil) == nil)
	// Output:
	// true
	// true
}

// A Strong keeps its object from being deleted: a Delete meanwhile waits
// for the Release.
func ExampleWeak_Strong() {
	var mobs weakref.Registry[mob]
	w := mobs.Weak(&mob{name: "dragon"})

	s, err := w.Strong()
	if err != nil {
		panic(err)
	}
	w.Delete()
	m, ok := w.Upgrade()
	fmt.Println(ok, m.name)

	s.Release()
	_, ok = w.Upgrade()
	fmt.Println(ok)
	// Output:
	// true dragon
	// false
}

// A collectable registry also forgets an object once nothing else
// references it. When that happens is up to the garbage collector: the
// example collects until it has.
func ExampleNew_collectable() {
	mobs := weakref.New[mob](weakref.Options{Collectable: true})
	ghost := &mob{name: "ghost"}
	w := mobs.Weak(ghost)
	fmt.Println(w.UpgradeOr(nil).name, mobs.Len())
	runtime.KeepAlive(ghost) // referenced until here

	// Nothing references the ghost any more: at some garbage collection,
	// w stops upgrading, and later a cleanup deletes the handle.
	for range 1000 {
		if _, ok := w.Upgrade(); !ok && mobs.Len() == 0 {
			break
		}
		runtime.GC()
		runtime.Gosched() // let the cleanup run
	}
	_, ok := w.Upgrade()
	fmt.Println(ok, mobs.Len())
	// Output:
	// ghost 1
	// false 0
}

// Each Strong is released once: a second Release reports ErrNotHeld and
// releases nothing of anyone else's.
func ExampleStrong_Release() {
	var mobs weakref.Registry[mob]
	w := mobs.Weak(&mob{name: "troll"})
	a, _ := w.Strong()
	b, _ := w.Strong()

	fmt.Println(a.Release())
	err := a.Release()
	fmt.Println(errors.Is(err, weakref.ErrNotHeld), b.Value().name)
	b.Release()
	// Output:
	// <nil>
	// true troll
}

// An object deleted while a Strong holds it can be registered again: it
// gets a new handle, which outlives the pending deletion.
func ExampleRegistry_Weak_pendingDelete() {
	var mobs weakref.Registry[mob]
	m := &mob{name: "phoenix"}
	old := mobs.Weak(m)
	s, _ := old.Strong()
	old.Delete() // waits for s

	fresh := mobs.Weak(m)
	fmt.Println(fresh != old)
	s.Release() // carries out the deletion of old
	_, oldOK := old.Upgrade()
	_, freshOK := fresh.Upgrade()
	fmt.Println(oldOK, freshOK)
	// Output:
	// true
	// false true
}

// Leaks lists the objects that Strongs still hold, with where each Strong
// was taken when TrackSites is on.
func ExampleRegistry_Leaks() {
	var mobs weakref.Registry[mob]
	w := mobs.Weak(&mob{name: "orc"})
	weakref.TrackSites(true)
	defer weakref.TrackSites(false)
	s, _ := w.Strong() // never released below

	for _, l := range mobs.Leaks() {
		fmt.Println(l.Weak == w, l.Count, len(l.Sites), strings.Contains(l.Sites[0], "example_test.go"))
	}
	s.Release()
	fmt.Println(len(mobs.Leaks()))
	// Output:
	// true 1 1 true
	// 0
}
