package genexample

import (
	"errors"
	"testing"

	"github.com/cellar-go/cellar/selfref"
)

func newSession(t *testing.T, j *Journal) (*Session, *Store) {
	t.Helper()
	store := newStore(t, j, "q")
	s, err := TryNewSession(store, func(st **Store) (*Cursor, error) {
		b, err := (*st).BorrowStmt()
		if err != nil {
			return nil, err
		}
		stmt, err := b.Get()
		return &Cursor{stmt: stmt, J: j}, err
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, store
}

// A Session holds its Store, as selfref.NewSub holds its head: the store
// cannot be closed, taken apart or viewed exclusively while the session
// that borrows it is open; shared views still work.
func TestSessionHoldsItsStore(t *testing.T) {
	j := new(Journal)
	s, store := newSession(t, j)
	if err := store.Close(); !errors.Is(err, selfref.ErrHeld) {
		t.Errorf("store.Close while held = %v, want ErrHeld", err)
	}
	if _, err := store.IntoHeads(); !errors.Is(err, selfref.ErrHeld) {
		t.Errorf("store.IntoHeads while held = %v, want ErrHeld", err)
	}
	if err := store.WithStmtMut(func(**Stmt) { t.Error("exclusive view of a held store ran") }); !errors.Is(err, selfref.ErrHeld) {
		t.Errorf("store.WithStmtMut while held = %v, want ErrHeld", err)
	}
	if err := store.WithStmt(func(stmt **Stmt) {
		if _, err := (*stmt).Exec(); err != nil {
			t.Error(err)
		}
	}); err != nil {
		t.Errorf("a shared view of a held store: %v", err)
	}
	wantEvents(t, j, "begin on main")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wantEvents(t, j, "begin on main", "close cursor", `close stmt "q"`, "close tx", "close db main")
}

// IntoHeads hands the store back no longer held.
func TestSessionIntoHeadsReleasesItsStore(t *testing.T) {
	j := new(Journal)
	s, store := newSession(t, j)
	h, err := s.IntoHeads()
	if err != nil || h.Store != store {
		t.Fatalf("IntoHeads = %v, %v", h, err)
	}
	if err := store.Close(); err != nil {
		t.Fatalf("closing the store handed back: %v", err)
	}
	wantEvents(t, j, "begin on main", "close cursor", `close stmt "q"`, "close tx", "close db main")
}

// A store that is closed, or held by another session, cannot be the head
// of a new one: the build fails naming the field, and leaves the store as
// it was.
func TestSessionOverAnUnusableStore(t *testing.T) {
	j := new(Journal)
	s, store := newSession(t, j)
	cursor := func(**Store) (*Cursor, error) {
		t.Error("the builder ran")
		return nil, nil
	}
	_, err := TryNewSession(store, cursor)
	var be *selfref.BuildError
	if !errors.As(err, &be) || be.Field != "store" || !errors.Is(err, selfref.ErrHeld) {
		t.Errorf("a session over a held store: %v", err)
	}
	if err := store.WithStmt(func(**Stmt) {}); err != nil {
		t.Errorf("the held store after the failed build: %v", err)
	}
	s.Close()
	if _, err := TryNewSession(store, cursor); !errors.Is(err, selfref.ErrClosed) {
		t.Errorf("a session over a closed store: %v", err)
	}
	if v := recovered(func() { NewSession(store, func(**Store) *Cursor { return nil }) }); v == nil {
		t.Error("NewSession over a closed store did not panic")
	}
}

// recovered runs f and returns what it panicked with.
func recovered(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}
