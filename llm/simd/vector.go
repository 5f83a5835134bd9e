package simd

import (
	"fmt"
	"math"
)

// Vector helpers for the non-matrix parts of a forward pass. The package
// functions use the path LLM_KERNELS names (or the fastest); the Pool
// methods use the pool's path, on the calling goroutine.

// Dot returns Σ a[i]·b[i] over len(a) elements (b must be at least as long).
func Dot(a, b []float32) float32 { return defaultImpl().dot(a, b[:len(a)]) }

// Axpy adds a·x to y elementwise (x must be at least as long as y).
func Axpy(y []float32, a float32, x []float32) { defaultImpl().axpy(y, a, x[:len(y)]) }

// DeltaRule is one step of the gated delta rule on one head's recurrent
// state S [len(k), len(v)] row-major (doc §7): it decays the state,
// S ← decay·S, corrects it towards v along k, S ← S + k ⊗ β(v − Sᵀk), and
// reads it with q into out = Sᵀq (with the updated state). len(q) must
// equal len(k), len(out) len(v).
func DeltaRule(S, q, k, v, out []float32, decay, beta float32) {
	defaultImpl().deltaRule(S, q, k, v, out, decay, beta)
}

// SiLU sets dst[i] = x[i]·sigmoid(x[i]) (dst may alias x).
func SiLU(dst, x []float32) { defaultImpl().silu(dst, x[:len(dst)], nil) }

// SwiGLU sets dst[i] = SiLU(gate[i])·up[i], the gated activation of the
// MLP (dst may alias gate or up).
func SwiGLU(dst, gate, up []float32) { defaultImpl().silu(dst, gate[:len(dst)], up[:len(dst)]) }

// DeltaRuleT is DeltaRule on a state stored transposed, St [len(v), len(k)]
// row-major (row j holds column j of S), the layout in which every part of
// the step is per row: kv_j = decay·(St[j]·k), δ_j = β(v_j − kv_j),
// St[j] ← decay·St[j] + δ_j·k, out_j = St[j]·q.
func DeltaRuleT(St, q, k, v, out []float32, decay, beta float32) {
	defaultImpl().deltaRuleT(St, q, k, v, out, decay, beta)
}

// MatVecF32Stride sets dst[r] = Σ_{c<len(x)} w[r·stride+c]·x[c]: MatVecF32
// over len(dst) rows that lie stride ≥ len(x) apart in w, of which only the
// first len(x) columns count (a cache filled up to its length). Unlike
// MatVecF32 it never splits the rows across threads, so a loop body under
// Pool.For may call it.
func MatVecF32Stride(dst, w []float32, stride int, x []float32) {
	checkStride(dst, w, stride, x)
	defaultImpl().matVecF32(dst, w, stride, x)
}

// MatVecF32Stride is the package MatVecF32Stride on the pool's path.
func (p *Pool) MatVecF32Stride(dst, w []float32, stride int, x []float32) {
	checkStride(dst, w, stride, x)
	p.kernels().matVecF32(dst, w, stride, x)
}

func checkStride(dst, w []float32, stride int, x []float32) {
	if stride < len(x) || len(dst) > 0 && len(w) < (len(dst)-1)*stride+len(x) {
		panic(fmt.Sprintf("simd: MatVecF32Stride: %d rows of %d columns, stride %d, need stride ≥ columns and len(w) ≥ %d, have %d",
			len(dst), len(x), stride, (len(dst)-1)*stride+len(x), len(w)))
	}
}

// Dot is the package Dot on the pool's path.
func (p *Pool) Dot(a, b []float32) float32 { return p.kernels().dot(a, b[:len(a)]) }

// Axpy is the package Axpy on the pool's path.
func (p *Pool) Axpy(y []float32, a float32, x []float32) { p.kernels().axpy(y, a, x[:len(y)]) }

// DeltaRule is the package DeltaRule on the pool's path.
func (p *Pool) DeltaRule(S, q, k, v, out []float32, decay, beta float32) {
	p.kernels().deltaRule(S, q, k, v, out, decay, beta)
}

// DeltaRuleT is the package DeltaRuleT on the pool's path.
func (p *Pool) DeltaRuleT(St, q, k, v, out []float32, decay, beta float32) {
	p.kernels().deltaRuleT(St, q, k, v, out, decay, beta)
}

// SiLU is the package SiLU on the pool's path.
func (p *Pool) SiLU(dst, x []float32) { p.kernels().silu(dst, x[:len(dst)], nil) }

// SwiGLU is the package SwiGLU on the pool's path.
func (p *Pool) SwiGLU(dst, gate, up []float32) {
	p.kernels().silu(dst, gate[:len(dst)], up[:len(dst)])
}

// SigmoidMul sets dst[i] = sigmoid(x[i])·y[i] (dst may alias x or y): a
// sigmoid output gate, as on gated attention's heads.
func SigmoidMul(dst, x, y []float32) {
	defaultImpl().sigmoid(dst, x[:len(dst)], y[:len(dst)])
}

// SigmoidMul is the package SigmoidMul on the pool's path.
func (p *Pool) SigmoidMul(dst, x, y []float32) {
	p.kernels().sigmoid(dst, x[:len(dst)], y[:len(dst)])
}

// siluGo is x·sigmoid(x) via expf, times up[i] when up is not nil.
func siluGo(dst, x, up []float32) { gateGo(dst, x, up, 0) }

// sigmoidGo is 1/(1 + e^−x) via expf, times up[i] when up is not nil.
func sigmoidGo(dst, x, up []float32) { gateGo(dst, x, up, 1) }

// gateGo is what the assembly SiLU kernels compute: x/(1 + e^−x), or with
// sig ≠ 0 the sigmoid 1/(1 + e^−x), times up[i] when up is not nil.
func gateGo(dst, x, up []float32, sig int) {
	for i, v := range x {
		num := v
		if sig != 0 {
			num = 1
		}
		s := num / (1 + expf(-v))
		if up != nil {
			s *= up[i]
		}
		dst[i] = s
	}
}

// expf is eˣ in float32 with the method of the assembly versions:
// x = n·ln2 + r, a degree-6 polynomial for eʳ (Cephes expf, within 2 ulp),
// times 2ⁿ built in the exponent field. Several times faster than
// float32(math.Exp(float64(x))).
func expf(x float32) float32 {
	switch {
	case x != x: // NaN
		return x
	case x > 88.72283:
		return float32(math.Inf(1))
	case x < -87.33654: // below the smallest normal float32
		return 0
	}
	const (
		log2e = 1.44269504088896341
		ln2hi = 0.693359375
		ln2lo = -2.12194440e-4
	)
	n := float32(math.Floor(float64(x*log2e + 0.5)))
	r := x - n*ln2hi - n*ln2lo
	p := float32(1.9875691500e-4)
	p = p*r + 1.3981999507e-3
	p = p*r + 8.3334519073e-3
	p = p*r + 4.1665795894e-2
	p = p*r + 1.6666665459e-1
	p = p*r + 5.0000001201e-1
	e := p*r*r + r + 1
	// n is in [-126, 128]; 2ⁿ in two halves keeps both exponents in range.
	n1 := int32(n) >> 1
	n2 := int32(n) - n1
	return e * math.Float32frombits(uint32(n1+127)<<23) * math.Float32frombits(uint32(n2+127)<<23)
}

func checkDeltaRule(S, q, k, v, out []float32) {
	if len(S) != len(k)*len(v) || len(q) != len(k) || len(out) != len(v) {
		panic("simd: DeltaRule: want len(S) = len(k)·len(v), len(q) = len(k), len(out) = len(v)")
	}
}

func deltaRuleTGo(St, q, k, v, out []float32, decay, beta float32) {
	checkDeltaRule(St, q, k, v, out)
	deltaRuleTRows(St, q, k, v, out, decay, beta)
}

// deltaRuleTRows is deltaRuleTGo without the length checks.
func deltaRuleTRows(St, q, k, v, out []float32, decay, beta float32) {
	dk := len(k)
	for j := range v {
		row := St[j*dk : (j+1)*dk]
		d := beta * (v[j] - decay*dotGo(row, k))
		q := q[:len(row)]
		k := k[:len(row)]
		var o0, o1 float32
		i := 0
		for ; i+2 <= len(row); i += 2 {
			a0 := decay*row[i] + d*k[i]
			a1 := decay*row[i+1] + d*k[i+1]
			row[i], row[i+1] = a0, a1
			o0 += a0 * q[i]
			o1 += a1 * q[i+1]
		}
		if i < len(row) {
			a := decay*row[i] + d*k[i]
			row[i] = a
			o0 += a * q[i]
		}
		out[j] = o0 + o1
	}
}

func dotGo(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func axpyGo(y []float32, a float32, x []float32) {
	x = x[:len(y)]
	for i := range y {
		y[i] += a * x[i]
	}
}

func deltaRuleGo(S, q, k, v, out []float32, decay, beta float32) {
	checkDeltaRule(S, q, k, v, out)
	deltaRuleCols(S, q, k, v, out, decay, beta, 0, len(v))
}

// deltaRuleCols runs the delta rule on columns [c0, c1) of S only: every
// column of the state evolves independently. Rows go four at a time, so
// each pass over a column chunk keeps its sums in registers longer.
func deltaRuleCols(S, q, k, v, out []float32, decay, beta float32, c0, c1 int) {
	dv := len(v)
	var kvBuf, dBuf [64]float32
	for lo := c0; lo < c1; lo += len(kvBuf) {
		hi := min(lo+len(kvBuf), c1)
		kv, d := kvBuf[:hi-lo], dBuf[:hi-lo]
		// Pass 1: decay the rows and read kv = Sᵀk.
		clear(kv)
		i := 0
		for ; i+4 <= len(k); i += 4 {
			r0, r1 := S[i*dv+lo:i*dv+hi], S[(i+1)*dv+lo : (i+1)*dv+hi][:len(kv)]
			r2, r3 := S[(i+2)*dv+lo : (i+2)*dv+hi][:len(kv)], S[(i+3)*dv+lo : (i+3)*dv+hi][:len(kv)]
			r0 = r0[:len(kv)]
			k0, k1, k2, k3 := k[i], k[i+1], k[i+2], k[i+3]
			for j := range kv {
				a0, a1, a2, a3 := r0[j]*decay, r1[j]*decay, r2[j]*decay, r3[j]*decay
				r0[j], r1[j], r2[j], r3[j] = a0, a1, a2, a3
				kv[j] += (k0*a0 + k1*a1) + (k2*a2 + k3*a3)
			}
		}
		for ; i < len(k); i++ {
			row := S[i*dv+lo : i*dv+hi][:len(kv)]
			for j := range kv {
				row[j] *= decay
				kv[j] += k[i] * row[j]
			}
		}
		for j := range d {
			d[j] = beta * (v[lo+j] - kv[j]) // δ
		}
		// Pass 2: S += k ⊗ δ, then out = Sᵀq with the updated rows.
		o := out[lo:hi][:len(d)]
		clear(o)
		i = 0
		for ; i+4 <= len(k); i += 4 {
			r0, r1 := S[i*dv+lo : i*dv+hi][:len(d)], S[(i+1)*dv+lo : (i+1)*dv+hi][:len(d)]
			r2, r3 := S[(i+2)*dv+lo : (i+2)*dv+hi][:len(d)], S[(i+3)*dv+lo : (i+3)*dv+hi][:len(d)]
			k0, k1, k2, k3 := k[i], k[i+1], k[i+2], k[i+3]
			q0, q1, q2, q3 := q[i], q[i+1], q[i+2], q[i+3]
			for j, dj := range d {
				a0, a1, a2, a3 := r0[j]+k0*dj, r1[j]+k1*dj, r2[j]+k2*dj, r3[j]+k3*dj
				r0[j], r1[j], r2[j], r3[j] = a0, a1, a2, a3
				o[j] += (q0*a0 + q1*a1) + (q2*a2 + q3*a3)
			}
		}
		for ; i < len(k); i++ {
			row := S[i*dv+lo : i*dv+hi][:len(d)]
			for j, dj := range d {
				row[j] += k[i] * dj
				o[j] += q[i] * row[j]
			}
		}
	}
}
