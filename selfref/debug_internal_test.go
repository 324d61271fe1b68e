package selfref

import (
	"sync"
	"testing"
)

type panicky struct{}

func (panicky) String() string { panic("String failed") }

// unlocked reports whether nothing holds l: no lock, no counted view.
func unlocked(l *Lifecycle) bool {
	if !l.mu.TryLock() {
		return false
	}
	l.mu.Unlock()
	return !l.views.busy() && l.fast.Load() == l
}

// A fields function that panics inside DebugString ends the view it ran
// in: the bundle is left unlocked, so Close does not block. (DebugString
// used to unlock only when fields returned.) A field's String method that
// panics is caught by fmt and printed.
func TestDebugStringUnlocksWhenFieldsPanic(t *testing.T) {
	for name, fast := range map[string]bool{"counted view": true, "locked view": false} {
		t.Run(name, func(t *testing.T) {
			c := New(panicky{}, func(*panicky) int { return 0 })
			if !fast {
				c.life.fast.Store(nil) // as while an exclusive operation waits: the slow path
			}
			v := recovered(func() {
				c.life.DebugString("cell", func() []any { panic("fields failed") })
			})
			if v != "fields failed" {
				t.Errorf("recovered %v", v)
			}
			if got := c.String(); got != "selfref.Cell{owner: %!v(PANIC=String method: String failed), dependent: 0}" && fast {
				t.Errorf("String = %q", got)
			}
			if !fast {
				c.life.fast.Store(&c.life)
			}
			if !unlocked(&c.life) {
				t.Fatal("the panic left the bundle locked or counted")
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// NewRentMutex and NewRentRWMutex reject nil data, and a nil lock, with a
// panic raised before anything is locked.
func TestNewRentRejectsNil(t *testing.T) {
	var mu sync.Mutex
	var rw sync.RWMutex
	data := 1
	for name, f := range map[string]func(){
		"RentMutex nil data":   func() { NewRentMutex[int](&mu, nil) },
		"RentMutex nil lock":   func() { NewRentMutex[int](nil, &data) },
		"RentMutex nil *Mutex": func() { NewRentMutex[int]((*sync.Mutex)(nil), &data) },
		"RentRWMutex nil data": func() { NewRentRWMutex[int](&rw, nil) },
		"RentRWMutex nil lock": func() { NewRentRWMutex[int](nil, &data) },
	} {
		if v := recovered(f); v == nil {
			t.Errorf("%s: no panic", name)
		}
	}
	if !mu.TryLock() || !rw.TryLock() {
		t.Fatal("a rejected constructor locked")
	}
}

func recovered(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}
