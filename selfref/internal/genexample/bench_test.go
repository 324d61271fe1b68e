package genexample

import (
	"runtime"
	"testing"
)

// The generated views, each against the direct read of the same field of
// an unbundled struct in the same run.

type plainStore struct{ stmt *Stmt }

func benchStore(b *testing.B) *Store {
	j := new(Journal)
	db := &DB{Name: "main", J: j}
	s, err := TryNewStore(db,
		func(db **DB) (*Tx, error) { return (*db).Begin() },
		func(tx **Tx) (*Stmt, error) { return (*tx).Prepare("q") })
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := s.Close(); err != nil {
			b.Error(err)
		}
	})
	return s
}

func BenchmarkBaselineDirectField(b *testing.B) {
	p := &plainStore{stmt: &Stmt{Query: "q"}}
	n := 0
	for b.Loop() {
		n += len(p.stmt.Query)
	}
	runtime.KeepAlive(n)
}

func BenchmarkStoreWithStmt(b *testing.B) {
	s := benchStore(b)
	n := 0
	for b.Loop() {
		if err := s.WithStmt(func(st **Stmt) { n += len((*st).Query) }); err != nil {
			b.Fatal(err)
		}
	}
	runtime.KeepAlive(n)
}

func BenchmarkStoreWith(b *testing.B) {
	s := benchStore(b)
	n := 0
	for b.Loop() {
		if err := s.With(func(f StoreFields) { n += len((*f.Stmt).Query) }); err != nil {
			b.Fatal(err)
		}
	}
	runtime.KeepAlive(n)
}

func BenchmarkStoreTryRent(b *testing.B) {
	s := benchStore(b)
	n := 0
	for b.Loop() {
		if err := s.TryRent(func(st **Stmt) error { n += len((*st).Query); return nil }); err != nil {
			b.Fatal(err)
		}
	}
	runtime.KeepAlive(n)
}

func BenchmarkStoreWithStmtMut(b *testing.B) {
	s := benchStore(b)
	n := 0
	for b.Loop() {
		if err := s.WithStmtMut(func(st **Stmt) { n += len((*st).Query) }); err != nil {
			b.Fatal(err)
		}
	}
	runtime.KeepAlive(n)
}

func BenchmarkBaselineDirectFieldParallel(b *testing.B) {
	p := &plainStore{stmt: &Stmt{Query: "q"}}
	b.RunParallel(func(pb *testing.PB) {
		n := 0
		for pb.Next() {
			n += len(p.stmt.Query)
		}
		runtime.KeepAlive(n)
	})
}

func BenchmarkStoreWithStmtParallel(b *testing.B) {
	s := benchStore(b)
	b.RunParallel(func(pb *testing.PB) {
		n := 0
		for pb.Next() {
			if err := s.WithStmt(func(st **Stmt) { n += len((*st).Query) }); err != nil {
				b.Error(err)
				return
			}
		}
		runtime.KeepAlive(n)
	})
}
