package handle

import "testing"

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
		tab.Delete(h)
	}
}

// BenchmarkPinUnpin takes and releases a pin.
func BenchmarkPinUnpin(b *testing.B) {
	tab := New[obj](1)
	h := tab.Insert(&obj{})
	b.ReportAllocs()
	for b.Loop() {
		tab.Pin(h)
		tab.Unpin(h)
	}
}
