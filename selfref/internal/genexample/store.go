package genexample

import (
	"errors"
	"fmt"
	"sync"

	"github.com/cellar-go/cellar/selfref"
)

// Journal records, in order, what the resources of this package do, so
// that the tests and examples can show the order of the closes.
type Journal struct {
	mu     sync.Mutex
	events []string
}

// Add records an event.
func (j *Journal) Add(format string, args ...any) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.events = append(j.events, fmt.Sprintf(format, args...))
}

// Events returns the events recorded so far.
func (j *Journal) Events() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]string(nil), j.events...)
}

// ErrClosedResource is returned by the resources below once closed.
var ErrClosedResource = errors.New("genexample: resource is closed")

// DB is a stand-in for a database handle.
type DB struct {
	Name   string
	J      *Journal
	closed bool
}

// Close records the close.
func (db *DB) Close() error {
	db.closed = true
	db.J.Add("close db %s", db.Name)
	return nil
}

// Tx is a transaction on a [DB].
type Tx struct {
	db     *DB
	closed bool
}

// Begin starts a transaction.
func (db *DB) Begin() (*Tx, error) {
	if db.closed {
		return nil, ErrClosedResource
	}
	db.J.Add("begin on %s", db.Name)
	return &Tx{db: db}, nil
}

// Close ends the transaction.
func (tx *Tx) Close() error {
	tx.closed = true
	tx.db.J.Add("close tx")
	return nil
}

// Stmt is a statement prepared in a [Tx].
type Stmt struct {
	tx    *Tx
	Query string
}

// Prepare prepares a statement; it fails for an empty query.
func (tx *Tx) Prepare(query string) (*Stmt, error) {
	if query == "" {
		return nil, errors.New("genexample: empty query")
	}
	if tx.closed || tx.db.closed {
		return nil, ErrClosedResource
	}
	return &Stmt{tx: tx, Query: query}, nil
}

// Exec runs the statement, and fails once its transaction or database is
// closed.
func (s *Stmt) Exec() (string, error) {
	if s.tx.closed || s.tx.db.closed {
		return "", ErrClosedResource
	}
	return "ran " + s.Query + " on " + s.tx.db.Name, nil
}

// Close releases the statement.
func (s *Stmt) Close() error {
	s.tx.db.J.Add("close stmt %q", s.Query)
	return nil
}

// Store is a chain of three: a database, a transaction on it, and a
// statement prepared in the transaction.
//
//selfref:generate pub_extras debug
type Store struct {
	life selfref.Lifecycle
	db   *DB
	tx   *Tx   `borrows:"db"`
	stmt *Stmt `borrows:"tx"`
}

// Cursor reads through a [Stmt] of a [Store].
type Cursor struct {
	stmt *Stmt
	J    *Journal
}

// Close records the close.
func (c *Cursor) Close() error {
	c.J.Add("close cursor")
	return nil
}

// Session is a bundle whose head is another bundle, a [Store]: rental's
// subrental. Closing it closes the cursor, then the store, which closes
// its own fields in reverse order.
//
//selfref:generate pub_extras
type Session struct {
	life   selfref.Lifecycle
	store  *Store
	cursor *Cursor `borrows:"store"`
}
