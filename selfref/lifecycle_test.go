package selfref_test

import (
	"context"
	"errors"
	"testing"

	"github.com/cellar-go/cellar/selfref"
)

// quad is written the way cmd/selfrefgen writes a bundle: fields a and c
// are heads, b borrows a, d borrows b and c.
type quad struct {
	life selfref.Lifecycle
	a    *res
	b    *borrower
	c    *res
	d    *borrower
}

func (q *quad) steps(failB, failD error) []selfref.Step {
	return []selfref.Step{
		{Slot: selfref.Field("a", &q.a), Head: true},
		{Slot: selfref.Field("b", &q.b), Build: func(context.Context) error {
			q.b = newBorrower("b", q.a)
			return failB
		}},
		{Slot: selfref.Field("c", &q.c), Head: true},
		{Slot: selfref.Field("d", &q.d), Build: func(context.Context) error {
			q.d = newBorrower("d", &q.b.res)
			return failD
		}},
	}
}

func (q *quad) fields() []selfref.Slot {
	return []selfref.Slot{selfref.Field("a", &q.a), selfref.Field("b", &q.b), selfref.Field("c", &q.c), selfref.Field("d", &q.d)}
}

func newQuad(j *journal) *quad {
	return &quad{a: &res{name: "a", j: j}, c: &res{name: "c", j: j}}
}

func TestBuildFailureUnwindsInReverse(t *testing.T) {
	j := new(journal)
	q := newQuad(j)
	err := q.life.Build(context.Background(), q.steps(nil, errBuild)...)
	var be *selfref.BuildError
	if !errors.As(err, &be) || be.Field != "d" || !errors.Is(err, errBuild) {
		t.Fatalf("err = %v, want a BuildError for d", err)
	}
	// d failed: its value is dropped unclosed; then c, b, a in reverse.
	wantEvents(t, j, "close c", "close b", "close a")
	if q.a != nil || q.b != nil || q.c != nil || q.d != nil {
		t.Error("fields not reset")
	}
	wantErr(t, q.life.Check(), selfref.ErrNotBuilt)
}

func TestBuildOrRecoverKeepsHeads(t *testing.T) {
	j := new(journal)
	q := newQuad(j)
	err := q.life.BuildOrRecover(context.Background(), q.steps(nil, errBuild)...)
	wantErr(t, err, errBuild)
	wantEvents(t, j, "close b")
	if q.a == nil || q.c == nil {
		t.Error("heads were reset")
	}
}

func TestBuildFailureAtFirstDependent(t *testing.T) {
	j := new(journal)
	q := newQuad(j)
	err := q.life.Build(context.Background(), q.steps(errBuild, nil)...)
	wantErr(t, err, errBuild)
	// c was given to the constructor: it is closed too, before a.
	wantEvents(t, j, "close c", "close a")
}

func TestBuildPanicClosesEverythingAndContinues(t *testing.T) {
	j := new(journal)
	q := newQuad(j)
	steps := q.steps(nil, nil)
	steps[3].Build = func(context.Context) error { panic("boom") }
	if v := recovered(func() { q.life.BuildOrRecover(context.Background(), steps...) }); v != "boom" {
		t.Fatalf("panic value %v", v)
	}
	wantEvents(t, j, "close c", "close b", "close a")
}

func TestBuildContextEnded(t *testing.T) {
	j := new(journal)
	q := newQuad(j)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := q.life.Build(ctx, q.steps(nil, nil)...)
	wantErr(t, err, context.Canceled)
	var be *selfref.BuildError
	if !errors.As(err, &be) || be.Field != "b" {
		t.Errorf("err = %v", err)
	}
	wantEvents(t, j, "close c", "close a")
}

func TestLifecycleCloseAndIntoHeads(t *testing.T) {
	j := new(journal)
	q := newQuad(j)
	q.life.MustBuild(q.steps(nil, nil)...)
	if err := q.life.Check(); err != nil {
		t.Fatal(err)
	}
	if err := q.life.Close(q.fields()...); err != nil {
		t.Fatal(err)
	}
	wantEvents(t, j, "close d", "close c", "close b", "close a")
	if q.life.Close(q.fields()...) != nil {
		t.Error("second Close")
	}
	wantErr(t, selfref.Shared(&q.life, q, func(*quad) { t.Error("shared view after Close") }), selfref.ErrClosed)
	wantErr(t, selfref.Exclusive(&q.life, q, func(*quad) { t.Error("exclusive view after Close") }), selfref.ErrClosed)

	j = new(journal)
	q = newQuad(j)
	q.life.MustBuild(q.steps(nil, nil)...)
	var a, c *res
	err := q.life.IntoHeads(func() { a, c = selfref.Take(&q.a), selfref.Take(&q.c) },
		selfref.Field("b", &q.b), selfref.Field("d", &q.d))
	if err != nil || a.name != "a" || c.name != "c" || q.a != nil {
		t.Fatalf("IntoHeads: %v, %v, %v", a, c, err)
	}
	wantEvents(t, j, "close d", "close b")
	wantErr(t, q.life.IntoHeads(func() { t.Error("take ran twice") }), selfref.ErrClosed)
}

func TestBuildMisuse(t *testing.T) {
	q := newQuad(new(journal))
	q.life.MustBuild(q.steps(nil, nil)...)
	if v := recovered(func() { q.life.MustBuild() }); v == nil {
		t.Error("building twice did not panic")
	}
	q2 := newQuad(new(journal))
	if v := recovered(func() { q2.life.MustBuild(q2.steps(errBuild, nil)...) }); v == nil {
		t.Error("MustBuild with a failing step did not panic")
	} else if err, ok := v.(error); !ok || !errors.Is(err, errBuild) {
		t.Errorf("MustBuild panicked with %v", v)
	}
}

func TestDebugString(t *testing.T) {
	q := newQuad(new(journal))
	if got := q.life.DebugString("quad", nil); got != "quad{not built}" {
		t.Errorf("unbuilt: %q", got)
	}
	q.life.MustBuild(q.steps(nil, nil)...)
	if got := q.life.DebugString("quad", func() []any { return []any{"a", q.a, "c", q.c} }); got != "quad{a: a, c: c}" {
		t.Errorf("open: %q", got)
	}
	err := selfref.Exclusive(&q.life, q, func(q *quad) {
		if got := q.life.DebugString("quad", nil); got != "quad{busy}" {
			t.Errorf("busy: %q", got)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	q.life.Close(q.fields()...)
	if got := q.life.DebugString("quad", nil); got != "quad{closed}" {
		t.Errorf("closed: %q", got)
	}
}

// TestBuildOrRecoverClosesGivenValuesThatAreNotHeads: a field with an
// empty borrows tag is given to the constructor but is not a head, so
// BuildOrRecover closes it rather than handing it back.
func TestBuildOrRecoverClosesGivenValuesThatAreNotHeads(t *testing.T) {
	j := new(journal)
	q := newQuad(j)
	steps := q.steps(nil, errBuild)
	steps[2].Head = false // c: given, not a head
	err := q.life.BuildOrRecover(context.Background(), steps...)
	wantErr(t, err, errBuild)
	wantEvents(t, j, "close c", "close b")
	if q.a == nil || q.c != nil {
		t.Errorf("a = %v (want kept), c = %v (want reset)", q.a, q.c)
	}
}
