package weakref

import (
	"sync"
	"sync/atomic"
	"testing"
	"weak"
)

// The upgrade benchmarks look up 1024 objects in turn, the same way
// single-threaded and in parallel, so their times per operation compare.
const benchObjects = 1024

func benchRegistry(opts Options) ([]*thing, []Weak[thing]) {
	r := New[thing](opts)
	objs := make([]*thing, benchObjects)
	ws := make([]Weak[thing], benchObjects)
	for i := range objs {
		objs[i] = &thing{id: i}
		ws[i] = r.Weak(objs[i])
	}
	return objs, ws
}

// BenchmarkUpgrade upgrades a weak handle of a live object.
func BenchmarkUpgrade(b *testing.B) {
	_, ws := benchRegistry(Options{})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok := ws[i&(benchObjects-1)].Upgrade(); !ok {
			b.Fatal("gone")
		}
		i++
	}
}

// BenchmarkUpgradeParallel is BenchmarkUpgrade on every core at once.
func BenchmarkUpgradeParallel(b *testing.B) {
	_, ws := benchRegistry(Options{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, ok := ws[i&(benchObjects-1)].Upgrade(); !ok {
				b.Error("gone")
				return
			}
			i++
		}
	})
}

// BenchmarkUpgradeCollectable is BenchmarkUpgrade in a collectable
// registry.
func BenchmarkUpgradeCollectable(b *testing.B) {
	objs, ws := benchRegistry(Options{Collectable: true})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok := ws[i&(benchObjects-1)].Upgrade(); !ok {
			b.Fatal("gone")
		}
		i++
	}
	b.StopTimer()
	_ = objs[0] // keep the objects alive
}

// BenchmarkBaselineWeakPointerValue is the baseline of Go's own weak
// pointers: weak.Pointer.Value of a live object.
func BenchmarkBaselineWeakPointerValue(b *testing.B) {
	objs := make([]*thing, benchObjects)
	wps := make([]weak.Pointer[thing], benchObjects)
	for i := range objs {
		objs[i] = &thing{id: i}
		wps[i] = weak.Make(objs[i])
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if wps[i&(benchObjects-1)].Value() == nil {
			b.Fatal("gone")
		}
		i++
	}
	b.StopTimer()
	_ = objs[0]
}

// BenchmarkBaselineSyncMapLoad is the baseline of a concurrent map from
// integer ids to objects: a sync.Map hit.
func BenchmarkBaselineSyncMapLoad(b *testing.B) {
	var m sync.Map
	for i := range benchObjects {
		m.Store(uint64(i), &thing{id: i})
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok := m.Load(uint64(i & (benchObjects - 1))); !ok {
			b.Fatal("gone")
		}
		i++
	}
}

// BenchmarkInsertUpgradeDelete is the life of a weak handle: register an
// object, upgrade its handle, delete it, in a registry of 1024 others.
func BenchmarkInsertUpgradeDelete(b *testing.B) {
	r := New[thing](Options{})
	for i := range benchObjects {
		r.Weak(&thing{id: i})
	}
	o := &thing{}
	b.ReportAllocs()
	for b.Loop() {
		w := r.Weak(o)
		if _, ok := w.Upgrade(); !ok {
			b.Fatal("gone")
		}
		if err := w.Delete(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWeakExisting asks again for the handle of a registered object.
func BenchmarkWeakExisting(b *testing.B) {
	r := New[thing](Options{})
	objs, _ := benchRegistry(Options{})
	for _, o := range objs {
		r.Weak(o)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r.Weak(objs[i&(benchObjects-1)])
		i++
	}
}

// BenchmarkFromRaw validates a raw handle and upgrades it.
func BenchmarkFromRaw(b *testing.B) {
	r := New[thing](Options{})
	raws := make([]uint64, benchObjects)
	for i := range raws {
		raws[i] = r.Weak(&thing{id: i}).Raw()
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		w, err := r.FromRaw(raws[i&(benchObjects-1)])
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := w.Upgrade(); !ok {
			b.Fatal("gone")
		}
		i++
	}
}

// BenchmarkStrongRelease takes and releases a Strong.
func BenchmarkStrongRelease(b *testing.B) {
	var r Registry[thing]
	w := r.Weak(&thing{})
	b.ReportAllocs()
	for b.Loop() {
		s, err := w.Strong()
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Release(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStrongReleaseTracked is BenchmarkStrongRelease with TrackSites
// on.
func BenchmarkStrongReleaseTracked(b *testing.B) {
	var r Registry[thing]
	w := r.Weak(&thing{})
	TrackSites(true)
	defer TrackSites(false)
	b.ReportAllocs()
	for b.Loop() {
		s, err := w.Strong()
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Release(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBaselineLockedRefcount is the baseline of BenchmarkStrongRelease:
// what a reference object with an atomic count and a locked release costs
// at the least, an allocation, an atomic add and a lock round trip.
func BenchmarkBaselineLockedRefcount(b *testing.B) {
	var mu sync.Mutex
	var n atomic.Int64
	o := &thing{}
	b.ReportAllocs()
	for b.Loop() {
		r := &benchRef{p: o, n: &n}
		refSink = r // on the heap, as a Strong is
		r.n.Add(1)
		mu.Lock()
		r.n.Add(-1)
		mu.Unlock()
	}
}

type benchRef struct {
	p *thing
	n *atomic.Int64
}

var refSink *benchRef
