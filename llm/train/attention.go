package train

import "math"

// attnTape keeps what the gated full-attention backward needs.
type attnTape[F Float] struct {
	qg, k, v []F // projections: [T, Hq·2·hd], [T, Hkv·hd], [T, Hkv·hd]
	qn, kn   []F // per-head RMSNorm1p of q and k (before RoPE)
	qx, kx   []F // q and k heads, contiguous, before norm: [T, Hq·hd], [T, Hkv·hd]
	rq, rk   []F // inverse RMS per (t, head)
	qr, kr   []F // after RoPE
	p        []F // attention probabilities [Hq, T, T] (causal; upper part zero)
	o, og    []F // attention output [T, Hq·hd], and o ⊙ σ(gate)
	cos, sin []F // [T, rot/2]
}

// ropeTables fills cos and sin for positions 0..T-1 and rot/2 frequencies
// θ^(−2j/rot).
func ropeTables[F Float](cos, sin []F, T, rot int, theta float64) {
	half := rot / 2
	for t := 0; t < T; t++ {
		for j := 0; j < half; j++ {
			inv := 1 / math.Pow(theta, float64(2*j)/float64(rot))
			a := float64(t) * inv
			cos[t*half+j], sin[t*half+j] = F(math.Cos(a)), F(math.Sin(a))
		}
	}
}

// ropeFwd rotates the first rot dims of each head of x in place (NeoX
// rotate_half layout). x is [T, H·hd].
func ropeFwd[F Float](x, cos, sin []F, T, H, hd, rot int) {
	half := rot / 2
	for t := 0; t < T; t++ {
		c, s := cos[t*half:t*half+half], sin[t*half:t*half+half]
		for h := 0; h < H; h++ {
			v := x[(t*H+h)*hd:]
			for j := 0; j < half; j++ {
				a, b := v[j], v[j+half]
				v[j] = a*c[j] - b*s[j]
				v[j+half] = b*c[j] + a*s[j]
			}
		}
	}
}

// ropeBwd applies the transposed (inverse) rotation to a gradient in place.
func ropeBwd[F Float](dx, cos, sin []F, T, H, hd, rot int) {
	half := rot / 2
	for t := 0; t < T; t++ {
		c, s := cos[t*half:t*half+half], sin[t*half:t*half+half]
		for h := 0; h < H; h++ {
			v := dx[(t*H+h)*hd:]
			for j := 0; j < half; j++ {
				a, b := v[j], v[j+half]
				v[j] = a*c[j] + b*s[j]
				v[j+half] = b*c[j] - a*s[j]
			}
		}
	}
}

// attnFwd computes out += o_proj · (softmax-attention(q, k, v) ⊙ σ(gate))
// for T rows of u (doc §6).
func attnFwd[F Float](c *Config, w *layerWeights[F], tp *attnTape[F], out, u []F, T int) {
	D, Hq, Hkv, hd, rot := c.Hidden, c.Heads, c.KVHeads, c.HeadDim, c.RotaryDim
	tp.qg = zeros(tp.qg, T*2*Hq*hd)
	tp.k, tp.v = zeros(tp.k, T*Hkv*hd), zeros(tp.v, T*Hkv*hd)
	mulNT(tp.qg, u, w.q, T, 2*Hq*hd, D)
	mulNT(tp.k, u, w.k, T, Hkv*hd, D)
	mulNT(tp.v, u, w.v, T, Hkv*hd, D)
	// Gather the query halves of the per-head [query | gate] blocks.
	tp.qx = zeros(tp.qx, T*Hq*hd)
	for t := 0; t < T; t++ {
		for h := 0; h < Hq; h++ {
			copy(tp.qx[(t*Hq+h)*hd:(t*Hq+h+1)*hd], tp.qg[(t*Hq+h)*2*hd:])
		}
	}
	tp.qn, tp.rq = zeros(tp.qn, T*Hq*hd), zeros(tp.rq, T*Hq)
	tp.kn, tp.rk = zeros(tp.kn, T*Hkv*hd), zeros(tp.rk, T*Hkv)
	rmsNormFwd(tp.qn, tp.rq, tp.qx, w.qNorm, T*Hq, hd, c.RMSEps)
	rmsNormFwd(tp.kn, tp.rk, tp.k, w.kNorm, T*Hkv, hd, c.RMSEps)
	tp.cos, tp.sin = zeros(tp.cos, T*rot/2), zeros(tp.sin, T*rot/2)
	ropeTables(tp.cos, tp.sin, T, rot, c.RopeTheta)
	tp.qr, tp.kr = append(tp.qr[:0], tp.qn...), append(tp.kr[:0], tp.kn...)
	ropeFwd(tp.qr, tp.cos, tp.sin, T, Hq, hd, rot)
	ropeFwd(tp.kr, tp.cos, tp.sin, T, Hkv, hd, rot)

	scale := F(1 / math.Sqrt(float64(hd)))
	group := Hq / Hkv
	tp.p = zeros(tp.p, Hq*T*T)
	tp.o = zeros(tp.o, T*Hq*hd)
	ld := Hkv * hd // between the keys (values) of consecutive positions
	for h := 0; h < Hq; h++ {
		g := h / group
		kg, vg := tp.kr[g*hd:], tp.v[g*hd:] // key and value s of the group at s·ld
		for t := 0; t < T; t++ {
			q := tp.qr[(t*Hq+h)*hd : (t*Hq+h+1)*hd]
			p := tp.p[(h*T+t)*T : (h*T+t)*T+t+1]
			matVec(p, kg, q, ld) // p[s] = q·k_s
			maxv := F(math.Inf(-1))
			for s := range p {
				p[s] *= scale
				maxv = max(maxv, p[s])
			}
			var sum float64
			for s := range p {
				e := F(math.Exp(float64(p[s] - maxv)))
				p[s] = e
				sum += float64(e)
			}
			inv := F(1 / sum)
			for s := range p {
				p[s] *= inv
			}
			vecMat(tp.o[(t*Hq+h)*hd:(t*Hq+h+1)*hd], p, vg, ld) // o = Σ_s p[s]·v_s
		}
	}
	tp.og = zeros(tp.og, T*Hq*hd)
	for t := 0; t < T; t++ {
		for h := 0; h < Hq; h++ {
			gate := tp.qg[(t*Hq+h)*2*hd+hd:]
			o, og := tp.o[(t*Hq+h)*hd:], tp.og[(t*Hq+h)*hd:]
			for d := 0; d < hd; d++ {
				og[d] = o[d] * sigmoid(gate[d])
			}
		}
	}
	mulNT(out, tp.og, w.o, T, D, Hq*hd)
}

// attnBwd adds the gradients of attnFwd into du and g.
func attnBwd[F Float](c *Config, w, g *layerWeights[F], tp *attnTape[F], du, dout, u []F, T int) {
	D, Hq, Hkv, hd, rot := c.Hidden, c.Heads, c.KVHeads, c.HeadDim, c.RotaryDim
	dog := make([]F, T*Hq*hd)
	mulNN(dog, dout, w.o, T, Hq*hd, D)
	mulTN(g.o, dout, tp.og, D, Hq*hd, T)

	dqg := make([]F, T*2*Hq*hd)
	do := make([]F, T*Hq*hd)
	for t := 0; t < T; t++ {
		for h := 0; h < Hq; h++ {
			i := (t*Hq + h) * hd
			gate := tp.qg[(t*Hq+h)*2*hd+hd:]
			dgate := dqg[(t*Hq+h)*2*hd+hd:]
			for d := 0; d < hd; d++ {
				s := sigmoid(gate[d])
				do[i+d] = dog[i+d] * s
				dgate[d] = dog[i+d] * tp.o[i+d] * s * (1 - s)
			}
		}
	}
	scale := F(1 / math.Sqrt(float64(hd)))
	group := Hq / Hkv
	dqr := make([]F, T*Hq*hd)
	dkr := make([]F, T*Hkv*hd)
	dv := make([]F, T*Hkv*hd)
	dp := make([]F, T)
	ld := Hkv * hd
	for h := 0; h < Hq; h++ {
		gk := h / group
		kg, vg := tp.kr[gk*hd:], tp.v[gk*hd:]
		dkg, dvg := dkr[gk*hd:], dv[gk*hd:]
		for t := 0; t < T; t++ {
			p := tp.p[(h*T+t)*T : (h*T+t)*T+t+1]
			do := do[(t*Hq+h)*hd : (t*Hq+h+1)*hd]
			ds := dp[:len(p)]
			matVec(ds, vg, do, ld)   // dp[s] = do·v_s
			rank1(dvg, ld, 1, p, do) // dv_s += p[s]·do
			var sum F
			for s := range p {
				sum += p[s] * ds[s]
			}
			for s := range p {
				ds[s] = p[s] * (ds[s] - sum) * scale // now the score gradient
			}
			q := tp.qr[(t*Hq+h)*hd : (t*Hq+h+1)*hd]
			vecMat(dqr[(t*Hq+h)*hd:(t*Hq+h+1)*hd], ds, kg, ld) // dq += Σ_s ds[s]·k_s
			rank1(dkg, ld, 1, ds, q)                           // dk_s += ds[s]·q
		}
	}
	ropeBwd(dqr, tp.cos, tp.sin, T, Hq, hd, rot)
	ropeBwd(dkr, tp.cos, tp.sin, T, Hkv, hd, rot)
	dqx := make([]F, T*Hq*hd)
	dk := make([]F, T*Hkv*hd)
	rmsNormBwd(dqx, g.qNorm, dqr, tp.qx, tp.rq, w.qNorm, T*Hq, hd)
	rmsNormBwd(dk, g.kNorm, dkr, tp.k, tp.rk, w.kNorm, T*Hkv, hd)
	for t := 0; t < T; t++ {
		for h := 0; h < Hq; h++ {
			copy(dqg[(t*Hq+h)*2*hd:(t*Hq+h)*2*hd+hd], dqx[(t*Hq+h)*hd:])
		}
	}
	mulNN(du, dqg, w.q, T, D, 2*Hq*hd)
	mulNN(du, dk, w.k, T, D, Hkv*hd)
	mulNN(du, dv, w.v, T, D, Hkv*hd)
	mulTN(g.q, dqg, u, 2*Hq*hd, D, T)
	mulTN(g.k, dk, u, Hkv*hd, D, T)
	mulTN(g.v, dv, u, Hkv*hd, D, T)
}
