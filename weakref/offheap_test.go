//go:build unix

package weakref

import (
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// A collectable registry cannot hold memory outside the Go heap weakly:
// Weak panics with a message saying so, instead of the runtime killing the
// process, and the registry stays usable.
func TestCollectableWeakOfOffHeapMemoryPanics(t *testing.T) {
	mem, err := syscall.Mmap(-1, 0, syscall.Getpagesize(), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Skip("mmap:", err)
	}
	defer syscall.Munmap(mem)
	off := (*thing)(unsafe.Pointer(&mem[0]))

	r := New[thing](Options{Collectable: true})
	func() {
		defer func() {
			s, _ := recover().(string)
			if !strings.Contains(s, "outside the Go heap") {
				t.Fatalf("panic %q, want one about memory outside the Go heap", s)
			}
		}()
		r.Weak(off)
	}()
	if r.Len() != 0 {
		t.Fatalf("Len = %d after the failed Weak", r.Len())
	}
	o := &thing{}
	if p, ok := r.Weak(o).Upgrade(); !ok || p != o { // the registry's lock was released
		t.Fatal("the registry is unusable after the failed Weak")
	}

	var plain Registry[thing] // holds objects strongly: any pointer will do
	if p, ok := plain.Weak(off).Upgrade(); !ok || p != off {
		t.Fatal("a registry that is not collectable refused off-heap memory")
	}
}
