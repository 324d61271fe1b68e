package cellar_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/cellar-go/cellar"
)

func TestVcHandlesRoundTrip(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	var cell cellar.Vc[string]
	f := cellar.NewVcFunc1(e, "f", func(ctx context.Context, n int) (cellar.Vc[string], error) {
		cell = cellar.Cell(ctx, "hello")
		return cell, nil
	})
	op := f.CallOperation(ctx, 1)
	mustGet(t, op.Connect())
	res, err := op.Connect().ToResolved(ctx)
	if err != nil {
		t.Fatal(err)
	}

	type doc struct {
		V cellar.Vc[string]
		R cellar.ResolvedVc[string]
		O cellar.OperationVc[string]
		Z cellar.Vc[int]
	}
	in := doc{V: cell, R: res, O: op}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out doc
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("unmarshal %s: %v", b, err)
	}
	if out != in {
		t.Fatalf("round trip through %s: %+v, want %+v", b, out, in)
	}
	if v, err := out.R.Get(ctx); err != nil || v != "hello" {
		t.Fatalf("read after the round trip: %q, %v", v, err)
	}

	bin, _ := res.MarshalBinary()
	var r2 cellar.ResolvedVc[string]
	if err := r2.UnmarshalBinary(bin); err != nil || r2 != res {
		t.Fatalf("binary: %v, %v", r2, err)
	}

	// Kinds are checked.
	ot, _ := op.MarshalText()
	if err := r2.UnmarshalText(ot); !errors.Is(err, cellar.ErrBadHandle) {
		t.Fatalf("an operation unmarshaled as a ResolvedVc: %v", err)
	}
	ct, _ := cell.MarshalText()
	var o2 cellar.OperationVc[string]
	if err := o2.UnmarshalText(ct); !errors.Is(err, cellar.ErrBadHandle) {
		t.Fatalf("a cell unmarshaled as an OperationVc: %v", err)
	}
}

func TestForgedHandlesFailClearly(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	f := cellar.NewFunc1(e, "f", func(ctx context.Context, n int) (int, error) { return n, nil })
	op := f.CallOperation(ctx, 1)
	mustGet(t, op.Connect())
	good, _ := op.MarshalText()

	for _, text := range []string{"", "vc", "vc/2/1/1/0", "vc/1/x/1/0", "vc/1/1/1", "vc/1/01/1/0", "vc/1/0/1/0", "vc/1/1/0/0", "vc/1/1/1/4294967295", "vc/1/1/1/4294967296"} {
		var v cellar.Vc[int]
		if err := v.UnmarshalText([]byte(text)); !errors.Is(err, cellar.ErrBadHandle) {
			t.Errorf("UnmarshalText(%q) = %v, want ErrBadHandle", text, err)
		}
	}
	// Well formed, of this engine, but naming a task it does not have.
	parts := strings.Split(string(good), "/")
	parts[3] = "99999"
	var far cellar.OperationVc[int]
	if err := far.UnmarshalText([]byte(strings.Join(parts, "/"))); err != nil {
		t.Fatal(err)
	}
	if _, err := far.ReadStronglyConsistent(ctx); !errors.Is(err, cellar.ErrInvalidVc) {
		t.Fatalf("reading a handle of a task that does not exist: %v", err)
	}
	// Of another engine.
	parts[2], parts[3] = "4000000000", "1"
	if err := far.UnmarshalText([]byte(strings.Join(parts, "/"))); err != nil {
		t.Fatal(err)
	}
	if _, err := far.ReadStronglyConsistent(ctx); !errors.Is(err, cellar.ErrClosed) && !errors.Is(err, cellar.ErrForeign) {
		t.Fatalf("reading a handle of an engine that does not exist: %v", err)
	}
}

func FuzzUnmarshalVc(f *testing.F) {
	for _, s := range []string{"vc/1/1/1/0", "vc/1/2/3/4", "", "vc/1/1/1/4294967295"} {
		f.Add([]byte(s))
	}
	f.Add([]byte{1, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		var v cellar.Vc[int]
		if err := v.UnmarshalText(data); err == nil {
			// What parses must print back the same.
			back, _ := v.MarshalText()
			var w cellar.Vc[int]
			if err := w.UnmarshalText(back); err != nil || w != v {
				t.Fatalf("%q -> %v -> %q -> %v, %v", data, v, back, w, err)
			}
		}
		var b cellar.Vc[int]
		if err := b.UnmarshalBinary(data); err == nil {
			back, _ := b.MarshalBinary()
			if string(back) != string(data) {
				t.Fatalf("binary %x -> %x", data, back)
			}
		}
		// Reading a decoded handle never panics.
		_, _ = v.Get(context.Background())
		_, _ = b.Get(context.Background())
	})
}
