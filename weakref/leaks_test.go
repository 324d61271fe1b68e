package weakref

import (
	"strings"
	"testing"
)

func TestLeaks(t *testing.T) {
	for _, collectable := range []bool{false, true} {
		r := New[thing](Options{Collectable: collectable})
		a, b := &thing{name: "a"}, &thing{name: "b"}
		wa, wb := r.Weak(a), r.Weak(b)
		if leaks := r.Leaks(); len(leaks) != 0 {
			t.Fatalf("leaks before any Strong: %v", leaks)
		}
		s1, _ := wa.Strong()
		TrackSites(true)
		s2, _ := wa.Strong()
		s3, _ := wb.Strong()
		TrackSites(false)
		wb.Delete()

		leaks := r.Leaks()
		if len(leaks) != 2 {
			t.Fatalf("leaks %v", leaks)
		}
		la, lb := leaks[0], leaks[1]
		if la.Weak != wa || la.Count != 2 || la.Pending || len(la.Sites) != 1 {
			t.Fatalf("leak of a: %+v", la)
		}
		if lb.Weak != wb || lb.Count != 1 || !lb.Pending || len(lb.Sites) != 1 {
			t.Fatalf("leak of b: %+v", lb)
		}
		if !strings.Contains(la.Sites[0], "leaks_test.go:") {
			t.Fatalf("site %q", la.Sites[0])
		}
		if s := lb.String(); !strings.Contains(s, "strong=1 pending at ") || !strings.Contains(s, "leaks_test.go:") {
			t.Fatalf("String = %q", s)
		}

		s2.Release()
		s3.Release()
		leaks = r.Leaks()
		if len(leaks) != 1 || leaks[0].Count != 1 || len(leaks[0].Sites) != 0 {
			t.Fatalf("after releases: %v", leaks)
		}
		s1.Release()
		if leaks := r.Leaks(); len(leaks) != 0 {
			t.Fatalf("after the last release: %v", leaks)
		}
	}
}
