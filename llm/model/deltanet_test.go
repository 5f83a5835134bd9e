package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm/simd"
)

// TestDeltaRuleLayout checks the contract deltaHeads relies on: the pool's
// DeltaRuleT on the transposed state Sᵀ [dv][dk] is the step of doc §7.5 on
// S [dk][dv], written out as plain loops: S ← decay·S; δ = β(v − Sᵀk);
// S ← S + k ⊗ δ; o = Sᵀq.
func TestDeltaRuleLayout(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pool := simd.NewPool(1)
	defer pool.Close()
	for _, dims := range [][2]int{{1, 1}, {4, 5}, {7, 3}, {16, 16}, {128, 128}} {
		dk, dv := dims[0], dims[1]
		r := func(n int) []float32 {
			x := make([]float32, n)
			for i := range x {
				x[i] = rng.Float32() - 0.5
			}
			return x
		}
		S, q, k, v := r(dk*dv), r(dk), r(dk), r(dv)
		decay, beta := float32(0.8), float32(0.3)
		St := make([]float32, dv*dk)
		for i := range dk {
			for j := range dv {
				St[j*dk+i] = S[i*dv+j]
			}
		}

		want := make([]float64, dv)
		S64 := make([]float64, dk*dv)
		for i := range S64 {
			S64[i] = float64(decay) * float64(S[i])
		}
		for j := range dv {
			var kv float64
			for i := range dk {
				kv += S64[i*dv+j] * float64(k[i])
			}
			delta := float64(beta) * (float64(v[j]) - kv)
			for i := range dk {
				S64[i*dv+j] += float64(k[i]) * delta
			}
			for i := range dk {
				want[j] += S64[i*dv+j] * float64(q[i])
			}
		}

		o := make([]float32, dv)
		pool.DeltaRuleT(St, q, k, v, o, decay, beta)
		for j := range dv {
			if d := math.Abs(float64(o[j]) - want[j]); d > 1e-4 || math.IsNaN(d) {
				t.Errorf("dk %d dv %d: o[%d] = %g, want %g", dk, dv, j, o[j], want[j])
			}
			for i := range dk {
				if d := math.Abs(float64(St[j*dk+i]) - S64[i*dv+j]); d > 1e-5 || math.IsNaN(d) {
					t.Fatalf("dk %d dv %d: Sᵀ[%d][%d] = %g, want %g", dk, dv, j, i, St[j*dk+i], S64[i*dv+j])
				}
			}
		}
	}
}

// TestDeltaRuleReference checks the two fast forms of the delta rule, the
// fused kernel (DeltaRuleT, every kernel path) and the chunked form,
// against DeltaRule, the plain reference, on random heads: outputs and
// final state, from a zero and from a random state.
func TestDeltaRuleReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, path := range simd.Paths() {
		p, err := simd.NewPoolPath(1, path)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		for _, dims := range [][2]int{{128, 128}, {16, 16}, {16, 24}} {
			for _, T := range []int{1, 5, 64, 65, 150} {
				for _, initial := range []bool{false, true} {
					hc := newHeadCase(rng, dims[0], dims[1], T, initial)
					dk, dv := hc.dk, hc.dv
					ref, refOut := clone(hc.St0), make([]float32, T*dv)
					for tok := range T {
						r := hc.x[tok*(2*dk+dv):]
						o, err := DeltaRule(ref, r[:dk], r[dk:2*dk], r[2*dk:2*dk+dv], hc.decay[tok], hc.beta[tok])
						if err != nil {
							t.Fatal(err)
						}
						copy(refOut[tok*dv:], o)
					}
					rs, ro := clone(hc.St0), make([]float32, T*dv)
					hc.recurrent(p, rs, ro, 0, T)
					cs, co := clone(hc.St0), make([]float32, T*dv)
					hc.chunked(p, cs, co, 0, T)
					what := fmt.Sprintf("%s dk %d dv %d T %d initial %v", path, dk, dv, T, initial)
					for _, c := range []struct {
						form    string
						out, st []float32
					}{{"fused kernel", ro, rs}, {"chunked form", co, cs}} {
						_, relOut := errs(c.out, refOut)
						_, relState := errs(c.st, ref)
						if relOut > chunkOutTol || relState > chunkStateTol {
							t.Errorf("%s: %s vs DeltaRule: outputs %.3g, state %.3g relative (tolerance %g)", what, c.form, relOut, relState, chunkOutTol)
						}
					}
				}
			}
		}
	}
	// The reference itself against the float64 recurrence of chunk_test.go.
	hc := newHeadCase(rng, 32, 32, 100, true)
	ref, refOut := clone(hc.St0), make([]float32, 0, hc.T*hc.dv)
	for tok := range hc.T {
		r := hc.x[tok*(2*hc.dk+hc.dv):]
		refOut = append(refOut, MustDeltaRule(ref, r[:hc.dk], r[hc.dk:2*hc.dk], r[2*hc.dk:2*hc.dk+hc.dv], hc.decay[tok], hc.beta[tok])...)
	}
	eo, es := hc.exact()
	_, relOut := errs(refOut, eo)
	_, relState := errs(ref, es)
	if relOut > 1e-5 || relState > 1e-5 {
		t.Errorf("DeltaRule vs float64: outputs %.3g, state %.3g relative", relOut, relState)
	}
}

func TestDeltaRuleErrors(t *testing.T) {
	x := make([]float32, 4)
	for _, c := range []struct{ St, q, k, v []float32 }{
		{make([]float32, 16), x[:3], x, x}, // query shorter than key
		{make([]float32, 15), x, x, x},     // state not d × len(v)
		{nil, nil, nil, x},                 // empty key
		{make([]float32, 8), x, x, x[:1]},  // state too long for one value
	} {
		if _, err := DeltaRule(c.St, c.q, c.k, c.v, 1, 1); err == nil || !strings.Contains(err.Error(), "DeltaRule") {
			t.Errorf("state %d, q %d, k %d, v %d: error %v", len(c.St), len(c.q), len(c.k), len(c.v), err)
		}
	}
}

// deltaLayerRef is a DeltaNet layer (doc §7) computed plainly from the
// checkpoint's tensors, in their stored layout, for the rows of u: the
// reference for the model's layer on a fixture pass. It returns the
// layer's output rows, its conv state and recurrent state (in the model's
// layouts) after the rows, and the inputs of the delta rule it fed
// DeltaRule (per value head: q, k, v rows, β and decay per token).
type deltaLayerRef struct {
	out         [][]float32
	conv, rec   []float32
	q, k, v     [][][]float32 // [head][token][d]
	beta, decay [][]float32   // [head][token]
}

func newDeltaLayerRef(t *testing.T, m *Model, i int, u [][]float32) *deltaLayerRef {
	c := m.Config()
	w := func(name string) []float32 {
		return m.MustWeight(fmt.Sprintf("layers.%d.linear_attn.%s", i, name)).Float32()
	}
	silu := func(x float32) float32 { return x * sigmoid(x) }
	unit := func(x []float32) []float32 {
		var s float64
		for _, v := range x {
			s += float64(v) * float64(v)
		}
		y := make([]float32, len(x))
		for j, v := range x {
			y[j] = float32(float64(v) / math.Sqrt(s+1e-6))
		}
		return y
	}
	Hk, Hv, dk, dv, K, C := c.LinearKeyHeads, c.LinearValueHeads, c.LinearKeyDim, c.LinearValueDim, c.ConvKernel, c.ConvDim()
	qkv, wz, wb, wa, wout := w("in_proj_qkv.weight"), w("in_proj_z.weight"), w("in_proj_b.weight"), w("in_proj_a.weight"), w("out_proj.weight")
	convW, dtBias, aLog, norm := w("conv1d.weight"), w("dt_bias"), w("A_log"), w("norm.weight") // conv1d [C][1][K]

	r := &deltaLayerRef{rec: make([]float32, Hv*dv*dk),
		q: make([][][]float32, Hv), k: make([][][]float32, Hv), v: make([][][]float32, Hv),
		beta: make([][]float32, Hv), decay: make([][]float32, Hv)}
	var mixed [][]float32 // every token's pre-conv q|k|v
	for tok, x := range u {
		mixed = append(mixed, matVec64(qkv, x))
		// Causal conv: tap K−1 on this token, tap j on token tok−(K−1−j); then SiLU.
		y := make([]float32, C)
		for ch := range C {
			var s float32
			for j := range K {
				if src := tok - (K - 1 - j); src >= 0 {
					s += convW[ch*K+j] * mixed[src][ch]
				}
			}
			y[ch] = silu(s)
		}
		z, b, a := matVec64(wz, x), matVec64(wb, x), matVec64(wa, x)
		heads := make([]float32, 0, Hv*dv)
		for h := range Hv {
			kh := h / (Hv / Hk)
			q := unit(y[kh*dk : (kh+1)*dk])
			for j := range q {
				q[j] /= float32(math.Sqrt(float64(dk)))
			}
			k := unit(y[(Hk+kh)*dk : (Hk+kh+1)*dk])
			v := y[2*Hk*dk+h*dv : 2*Hk*dk+(h+1)*dv]
			beta := sigmoid(b[h])
			decay := float32(math.Exp(-math.Exp(float64(aLog[h])) * float64(softplus(a[h]+dtBias[h]))))
			r.q[h], r.k[h], r.v[h] = append(r.q[h], q), append(r.k[h], k), append(r.v[h], v)
			r.beta[h], r.decay[h] = append(r.beta[h], beta), append(r.decay[h], decay)
			o := MustDeltaRule(r.rec[h*dv*dk:(h+1)*dv*dk], q, k, v, decay, beta)
			// Gated RMSNorm: plain weight, gate silu(z).
			var ss float64
			for _, x := range o {
				ss += float64(x) * float64(x)
			}
			inv := 1 / math.Sqrt(ss/float64(dv)+c.RMSEps)
			for j, x := range o {
				heads = append(heads, float32(float64(x)*inv)*norm[j]*silu(z[h*dv+j]))
			}
		}
		r.out = append(r.out, matVec64(wout, heads))
	}
	// The conv state: the last K−1 pre-conv inputs, oldest first, zeros before the start.
	for j := range K - 1 {
		row := make([]float32, C)
		if src := len(u) - (K - 1) + j; src >= 0 {
			row = mixed[src]
		}
		r.conv = append(r.conv, row...)
	}
	return r
}

// TestDeltaNetFixturePass checks the DeltaNet layers of a fixture pass
// against deltaLayerRef, computed from the captured layer inputs: the
// recurrent form (a captured pass) layer by layer, outputs and states; the
// chunked form on the same layer inputs, through the chunk kernel; and a
// plain chunked prefill of the model, by its states.
func TestDeltaNetFixturePass(t *testing.T) {
	const tol = 1e-5 // relative to the largest value; measured ≤ 1e-6 (float32 sums of up to a few hundred terms)
	var worst float64
	defer func() { t.Logf("largest relative difference from the reference: %.3g", worst) }()
	for _, name := range []string{"tiny-a", "tiny-c"} {
		m := openTiny(t, name)
		c := m.Config()
		ids := make([]int, 70) // more than one 64-token chunk
		for i := range ids {
			ids[i] = (i*7919 + 13) % c.Vocab
		}
		var capt Capture
		st := m.NewState()
		if _, err := m.ForwardCapture(st, ids, &capt); err != nil {
			t.Fatal(err)
		}
		chunked := m.NewState()
		withChunkMin(m, 1, func() {
			if _, err := m.Forward(chunked, ids); err != nil {
				t.Fatal(err)
			}
		})
		dk, dv := c.LinearKeyDim, c.LinearValueDim
		p := simd.NewPool(1)
		defer p.Close()
		for i, lc := range capt.Layers {
			if lc.Type != LinearAttention {
				continue
			}
			what := fmt.Sprintf("%s layer %d", name, i)
			ref := newDeltaLayerRef(t, m, i, lc.InputNorm)
			for tok := range ids {
				if _, rel := errs(lc.MixerOut[tok], ref.out[tok]); rel > tol {
					t.Errorf("%s token %d: mixer output %.3g relative from the reference", what, tok, rel)
				}
			}
			conv, rec := st.DeltaState(i)
			if _, rel := errs(conv, ref.conv); rel > tol {
				t.Errorf("%s: conv state %.3g relative from the reference", what, rel)
			}
			if _, rel := errs(rec, ref.rec); rel > tol {
				t.Errorf("%s: recurrent state %.3g relative from the reference", what, rel)
			}
			_, crec := chunked.DeltaState(i)
			if _, rel := errs(crec, ref.rec); rel > tol {
				t.Errorf("%s: chunked prefill's recurrent state %.3g relative from the reference", what, rel)
			}
			worst = max(worst, relErr(lc.MixerOut, ref.out), relErr([][]float32{rec, crec}, [][]float32{ref.rec, ref.rec}))

			// The chunk kernel fed the reference's inputs, head by head.
			for h := range c.LinearValueHeads {
				x := make([]float32, 0, len(ids)*(2*dk+dv))
				for tok := range ids {
					x = append(append(append(x, ref.q[h][tok]...), ref.k[h][tok]...), ref.v[h][tok]...)
				}
				hc := &headCase{dk: dk, dv: dv, T: len(ids), x: x, beta: ref.beta[h], decay: ref.decay[h], St0: make([]float32, dv*dk)}
				St, out := make([]float32, dv*dk), make([]float32, len(ids)*dv)
				hc.chunked(p, St, out, 0, len(ids))
				if _, rel := errs(St, ref.rec[h*dv*dk:(h+1)*dv*dk]); rel > chunkStateTol {
					t.Errorf("%s head %d: chunked form's state %.3g relative from DeltaRule's", what, h, rel)
				}
				want := make([]float32, 0, len(ids)*dv)
				for tok := range ids {
					o := MustDeltaRule(hc.St0, ref.q[h][tok], ref.k[h][tok], ref.v[h][tok], ref.decay[h][tok], ref.beta[h][tok])
					want = append(want, o...)
				}
				if _, rel := errs(out, want); rel > chunkOutTol {
					t.Errorf("%s head %d: chunked form's outputs %.3g relative from DeltaRule's", what, h, rel)
				}
			}
		}
	}
}

// relErr is the largest relative difference (errs) of rows a from rows b.
func relErr(a, b [][]float32) float64 {
	var worst float64
	for i := range a {
		_, rel := errs(a[i], b[i])
		worst = max(worst, rel)
	}
	return worst
}

// matVec64 is W·x for a row-major W of len(x) columns, summed in float64.
func matVec64(W, x []float32) []float32 {
	y := make([]float32, len(W)/len(x))
	for r := range y {
		var s float64
		for j, xj := range x {
			s += float64(W[r*len(x)+j]) * float64(xj)
		}
		y[r] = float32(s)
	}
	return y
}
