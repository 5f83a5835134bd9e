package model

import (
	"sync"

	"github.com/how-llms-work/course/llm/simd"
)

// The chunked form of the gated delta rule (doc §7.6). Within a chunk of
// up to deltaChunkLen tokens, with the chunk's start state S [dk][dv], the
// decay products D[t][s] = Π_{s<r≤t} decay_r (exp(c_t − c_s) with c the
// running sum of the log-decays g, computed as products of the same float32
// decays the recurrent form multiplies by), e_t = Π_{r≤t} decay_r and Q, K,
// V as [L][d] matrices:
//
//	A  = strictly_lower(diag(β) K Kᵀ ⊙ D)
//	[U | W] = (I + A)⁻¹ [diag(β) V | diag(e·β) K]    (forward substitution)
//	Vn = U − W S
//	O  = diag(e) Q S + (Q Kᵀ ⊙ D) Vn                   (lower, diagonal included)
//	S' = e_{L−1} S + (diag(D[L−1][·]) K)ᵀ Vn
//
// Every product is a simd.MatMulF32 call; the triangular ones
// (K Kᵀ, Q Kᵀ, the substitution's off-diagonal blocks, P Vn) go in blocks
// of 8 rows that stop at the diagonal, so about half their zeros are
// skipped. Per head and full chunk that is ≈ 4.6 M multiply-adds (≈ 1.1×
// the recurrent form's), but at GEMM speed instead of one pass over the
// state per token.

// deltaChunkLen is the chunk length of the chunked form: 64 tokens, as in
// HF's torch_chunk_gated_delta_rule and llama.cpp.
const deltaChunkLen = 64

// deltaChunkMin is the shortest pass (in tokens) for which deltaNet uses
// the chunked form instead of the recurrent one, on kernel paths with an
// assembly MatMulF32 (simd.Pool.MatMulF32Fast). Decode (n = 1) and
// passes with a Capture (which needs every token's state) always
// run the recurrent form. 16 is where the chunked form overtakes the
// recurrent one per head on the AVX-512 path (BenchmarkDeltaHead, dk = dv
// = 128, 2-core Zen 5: 1.10 vs 1.37 µs per token at 16 tokens, 1.42 vs
// 1.42 at 12, 1.53 vs 1.45 at 8; 0.86 vs 1.35 at 512; on the AVX2 path
// 1.78 vs 2.38 at 16, 1.68 vs 2.40 at 512): below it the per-pass costs
// (transposing the state in and out, the 128×128 state update) dominate.
// It is each Model's chunkMin, which tests set to 1 to force the chunked
// form on every path (the pure-Go one included), or to MaxInt to disable it.
const deltaChunkMin = 16

// useChunked reports whether a DeltaNet pass over n tokens runs the
// chunked form.
func (m *Model) useChunked(n int, rec *recorder) bool {
	return m.useMatMulForm(n, rec, m.chunkMin)
}

// useMatMulForm reports whether a pass over n tokens takes a form built on
// simd.MatMulF32 (the chunked DeltaNet, the blocked attention) whose
// shortest pass is minLen: never with a Capture (which needs every token's
// own state) or for one token; always when minLen ≤ 1 (tests force it so
// on every path); else from minLen tokens on paths with an assembly
// MatMulF32.
func (m *Model) useMatMulForm(n int, rec *recorder, minLen int) bool {
	if rec != nil || n < 2 || n < minLen {
		return false
	}
	return minLen <= 1 || m.pool.MatMulF32Fast()
}

// chunkWork is one head's workspace for the chunked form, sized for
// key and value heads of dk and dv; deltaHeadsChunked takes one per
// thread from chunkWorks, so a pass allocates nothing once warm.
type chunkWork struct {
	dk, dv int
	s      []float32 // [dk][dv] the head's state S (not transposed)
	d      []float32 // [C][C] decay products D[t][s], s ≤ t
	e      []float32 // [C] e_t
	kt     []float32 // [dk][C] Kᵀ
	ktd    []float32 // [dk][C] Kᵀ diag(D[L−1][·])
	a      []float32 // [C][C] K Kᵀ, then A
	p      []float32 // [C][C] Q Kᵀ ⊙ D
	x      []float32 // [C][dv+dk] [diag(β)V | diag(eβ)K], then [Vn | W]
}

var chunkWorks sync.Pool

// getChunkWork returns a workspace for heads of dk and dv (put it back in
// chunkWorks when done).
func getChunkWork(dk, dv int) *chunkWork {
	if w, ok := chunkWorks.Get().(*chunkWork); ok && w.dk == dk && w.dv == dv {
		return w
	}
	const C = deltaChunkLen
	return &chunkWork{
		dk: dk, dv: dv,
		s:  make([]float32, dk*dv),
		d:  make([]float32, C*C),
		e:  make([]float32, C),
		kt: make([]float32, dk*C), ktd: make([]float32, dk*C),
		a: make([]float32, C*C), p: make([]float32, C*C),
		x: make([]float32, C*(dv+dk)),
	}
}

// deltaInputs locates one head's per-token inputs and outputs in the
// token-major buffers of a pass: token t's q, k and v are
// x[t·stride + qOff/kOff/vOff:] (dk, dk and dv values), its β and decay
// beta[t·bstride] and decay[t·bstride], and its output o_t = Sᵀq goes to
// out[t·ostride:][:dv].
type deltaInputs struct {
	x                []float32
	stride           int
	qOff, kOff, vOff int
	beta, decay      []float32
	bstride          int
	out              []float32
	ostride          int
}

// load sets the workspace's state S from a transposed state St [dv][dk].
func (w *chunkWork) load(p *simd.Pool, St []float32) {
	p.TransposeF32(w.s, w.dv, St, w.dk, w.dv, w.dk)
}

// store writes the workspace's state S back to St [dv][dk].
func (w *chunkWork) store(p *simd.Pool, St []float32) {
	p.TransposeF32(St, w.dk, w.s, w.dv, w.dk, w.dv)
}

// chunk runs tokens t0 … t0+L−1 (L ≤ deltaChunkLen) of in through the
// chunked form: it writes their outputs o_t and advances w.s past them.
func (w *chunkWork) chunk(p *simd.Pool, in *deltaInputs, t0, L int) {
	const C = deltaChunkLen
	dk, dv := w.dk, w.dv
	ldx := dv + dk
	D, e, X := w.d, w.e[:L], w.x

	// Decay products: row t of D is row t−1 times decay_t, and e_t the
	// product from the chunk start.
	et := float32(1)
	for t := range L {
		a := in.decay[(t0+t)*in.bstride]
		et *= a
		e[t] = et
		row := D[t*C : t*C+t+1]
		row[t] = 1
		if t > 0 {
			for s, x := range D[(t-1)*C : (t-1)*C+t] {
				row[s] = x * a
			}
		}
	}

	// Gather X = [diag(β)V | diag(eβ)K], Kᵀ and Kᵀ diag(D[L−1][·]).
	for t := range L {
		r := in.x[(t0+t)*in.stride:]
		k, v := r[in.kOff:in.kOff+dk], r[in.vOff:in.vOff+dv]
		b := in.beta[(t0+t)*in.bstride]
		xr := X[t*ldx : (t+1)*ldx]
		for j, x := range v {
			xr[j] = b * x
		}
		eb := e[t] * b
		for i, x := range k {
			xr[dv+i] = eb * x
		}
	}
	p.TransposeF32(w.kt, C, in.x[t0*in.stride+in.kOff:], in.stride, L, dk)
	last := D[(L-1)*C : (L-1)*C+L]
	for i := range dk {
		src, dst := w.kt[i*C:i*C+L], w.ktd[i*C:i*C+L]
		for t, d := range last {
			dst[t] = d * src[t]
		}
	}

	// K Kᵀ and Q Kᵀ, lower blocks of 8 rows up to the diagonal.
	kRows := in.x[t0*in.stride+in.kOff:]
	qRows := in.x[t0*in.stride+in.qOff:]
	for r0 := 0; r0 < L; r0 += 8 {
		rows, cols := min(8, L-r0), min(r0+8, L)
		p.MatMulF32(rows, cols, dk, 1, nil, kRows[r0*in.stride:], in.stride, 1, w.kt, C, 0, w.a[r0*C:], C)
		p.MatMulF32(rows, cols, dk, 1, nil, qRows[r0*in.stride:], in.stride, 1, w.kt, C, 0, w.p[r0*C:], C)
	}
	// A = strictly_lower(diag(β) K Kᵀ ⊙ D); P = lower(Q Kᵀ ⊙ D), zero
	// above the diagonal up to the end of its 8-row block.
	for t := range L {
		b := in.beta[(t0+t)*in.bstride]
		drow := D[t*C : t*C+t+1]
		arow, prow := w.a[t*C:t*C+t], w.p[t*C:(t+1)*C]
		for s, x := range arow {
			arow[s] = b * x * drow[s]
		}
		for s, x := range drow {
			prow[s] *= x
		}
		clear(prow[t+1 : min(t/8*8+8, L)])
	}

	// Forward substitution, (I + A)⁻¹ X, in blocks of 8 rows: subtract the
	// solved rows above the block (one product), then solve the block.
	for r0 := 0; r0 < L; r0 += 8 {
		rows := min(8, L-r0)
		if r0 > 0 {
			p.MatMulF32(rows, ldx, r0, -1, nil, w.a[r0*C:], C, 1, X, ldx, 1, X[r0*ldx:], ldx)
		}
		for t := r0 + 1; t < r0+rows; t++ {
			xt := X[t*ldx : (t+1)*ldx]
			for s := r0; s < t; s++ {
				p.Axpy(xt, -w.a[t*C+s], X[s*ldx:])
			}
		}
	}

	// Vn = U − W S, in place of U.
	p.MatMulF32(L, dv, dk, -1, nil, X[dv:], ldx, 1, w.s, dv, 1, X, ldx)
	// O = diag(e) Q S + P Vn.
	o := in.out[t0*in.ostride:]
	p.MatMulF32(L, dv, dk, 1, e, qRows, in.stride, 1, w.s, dv, 0, o, in.ostride)
	for r0 := 0; r0 < L; r0 += 8 {
		rows, cols := min(8, L-r0), min(r0+8, L)
		p.MatMulF32(rows, dv, cols, 1, nil, w.p[r0*C:], C, 1, X, ldx, 1, o[r0*in.ostride:], in.ostride)
	}
	// S' = e_{L−1} S + (Kᵀ diag(D[L−1][·])) Vn.
	p.MatMulF32(dk, dv, L, 1, nil, w.ktd, C, 1, X, ldx, e[L-1], w.s, dv)
}

// deltaHeadsChunked is deltaHeads in the chunked form: for each value
// head in [lo, hi), the pass's tokens in chunks of deltaChunkLen, then the
// gated norm of each chunk's outputs while they are in cache.
func (m *Model) deltaHeadsChunked(st *State, lo, hi int) {
	c := m.cfg
	s := &st.scratch
	l, ls, n := s.job.l, s.job.ls, s.job.n
	Hk, Hv, dk, dv := c.LinearKeyHeads, c.LinearValueHeads, c.LinearKeyDim, c.LinearValueDim
	group := Hv / Hk
	w := getChunkWork(dk, dv)
	defer chunkWorks.Put(w)
	for h := lo; h < hi; h++ {
		kh := h / group
		St := ls.rec[h*dv*dk : (h+1)*dv*dk]
		in := deltaInputs{
			x: s.conv, stride: c.ConvDim(),
			qOff: kh * dk, kOff: (Hk + kh) * dk, vOff: 2*Hk*dk + h*dv,
			beta: s.b[h:], decay: s.a[h:], bstride: Hv,
			out: s.y[h*dv:], ostride: Hv * dv,
		}
		w.load(m.pool, St)
		for t0 := 0; t0 < n; t0 += deltaChunkLen {
			L := min(deltaChunkLen, n-t0)
			w.chunk(m.pool, &in, t0, L)
			for t := t0; t < t0+L; t++ {
				i := t*Hv + h
				o := s.y[i*dv : (i+1)*dv]
				gatedRMSNorm(o, o, l.norm, s.z[i*dv:(i+1)*dv], c.RMSEps)
			}
		}
		w.store(m.pool, St)
	}
}
