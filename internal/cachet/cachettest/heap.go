package cachettest

import (
	"math/rand/v2"
	"slices"
)

// heap models the physical row order of a PostgreSQL table, which is the
// order an index query without ORDER BY returns (Cachet's components and
// component-groups indexes have none; spec 1.5). PostgreSQL writes every
// new tuple, an insert or the new version of an updated row, wherever its
// free space map finds room, so the order is not the id order and it
// changes as rows are written. A client that pages without sort while
// anything writes then skips and repeats rows, as it does on a real core.
//
// Placement is pseudo-random with a fixed seed: the same sequence of writes
// always gives the same order, so tests stay reproducible.
type heap struct {
	ids []int
	rng *rand.Rand
}

func newHeap(seed uint64) *heap {
	return &heap{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// insert places a new row.
func (h *heap) insert(id int) {
	h.ids = slices.Insert(h.ids, h.rng.IntN(len(h.ids)+1), id)
}

// write records an UPDATE of row id: its new tuple version lands elsewhere.
func (h *heap) write(id int) {
	h.remove(id)
	h.insert(id)
}

// remove drops row id (a hard delete).
func (h *heap) remove(id int) {
	if i := slices.Index(h.ids, id); i >= 0 {
		h.ids = slices.Delete(h.ids, i, i+1)
	}
}

// scan returns the rows in physical order.
func (h *heap) scan() []int {
	return slices.Clone(h.ids)
}
