package engine

import (
	"testing"
	"unsafe"
)

// slabClass is the allocation size class a slab of Runs is meant to fill.
const slabClass = 4096

// A slab of Runs uses as much of its size class as whole Runs can: if Run
// grows or shrinks, runSlab must follow.
func TestRunSlabFillsItsSizeClass(t *testing.T) {
	size := unsafe.Sizeof(Run{})
	if runSlab*size > slabClass || (runSlab+1)*size <= slabClass {
		t.Fatalf("runSlab = %d Runs of %d bytes; %d fill %d bytes", runSlab, size, slabClass/size, slabClass)
	}
}
