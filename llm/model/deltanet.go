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
			// Sᵀk of the decayed state is decay·(Sᵀk), so the old state is
			// read once for kv, then decayed, updated and read in one pass.
			S := ls.rec[h*dk*dv : (h+1)*dk*dv]
			stateRead(kv, S, khv) // kv = Sᵀk
			for j := range kv {
				kv[j] = beta * (vh[j] - decay*kv[j]) // δ
			}
			o := y[(t*Hv+h)*dv : (t*Hv+h+1)*dv]
			stateUpdate(S, o, kv, decay, khv, qh)
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
				for _, x := range S {
					ss += float64(x) * float64(x)
				}
				lc.StateNorm[last][h] = float32(math.Sqrt(ss))
			}
		}
	}
	l.out.matMul(m.pool, out, y, n)
}

// stateRead computes out = Sᵀk for a state S [len(k)][len(out)]:
// out[j] = Σ_i S[i][j]·k[i]. Four rows at a time keep out in registers
// longer (the plain loop is the tail).
func stateRead(out, S, k []float32) {
	dv := len(out)
	clear(out)
	i := 0
	for ; i+4 <= len(k); i += 4 {
		r0, r1 := S[i*dv:][:dv], S[(i+1)*dv:][:dv]
		r2, r3 := S[(i+2)*dv:][:dv], S[(i+3)*dv:][:dv]
		k0, k1, k2, k3 := k[i], k[i+1], k[i+2], k[i+3]
		for j := range out {
			out[j] += (k0*r0[j] + k1*r1[j]) + (k2*r2[j] + k3*r3[j])
		}
	}
	for ; i < len(k); i++ {
		axpy(out, k[i], S[i*dv:][:dv])
	}
}

// stateUpdate decays and updates a state S [len(k)][len(delta)] and reads it:
// S[i] ← decay·S[i] + k[i]·δ for every row i, then out = Sᵀq (out is
// overwritten). Four rows at a time, as in stateRead.
func stateUpdate(S, out, delta []float32, decay float32, k, q []float32) {
	dv := len(delta)
	out = out[:dv]
	clear(out)
	i := 0
	for ; i+4 <= len(k); i += 4 {
		r0, r1 := S[i*dv:][:dv], S[(i+1)*dv:][:dv]
		r2, r3 := S[(i+2)*dv:][:dv], S[(i+3)*dv:][:dv]
		k0, k1, k2, k3 := k[i], k[i+1], k[i+2], k[i+3]
		q0, q1, q2, q3 := q[i], q[i+1], q[i+2], q[i+3]
		for j, d := range delta {
			a0 := decay*r0[j] + k0*d
			a1 := decay*r1[j] + k1*d
			a2 := decay*r2[j] + k2*d
			a3 := decay*r3[j] + k3*d
			r0[j], r1[j], r2[j], r3[j] = a0, a1, a2, a3
			out[j] += (q0*a0 + q1*a1) + (q2*a2 + q3*a3)
		}
	}
	for ; i < len(k); i++ {
		row := S[i*dv:][:dv]
		for j, d := range delta {
			r := decay*row[j] + k[i]*d
			row[j] = r
			out[j] += q[i] * r
		}
	}
}
