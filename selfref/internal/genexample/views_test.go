package genexample

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/cellar-go/cellar/selfref"
)

// Close waits for the generated shared views in progress (With, With<Field>,
// Rent, MaybeRent, TryRent), and inside one of them reports ErrInView.
func TestStoreCloseWaitsForSharedViews(t *testing.T) {
	views := map[string]func(s *Store, fn func()) error{
		"With":     func(s *Store, fn func()) error { return s.With(func(StoreFields) { fn() }) },
		"WithStmt": func(s *Store, fn func()) error { return s.WithStmt(func(**Stmt) { fn() }) },
		"Rent":     func(s *Store, fn func()) error { return s.Rent(func(**Stmt) { fn() }) },
		"RentAll":  func(s *Store, fn func()) error { return s.RentAll(func(StoreFields) { fn() }) },
		"MaybeRent": func(s *Store, fn func()) error {
			if !s.MaybeRent(func(**Stmt) bool { fn(); return true }) {
				return selfref.ErrClosed
			}
			return nil
		},
		"TryRent": func(s *Store, fn func()) error {
			return s.TryRent(func(**Stmt) error { fn(); return nil })
		},
	}
	for name, view := range views {
		t.Run(name, func(t *testing.T) {
			j := new(Journal)
			s := newStore(t, j, "q")
			closed := make(chan struct{})
			err := view(s, func() {
				if err := s.Close(); !errors.Is(err, selfref.ErrInView) {
					t.Errorf("Close inside the view: %v, want ErrInView", err)
				}
				go func() {
					if err := s.Close(); err != nil {
						t.Error(err)
					}
					close(closed)
				}()
				// Once Close has begun, the bundle reads as closed, and new
				// views return ErrClosed at once, while this one goes on.
				for !strings.HasSuffix(s.String(), "{closed}") {
					select {
					case <-closed:
						t.Fatal("Close returned while a shared view was running")
					default:
						runtime.Gosched()
					}
				}
				if err := s.TryRent(func(**Stmt) error { return nil }); !errors.Is(err, selfref.ErrClosed) {
					t.Errorf("a new view once Close began: %v, want ErrClosed", err)
				}
				if out, err := s.stmt.Exec(); err != nil {
					t.Errorf("the view's statement after Close began: %q, %v", out, err)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			<-closed
			wantEvents(t, j, "begin on main", `close stmt "q"`, "close tx", "close db main")
			if s.MaybeRent(func(**Stmt) bool { t.Error("MaybeRent ran after Close"); return true }) {
				t.Error("MaybeRent reported true after Close")
			}
			if err := s.TryRent(func(**Stmt) error { return nil }); !errors.Is(err, selfref.ErrClosed) {
				t.Errorf("TryRent after Close: %v", err)
			}
		})
	}
}
