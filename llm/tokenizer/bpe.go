package tokenizer

// symbol is one node of the doubly linked list of symbols of a piece.
type symbol struct {
	id         int32
	prev, next int32 // indexes, -1 at the ends
	gone       bool  // merged into its left neighbour
}

// candidate is a possible merge of the symbol at pos with its right
// neighbour.
type candidate struct {
	rank, pos, id int32
}

// mergeQueue is a binary min-heap of candidates by (rank, pos), written out
// rather than through container/heap to avoid boxing every candidate.
type mergeQueue []candidate

func (c candidate) less(d candidate) bool {
	return c.rank < d.rank || (c.rank == d.rank && c.pos < d.pos)
}

func (q *mergeQueue) init() {
	for i := len(*q)/2 - 1; i >= 0; i-- {
		q.down(i)
	}
}

func (q *mergeQueue) push(c candidate) {
	*q = append(*q, c)
	h := *q
	for i := len(h) - 1; i > 0; {
		parent := (i - 1) / 2
		if !h[i].less(h[parent]) {
			break
		}
		h[i], h[parent] = h[parent], h[i]
		i = parent
	}
}

func (q *mergeQueue) pop() candidate {
	h := *q
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	*q = h[:last]
	q.down(0)
	return top
}

func (q *mergeQueue) down(i int) {
	h := *q
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && h[r].less(h[l]) {
			m = r
		}
		if !h[m].less(h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// bpe appends the ids of one piece: starting from one symbol per byte, it
// repeatedly applies the merge of lowest rank (leftmost first among equal
// ranks) until none applies — the algorithm of Hugging Face's Word::merge_all.
func (e *encoder) bpe(ids []int, p string) []int {
	return e.bpeTrace(ids, p, nil)
}

// bpeTrace is bpe calling onMerge after each merge with the rank applied
// and the position, in the piece's current symbols, of the merged symbol.
func (e *encoder) bpeTrace(ids []int, p string, onMerge func(rank int32, syms []symbol, at int32)) []int {
	t := e.t
	syms := e.syms[:0]
	for i := 0; i < len(p); i++ {
		syms = append(syms, symbol{id: t.byteID[p[i]], prev: int32(i - 1), next: int32(i + 1)})
	}
	syms[len(syms)-1].next = -1
	q := e.queue[:0]
	for i := 0; i+1 < len(syms); i++ {
		if m, ok := t.merges.get(syms[i].id, syms[i+1].id); ok {
			q = append(q, candidate{rank: m.rank, pos: int32(i), id: m.id})
		}
	}
	q.init()
	for len(q) > 0 {
		c := q.pop()
		s := &syms[c.pos]
		if s.gone || s.next < 0 {
			continue
		}
		right := &syms[s.next]
		if m, ok := t.merges.get(s.id, right.id); !ok || m.id != c.id {
			continue // stale: a neighbour changed since this was queued
		}
		s.id = c.id
		right.gone = true
		s.next = right.next
		if s.next >= 0 {
			syms[s.next].prev = c.pos
		}
		if s.prev >= 0 {
			if m, ok := t.merges.get(syms[s.prev].id, s.id); ok {
				q.push(candidate{rank: m.rank, pos: s.prev, id: m.id})
			}
		}
		if s.next >= 0 {
			if m, ok := t.merges.get(s.id, syms[s.next].id); ok {
				q.push(candidate{rank: m.rank, pos: c.pos, id: m.id})
			}
		}
		if onMerge != nil {
			onMerge(c.rank, syms, c.pos)
		}
	}
	for i := int32(0); i >= 0; i = syms[i].next {
		ids = append(ids, int(syms[i].id))
	}
	e.syms, e.queue = syms, q
	return ids
}
