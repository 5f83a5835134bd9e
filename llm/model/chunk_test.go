package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/how-llms-work/course/llm/simd"
)

// headCase is one head's inputs for T tokens in the layout deltaHeads
// reads: per token a row [q | k | v] (q, k unit length, q scaled by
// 1/√dk, as after doc §7.3), and β, decay.
type headCase struct {
	dk, dv, T   int
	x           []float32 // [T][2dk+dv]
	beta, decay []float32 // [T]
	St0         []float32 // [dv][dk] initial state, transposed
}

func newHeadCase(rng *rand.Rand, dk, dv, T int, initial bool) *headCase {
	hc := &headCase{dk: dk, dv: dv, T: T, x: make([]float32, T*(2*dk+dv)),
		beta: make([]float32, T), decay: make([]float32, T), St0: make([]float32, dv*dk)}
	for t := range T {
		r := hc.x[t*(2*dk+dv) : (t+1)*(2*dk+dv)]
		for i := range r {
			r[i] = float32(rng.NormFloat64())
		}
		l2Norm(r[:dk])
		l2Norm(r[dk : 2*dk])
		for i := range dk {
			r[i] /= float32(math.Sqrt(float64(dk)))
		}
		// β = σ(b) and decay = exp(−exp(A_log)·softplus(a + dt_bias)),
		// with a spread like the real model's: decays from ≈ 0.3 to ≈ 1.
		hc.beta[t] = sigmoid(float32(rng.NormFloat64()))
		g := -float32(math.Exp(rng.NormFloat64()-1)) * softplus(float32(rng.NormFloat64()))
		hc.decay[t] = float32(math.Exp(float64(g)))
	}
	if initial {
		// A state like one after a few hundred tokens: entries of order 1.
		for i := range hc.St0 {
			hc.St0[i] = float32(rng.NormFloat64())
		}
	}
	return hc
}

func (hc *headCase) inputs(out []float32) *deltaInputs {
	return &deltaInputs{x: hc.x, stride: 2*hc.dk + hc.dv, qOff: 0, kOff: hc.dk, vOff: 2 * hc.dk,
		beta: hc.beta, decay: hc.decay, bstride: 1, out: out, ostride: hc.dv}
}

// recurrent runs tokens [t0, t1) through the recurrent form (the pool's
// DeltaRuleT, as deltaHeads does) on St, writing out [T][dv].
func (hc *headCase) recurrent(p *simd.Pool, St, out []float32, t0, t1 int) {
	dk, dv := hc.dk, hc.dv
	for t := t0; t < t1; t++ {
		r := hc.x[t*(2*dk+dv):]
		p.DeltaRuleT(St, r[:dk], r[dk:2*dk], r[2*dk:2*dk+dv], out[t*dv:(t+1)*dv], hc.decay[t], hc.beta[t])
	}
}

// chunked runs tokens [t0, t1) through the chunked form on St.
func (hc *headCase) chunked(p *simd.Pool, St, out []float32, t0, t1 int) {
	w := getChunkWork(hc.dk, hc.dv)
	defer chunkWorks.Put(w)
	in := hc.inputs(out)
	w.load(p, St)
	for c0 := t0; c0 < t1; c0 += deltaChunkLen {
		w.chunk(p, in, c0, min(deltaChunkLen, t1-c0))
	}
	w.store(p, St)
}

// exact runs the recurrence of doc §7.5 in float64 on S [dk][dv] (not
// transposed), from the float32 inputs.
func (hc *headCase) exact() (out, St []float64) {
	dk, dv := hc.dk, hc.dv
	S := make([]float64, dk*dv)
	for j := range dv {
		for i := range dk {
			S[i*dv+j] = float64(hc.St0[j*dk+i])
		}
	}
	out = make([]float64, hc.T*dv)
	kv := make([]float64, dv)
	for t := range hc.T {
		r := hc.x[t*(2*dk+dv):]
		q, k, v := r[:dk], r[dk:2*dk], r[2*dk:2*dk+dv]
		clear(kv)
		for i := range dk {
			for j := range dv {
				S[i*dv+j] *= float64(hc.decay[t])
				kv[j] += S[i*dv+j] * float64(k[i])
			}
		}
		for i := range dk {
			for j := range dv {
				S[i*dv+j] += float64(k[i]) * float64(hc.beta[t]) * (float64(v[j]) - kv[j])
			}
		}
		for i := range dk {
			for j := range dv {
				out[t*dv+j] += S[i*dv+j] * float64(q[i])
			}
		}
	}
	St = make([]float64, dv*dk)
	for i := range dk {
		for j := range dv {
			St[j*dk+i] = S[i*dv+j]
		}
	}
	return out, St
}

// errs returns the largest |a − b| and that divided by max |b|.
func errs[T float32 | float64](a []float32, b []T) (abs, rel float64) {
	var top float64
	for i := range a {
		d := math.Abs(float64(a[i]) - float64(b[i]))
		if math.IsNaN(d) {
			return math.Inf(1), math.Inf(1)
		}
		abs = max(abs, d)
		top = max(top, math.Abs(float64(b[i])))
	}
	return abs, abs / max(top, 1e-30)
}

// Tolerances of TestChunkedEqualsRecurrent, relative to the largest
// element of the compared output or state. Both forms are float32 with
// float32 accumulation: the recurrent one rounds every state element once
// per token, the chunked one rounds sums of up to 128 products and a
// 64-step substitution, so they differ by a few float32 ulps (2⁻²⁴ ≈
// 6e-8) of the values. Measured over the cases below on every path:
// ≤ 3.6e-7 absolute (outputs and states of order 0.1–10); relative to the
// largest element ≤ 5e-7, except T = 1 from a zero state, whose outputs
// are ≈ 3e-4 and differ by 1.4e-9 (4.7e-6 relative); and each form is
// ≤ 3.6e-6 relative from the float64 recurrence. The bound, 2e-5, is 4×
// the worst of those, far below what the 2e-3 fixture tolerance would
// notice and far above nothing a wrong term could hide in (a missing
// decay or a mis-ordered read changes outputs by O(1) relative).
const (
	chunkOutTol   = 2e-5
	chunkStateTol = 2e-5
)

// TestChunkedEqualsRecurrent checks the chunked form against the recurrent
// one (and both against a float64 recurrence) for a real-shaped head
// (dk = dv = 128) and the tiny fixtures' heads (16 and 32), T ∈ {1, 5, 63,
// 64, 65, 150, 300}, from a zero and from a random initial state, on every
// kernel path.
func TestChunkedEqualsRecurrent(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var worstOut, worstState, worstExact, worstAbs float64
	for _, path := range simd.Paths() {
		p, err := simd.NewPoolPath(1, path)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		for _, dims := range [][2]int{{128, 128}, {16, 16}, {32, 32}, {16, 24}} {
			for _, T := range []int{1, 5, 63, 64, 65, 150, 300} {
				for _, initial := range []bool{false, true} {
					if path == simd.PathGo && dims[0] == 128 && T == 300 && testing.Short() {
						continue
					}
					hc := newHeadCase(rng, dims[0], dims[1], T, initial)
					what := fmt.Sprintf("%s dk %d dv %d T %d initial %v", path, dims[0], dims[1], T, initial)
					rs, cs := clone(hc.St0), clone(hc.St0)
					ro, co := make([]float32, T*hc.dv), make([]float32, T*hc.dv)
					hc.recurrent(p, rs, ro, 0, T)
					hc.chunked(p, cs, co, 0, T)
					eo, es := hc.exact()

					absOut, relOut := errs(co, ro)
					absState, relState := errs(cs, rs)
					worstAbs = max(worstAbs, absOut, absState)
					if testing.Verbose() && path == simd.BestPath() {
						t.Logf("%s: chunked vs recurrent: outputs %.3g abs %.3g rel, state %.3g abs %.3g rel", what, absOut, relOut, absState, relState)
					}
					_, relRE := errs(ro, eo)
					_, relCE := errs(co, eo)
					_, relSE := errs(cs, es)
					worstOut, worstState = max(worstOut, relOut), max(worstState, relState)
					worstExact = max(worstExact, relRE, relCE, relSE)
					if relOut > chunkOutTol || relState > chunkStateTol {
						t.Errorf("%s: chunked vs recurrent: outputs %.3g, state %.3g relative (tolerance %g)", what, relOut, relState, chunkOutTol)
					}
					if relCE > chunkOutTol || relSE > chunkStateTol || relRE > chunkOutTol {
						t.Errorf("%s: vs float64: chunked outputs %.3g, state %.3g; recurrent outputs %.3g", what, relCE, relSE, relRE)
					}
					if T == 1 || !initial {
						continue
					}
					// A chunked prefill of T−k tokens, then k recurrent decode
					// steps, equals one recurrent pass over all T.
					k := min(T-1, 17)
					ms, mo := clone(hc.St0), make([]float32, T*hc.dv)
					hc.chunked(p, ms, mo, 0, T-k)
					hc.recurrent(p, ms, mo, T-k, T)
					_, relMixOut := errs(mo, ro)
					_, relMixState := errs(ms, rs)
					if relMixOut > chunkOutTol || relMixState > chunkStateTol {
						t.Errorf("%s: chunked %d + recurrent %d vs recurrent %d: outputs %.3g, state %.3g relative", what, T-k, k, T, relMixOut, relMixState)
					}
					// And a chunked pass that starts mid-sequence (the state of
					// a recurrent prefix) equals the recurrent one.
					ps, po := clone(hc.St0), make([]float32, T*hc.dv)
					hc.recurrent(p, ps, po, 0, 3)
					hc.chunked(p, ps, po, 3, T)
					_, relPreOut := errs(po, ro)
					if relPreOut > chunkOutTol {
						t.Errorf("%s: recurrent 3 + chunked %d: outputs %.3g relative", what, T-3, relPreOut)
					}
				}
			}
		}
	}
	t.Logf("largest relative difference, chunked vs recurrent: outputs %.3g, states %.3g (absolute %.3g); either vs float64: %.3g", worstOut, worstState, worstAbs, worstExact)
}

// TestChunkedDecays covers decays the random cases do not reach: 1 (no
// decay), tiny and exactly 0 (the state is wiped), β = 0 and 1.
func TestChunkedDecays(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, decay := range []float32{1, 1e-3, 1e-30, 0} {
		for _, beta := range []float32{0, 1} {
			hc := newHeadCase(rng, 32, 32, 100, true)
			for i := range hc.decay {
				if i%3 == 0 {
					hc.decay[i] = decay
				}
				if i%5 == 0 {
					hc.beta[i] = beta
				}
			}
			rs, cs := clone(hc.St0), clone(hc.St0)
			ro, co := make([]float32, hc.T*hc.dv), make([]float32, hc.T*hc.dv)
			hc.recurrent(nil, rs, ro, 0, hc.T)
			hc.chunked(nil, cs, co, 0, hc.T)
			_, relOut := errs(co, ro)
			_, relState := errs(cs, rs)
			if relOut > chunkOutTol || relState > chunkStateTol {
				t.Errorf("decay %g β %g: outputs %.3g, state %.3g relative", decay, beta, relOut, relState)
			}
		}
	}
}

// withChunkMin runs f with m's chunked-form threshold set to n.
func withChunkMin(m *Model, n int, f func()) {
	old := m.chunkMin
	m.chunkMin = n
	defer func() { m.chunkMin = old }()
	f()
}

// TestChunkedModel runs the fixture models with the chunked form forced
// (every pass of 2 or more tokens) on every kernel path: the prefill
// logits against the llama.cpp fixtures (2e-3), and a chunked prefill
// followed by decode against the recurrent engine, logits and states.
func TestChunkedModel(t *testing.T) {
	for _, path := range simd.Paths() {
		t.Run(path.String(), func(t *testing.T) {
			t.Setenv(simd.EnvPath, path.String())
			for _, dir := range fixtureDirs() {
				m, err := Open(dir)
				if err != nil {
					t.Fatal(err)
				}
				m.SetThreads(2) // a new pool on LLM_KERNELS' path
				if got := m.pool.Path(); got != path {
					t.Fatalf("pool path %s, want %s", got, path)
				}
				V := m.Config().Vocab
				comparePrefills(t, m, dir, "chunked", path.Exact(), func(ids []int) (got []float32, err error) {
					withChunkMin(m, 1, func() { got, err = m.ForwardAll(m.NewState(), ids) })
					return got, err
				})

				// Chunked prefill of 150 tokens, then 10 decode steps, against
				// the recurrent engine on the same path.
				ids := make([]int, 160)
				for i := range ids {
					ids[i] = (i*7919 + 13) % V
				}
				run := func(chunkMin int) (logits []float32, st *State) {
					withChunkMin(m, chunkMin, func() { logits, st = forwardPasses(t, m, [][]int{ids[:150]}, ids[150:]) })
					return
				}
				cl, cst := run(1)
				rl, rst := run(math.MaxInt)
				// On the avx512bf16 path prefill rounds activations to BF16, so
				// a 1e-6 difference can flip a rounding: logged only.
				d := maxDiff(cl, rl)
				t.Logf("%s: chunked prefill + decode vs recurrent: logits differ by %.3g", dir, d)
				if path.Exact() && d > 1e-3 || math.IsNaN(d) {
					t.Errorf("%s: chunked prefill + decode vs recurrent: logits differ by %.3g", dir, d)
				}
				for i := range m.Config().Layers {
					_, cr := cst.DeltaState(i)
					_, rr := rst.DeltaState(i)
					if _, rel := errs(cr, rr); path.Exact() && rel > 1e-4 {
						t.Errorf("%s: layer %d: recurrent state differs by %.3g relative", dir, i, rel)
					}
				}
				m.Close()
			}
		})
	}
}

// TestMatMulFormSelection checks when deltaNet picks the chunked form and
// attention the blocked one (useMatMulForm behind both).
func TestMatMulFormSelection(t *testing.T) {
	m := openTiny(t, "tiny-a")
	for _, f := range []struct {
		name   string
		use    func(n int, rec *recorder) bool
		minLen int
		force  func(n int, f func())
	}{
		{"chunked DeltaNet", m.useChunked, deltaChunkMin, func(n int, f func()) { withChunkMin(m, n, f) }},
		{"blocked attention", m.useBlockedAttention, attnBlockMin, func(n int, f func()) { withAttnMin(m, n, f) }},
	} {
		if f.use(1, nil) {
			t.Errorf("%s: decode (n = 1) uses it", f.name)
		}
		if f.use(1000, &recorder{}) {
			t.Errorf("%s: a captured pass uses it", f.name)
		}
		f.force(1, func() {
			if !f.use(2, nil) {
				t.Errorf("%s: forced (minimum 1): a 2-token pass does not use it", f.name)
			}
		})
		if got, want := f.use(f.minLen, nil), m.pool.MatMulF32Fast(); got != want {
			t.Errorf("%s: n = %d (its minimum) on %s: %v, want %v", f.name, f.minLen, m.pool.Path(), got, want)
		}
		if f.use(f.minLen-1, nil) {
			t.Errorf("%s: n = %d (one under its minimum) uses it", f.name, f.minLen-1)
		}
	}
}

// TestChunkedPrefillAllocates checks that a warm chunked prefill allocates
// nothing per token (the workspaces come back from chunkWorks).
func TestChunkedPrefillAllocates(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	m := openTiny(t, "tiny-c")
	m.SetThreads(2)
	ids := make([]int, 200)
	for i := range ids {
		ids[i] = i % 300
	}
	logits := make([]float32, m.Config().Vocab)
	withChunkMin(m, 1, func() {
		st := m.NewState()
		m.ForwardTo(logits, st, ids)
		allocs := testing.AllocsPerRun(10, func() {
			st.Reset()
			if err := m.ForwardTo(logits, st, ids); err != nil {
				t.Fatal(err)
			}
		})
		if allocs > 2 {
			t.Errorf("a warm 200-token chunked prefill allocates %.1f times", allocs)
		}
	})
}
