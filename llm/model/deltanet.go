package model

import "math"

// deltaNet is the Gated DeltaNet mixer (spec §7) for n tokens u [n, Hidden],
// writing out [n, Hidden] and advancing the layer's conv and recurrent
// states one token at a time (the recurrent form, exact for prefill too).
func (m *Model) deltaNet(l *layer, ls *layerState, st *State, u, out []float32, n int, lc *LayerCapture) {
	c := m.cfg
	s := &st.scratch
	Hk, Hv, dk, dv, K := c.LinearKeyHeads, c.LinearValueHeads, c.LinearKeyDim, c.LinearValueDim, c.ConvKernel
	C := c.ConvDim()
	group := Hv / Hk // value heads per key head

	// Projections: mixed q|k|v (before the conv), output gate z, beta and decay inputs.
	mix := s.mix[:n*C]
	z := s.z[:n*Hv*dv]
	b := s.b[:n*Hv]
	a := s.a[:n*Hv]
	l.qkv.matMul(m.pool, mix, u, n)
	l.z.matMul(m.pool, z, u, n)
	l.b.matMul(m.pool, b, u, n)
	l.a.matMul(m.pool, a, u, n)

	y := s.y[:n*Hv*dv]
	conv := s.conv[:C]
	kv := s.kv[:dv]
	qScale := float32(1 / math.Sqrt(float64(dk)))
	for t := range n {
		// Causal depthwise conv over the last K inputs, then SiLU. The state
		// holds the K−1 previous pre-conv vectors; tap K−1 is the current token.
		x := mix[t*C : (t+1)*C]
		for ch := range C {
			w := l.conv[ch*K : (ch+1)*K]
			acc := w[K-1] * x[ch]
			for j := range K - 1 {
				acc += w[j] * ls.conv[j*C+ch]
			}
			conv[ch] = silu(acc)
		}
		if K > 1 {
			copy(ls.conv, ls.conv[C:])
			copy(ls.conv[(K-2)*C:], x)
		}

		// Split into heads; L2-normalise q and k, scale q by 1/√dk.
		q, k, v := conv[:Hk*dk], conv[Hk*dk:2*Hk*dk], conv[2*Hk*dk:]
		for h := range Hk {
			l2Norm(q[h*dk : (h+1)*dk])
			l2Norm(k[h*dk : (h+1)*dk])
		}
		for i := range q {
			q[i] *= qScale
		}

		for h := range Hv {
			kh := h / group
			qh, khv, vh := q[kh*dk:(kh+1)*dk], k[kh*dk:(kh+1)*dk], v[h*dv:(h+1)*dv]
			beta := sigmoid(b[t*Hv+h])
			g := -float32(math.Exp(float64(l.aLog[h]))) * softplus(a[t*Hv+h]+l.dtBias[h])
			decay := float32(math.Exp(float64(g)))

			// Decay the state, then the delta rule, then read with q:
			//   S ← decay·S;  δ = β(v − Sᵀk);  S ← S + k ⊗ δ;  o = Sᵀq.
			// The state is stored transposed, Sᵀ [dv][dk], so both reads are
			// matrix-vector products; Sᵀk of the decayed state is decay·(Sᵀk).
			St := ls.rec[h*dv*dk : (h+1)*dv*dk]
			m.pool.MatVecF32(kv, St, khv) // kv = Sᵀk
			for j := range kv {
				kv[j] = beta * (vh[j] - decay*kv[j]) // δ
			}
			stateUpdate(St, kv, decay, khv) // Sᵀ ← decay·Sᵀ + δ ⊗ k
			o := y[(t*Hv+h)*dv : (t*Hv+h+1)*dv]
			m.pool.MatVecF32(o, St, qh) // o = Sᵀq, with the updated state
			gatedRMSNorm(o, o, l.norm, z[(t*Hv+h)*dv:(t*Hv+h+1)*dv], c.RMSEps)

			if lc != nil {
				if h == 0 {
					lc.Beta = append(lc.Beta, make([]float32, Hv))
					lc.Decay = append(lc.Decay, make([]float32, Hv))
					lc.StateNorm = append(lc.StateNorm, make([]float32, Hv))
				}
				last := len(lc.Beta) - 1
				lc.Beta[last][h] = beta
				lc.Decay[last][h] = decay
				var ss float64
				for _, x := range St {
					ss += float64(x) * float64(x)
				}
				lc.StateNorm[last][h] = float32(math.Sqrt(ss))
			}
		}
	}
	l.out.matMul(m.pool, out, y, n)
}

// stateUpdate applies the decay and the delta rule's rank-1 write to a
// transposed state St [len(delta)][len(k)]: St[j] ← decay·St[j] + δ[j]·k.
func stateUpdate(St, delta []float32, decay float32, k []float32) {
	dk := len(k)
	for j, d := range delta {
		row := St[j*dk:][:dk]
		for i, x := range k {
			row[i] = decay*row[i] + d*x
		}
	}
}
