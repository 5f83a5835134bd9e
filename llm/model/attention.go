package model

import (
	"fmt"
	"math"
)

// attention is the gated full-attention mixer (doc §6) for n tokens
// u [n, Hidden] at positions st.pos … st.pos+n−1, writing out [n, Hidden].
// It appends the tokens' keys and values to the layer's KV cache.
func (m *Model) attention(l *layer, ls *layerState, st *State, u, out []float32, n int, rec *recorder) {
	c := m.cfg
	s := &st.scratch
	Hq, Hkv, D := c.Heads, c.KVHeads, c.HeadDim

	// Projections (doc §6.1). q_proj gives, per head, [query (D) | output gate (D)].
	qg, k, v := s.qg[:n*2*Hq*D], s.k[:n*Hkv*D], s.v[:n*Hkv*D]
	l.q.matMul(m.pool, qg, u, n)
	l.k.matMul(m.pool, k, u, n)
	l.v.matMul(m.pool, v, u, n)

	// q_norm and k_norm: RMSNorm1p over each head, one weight shared by the
	// heads (doc §6.2).
	for i := range n * Hq {
		q := qg[i*2*D:][:D]
		rmsNorm1p(q, q, l.qNorm, c.RMSEps)
	}
	rmsNorm1pRows(k, k, l.kNorm, c.RMSEps)
	rec.queries(atQueryNoRope, qg, D)
	rec.rows(atKeyNoRope, k)

	// RoPE on the first RotaryDim dims of every query and key head (doc §6.3).
	for t := range n {
		for h := range Hq {
			m.rope.apply(qg[(t*Hq+h)*2*D:][:D], st.pos+t)
		}
		for g := range Hkv {
			m.rope.apply(k[(t*Hkv+g)*D:][:D], st.pos+t)
		}
	}
	rec.queries(atQuery, qg, D)
	rec.rows(atKey, k)
	ls.appendKV(k, v, st.pos, n, Hkv, D)

	// Causal softmax attention and the output gate, per head (doc §6.4,
	// §6.5). Heads are independent, so they run in parallel, each over the
	// n tokens (attentionHeads, one query at a time, or for a long enough
	// pass attentionHeadsBlocked). Then o_proj of the gated heads.
	loop := (*Model).attentionHeads
	if m.useBlockedAttention(n, rec) {
		s.ensureAttn(c, st.pos+n)
		loop = (*Model).attentionHeadsBlocked
	}
	m.perHead(st, Hq, layerJob{l: l, ls: ls, n: n, rec: rec, loop: loop})
	l.o.matMul(m.pool, out, s.o[:n*Hq*D], n)
}

// attentionHeads runs causal softmax attention for query heads [lo, hi)
// over the tokens of st.scratch.job; query head h reads KV head h/group
// (GQA). It writes the gated head outputs into the scratch's o.
func (m *Model) attentionHeads(st *State, lo, hi int) {
	c := m.cfg
	s := &st.scratch
	ls, n, rec := s.job.ls, s.job.n, s.job.rec
	Hq, D := c.Heads, c.HeadDim
	group := Hq / c.KVHeads
	scale := float32(1 / math.Sqrt(float64(D)))
	for h := lo; h < hi; h++ {
		g := h / group
		buf := s.scores[h*(st.pos+n):][:st.pos+n] // this head's own buffer
		for t := range n {
			q := s.qg[(t*Hq+h)*2*D:][:D]
			gate := s.qg[(t*Hq+h)*2*D+D:][:D]
			o := s.o[(t*Hq+h)*D:][:D]

			// p = softmax(q·k_s / √D) over the keys s the token sees: itself
			// and every earlier one (causal).
			p := buf[:st.pos+t+1]
			m.pool.MatVecF32Stride(p, ls.keys(g, len(p), D), D, q)
			for j := range p {
				p[j] *= scale
			}
			softmax(p)
			rec.probs(h, p)

			// o = Σ_s p_s·v_s. The values are stored transposed (values), so
			// this too is a matrix-vector product, over the first len(p)
			// slots of each row.
			m.pool.MatVecF32Stride(o, ls.values(g, D), ls.kvCap, p)
			rec.headOut(t, h, o)

			// o ⊙ σ(gate): the sigmoid output gate, the second half of the
			// head's q_proj rows.
			rec.gate(t, h, gate)
			m.pool.SigmoidMul(o, gate, o)
		}
	}
}

// attnBlock is the number of query tokens attentionHeadsBlocked takes
// at once: the width of simd.MatMulF32's tile, so each product is one
// column of tiles.
const attnBlock = 32

// attnBlockMin is the shortest pass (in tokens) whose attention runs
// blocked (attentionHeadsBlocked), on kernel paths with an assembly
// MatMulF32. It is each Model's attnMin, which tests set to 1 or MaxInt
// to force either form. Decode and captured passes (which record every
// token's probabilities) take one query at a time.
const attnBlockMin = 16

// useBlockedAttention reports whether an attention pass over n tokens
// runs blocked.
func (m *Model) useBlockedAttention(n int, rec *recorder) bool {
	return m.useMatMulForm(n, rec, m.attnMin)
}

// attentionHeadsBlocked computes what attentionHeads does for query heads
// [lo, hi), with matrix products in place of one matrix-vector product per
// token: for each block of up to attnBlock query tokens t0 … t0+b−1 and
// the L = pos+t0+b keys the last of them sees,
//
//	Sᵀ = K·Qᵀ/√D            [L, b]: the scores of every key for every query
//	P  = causal softmax of each column of Sᵀ, zero below the diagonal
//	Oᵀ = Vᵀ·Pᵀ              [D, b]: the head outputs (V is cached transposed)
//
// then o = transpose(Oᵀ) ⊙ σ(gate). The softmax is attentionHeads' own (in
// float64); only the order of the additions in the two products differs.
// Each head's workspace is its part of the scratch's attn.
func (m *Model) attentionHeadsBlocked(st *State, lo, hi int) {
	c := m.cfg
	s := &st.scratch
	ls, n := s.job.ls, s.job.n
	Hq, D := c.Heads, c.HeadDim
	group := Hq / c.KVHeads
	scale := float32(1 / math.Sqrt(float64(D)))
	per := attnWorkspace(c, st.pos+n)
	for h := lo; h < hi; h++ {
		g := h / group
		w := s.attn[h*per:][:per]
		qt, ot, pt := w[:D*attnBlock], w[D*attnBlock:2*D*attnBlock], w[2*D*attnBlock:]
		for t0 := 0; t0 < n; t0 += attnBlock {
			b := min(attnBlock, n-t0)
			keys := st.pos + t0 + b
			m.pool.TransposeF32(qt, b, s.qg[(t0*Hq+h)*2*D:], Hq*2*D, b, D)
			m.pool.MatMulF32(keys, b, D, scale, nil, ls.keys(g, keys, D), D, 1, qt, b, 0, pt, b)
			causalSoftmaxColumns(pt[:keys*b], b, st.pos+t0)
			m.pool.MatMulF32(D, b, keys, 1, nil, ls.values(g, D), ls.kvCap, 1, pt, b, 0, ot, b)
			m.pool.TransposeF32(s.o[(t0*Hq+h)*D:], Hq*D, ot, b, D, b)
			for t := t0; t < t0+b; t++ {
				o := s.o[(t*Hq+h)*D:][:D]
				m.pool.SigmoidMul(o, s.qg[(t*Hq+h)*2*D+D:][:D], o)
			}
		}
	}
}

// attnWorkspace is the number of floats attentionHeadsBlocked uses per
// head with up to keys keys: Qᵀ and Oᵀ of one block, and its scores.
func attnWorkspace(c *Config, keys int) int {
	return attnBlock * (2*c.HeadDim + keys)
}

// causalSoftmaxColumns applies softmax down each column t of p, a
// row-major matrix of b columns whose row s holds key s, over the rows
// s ≤ first+t (the keys query t may see), in the arithmetic of softmax,
// and zeroes the rows after them.
func causalSoftmaxColumns(p []float32, b, first int) {
	var mx [attnBlock]float32
	var sum [attnBlock]float64
	rows := len(p) / b
	for t := range b {
		mx[t] = p[t]
	}
	for s := 1; s < rows; s++ {
		row := p[s*b:][:b]
		for t := max(0, s-first); t < b; t++ {
			mx[t] = max(mx[t], row[t])
		}
	}
	for s := range rows {
		row := p[s*b:][:b]
		for t := range b {
			if s > first+t {
				row[t] = 0
				continue
			}
			e := math.Exp(float64(row[t] - mx[t]))
			row[t] = float32(e)
			sum[t] += e
		}
	}
	var inv [attnBlock]float32
	for t := range b {
		inv[t] = float32(1 / sum[t])
	}
	for s := range rows {
		row := p[s*b:][:b]
		for t := range b {
			row[t] *= inv[t]
		}
	}
}

// softmax replaces x by exp(x − max) / Σ exp(x − max).
func softmax(x []float32) {
	mx := x[0]
	for _, v := range x {
		mx = max(mx, v)
	}
	var sum float64
	for i, v := range x {
		e := math.Exp(float64(v - mx))
		x[i] = float32(e)
		sum += e
	}
	inv := float32(1 / sum)
	for i := range x {
		x[i] *= inv
	}
}

// AttendHead is softmax attention for one query head, written out plainly
// (doc §6.4): the reference the model's attention is tested against. Given
// a query q and the keys and values of the positions it may see (causal:
// the token itself and every earlier one, in order; keys of len(q), values
// all of one length), it returns the attention probabilities
// p_s = softmax_s(q·k_s / √len(q)) and the head's output o = Σ_s p_s·v_s,
// before the output gate.
//
// With a Capture of a full-attention layer i, the query of head h at token
// t is Query[t][h·D:(h+1)·D], and its keys are Key[s][g·D:(g+1)·D] for
// s ≤ t, with g = h/(Heads/KVHeads); State.KV(i) gives the values.
func AttendHead(q []float32, keys, values [][]float32) (out, probs []float32, err error) {
	if len(keys) == 0 || len(keys) != len(values) {
		return nil, nil, fmt.Errorf("model: AttendHead: %d keys and %d values, want the same number, at least one", len(keys), len(values))
	}
	for s := range keys {
		if len(keys[s]) != len(q) || len(values[s]) != len(values[0]) {
			return nil, nil, fmt.Errorf("model: AttendHead: position %d: key of %d values (query %d), value of %d (first value %d)", s, len(keys[s]), len(q), len(values[s]), len(values[0]))
		}
	}
	scale := 1 / math.Sqrt(float64(len(q)))
	probs = make([]float32, len(keys))
	for s, k := range keys {
		var dot float64
		for d := range q {
			dot += float64(q[d]) * float64(k[d])
		}
		probs[s] = float32(dot * scale)
	}
	softmax(probs)
	out = make([]float32, len(values[0]))
	for s, v := range values {
		for d := range out {
			out[d] += probs[s] * v[d]
		}
	}
	return out, probs, nil
}

// MustAttendHead is AttendHead for notebook cells: it panics on error.
func MustAttendHead(q []float32, keys, values [][]float32) (out, probs []float32) {
	out, probs, err := AttendHead(q, keys, values)
	if err != nil {
		panic(err)
	}
	return out, probs
}
