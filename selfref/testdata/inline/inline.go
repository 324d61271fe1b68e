// Package inline uses every shared view of the selfref types with a
// function literal, for TestSharedViewsInline.
package inline

import (
	"sync"

	"github.com/cellar-go/cellar/selfref"
)

var sink int

func Views(c *selfref.Cell[int, *int], ch *selfref.Chain3[int, *int, *int], m *selfref.RentMutex[int], r *selfref.RentRWMutex[int], mu *sync.Mutex) {
	_ = c.WithDependent(func(d **int) { sink += **d })
	_ = c.WithOwner(func(o *int) { sink += *o })
	_ = c.With(func(o *int, d **int) { sink += *o })
	_ = ch.WithHead(func(h *int) { sink += *h })
	_ = ch.WithMiddle(func(m **int) { sink += **m })
	_ = ch.WithTail(func(t **int) { sink += **t })
	_ = ch.With(func(h *int, m, t **int) { sink += *h })
	_ = m.With(func(d *int) { sink += *d })
	_ = r.With(func(d *int) { sink += *d })
}
