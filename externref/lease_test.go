package externref

import (
	"errors"
	"testing"
)

// TestLeaseWordRetires brings a lease word to its last generation: the
// lease issued with it works, and once released the word is never
// issued again, so no later lease can share a generation with it.
func TestLeaseWordRetires(t *testing.T) {
	r := New("x")
	defer r.Release()
	r.e.leases[1].Store(leaseWord(maxLeaseGen-1, leaseFree))
	last, err := r.Clone()
	if err != nil || last.lease != lease(1, maxLeaseGen) {
		t.Fatalf("Clone = %v (lease %#x), %v; want the last generation of word 1", last, last.lease, err)
	}
	if err := last.Release(); err != nil {
		t.Fatal(err)
	}
	next, err := r.Clone()
	if err != nil || next.lease>>32 == 1 {
		t.Fatalf("Clone after retirement = lease %#x, %v; word 1 is retired", next.lease, err)
	}
	if err := last.Release(); !errors.Is(err, ErrReleased) {
		t.Fatalf("release of the retired lease: %v", err)
	}
	if err := next.Release(); err != nil {
		t.Fatal(err)
	}
}

// TestLeaseSpillChunks clones far past the inline words and checks the
// lease words' indexes against their chunks.
func TestLeaseSpillChunks(t *testing.T) {
	r := New(0)
	defer r.Release()
	var clones []Ref
	for range 100 {
		c, err := r.Clone()
		if err != nil {
			t.Fatal(err)
		}
		if w := r.e.word(uint32(c.lease >> 32)); w == nil || w.Load() != leaseWord(uint32(c.lease), leaseLive) {
			t.Fatalf("lease %#x does not match its word", c.lease)
		}
		clones = append(clones, c)
	}
	sizes := []int{}
	for c := r.e.spill.Load(); c != nil; c = c.next.Load() {
		sizes = append(sizes, len(c.words))
	}
	if len(sizes) != 4 || sizes[0] != 8 || sizes[3] != 64 {
		t.Fatalf("chunk sizes %v, want 8 16 32 64", sizes)
	}
	if r.e.word(inlineLeases+8+16+32+64) != nil {
		t.Fatal("a word past the last chunk")
	}
	if err := ReleaseAll(clones...); err != nil {
		t.Fatal(err)
	}
}
