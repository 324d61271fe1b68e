package genexample

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cellar-go/cellar/selfref"
)

func newStore(t *testing.T, j *Journal, query string) *Store {
	t.Helper()
	s, err := TryNewStore(&DB{Name: "main", J: j},
		func(db **DB) (*Tx, error) { return (*db).Begin() },
		func(tx **Tx) (*Stmt, error) { return (*tx).Prepare(query) })
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func wantEvents(t *testing.T, j *Journal, want ...string) {
	t.Helper()
	if got := j.Events(); !slices.Equal(got, want) {
		t.Errorf("events = %q, want %q", got, want)
	}
}

func TestMyStruct(t *testing.T) {
	s := MyStructBuilder{
		IntData:               42,
		FloatData:             3.14,
		IntReferenceBuilder:   func(i *int) *int { return i },
		FloatReferenceBuilder: func(f *float32) *float32 { return f },
	}.Build()
	var i *int
	if err := s.WithIntData(func(p *int) { i = p }); err != nil || *i != 42 {
		t.Fatalf("WithIntData = %v, %v", i, err)
	}
	ir, err := s.BorrowIntReference()
	if err != nil {
		t.Fatal(err)
	}
	if p, err := ir.Get(); err != nil || p != i {
		t.Errorf("intReference = %p, %v; it does not point to the bundle's intData %p", p, err, i)
	}
	err = s.WithMut(func(f MyStructFields) { **f.FloatReference = float32(**f.IntReference) * 2 })
	if err != nil {
		t.Fatal(err)
	}
	fr, _ := s.BorrowFloatReference()
	if f, err := fr.Get(); err != nil || *f != 84 {
		t.Errorf("float through the reference = %v, %v, want 84", f, err)
	}
	h, err := s.IntoHeads()
	if err != nil || h.IntData != 42 || h.FloatData != 84 {
		t.Errorf("IntoHeads = %+v, %v; the mutable borrow did not write the field", h, err)
	}
	if _, err := s.BorrowIntData(); !errors.Is(err, selfref.ErrClosed) {
		t.Errorf("BorrowIntData after IntoHeads: %v", err)
	}
}

// TestGeneratedItemsFollowTheBorrowRules checks which accessors exist: a
// field borrowed mutably by another has no view, and a borrowed field has
// no mutable view (ouroboros's rules).
func TestGeneratedItemsFollowTheBorrowRules(t *testing.T) {
	typ := reflect.TypeFor[*MyStruct]()
	for name, want := range map[string]bool{
		"WithIntData": true, "BorrowIntData": true, "WithIntDataMut": false,
		"WithFloatData": false, "BorrowFloatData": false, "WithFloatDataMut": false,
		"WithIntReference": true, "BorrowIntReference": true, "WithIntReferenceMut": true,
		"WithFloatReference": true, "BorrowFloatReference": true, "WithFloatReferenceMut": true,
		"With": true, "WithMut": true, "IntoHeads": true, "Close": true,
		"Rent": true, "RentMut": true, "RentAll": true, "RentAllMut": true, "MaybeRent": true, "TryRent": true,
		"String": false, // no debug option
	} {
		if _, got := typ.MethodByName(name); got != want {
			t.Errorf("MyStruct has %s: %v, want %v", name, got, want)
		}
	}
	if _, ok := reflect.TypeFor[MyStructFields]().FieldByName("FloatData"); ok {
		t.Error("MyStructFields shows the mutably borrowed floatData")
	}
	heads := reflect.TypeFor[MyStructHeads]()
	if heads.NumField() != 2 {
		t.Errorf("MyStructHeads has %d fields, want the 2 heads", heads.NumField())
	}
}

func TestUnexportedBundleWithAGivenField(t *testing.T) {
	typ := reflect.TypeFor[*pending]()
	for _, m := range []string{"WithSource", "With", "IntoHeads", "Rent"} {
		if _, ok := typ.MethodByName(m); ok {
			t.Errorf("unexported bundle has exported %s", m)
		}
	}
	problem := "no final newline"
	p := newPending([]byte("a\nb"), func(src *[]byte) [][]byte { return splitLines(*src) }, &problem)
	err := p.with(func(f pendingFields) {
		if len(*f.Lines) != 2 || **f.Problem != problem {
			t.Errorf("fields %q %v", *f.Lines, *f.Problem)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := reflect.TypeFor[pendingHeads]().NumField(); n != 1 {
		t.Errorf("pendingHeads has %d fields; problem, which has an empty borrows tag, is not a head", n)
	}
	h, err := p.intoHeads()
	if err != nil || string(h.Source) != "a\nb" {
		t.Errorf("intoHeads = %q, %v", h.Source, err)
	}
}

func splitLines(b []byte) [][]byte {
	var out [][]byte
	for line := range strings.SplitSeq(string(b), "\n") {
		out = append(out, []byte(line))
	}
	return out
}

func TestStoreClosesInReverse(t *testing.T) {
	j := new(Journal)
	s := newStore(t, j, "select 1")
	err := s.Rent(func(stmt **Stmt) {
		if out, err := (*stmt).Exec(); err != nil || out != "ran select 1 on main" {
			t.Errorf("Exec = %q, %v", out, err)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	wantEvents(t, j, "begin on main", `close stmt "select 1"`, "close tx", "close db main")
}

func TestStoreUseAfterClose(t *testing.T) {
	s := newStore(t, new(Journal), "q")
	s.Close()
	fail := func(...any) { t.Error("a view ran after Close") }
	for name, err := range map[string]error{
		"With":        s.With(func(f StoreFields) { fail(f) }),
		"WithMut":     s.WithMut(func(f StoreFields) { fail(f) }),
		"WithDb":      s.WithDb(func(d **DB) { fail(d) }),
		"WithTx":      s.WithTx(func(x **Tx) { fail(x) }),
		"WithStmt":    s.WithStmt(func(x **Stmt) { fail(x) }),
		"WithStmtMut": s.WithStmtMut(func(x **Stmt) { fail(x) }),
		"Rent":        s.Rent(func(x **Stmt) { fail(x) }),
		"RentMut":     s.RentMut(func(x **Stmt) { fail(x) }),
		"RentAll":     s.RentAll(func(f StoreFields) { fail(f) }),
		"RentAllMut":  s.RentAllMut(func(f StoreFields) { fail(f) }),
		"TryRent":     s.TryRent(func(x **Stmt) error { fail(x); return nil }),
		"BorrowDb":    func() error { _, err := s.BorrowDb(); return err }(),
		"BorrowStmt":  func() error { _, err := s.BorrowStmt(); return err }(),
		"IntoHeads":   func() error { _, err := s.IntoHeads(); return err }(),
	} {
		if !errors.Is(err, selfref.ErrClosed) {
			t.Errorf("%s after Close: %v", name, err)
		}
	}
	if s.MaybeRent(func(x **Stmt) bool { fail(x); return true }) {
		t.Error("MaybeRent after Close reported true")
	}
	if got := s.String(); got != "Store{closed}" {
		t.Errorf("String = %q", got)
	}
}

func TestStoreRentMethods(t *testing.T) {
	s := newStore(t, new(Journal), "q")
	defer s.Close()
	if err := s.RentMut(func(stmt **Stmt) { (*stmt).Query = "q2" }); err != nil {
		t.Fatal(err)
	}
	if !s.MaybeRent(func(stmt **Stmt) bool { return (*stmt).Query == "q2" }) {
		t.Error("MaybeRent did not see the change RentMut made")
	}
	errMine := errors.New("mine")
	if err := s.TryRent(func(**Stmt) error { return errMine }); !errors.Is(err, errMine) {
		t.Errorf("TryRent = %v", err)
	}
	err := s.RentAll(func(f StoreFields) {
		if (*f.Stmt).tx != *f.Tx || (*f.Tx).db != *f.Db {
			t.Error("the fields do not borrow each other")
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.String(); !strings.HasPrefix(got, "Store{db: &{main ") {
		t.Errorf("String = %q", got)
	}
	s.WithMut(func(StoreFields) {
		if got := s.String(); got != "Store{busy}" {
			t.Errorf("String inside WithMut = %q", got)
		}
	})
}

func TestStoreBuildFailures(t *testing.T) {
	j := new(Journal)
	_, err := TryNewStore(&DB{Name: "main", J: j},
		func(db **DB) (*Tx, error) { return (*db).Begin() },
		func(tx **Tx) (*Stmt, error) { return (*tx).Prepare("") })
	var be *selfref.BuildError
	if !errors.As(err, &be) || be.Field != "stmt" {
		t.Fatalf("err = %v, want a BuildError for stmt", err)
	}
	wantEvents(t, j, "begin on main", "close tx", "close db main")

	j = new(Journal)
	db := &DB{Name: "kept", J: j}
	s, heads, err := TryNewStoreOrRecover(db,
		func(db **DB) (*Tx, error) { return (*db).Begin() },
		func(tx **Tx) (*Stmt, error) { return (*tx).Prepare("") })
	if s != nil || heads.Db != db || err == nil {
		t.Fatalf("TryNewStoreOrRecover = %v, %+v, %v", s, heads, err)
	}
	wantEvents(t, j, "begin on kept", "close tx")

	j = new(Journal)
	func() {
		defer func() {
			if v := recover(); v != "boom" {
				t.Errorf("panic value %v", v)
			}
		}()
		NewStore(&DB{Name: "main", J: j}, func(db **DB) *Tx {
			tx, _ := (*db).Begin()
			return tx
		}, func(**Tx) *Stmt { panic("boom") })
	}()
	wantEvents(t, j, "begin on main", "close tx", "close db main")
}

func TestStoreContext(t *testing.T) {
	j := new(Journal)
	ctx, cancel := context.WithCancel(context.Background())
	s, err := NewStoreContext(ctx, &DB{Name: "main", J: j},
		func(ctx context.Context, db **DB) (*Tx, error) {
			cancel()
			return (*db).Begin()
		},
		func(context.Context, **Tx) (*Stmt, error) {
			t.Error("built after the context ended")
			return nil, nil
		})
	if s != nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("NewStoreContext = %v, %v", s, err)
	}
	wantEvents(t, j, "begin on main", "close tx", "close db main")

	j = new(Journal)
	db := &DB{Name: "kept", J: j}
	_, heads, err := StoreContextBuilder{Db: db,
		TxBuilder:   func(ctx context.Context, db **DB) (*Tx, error) { return nil, ctx.Err() },
		StmtBuilder: func(context.Context, **Tx) (*Stmt, error) { return nil, nil },
	}.BuildOrRecover(ctx)
	if heads.Db != db || !errors.Is(err, context.Canceled) {
		t.Errorf("BuildOrRecover = %+v, %v", heads, err)
	}
	wantEvents(t, j)

	s, _, err = NewStoreContextOrRecover(context.Background(), &DB{Name: "ok", J: j},
		func(ctx context.Context, db **DB) (*Tx, error) { return (*db).Begin() },
		func(ctx context.Context, tx **Tx) (*Stmt, error) { return (*tx).Prepare("q") })
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

func TestStoreIntoHeads(t *testing.T) {
	j := new(Journal)
	s := newStore(t, j, "q")
	h, err := s.IntoHeads()
	if err != nil || h.Db == nil || h.Db.closed {
		t.Fatalf("IntoHeads = %+v, %v", h, err)
	}
	wantEvents(t, j, "begin on main", `close stmt "q"`, "close tx")
}

func TestCopiedStore(t *testing.T) {
	j := new(Journal)
	s := newStore(t, j, "q")
	cp := new(Store)
	reflect.ValueOf(cp).Elem().Set(reflect.ValueOf(s).Elem())
	if err := cp.Close(); !errors.Is(err, selfref.ErrCopied) {
		t.Errorf("Close of a copy: %v", err)
	}
	if err := cp.WithStmt(func(**Stmt) { t.Error("view of a copy") }); !errors.Is(err, selfref.ErrCopied) {
		t.Errorf("WithStmt of a copy: %v", err)
	}
	wantEvents(t, j, "begin on main")
	s.Close()
}

func TestSessionClosesItsHeadBundleLast(t *testing.T) {
	j := new(Journal)
	s := NewSession(newStore(t, j, "q"), func(store **Store) *Cursor {
		b, err := (*store).BorrowStmt()
		if err != nil {
			t.Fatal(err)
		}
		stmt, err := b.Get()
		if err != nil {
			t.Fatal(err)
		}
		return &Cursor{stmt: stmt, J: j}
	})
	s.Rent(func(c **Cursor) {
		if out, err := (*c).stmt.Exec(); err != nil {
			t.Errorf("Exec through the cursor: %q, %v", out, err)
		}
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wantEvents(t, j, "begin on main", "close cursor", `close stmt "q"`, "close tx", "close db main")
}

func TestPairIsGeneric(t *testing.T) {
	p := NewPair("hello", func(v *string) int { return len(*v) })
	b, _ := p.BorrowView()
	if v, err := b.Get(); err != nil || v != 5 {
		t.Errorf("view %d, %v", v, err)
	}
	if got := p.String(); got != "Pair{value: hello, view: 5}" {
		t.Errorf("String = %q", got)
	}
	p.Close()
	if got := p.String(); got != "Pair{closed}" {
		t.Errorf("String = %q", got)
	}
}

// TestHammerStoreViewsAgainstClose runs views on many goroutines while the
// store closes: each view sees open resources or reports ErrClosed,
// because Close waits for the views in progress, shared ones included.
func TestHammerStoreViewsAgainstClose(t *testing.T) {
	for range 10 {
		j := new(Journal)
		s := newStore(t, j, "q")
		var started, done sync.WaitGroup
		const goroutines = 6
		started.Add(goroutines)
		for g := range goroutines {
			done.Go(func() {
				first := true
				for i := g; ; i++ {
					var err error
					check := func(stmt *Stmt) {
						if _, e := stmt.Exec(); e != nil {
							t.Errorf("a view saw a closed resource: %v", e)
						}
					}
					switch i % 3 {
					case 0:
						err = s.WithStmt(func(stmt **Stmt) { check(*stmt) })
					case 1:
						err = s.RentMut(func(stmt **Stmt) { check(*stmt) })
					case 2:
						err = s.WithStmtMut(func(stmt **Stmt) { check(*stmt); (*stmt).Query = "q" })
					}
					if first {
						first = false
						started.Done()
					}
					if err != nil {
						if !errors.Is(err, selfref.ErrClosed) {
							t.Error(err)
						}
						return
					}
				}
			})
		}
		started.Wait()
		s.Close()
		done.Wait()
	}
}
