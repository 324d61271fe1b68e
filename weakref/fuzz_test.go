package weakref

import (
	"errors"
	"testing"

	"github.com/cellar-go/cellar/handle"
)

// fuzzRegistry is a registry with live, deleted and held-while-deleted
// objects, and the model of which raw values name which object.
type fuzzRegistry struct {
	r       *Registry[member]
	live    map[uint64]*member
	deleted []uint64
	keep    []*member
	issued  map[uint32]uint32 // slot index → newest generation issued
}

func newFuzzRegistry(t testing.TB, opts Options) *fuzzRegistry {
	f := &fuzzRegistry{r: New[member](opts), live: map[uint64]*member{}, issued: map[uint32]uint32{}}
	defer func() {
		for raw := range f.live {
			f.issue(raw)
		}
		for _, raw := range f.deleted {
			f.issue(raw)
		}
	}()
	for i := range 300 {
		p := &member{name: "m"}
		w := f.r.Weak(p)
		p.raw.Store(w.Raw())
		f.keep = append(f.keep, p)
		if i%4 == 0 {
			if err := w.Delete(); err != nil {
				t.Fatal(err)
			}
			f.deleted = append(f.deleted, w.Raw())
		} else {
			f.live[w.Raw()] = p
		}
	}
	// Reuse some slots.
	for range 20 {
		p := &member{}
		w := f.r.Weak(p)
		p.raw.Store(w.Raw())
		f.keep = append(f.keep, p)
		f.live[w.Raw()] = p
	}
	// One object deleted while held by a Strong: still live.
	for raw := range f.live {
		w, _ := f.r.FromRaw(raw)
		if _, err := w.Strong(); err != nil {
			t.Fatal(err)
		}
		w.Delete()
		break
	}
	return f
}

// FuzzFromRaw turns arbitrary integers into handles: FromRaw never panics,
// and never yields an object other than the one the integer was issued
// for; a failure has the right reason.
func FuzzFromRaw(f *testing.F) {
	regs := []*fuzzRegistry{newFuzzRegistry(f, Options{}), newFuzzRegistry(f, Options{Collectable: true})}
	other := New[member](Options{})
	foreign := other.Weak(&member{}).Raw()
	for _, fr := range regs {
		for raw := range fr.live {
			f.Add(raw) // valid
			h := handle.Handle(raw)
			f.Add(uint64(handle.Make(h.TableID(), h.Index(), h.Generation()+1)))           // not issued yet
			f.Add(uint64(handle.Make(h.TableID(), h.Index(), 0)))                          // generation 0
			f.Add(uint64(handle.Make(h.TableID(), h.Index()+5000, 1)))                     // past the slots
			f.Add(uint64(handle.Make(h.TableID()%handle.MaxTableID+1, h.Index(), 1)))      // another id
			f.Add(uint64(handle.Make(h.TableID(), handle.MaxIndex, handle.MaxGeneration))) // maxima
			break
		}
		f.Add(fr.deleted[0]) // stale
	}
	f.Add(uint64(0))
	f.Add(^uint64(0))
	f.Add(foreign)
	f.Fuzz(func(t *testing.T, raw uint64) {
		for _, fr := range regs {
			w, err := fr.r.FromRaw(raw)
			want, isLive := fr.live[raw]
			if err != nil {
				if !w.IsZero() {
					t.Fatalf("FromRaw(%#x) returned %v with error %v", raw, w, err)
				}
				var we *Error
				if !errors.As(err, &we) || we.Raw != raw {
					t.Fatalf("FromRaw(%#x): error %#v", raw, err)
				}
				if wantErr := fr.reason(raw, isLive); !errors.Is(err, wantErr) {
					t.Fatalf("FromRaw(%#x) = %v, want %v", raw, err, wantErr)
				}
				continue
			}
			if !isLive {
				t.Fatalf("FromRaw(%#x) accepted a value never issued for a live object", raw)
			}
			p, ok := w.Upgrade()
			if !ok || p != want || p.raw.Load() != raw {
				t.Fatalf("FromRaw(%#x).Upgrade() = %p, %v; want %p", raw, p, ok, want)
			}
			if w.UpgradeOr(nil) != want || w.Raw() != raw {
				t.Fatalf("FromRaw(%#x) round trip", raw)
			}
		}
	})
}

// reason is the error FromRaw must report for raw, from the model.
func (f *fuzzRegistry) reason(raw uint64, isLive bool) error {
	h := handle.Handle(raw)
	own := handle.Handle(f.deleted[0]).TableID()
	switch {
	case isLive:
		return nil
	case raw == 0:
		return ErrNull
	case h.TableID() != own:
		return ErrForeign
	}
	// The registry issued generations 1 to top of each slot it used; of
	// those, only the live ones are not gone.
	if top, ok := f.issued[h.Index()]; ok && h.Generation() != 0 && h.Generation() <= top {
		return ErrGone
	}
	return ErrInvalid
}

func (f *fuzzRegistry) issue(raw uint64) {
	h := handle.Handle(raw)
	f.issued[h.Index()] = max(f.issued[h.Index()], h.Generation())
}
