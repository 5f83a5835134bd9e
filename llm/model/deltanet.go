package model

import "math"

// deltaNet is the Gated DeltaNet mixer (spec §7) for n tokens u [n, Hidden],
// writing out [n, Hidden] and advancing the layer's conv and recurrent
// states: one token at a time (the recurrent form, exact for prefill too),
// or for passes of deltaChunkMin tokens or more in the chunked form.
func (m *Model) deltaNet(l *layer, ls *layerState, st *State, u, out []float32, n int, lc *LayerCapture) {
	c := m.cfg
	s := &st.scratch
	Hk, Hv, dk, K := c.LinearKeyHeads, c.LinearValueHeads, c.LinearKeyDim, c.ConvKernel
	C := c.ConvDim()

	// Projections: mixed q|k|v (before the conv), output gate z, beta and decay inputs.
	mix := s.mix[:n*C]
	l.qkv.matMul(m.pool, mix, u, n)
	z := s.z[:n*Hv*c.LinearValueDim]
	l.z.matMul(m.pool, z, u, n)
	m.pool.SiLU(z, z) // the output gate, silu(z), for the gated norm
	b, a := s.b[:n*Hv], s.a[:n*Hv]
	l.b.matMul(m.pool, b, u, n)
	l.a.matMul(m.pool, a, u, n)

	conv := s.conv[:n*C]
	qScale := float32(1 / math.Sqrt(float64(dk)))
	for t := range n {
		// Causal depthwise conv over the last K inputs, then SiLU: tap K−1
		// weighs the current token, taps 0…K−2 the K−1 previous inputs
		// the state holds, oldest first (the weights are stored tap-major).
		x, y := mix[t*C:(t+1)*C], conv[t*C:(t+1)*C]
		mul(y, l.conv[(K-1)*C:K*C], x)
		for j := range K - 1 {
			mulAdd(y, l.conv[j*C:(j+1)*C], ls.conv[j*C:(j+1)*C])
		}
		m.pool.SiLU(y, y)
		if K > 1 {
			copy(ls.conv, ls.conv[C:])
			copy(ls.conv[(K-2)*C:], x)
		}

		// Split into heads; L2-normalise q and k, scale q by 1/√dk.
		q, k := y[:Hk*dk], y[Hk*dk:2*Hk*dk]
		for h := range Hk {
			l2Norm(q[h*dk : (h+1)*dk])
			l2Norm(k[h*dk : (h+1)*dk])
		}
		for i := range q {
			q[i] *= qScale
		}

		// Per value head: the write strength β = sigmoid(b) and the decay
		// exp(g), g = −exp(A_log)·softplus(a + dt_bias), in place of b and a.
		for h := range Hv {
			i := t*Hv + h
			b[i] = sigmoid(b[i])
			g := -float32(math.Exp(float64(l.aLog[h]))) * softplus(a[i]+l.dtBias[h])
			a[i] = float32(math.Exp(float64(g)))
		}
	}
	if lc != nil {
		for t := range n {
			lc.Beta = append(lc.Beta, clone(b[t*Hv:(t+1)*Hv]))
			lc.Decay = append(lc.Decay, clone(a[t*Hv:(t+1)*Hv]))
			lc.StateNorm = append(lc.StateNorm, make([]float32, Hv)) // filled per head
		}
	}

	// The delta rule. Value heads are independent, so they run in parallel,
	// each stepping through the n tokens in order (deltaHeads), or, for a
	// long enough pass, in chunks of 64 tokens (deltaHeadsChunked, chunk.go).
	loop := (*Model).deltaHeads
	if m.useChunked(n, lc) {
		loop = (*Model).deltaHeadsChunked
	}
	m.perHead(st, Hv, layerJob{l: l, ls: ls, n: n, lc: lc, loop: loop})
	l.out.matMul(m.pool, out, s.y[:n*Hv*c.LinearValueDim], n)
}

// deltaHeads runs the delta rule of value heads [lo, hi) over the tokens of
// st.scratch.job, from the conv outputs, β, decay and silu(z) deltaNet left
// in the scratch, into the gated, normalised head outputs y.
func (m *Model) deltaHeads(st *State, lo, hi int) {
	c := m.cfg
	s := &st.scratch
	l, ls, n, lc := s.job.l, s.job.ls, s.job.n, s.job.lc
	Hk, Hv, dk, dv := c.LinearKeyHeads, c.LinearValueHeads, c.LinearKeyDim, c.LinearValueDim
	C := c.ConvDim()
	group := Hv / Hk // value heads per key head
	for h := lo; h < hi; h++ {
		kh := h / group
		St := ls.rec[h*dv*dk : (h+1)*dv*dk]
		for t := range n {
			y := s.conv[t*C : (t+1)*C]
			q := y[kh*dk : (kh+1)*dk]
			k := y[(Hk+kh)*dk : (Hk+kh+1)*dk]
			v := y[2*Hk*dk+h*dv : 2*Hk*dk+(h+1)*dv]
			i := t*Hv + h
			o := s.y[i*dv : (i+1)*dv]

			// Decay the state, then the delta rule, then read with q:
			//   S ← decay·S;  δ = β(v − Sᵀk);  S ← S + k ⊗ δ;  o = Sᵀq.
			// The state is stored transposed, Sᵀ [dv][dk], so every step is
			// per row of Sᵀ; one fused kernel does all four.
			m.pool.DeltaRuleT(St, q, k, v, o, s.a[i], s.b[i])
			gatedRMSNorm(o, o, l.norm, s.z[i*dv:(i+1)*dv], c.RMSEps)

			if lc != nil {
				var ss float64
				for _, x := range St {
					ss += float64(x) * float64(x)
				}
				lc.StateNorm[len(lc.StateNorm)-n+t][h] = float32(math.Sqrt(ss))
			}
		}
	}
}

// mul sets y[i] = w[i]·x[i].
func mul(y, w, x []float32) {
	w, x = w[:len(y)], x[:len(y)]
	for i := range y {
		y[i] = w[i] * x[i]
	}
}

// mulAdd adds w[i]·x[i] to y[i].
func mulAdd(y, w, x []float32) {
	w, x = w[:len(y)], x[:len(y)]
	for i := range y {
		y[i] += w[i] * x[i]
	}
}
