package train

import "math"

// deltaTape keeps what the Gated DeltaNet backward needs.
type deltaTape[F Float] struct {
	m, mc, ms []F // projection q|k|v [T, C], after the causal conv, after SiLU
	sig       []F // σ(mc), so the backward needs no exp
	z, b, a   []F // output gate [T, Hv·dv], beta and decay inputs [T, Hv]
	qx, kx    []F // q and k heads after SiLU, contiguous [T, Hk·dk]
	q, k      []F // L2-normalised (q also scaled by 1/sqrt(dk))
	rq, rk    []F // inverse L2 norms [T·Hk]
	beta, g   []F // σ(b) and the log-decay −exp(A_log)·softplus(a + dt_bias), [T, Hv]
	S         []F // recurrent states after each token, [T+1, Hv, dk, dv], S[0] = 0
	o         []F // read-out [T, Hv·dv]
	ro        []F // inverse RMS of the gated norm [T·Hv]
	y         []F // gated norm output [T, Hv·dv]
}

// deltaFwd computes out += out_proj · GatedRMSNorm(DeltaNet(u)) for T rows
// of u (doc §7), with the recurrent delta rule and all states kept.
func deltaFwd[F Float](c *Config, w *layerWeights[F], tp *deltaTape[F], out, u []F, T int) {
	D, C, K := c.Hidden, c.ConvDim(), c.ConvKernel
	Hk, Hv, dk, dv := c.LinearKeyHeads, c.LinearValueHeads, c.LinearKeyDim, c.LinearValueDim
	tp.m, tp.z = zeros(tp.m, T*C), zeros(tp.z, T*Hv*dv)
	tp.b, tp.a = zeros(tp.b, T*Hv), zeros(tp.a, T*Hv)
	mulNT(tp.m, u, w.qkv, T, C, D)
	mulNT(tp.z, u, w.z, T, Hv*dv, D)
	mulNT(tp.b, u, w.b, T, Hv, D)
	mulNT(tp.a, u, w.a, T, Hv, D)

	// Causal depthwise conv: tap K-1 multiplies the current token.
	tp.mc, tp.ms, tp.sig = zeros(tp.mc, T*C), zeros(tp.ms, T*C), zeros(tp.sig, T*C)
	taps := convTaps(w.conv, C, K)
	for t := 0; t < T; t++ {
		for j := 0; j < K; j++ {
			s := t - K + 1 + j
			if s < 0 {
				continue
			}
			src, dst, tap := tp.m[s*C:s*C+C], tp.mc[t*C:t*C+C], taps[j*C:j*C+C]
			for ch := range dst {
				dst[ch] += tap[ch] * src[ch]
			}
		}
	}
	for i, v := range tp.mc {
		sg := sigmoid(v)
		tp.sig[i] = sg
		tp.ms[i] = v * sg
	}
	tp.qx, tp.kx = zeros(tp.qx, T*Hk*dk), zeros(tp.kx, T*Hk*dk)
	for t := 0; t < T; t++ {
		copy(tp.qx[t*Hk*dk:(t+1)*Hk*dk], tp.ms[t*C:])
		copy(tp.kx[t*Hk*dk:(t+1)*Hk*dk], tp.ms[t*C+Hk*dk:])
	}
	tp.q, tp.k = zeros(tp.q, T*Hk*dk), zeros(tp.k, T*Hk*dk)
	tp.rq, tp.rk = zeros(tp.rq, T*Hk), zeros(tp.rk, T*Hk)
	l2NormFwd(tp.q, tp.rq, tp.qx, T*Hk, dk, 1/math.Sqrt(float64(dk)), 1e-6)
	l2NormFwd(tp.k, tp.rk, tp.kx, T*Hk, dk, 1, 1e-6)

	tp.beta, tp.g = zeros(tp.beta, T*Hv), zeros(tp.g, T*Hv)
	for t := 0; t < T; t++ {
		for h := 0; h < Hv; h++ {
			i := t*Hv + h
			tp.beta[i] = sigmoid(tp.b[i])
			tp.g[i] = F(-math.Exp(float64(w.aLog[h])) * softplus(float64(tp.a[i]+w.dtBias[h])))
		}
	}

	// The recurrence: decay, delta-rule write, read with the updated state.
	ss := dk * dv
	tp.S = zeros(tp.S, (T+1)*Hv*ss)
	tp.o = zeros(tp.o, T*Hv*dv)
	kv := make([]F, dv)
	rep := Hv / Hk
	for t := 0; t < T; t++ {
		for h := 0; h < Hv; h++ {
			kh := h / rep
			prev := tp.S[(t*Hv+h)*ss : (t*Hv+h+1)*ss]
			S := tp.S[((t+1)*Hv+h)*ss : ((t+1)*Hv+h+1)*ss]
			k := tp.k[(t*Hk+kh)*dk : (t*Hk+kh+1)*dk]
			q := tp.q[(t*Hk+kh)*dk : (t*Hk+kh+1)*dk]
			v := tp.ms[t*C+2*Hk*dk+h*dv : t*C+2*Hk*dk+(h+1)*dv]
			decay := F(math.Exp(float64(tp.g[t*Hv+h])))
			beta := tp.beta[t*Hv+h]
			deltaStep(S, prev, q, k, v, tp.o[(t*Hv+h)*dv:(t*Hv+h+1)*dv], kv, decay, beta)
		}
	}
	tp.y, tp.ro = zeros(tp.y, T*Hv*dv), zeros(tp.ro, T*Hv)
	gatedNormFwd(tp.y, tp.ro, tp.o, tp.z, w.gNorm, T*Hv, dv, c.RMSEps)
	mulNT(out, tp.y, w.out, T, D, Hv*dv)
}

// deltaBwd adds the gradients of deltaFwd into du and g, back-propagating
// through time over the stored states.
func deltaBwd[F Float](c *Config, w, g *layerWeights[F], tp *deltaTape[F], du, dout, u []F, T int) {
	D, C, K := c.Hidden, c.ConvDim(), c.ConvKernel
	Hk, Hv, dk, dv := c.LinearKeyHeads, c.LinearValueHeads, c.LinearKeyDim, c.LinearValueDim
	dy := make([]F, T*Hv*dv)
	mulNN(dy, dout, w.out, T, Hv*dv, D)
	mulTN(g.out, dout, tp.y, D, Hv*dv, T)
	do := make([]F, T*Hv*dv)
	dz := make([]F, T*Hv*dv)
	gatedNormBwd(do, dz, g.gNorm, dy, tp.o, tp.z, tp.ro, w.gNorm, T*Hv, dv)

	ss := dk * dv
	rep := Hv / Hk
	dq, dk_ := make([]F, T*Hk*dk), make([]F, T*Hk*dk)
	dms := make([]F, T*C)
	dbeta, dg := make([]F, T*Hv), make([]F, T*Hv)
	dS := make([]F, Hv*ss)
	kv := make([]F, dv)
	dd := make([]F, dv) // dδ
	delta := make([]F, dv)
	tmp := make([]F, dk)
	pending := make([]F, Hv) // scale dS still owes (e^g of the step after)
	fill(pending, 1)
	for t := T - 1; t >= 0; t-- {
		for h := 0; h < Hv; h++ {
			kh := h / rep
			prev := tp.S[(t*Hv+h)*ss : (t*Hv+h+1)*ss]
			S := tp.S[((t+1)*Hv+h)*ss : ((t+1)*Hv+h+1)*ss]
			k := tp.k[(t*Hk+kh)*dk : (t*Hk+kh+1)*dk]
			q := tp.q[(t*Hk+kh)*dk : (t*Hk+kh+1)*dk]
			v := tp.ms[t*C+2*Hk*dk+h*dv : t*C+2*Hk*dk+(h+1)*dv]
			dvv := dms[t*C+2*Hk*dk+h*dv : t*C+2*Hk*dk+(h+1)*dv]
			dkt := dk_[(t*Hk+kh)*dk : (t*Hk+kh+1)*dk]
			dqt := dq[(t*Hk+kh)*dk : (t*Hk+kh+1)*dk]
			o := do[(t*Hv+h)*dv : (t*Hv+h+1)*dv]
			dSh := dS[h*ss : (h+1)*ss]
			decay := F(math.Exp(float64(tp.g[t*Hv+h])))
			beta := tp.beta[t*Hv+h]
			// Recompute kv = S1ᵀk with S1 = e^g·S_prev (never formed).
			clear(kv)
			vecMat(kv, k, prev, dv)
			for j := range kv {
				kv[j] *= decay
			}
			// o = Sᵀq. dS still owes the e^g factor of step t+1 (pending):
			// apply it while adding q doᵀ.
			matVec(tmp, S, o, dv)
			axpy(dqt, tmp, 1)
			rank1(dSh, dv, pending[h], q, o)
			// S = S1 + k δᵀ, δ = β(v − kv)
			for j := range delta {
				delta[j] = beta * (v[j] - kv[j])
			}
			clear(dd)
			vecMat(dd, k, dSh, dv)
			matVec(tmp, dSh, delta, dv)
			axpy(dkt, tmp, 1)
			var db F
			for j := range dd {
				db += dd[j] * (v[j] - kv[j])
				dvv[j] += beta * dd[j]
				dd[j] *= -beta // now dkv
			}
			dbeta[t*Hv+h] = db
			// kv = S1ᵀk
			rank1(dSh, dv, 1, k, dd)
			matVec(tmp, prev, dd, dv)
			axpy(dkt, tmp, decay)
			// S1 = e^g·S_prev: dS_prev = e^g·dS1, applied at step t−1.
			dg[t*Hv+h] = decay * dot(dSh, prev)
			pending[h] = decay
		}
	}

	// Gates.
	db, da := make([]F, T*Hv), make([]F, T*Hv)
	for t := 0; t < T; t++ {
		for h := 0; h < Hv; h++ {
			i := t*Hv + h
			be := tp.beta[i]
			db[i] = dbeta[i] * be * (1 - be)
			g.aLog[h] += dg[i] * tp.g[i]
			x := float64(tp.a[i] + w.dtBias[h])
			dx := dg[i] * F(-math.Exp(float64(w.aLog[h]))*softplusGrad(x))
			da[i] = dx
			g.dtBias[h] += dx
		}
	}
	// L2 norms back into the q and k blocks of the SiLU output.
	dqx, dkx := make([]F, T*Hk*dk), make([]F, T*Hk*dk)
	l2NormBwd(dqx, dq, tp.qx, tp.rq, T*Hk, dk, 1/math.Sqrt(float64(dk)))
	l2NormBwd(dkx, dk_, tp.kx, tp.rk, T*Hk, dk, 1)
	for t := 0; t < T; t++ {
		copy(dms[t*C:t*C+Hk*dk], dqx[t*Hk*dk:])
		copy(dms[t*C+Hk*dk:t*C+2*Hk*dk], dkx[t*Hk*dk:])
	}
	// SiLU and the causal conv.
	for i, v := range tp.mc {
		sg := tp.sig[i]
		dms[i] *= sg * (1 + v*(1-sg)) // silu'(v)
	}
	dm := make([]F, T*C)
	taps := convTaps(w.conv, C, K)
	dtaps := make([]F, K*C)
	for t := 0; t < T; t++ {
		dmc := dms[t*C : t*C+C]
		for j := 0; j < K; j++ {
			s := t - K + 1 + j
			if s < 0 {
				continue
			}
			src, dst := tp.m[s*C:s*C+C], dm[s*C:s*C+C]
			tap, dtap := taps[j*C:j*C+C], dtaps[j*C:j*C+C]
			for ch, d := range dmc {
				dst[ch] += tap[ch] * d
				dtap[ch] += d * src[ch]
			}
		}
	}
	for j := 0; j < K; j++ {
		for ch := 0; ch < C; ch++ {
			g.conv[ch*K+j] += dtaps[j*C+ch]
		}
	}
	mulNN(du, dm, w.qkv, T, D, C)
	mulNN(du, dz, w.z, T, D, Hv*dv)
	mulNN(du, db, w.b, T, D, Hv)
	mulNN(du, da, w.a, T, D, Hv)
	mulTN(g.qkv, dm, u, C, D, T)
	mulTN(g.z, dz, u, Hv*dv, D, T)
	mulTN(g.b, db, u, Hv, D, T)
	mulTN(g.a, da, u, Hv, D, T)
}

// convTaps transposes the conv weight [C, 1, K] to [K, C], so each tap is a
// contiguous vector over the channels.
func convTaps[F Float](conv []F, C, K int) []F {
	taps := make([]F, K*C)
	for ch := 0; ch < C; ch++ {
		for j := 0; j < K; j++ {
			taps[j*C+ch] = conv[ch*K+j]
		}
	}
	return taps
}
