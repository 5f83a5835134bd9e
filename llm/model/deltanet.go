package model

import (
	"fmt"
	"math"

	"github.com/how-llms-work/course/llm/simd"
)

// deltaNet is the Gated DeltaNet mixer (doc §7) for n tokens u [n, Hidden],
// writing out [n, Hidden] and advancing the layer's conv and recurrent
// states: one token at a time (the recurrent form, exact for prefill too),
// or for passes of deltaChunkMin tokens or more in the chunked form.
func (m *Model) deltaNet(l *layer, ls *layerState, st *State, u, out []float32, n int, rec *recorder) {
	c := m.cfg
	s := &st.scratch
	Hk, Hv, dk, dv := c.LinearKeyHeads, c.LinearValueHeads, c.LinearKeyDim, c.LinearValueDim
	C := c.ConvDim()

	// Projections (doc §7.1): mixed q|k|v (before the conv), the output
	// gate z, and the inputs of β and the decay.
	mix, z, b, a := s.mix[:n*C], s.z[:n*Hv*dv], s.b[:n*Hv], s.a[:n*Hv]
	l.qkv.matMul(m.pool, mix, u, n)
	l.z.matMul(m.pool, z, u, n)
	m.pool.SiLU(z, z) // the output gate, silu(z), for the gated norm
	l.b.matMul(m.pool, b, u, n)
	l.a.matMul(m.pool, a, u, n)

	// The causal conv and SiLU over all of q|k|v (doc §7.2); then per head,
	// q and k L2-normalised and q scaled by 1/√dk (doc §7.3).
	conv := s.conv[:n*C]
	qScale := float32(1 / math.Sqrt(float64(dk)))
	for t := range n {
		y := conv[t*C : (t+1)*C]
		causalConv(m.pool, y, mix[t*C:(t+1)*C], l.conv, ls.conv)
		m.pool.SiLU(y, y)
		q, k := y[:Hk*dk], y[Hk*dk:2*Hk*dk]
		for h := range Hk {
			l2Norm(q[h*dk : (h+1)*dk])
			l2Norm(k[h*dk : (h+1)*dk])
		}
		for i := range q {
			q[i] *= qScale
		}
	}

	// Per value head and token, in place of b and a: the write strength
	// β = σ(b) and the decay exp(g), g = −exp(A_log)·softplus(a + dt_bias)
	// (doc §7.4).
	for i := range b {
		h := i % Hv
		b[i] = sigmoid(b[i])
		g := -float32(math.Exp(float64(l.aLog[h]))) * softplus(a[i]+l.dtBias[h])
		a[i] = float32(math.Exp(float64(g)))
	}
	rec.rows(atBeta, b)
	rec.rows(atDecay, a)

	// The delta rule and the gated output norm (doc §7.5, §7.7). Value heads
	// are independent, so they run in parallel, each stepping through the n
	// tokens in order (deltaHeads), or, for a long enough pass, in chunks of
	// 64 tokens (deltaHeadsChunked, chunk.go, doc §7.6). Then out_proj.
	loop := (*Model).deltaHeads
	if m.useChunked(n, rec) {
		loop = (*Model).deltaHeadsChunked
	}
	m.perHead(st, Hv, layerJob{l: l, ls: ls, n: n, rec: rec, loop: loop})
	l.out.matMul(m.pool, out, s.y[:n*Hv*dv], n)
}

// causalConv is the depthwise causal convolution of one token (doc §7.2):
// y = Σ_j w_j ⊙ x_j over the last K inputs, where tap K−1 weighs the
// current input x and taps 0…K−2 the K−1 previous inputs that state holds,
// oldest first. w is tap-major, [K][C]. x then joins the state. The sum
// (simd's CausalConv, vectorised for K = 4) adds the products in that
// order, each rounded first, on every kernel path.
func causalConv(p *simd.Pool, y, x, w, state []float32) {
	C := len(x)
	K := len(w) / C
	p.CausalConv(y, x, w, state)
	if K > 1 {
		copy(state, state[C:])
		copy(state[(K-2)*C:], x)
	}
}

// deltaHeads runs the delta rule of value heads [lo, hi) over the tokens of
// st.scratch.job, from the conv outputs, β, decay and silu(z) deltaNet left
// in the scratch, into the gated, normalised head outputs y.
func (m *Model) deltaHeads(st *State, lo, hi int) {
	c := m.cfg
	s := &st.scratch
	l, ls, n, rec := s.job.l, s.job.ls, s.job.n, s.job.rec
	Hk, Hv, dk, dv := c.LinearKeyHeads, c.LinearValueHeads, c.LinearKeyDim, c.LinearValueDim
	C := c.ConvDim()
	group := Hv / Hk // value heads per key head (doc §7.8)
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

			// S ← decay·S;  δ = β(v − Sᵀk);  S ← S + k ⊗ δ;  o = Sᵀq: the
			// step of DeltaRule, fused into one kernel over the rows of Sᵀ.
			m.pool.DeltaRuleT(St, q, k, v, o, s.a[i], s.b[i])
			rec.stateNorm(t, h, St)
			gatedRMSNorm(o, o, l.norm, s.z[i*dv:(i+1)*dv], c.RMSEps)
		}
	}
}

// DeltaRule is one token's step of the gated delta rule for one head,
// written out plainly (doc §7.5): the reference the model's fused kernel
// and chunked form are tested against. St is the head's state as the
// model stores it (State.DeltaState): transposed, so row j (len(k) values)
// is what the state holds for value dim j. DeltaRule decays St, writes the
// token's key → value association into it with strength beta, and returns
// the head's output, the updated state read with the query (len(v) values).
// q and k are the normalised query and key (q scaled by 1/√len(k)).
func DeltaRule(St, q, k, v []float32, decay, beta float32) ([]float32, error) {
	dk := len(k)
	if dk == 0 || len(q) != dk || len(St) != dk*len(v) {
		return nil, fmt.Errorf("model: DeltaRule: state of %d values, query %d, key %d, value %d: want query and key of one length d > 0 and a state of d × len(value)", len(St), len(q), dk, len(v))
	}
	o := make([]float32, len(v))
	for j := range v {
		row := St[j*dk : (j+1)*dk]
		for i := range row {
			row[i] *= decay // forget a little: S ← decay·S
		}
		delta := beta * (v[j] - dot(row, k)) // what k should recall minus what it recalls, times β
		for i := range row {
			row[i] += k[i] * delta // S ← S + k ⊗ δ
		}
		o[j] = dot(row, q) // read with the updated state: o = Sᵀq
	}
	return o, nil
}

// MustDeltaRule is DeltaRule for notebook cells: it panics on error.
func MustDeltaRule(St, q, k, v []float32, decay, beta float32) []float32 {
	o, err := DeltaRule(St, q, k, v, decay, beta)
	if err != nil {
		panic(err)
	}
	return o
}

// dot is Σ x[i]·y[i].
func dot(x, y []float32) float32 {
	var s float32
	for i := range x {
		s += x[i] * y[i]
	}
	return s
}
