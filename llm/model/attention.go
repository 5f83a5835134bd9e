package model

import "math"

// attention is the gated full-attention mixer (spec §6) for n tokens
// u [n, Hidden] at positions st.pos … st.pos+n−1, writing out [n, Hidden].
// It appends the tokens' keys and values to the layer's KV cache.
func (m *Model) attention(l *layer, ls *layerState, st *State, u, out []float32, n int, lc *LayerCapture) {
	c := m.cfg
	s := &st.scratch
	Hq, Hkv, D := c.Heads, c.KVHeads, c.HeadDim
	eps := c.RMSEps

	// Projections. q_proj gives, per head, [query (D) | output gate (D)].
	qg := s.qg[:n*2*Hq*D]
	k := s.k[:n*Hkv*D]
	v := s.v[:n*Hkv*D]
	l.q.matMul(m.pool, qg, u, n)
	l.k.matMul(m.pool, k, u, n)
	l.v.matMul(m.pool, v, u, n)

	// q_norm / k_norm per head (shared weights), then RoPE on the first R dims.
	for t := range n {
		pos := st.pos + t
		for h := range Hq {
			q := qg[(t*Hq+h)*2*D:][:D]
			rmsNorm1p(q, q, l.qNorm, eps)
		}
		for g := range Hkv {
			kh := k[(t*Hkv+g)*D:][:D]
			rmsNorm1p(kh, kh, l.kNorm, eps)
		}
		if lc != nil {
			lc.QueryNoRope = append(lc.QueryNoRope, queries(qg[t*Hq*2*D:(t+1)*Hq*2*D], Hq, D))
			lc.KeyNoRope = append(lc.KeyNoRope, clone(k[t*Hkv*D:(t+1)*Hkv*D]))
		}
		for h := range Hq {
			m.rope.apply(qg[(t*Hq+h)*2*D:][:D], pos)
		}
		for g := range Hkv {
			m.rope.apply(k[(t*Hkv+g)*D:][:D], pos)
		}
		if lc != nil {
			lc.Query = append(lc.Query, queries(qg[t*Hq*2*D:(t+1)*Hq*2*D], Hq, D))
			lc.Key = append(lc.Key, clone(k[t*Hkv*D:(t+1)*Hkv*D]))
		}
	}
	ls.appendKV(k, v, st.pos, n, Hkv, D)

	if lc != nil {
		if lc.Attention == nil {
			lc.Attention = make([][][]float32, Hq)
		}
		for range n {
			lc.HeadOut = append(lc.HeadOut, make([]float32, Hq*D)) // filled per head
			lc.Gate = append(lc.Gate, make([]float32, Hq*D))
		}
	}
	// Causal softmax attention. Heads are independent, so they run in
	// parallel, each over the n tokens (attentionHeads).
	m.perHead(st, Hq, layerJob{l: l, ls: ls, n: n, lc: lc, loop: (*Model).attentionHeads})
	l.o.matMul(m.pool, out, s.o[:n*Hq*D], n)
}

// attentionHeads runs causal softmax attention for query heads [lo, hi)
// over the tokens of st.scratch.job; query head h reads KV head h/group.
// It writes the gated head outputs into the scratch's o.
func (m *Model) attentionHeads(st *State, lo, hi int) {
	c := m.cfg
	s := &st.scratch
	ls, n, lc := s.job.ls, s.job.n, s.job.lc
	Hq, D := c.Heads, c.HeadDim
	group := Hq / c.KVHeads
	scale := float32(1 / math.Sqrt(float64(D)))
	for h := lo; h < hi; h++ {
		g := h / group
		probs := s.scores[h*(st.pos+n):][:st.pos+n] // this head's own buffer
		for t := range n {
			keys := st.pos + t + 1
			q := s.qg[(t*Hq+h)*2*D:][:D]
			scores := probs[:keys]
			m.pool.MatVecF32Stride(scores, ls.keys(g, keys, D), D, q) // q·k_s for every key s
			for j := range scores {
				scores[j] *= scale
			}
			softmax(scores)
			if lc != nil {
				lc.Attention[h] = append(lc.Attention[h], clone(scores))
			}

			// Σ_s p_s·v_s: the values are stored transposed, [HeadDim][kvCap]
			// per KV head, so this too is a matrix-vector product, over the
			// first keys slots of each row.
			oh := s.o[(t*Hq+h)*D:][:D]
			m.pool.MatVecF32Stride(oh, ls.vt[g*D*ls.kvCap:(g+1)*D*ls.kvCap], ls.kvCap, scores)
			if lc != nil {
				copy(lc.HeadOut[len(lc.HeadOut)-n+t][h*D:], oh)
			}

			// Sigmoid output gate, the second half of the head's q_proj rows.
			gate := s.qg[(t*Hq+h)*2*D+D:][:D]
			for d := range oh {
				sg := sigmoid(gate[d])
				oh[d] *= sg
				if lc != nil {
					lc.Gate[len(lc.Gate)-n+t][h*D+d] = sg
				}
			}
		}
	}
}

// queries copies the query halves of one token's q_proj output
// ([head][query D | gate D]) into a new [head·D] slice.
func queries(qg []float32, heads, d int) []float32 {
	q := make([]float32, 0, heads*d)
	for h := range heads {
		q = append(q, qg[h*2*d:h*2*d+d]...)
	}
	return q
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

func clone[T any](x []T) []T { return append([]T(nil), x...) }
