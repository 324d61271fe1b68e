package handle_test

import (
	"errors"
	"fmt"

	"github.com/cellar-go/cellar/handle"
)

type task struct{ name string }

// Insert a value, look it up, delete it: the handle is stale from then on,
// even once its slot holds another value.
func Example() {
	var tasks handle.Table[task]

	h := tasks.Insert(&task{name: "compile"})
	if t, ok := tasks.Get(h); ok {
		fmt.Println("found", t.name, "at", h)
	}

	tasks.Delete(h)
	again := tasks.Insert(&task{name: "link"}) // reuses the slot
	fmt.Println("new value at", again)

	_, ok := tasks.Get(h)
	fmt.Println("old handle finds something:", ok)
	_, err := tasks.Lookup(h)
	fmt.Println(err)
	fmt.Println(errors.Is(err, handle.ErrStale))
	// Output:
	// found compile at 0.1@0
	// new value at 0.2@0
	// old handle finds something: false
	// handle: lookup 0.1@0: stale handle
	// true
}

// A table made with an id rejects the handles of every table with another
// id, with an error of its own.
func ExampleNew() {
	builds := handle.New[task](1)
	tests := handle.New[task](2)

	b := builds.Insert(&task{name: "build"})
	tests.Insert(&task{name: "test"}) // same slot and generation as b

	_, ok := tests.Get(b)
	fmt.Println("found in the other table:", ok)
	_, err := tests.Lookup(b)
	fmt.Println(err)
	fmt.Println(errors.Is(err, handle.ErrForeign))
	// Output:
	// found in the other table: false
	// handle: lookup 0.1@1: handle of another table (this table's id is 2)
	// true
}

// Handles are plain integers: the fields can be read back, and any integer
// can be checked, including forged ones.
func ExampleHandle() {
	h := handle.Make(5, 42, 7)
	fmt.Println(h, h.TableID(), h.Index(), h.Generation())
	fmt.Printf("%#x\n", uint64(h))

	t := handle.New[task](5)
	_, err := t.Lookup(h)
	fmt.Println(errors.Is(err, handle.ErrInvalid))
	// Output:
	// 42.7@5 5 42 7
	// 0x5000070000002a
	// true
}

// All iterates over the live values in slot order.
func ExampleTable_All() {
	var tasks handle.Table[task]
	for _, name := range []string{"fetch", "compile", "test", "package"} {
		tasks.Insert(&task{name: name})
	}
	for h, t := range tasks.All() {
		if t.name == "compile" {
			tasks.Delete(h)
		}
	}
	for h, t := range tasks.All() {
		fmt.Println(h, t.name)
	}
	fmt.Println(tasks.Len(), "tasks")
	// Output:
	// 0.1@0 fetch
	// 2.1@0 test
	// 3.1@0 package
	// 3 tasks
}

// A pin keeps a value from being deleted: the deletion waits for the last
// Unpin.
func ExampleTable_Pin() {
	var tasks handle.Table[task]
	h := tasks.Insert(&task{name: "upload"})

	var pin handle.Pin
	t, _ := tasks.Pin(&pin, h)
	removed, _ := tasks.Delete(h)
	fmt.Println("removed by Delete:", removed)
	_, ok := tasks.Get(h)
	fmt.Println("still there while pinned:", ok, t.name)

	removed, _ = tasks.Unpin(&pin)
	fmt.Println("removed by Unpin:", removed)
	_, ok = tasks.Get(h)
	fmt.Println("still there:", ok)
	_, err := tasks.Unpin(&pin) // a pin is released once
	fmt.Println(err)
	// Output:
	// removed by Delete: false
	// still there while pinned: true upload
	// removed by Unpin: true
	// still there: false
	// handle: unpin 0.1@0: handle not pinned
}

// A Pin may move with the struct it is in, here when its slice grows: it
// still holds its pin. The copy left behind shares that one pin, so once
// it is released, the copy releases nothing.
func ExamplePin() {
	type job struct {
		id  int
		pin handle.Pin
	}
	var tasks handle.Table[task]
	h := tasks.Insert(&task{name: "upload"})

	jobs := make([]job, 1)
	tasks.Pin(&jobs[0].pin, h)
	old := jobs
	jobs = append(jobs, job{id: 1}) // moves jobs[0] to a new array

	removed, err := tasks.Unpin(&jobs[0].pin)
	fmt.Println(removed, err)
	_, err = tasks.Unpin(&old[0].pin)
	fmt.Println(err)
	// Output:
	// false <nil>
	// handle: unpin 0.1@0: handle not pinned
}

// Lock holds the table's lock across several writes, and guards data of
// the caller's with it: here a name index kept consistent with the table.
func ExampleTable_Lock() {
	var tasks handle.Table[task]
	byName := map[string]handle.Handle{} // guarded by the table's lock

	w := tasks.Lock()
	for _, name := range []string{"a", "b", "c"} {
		byName[name] = w.Insert(&task{name: name})
	}
	w.Delete(byName["b"])
	delete(byName, "b")
	w.Unlock()

	fmt.Println(tasks.Len(), len(byName))
	// Output:
	// 2 2
}

// Tables made with AutoID lease ids of their own: while both are alive,
// each rejects the other's handles, however many tables the program makes
// and drops.
func ExampleAutoID() {
	builds := handle.New[task](handle.AutoID)
	tests := handle.New[task](handle.AutoID)

	b := builds.Insert(&task{name: "build"})
	tests.Insert(&task{name: "test"})

	_, err := tests.Lookup(b)
	fmt.Println(builds.ID() != tests.ID(), errors.Is(err, handle.ErrForeign))
	// Output:
	// true true
}

// Handle types of the program's own keep the handles of two tables apart
// at compile time: a UserID cannot be given to the table of groups.
func ExampleKeyedTable() {
	type UserID handle.Handle
	type GroupID handle.Handle
	type user struct{ name string }
	type group struct{ members []UserID }

	var users handle.KeyedTable[UserID, user]
	var groups handle.KeyedTable[GroupID, group]

	ann := users.Insert(&user{name: "ann"})
	admins := groups.Insert(&group{members: []UserID{ann}})
	// groups.Get(ann) does not compile.

	g, _ := groups.Get(admins)
	u, _ := users.Get(g.members[0])
	fmt.Println(u.name, handle.Handle(ann).Index())
	// Output:
	// ann 0
}

// Retain keeps the values a function approves of and deletes the others.
func ExampleKeyedTable_Retain() {
	var tasks handle.Table[task]
	for _, name := range []string{"fetch", "compile", "test"} {
		tasks.Insert(&task{name: name})
	}
	tasks.Retain(func(h handle.Handle, t *task) bool { return t.name != "compile" })
	for _, t := range tasks.All() {
		fmt.Println(t.name)
	}
	// Output:
	// fetch
	// test
}

// Clear deletes every value; every handle is stale afterwards.
func ExampleKeyedTable_Clear() {
	var tasks handle.Table[task]
	h := tasks.Insert(&task{name: "fetch"})
	tasks.Insert(&task{name: "compile"})
	tasks.Clear()
	_, ok := tasks.Get(h)
	fmt.Println(tasks.Len(), ok)
	// Output:
	// 0 false
}

// A SecondaryMap adds data to the values of a table without touching
// them, and forgets the data of deleted values.
func ExampleSecondaryMap() {
	var tasks handle.Table[task]
	durations := handle.NewSecondaryMap[handle.Handle, task, int](&tasks)

	fetch := tasks.Insert(&task{name: "fetch"})
	compile := tasks.Insert(&task{name: "compile"})
	durations.Insert(fetch, 120)
	durations.Insert(compile, 900)

	tasks.Delete(compile)
	_, ok := durations.Get(compile)
	fmt.Println("compile:", ok)
	for h, d := range durations.All() {
		t, _ := tasks.Get(h)
		fmt.Println(t.name, d)
	}
	fmt.Println("pruned:", durations.Prune())
	// Output:
	// compile: false
	// fetch 120
	// pruned: 1
}
