package llm

import (
	"math"
	"strings"
	"sync"
	"testing"
)

var (
	mlpTinyOnce sync.Once
	mlpTiny     *Model
	mlpTinyErr  error
)

// mlpModel returns the embedded model, loaded once for this file's tests.
func mlpModel(t testing.TB) *Model {
	t.Helper()
	mlpTinyOnce.Do(func() { mlpTiny, mlpTinyErr = LoadTiny() })
	if mlpTinyErr != nil {
		t.Fatal(mlpTinyErr)
	}
	return mlpTiny
}

const mlpPrompt = "Once upon a time, in a forest far away, 3 bears lived."

// TestSwiGLUWorkedExample checks the chapter's arithmetic: a gate of 2
// gives SiLU 1.76; times an up of 0.5 gives 0.88.
func TestSwiGLUWorkedExample(t *testing.T) {
	s, err := SwiGLU([]float32{1}, [][]float32{{2}}, [][]float32{{0.5}}, [][]float32{{1}})
	if err != nil {
		t.Fatal(err)
	}
	silu2 := 2 / (1 + math.Exp(-2)) // 1.7616
	if math.Abs(float64(s.Act[0])-0.5*silu2) > 1e-6 || math.Abs(float64(s.Out[0])-0.5*silu2) > 1e-6 {
		t.Errorf("act %v out %v, want %v", s.Act, s.Out, 0.5*silu2)
	}
	if math.Abs(SiLU(2)-1.7616) > 1e-4 || SiLU(0) != 0 || ReLU(-3) != 0 || ReLU(2.5) != 2.5 || Sigmoid(0) != 0.5 {
		t.Errorf("SiLU(2) %v SiLU(0) %v ReLU %v %v Sigmoid(0) %v", SiLU(2), SiLU(0), ReLU(-3), ReLU(2.5), Sigmoid(0))
	}
	// SiLU's minimum: −0.2785 at z ≈ −1.2785, found by a fine scan.
	lo, at := 0.0, 0.0
	for z := -5.0; z < 0; z += 1e-4 {
		if v := SiLU(z); v < lo {
			lo, at = v, z
		}
	}
	if math.Abs(lo+0.2785) > 1e-4 || math.Abs(at+1.2785) > 1e-3 {
		t.Errorf("SiLU minimum %v at %v", lo, at)
	}
}

// TestSwiGLUMatchesEngine computes every layer's MLP by hand, at every
// position of a pass, from the weights read by name, and compares it with
// what the engine captured: the activations and the output.
func TestSwiGLUMatchesEngine(t *testing.T) {
	m := mlpModel(t)
	p := m.MustRun(mlpPrompt)
	for l := range m.Config().Layers {
		w := m.MustMLP(l)
		if w.Params() != 3*int64(m.Config().Hidden*m.Config().Intermediate) {
			t.Errorf("layer %d: %d params", l, w.Params())
		}
		lc := p.Capture.Layers[l]
		for pos, x := range lc.PostNorm {
			s := w.MustApply(x)
			act, err := MaxDiffRel(s.Act, lc.MLP[pos])
			if err != nil {
				t.Fatal(err)
			}
			out, _ := MaxDiffRel(s.Out, lc.MLPOut[pos])
			if act > 2e-3 || out > 2e-3 {
				t.Errorf("layer %d position %d: by hand vs engine: activations %.2g, output %.2g (relative)", l, pos, act, out)
			}
		}
	}
}

// TestMLPParamsShare: the MLPs' count from the weights equals the config's
// breakdown, and Qwen3.5-0.8B's is 3 × 1024 × 3584 × 24.
func TestMLPParamsShare(t *testing.T) {
	m := mlpModel(t)
	var sum int64
	for l := range m.Config().Layers {
		w := m.MustMLP(l)
		sum += int64(len(w.Gate)*len(w.Gate[0]) + len(w.Up)*len(w.Up[0]) + len(w.Down)*len(w.Down[0]))
	}
	if sum != m.Params().MLP {
		t.Errorf("MLP weights %d, Params().MLP %d", sum, m.Params().MLP)
	}
	if q := Qwen35Config().Params().MLP; q != 264_241_152 {
		t.Errorf("Qwen3.5-0.8B MLP params %d, want 264,241,152", q)
	}
}

// TestMLPShares recomputes the four norms from the captured rows, and
// checks the residual identity output = input + MLP output that they rest on.
func TestMLPShares(t *testing.T) {
	m := mlpModel(t)
	p := m.MustRun(mlpPrompt)
	shares := p.MustMLPShares()
	if len(shares) != m.Config().Layers {
		t.Fatalf("%d shares", len(shares))
	}
	for l, s := range shares {
		lc := p.Capture.Layers[l]
		var in, out, res float64
		for pos := range p.IDs {
			for i := range lc.Residual[pos] {
				a, b, c := float64(lc.AfterMixer[pos][i]), float64(lc.MLPOut[pos][i]), float64(lc.Residual[pos][i])
				if math.Abs(a+b-c) > 1e-4*(1+math.Abs(c)) {
					t.Fatalf("layer %d position %d: input %v + MLP %v ≠ output %v", l, pos, a, b, c)
				}
				in, out, res = in+a*a, out+b*b, res+c*c
			}
		}
		if !mlpNear(s.Input, math.Sqrt(in)) || !mlpNear(s.Out, math.Sqrt(out)) || !mlpNear(s.Output, math.Sqrt(res)) || !mlpNear(s.Ratio, math.Sqrt(out/res)) {
			t.Errorf("layer %d: %+v, want input %v out %v output %v", l, s, math.Sqrt(in), math.Sqrt(out), math.Sqrt(res))
		}
		if s.Type != m.Config().LayerTypes[l] || s.Normed <= 0 {
			t.Errorf("layer %d: type %v normed %v", l, s.Type, s.Normed)
		}
	}
	if _, err := (&Pass{}).MLPShares(); err == nil {
		t.Error("MLPShares of a pass without capture: no error")
	}
}

func mlpNear(a, b float64) bool { return math.Abs(a-b) <= 1e-9*(1+math.Abs(b)) }

// TestGateStats recounts the gate statistics: z from the gate rows, and
// silu(z)·(up·x) equal to the captured activation (so z is the engine's gate).
func TestGateStats(t *testing.T) {
	m := mlpModel(t)
	p := m.MustRun(mlpPrompt)
	const layer, th = 2, 0.1
	s := m.MustGateStats(p, layer, th)
	w := m.MustMLP(layer)
	lc := p.Capture.Layers[layer]
	if s.Units != len(p.IDs)*w.Intermediate || len(s.Z) != s.Units {
		t.Fatalf("%d units, %d z", s.Units, len(s.Z))
	}
	var neg, near, act, zero int
	for pos, x := range lc.PostNorm {
		for i := range w.Intermediate {
			var z, u float64
			for j, v := range x {
				z += float64(w.Gate[i][j]) * float64(v)
				u += float64(w.Up[i][j]) * float64(v)
			}
			if got := s.Z[pos*w.Intermediate+i]; math.Abs(got-z) > 1e-4*(1+math.Abs(z)) {
				t.Fatalf("z[%d][%d] = %v, want %v", pos, i, got, z)
			}
			if e := float64(lc.MLP[pos][i]); math.Abs(z/(1+math.Exp(-z))*u-e) > 1e-2*(1+math.Abs(e)) {
				t.Fatalf("silu(z)·up = %v, engine %v", z/(1+math.Exp(-z))*u, e)
			}
			if z < 0 {
				neg++
			}
			if math.Abs(z/(1+math.Exp(-z))) < th {
				near++
			}
			if z/(1+math.Exp(-z)) == 0 {
				zero++
			}
			if math.Abs(float64(lc.MLP[pos][i])) < th {
				act++
			}
		}
	}
	n := float64(s.Units)
	if s.Negative != float64(neg)/n || s.NearZero != float64(near)/n || s.ActNear != float64(act)/n || s.Zero != zero {
		t.Errorf("%+v, want negative %v near %v act %v", s, float64(neg)/n, float64(near)/n, float64(act)/n)
	}
	if _, err := m.GateStats(p, 99, th); err == nil || !strings.Contains(err.Error(), "layer 99") {
		t.Errorf("layer 99: %v", err)
	}
	if _, err := m.GateStats(p, 0, 0); err == nil {
		t.Error("threshold 0: no error")
	}
}

func TestMLPErrors(t *testing.T) {
	m := mlpModel(t)
	if _, err := m.MLP(-1); err == nil || !strings.Contains(err.Error(), "layer -1") {
		t.Errorf("MLP(-1): %v", err)
	}
	if _, err := MatVec([][]float32{{1, 2}}, []float32{1}); err == nil || !strings.Contains(err.Error(), "row 0") {
		t.Errorf("MatVec: %v", err)
	}
	if _, err := SwiGLU([]float32{1}, [][]float32{{1}}, nil, [][]float32{{1}}); err == nil {
		t.Error("SwiGLU with no up rows: no error")
	}
	if _, err := SwiGLU([]float32{1, 2}, [][]float32{{1, 2}}, [][]float32{{1, 2}}, [][]float32{{1}}); err == nil {
		t.Error("SwiGLU whose down gives 1 value for 2 inputs: no error")
	}
	if _, err := MaxDiffRel([]float32{1}, nil); err == nil {
		t.Error("MaxDiffRel of different lengths: no error")
	}
}
