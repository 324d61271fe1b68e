package handle

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// benchHandles fills a table with n values and returns their handles.
func benchHandles(tab *Table[obj], n int) []Handle {
	hs := make([]Handle, n)
	for i := range hs {
		hs[i] = tab.Insert(&obj{})
	}
	return hs
}

// BenchmarkGet looks up live handles, one goroutine.
func BenchmarkGet(b *testing.B) {
	tab := New[obj](1)
	hs := benchHandles(tab, 1024)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok := tab.Get(hs[i&1023]); !ok {
			b.Fatal("lost")
		}
		i++
	}
}

// BenchmarkGetParallel is BenchmarkGet on every core at once.
func BenchmarkGetParallel(b *testing.B) {
	tab := New[obj](1)
	hs := benchHandles(tab, 1024)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, ok := tab.Get(hs[i&1023]); !ok {
				b.Error("lost")
				return
			}
			i++
		}
	})
}

// BenchmarkInsertGetDelete is the life of a handle: insert, look up,
// delete, in a table of 1024 other values.
func BenchmarkInsertGetDelete(b *testing.B) {
	tab := New[obj](1)
	benchHandles(tab, 1024)
	o := &obj{}
	b.ReportAllocs()
	for b.Loop() {
		h := tab.Insert(o)
		if _, ok := tab.Get(h); !ok {
			b.Fatal("lost")
		}
		if _, err := tab.Delete(h); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPinUnpin takes and releases a pin.
func BenchmarkPinUnpin(b *testing.B) {
	tab := New[obj](1)
	h := tab.Insert(&obj{})
	b.ReportAllocs()
	for b.Loop() {
		p := new(Pin)
		if _, err := tab.Pin(p, h); err != nil {
			b.Fatal(err)
		}
		if _, err := tab.Unpin(p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBaselineMapGet is the baseline of BenchmarkGet: a plain map from
// handles to values.
func BenchmarkBaselineMapGet(b *testing.B) {
	var tab Table[obj]
	hs := benchHandles(&tab, 1024)
	m := make(map[Handle]*obj, len(hs))
	for _, h := range hs {
		m[h], _ = tab.Get(h)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if m[hs[i&1023]] == nil {
			b.Fatal("lost")
		}
		i++
	}
}

// BenchmarkKeyedGet is BenchmarkGet with handles of a type of their own.
func BenchmarkKeyedGet(b *testing.B) {
	type key Handle
	tab := NewKeyed[key, obj](1)
	ks := make([]key, 1024)
	for i := range ks {
		ks[i] = tab.Insert(&obj{})
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok := tab.Get(ks[i&1023]); !ok {
			b.Fatal("lost")
		}
		i++
	}
}

// BenchmarkBaselineMutexMapInsertGetDelete is the baseline of
// BenchmarkInsertGetDelete: a map guarded by a mutex, keyed by a counter.
func BenchmarkBaselineMutexMapInsertGetDelete(b *testing.B) {
	var mu sync.Mutex
	m := make(map[uint64]*obj)
	for i := range 1024 {
		m[uint64(i)] = &obj{}
	}
	o := &obj{}
	next := uint64(1024)
	b.ReportAllocs()
	for b.Loop() {
		mu.Lock()
		k := next
		next++
		m[k] = o
		mu.Unlock()
		if m[k] == nil {
			b.Fatal("lost")
		}
		mu.Lock()
		delete(m, k)
		mu.Unlock()
	}
}

// BenchmarkBaselineAtomicPinUnpin is the baseline of BenchmarkPinUnpin: a
// Pin-sized allocation and an atomic count up and down.
func BenchmarkBaselineAtomicPinUnpin(b *testing.B) {
	var n atomic.Uint64
	b.ReportAllocs()
	for b.Loop() {
		pinSink = new(Pin) // on the heap, as a Pin that pins itself is
		n.Add(1)
		n.Add(^uint64(0))
	}
}

var pinSink *Pin

// BenchmarkNewAutoID makes a table with a leased id; the garbage collector
// gives the ids back.
func BenchmarkNewAutoID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		runtime.KeepAlive(New[obj](AutoID))
	}
}

// BenchmarkNewFixedID is the baseline of BenchmarkNewAutoID: a table with
// an id of the caller's.
func BenchmarkNewFixedID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		runtime.KeepAlive(New[obj](1))
	}
}

// BenchmarkSecondaryMapGet looks up the entries of live handles.
func BenchmarkSecondaryMapGet(b *testing.B) {
	var tab Table[obj]
	hs := benchHandles(&tab, 1024)
	m := NewSecondaryMap[Handle, obj, int](&tab)
	for i, h := range hs {
		m.Insert(h, i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok := m.Get(hs[i&1023]); !ok {
			b.Fatal("lost")
		}
		i++
	}
}

// BenchmarkBaselineMapGetInt is the baseline of BenchmarkSecondaryMapGet:
// a plain map from handles to the same values.
func BenchmarkBaselineMapGetInt(b *testing.B) {
	var tab Table[obj]
	hs := benchHandles(&tab, 1024)
	m := make(map[Handle]int, len(hs))
	for i, h := range hs {
		m[h] = i
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok := m[hs[i&1023]]; !ok {
			b.Fatal("lost")
		}
		i++
	}
}
