package engine

import (
	"testing"
	"unsafe"
)

// slabClass is the allocation size class a slab of Runs is meant to fill.
const slabClass = 4096

// A slab of Runs uses as much of its size class as whole Runs can: if Run
// grows or shrinks, runSlab must follow. runSlab is sized for 64-bit
// platforms; on 32-bit ones a Run is smaller, and slabs merely leave part
// of their class unused.
func TestRunSlabFillsItsSizeClass(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("runSlab is sized for 64-bit platforms")
	}
	size := unsafe.Sizeof(Run{})
	if runSlab*size > slabClass || (runSlab+1)*size <= slabClass {
		t.Fatalf("runSlab = %d Runs of %d bytes; %d fill %d bytes", runSlab, size, slabClass/size, slabClass)
	}
}
