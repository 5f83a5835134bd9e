package tokenizer

import "math/bits"

// merge is what a pair of adjacent tokens becomes: the merge's rank (its
// position in the merge list; lower ranks apply first) and the merged token.
type merge struct{ rank, id int32 }

// pairKey packs a pair of token ids into one map key.
func pairKey(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// mergeTable maps a pair of token ids to the rank of its merge and the id of
// the merged token. BPE looks pairs up many times per word, mostly missing,
// so this is an open-addressing hash table with linear probing whose slot
// holds key and value together: a lookup usually touches one cache line.
type mergeTable struct {
	slots []mergeSlot // length is a power of two; key 0 marks an empty slot
	shift uint        // 64 - log2(len(slots))
	n     int
}

type mergeSlot struct {
	key uint64 // pairKey | 1<<63, never 0
	merge
}

func newMergeTable(n int) *mergeTable {
	size := 16
	for size < 2*n {
		size *= 2
	}
	return &mergeTable{slots: make([]mergeSlot, size), shift: uint(64 - bits.TrailingZeros(uint(size)))}
}

func (m *mergeTable) slot(key uint64) int {
	return int((key * 0x9E3779B97F4A7C15) >> m.shift)
}

// get returns the merge of the pair (a, b).
func (m *mergeTable) get(a, b int32) (merge, bool) {
	key := pairKey(a, b) | 1<<63
	mask := len(m.slots) - 1
	for i := m.slot(key); ; i = (i + 1) & mask {
		s := &m.slots[i]
		if s.key == key {
			return s.merge, true
		}
		if s.key == 0 {
			return merge{}, false
		}
	}
}

// add records the merge of (a, b) unless the pair already has one (the first
// rank of a repeated merge wins).
func (m *mergeTable) add(a, b int32, v merge) {
	if 2*(m.n+1) > len(m.slots) {
		m.grow()
	}
	key := pairKey(a, b) | 1<<63
	mask := len(m.slots) - 1
	for i := m.slot(key); ; i = (i + 1) & mask {
		s := &m.slots[i]
		if s.key == key {
			return
		}
		if s.key == 0 {
			*s = mergeSlot{key: key, merge: v}
			m.n++
			return
		}
	}
}

func (m *mergeTable) grow() {
	old := m.slots
	*m = *newMergeTable(len(old))
	for _, s := range old {
		if s.key != 0 {
			k := s.key &^ (1 << 63)
			m.add(int32(k>>32), int32(uint32(k)), s.merge)
		}
	}
}

// len returns the number of merges.
func (m *mergeTable) len() int { return m.n }

// each calls f for every merge, in no particular order.
func (m *mergeTable) each(f func(a, b int32, v merge)) {
	for _, s := range m.slots {
		if s.key != 0 {
			k := s.key &^ (1 << 63)
			f(int32(k>>32), int32(uint32(k)), s.merge)
		}
	}
}
