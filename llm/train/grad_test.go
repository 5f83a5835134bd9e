package train

import (
	"math"
	"math/rand/v2"
	"testing"
)

// testConfig is a model small enough to check every parameter by finite
// differences: one DeltaNet layer with 2 value heads sharing 1 key head, one
// gated attention layer with 2 query heads sharing 1 KV head.
func testConfig() *Config {
	return &Config{
		Hidden: 8, Layers: 2, LayerTypes: []LayerType{"linear_attention", "full_attention"},
		Heads: 2, KVHeads: 1, HeadDim: 8, RotaryDim: 4, RopeTheta: 1e4,
		LinearKeyHeads: 1, LinearValueHeads: 2, LinearKeyDim: 4, LinearValueDim: 4, ConvKernel: 3,
		Intermediate: 12, Vocab: 17, RMSEps: 1e-6, TieEmbeddings: true, MaxPositions: 64,
	}
}

// randomModel has all parameters drawn N(0, 0.5²), so that no gradient is
// trivially zero (norm weights, gates and A_log included).
func randomModel[F Float](c *Config, seed uint64) *Model[F] {
	m := newModel[F](c)
	rng := rand.New(rand.NewPCG(seed, 1))
	for i := range m.Params {
		m.Params[i] = F(0.5 * rng.NormFloat64())
	}
	return m
}

// fdCheck compares an analytic gradient with central differences of f over
// the parameters p, with Richardson extrapolation, and fails if the worst
// error exceeds tol × the largest gradient.
func fdCheck(t *testing.T, name string, p, grad []float64, f func() float64, tol float64) {
	t.Helper()
	var maxG, maxErr float64
	for i, g := range grad {
		if math.IsNaN(g) || math.IsInf(g, 0) {
			t.Fatalf("%s: gradient %d is %v", name, i, g)
		}
		maxG = math.Max(maxG, math.Abs(g))
	}
	if maxG == 0 {
		t.Fatalf("%s: gradient is all zero", name)
	}
	worst := -1
	for i := range p {
		cd := func(h float64) float64 {
			x := p[i]
			p[i] = x + h
			a := f()
			p[i] = x - h
			b := f()
			p[i] = x
			return (a - b) / (2 * h)
		}
		d1, d2 := cd(1e-4), cd(5e-5)
		fd := (4*d2 - d1) / 3
		if math.IsNaN(fd) {
			t.Fatalf("%s: numeric gradient %d is NaN", name, i)
		}
		if e := math.Abs(fd - grad[i]); e > maxErr {
			maxErr, worst = e, i
		}
	}
	if maxErr > tol*maxG {
		t.Errorf("%s: worst |analytic - numeric| = %.3g at %d (%.3g of max |g| %.3g)", name, maxErr, worst, maxErr/maxG, maxG)
	}
}

// TestModelFiniteDifferences checks every parameter of a whole small model.
func TestModelFiniteDifferences(t *testing.T) {
	c := testConfig()
	m := randomModel[float64](c, 1)
	seqs := [][]int{{3, 1, 4, 1, 5, 9, 2}, {6, 5, 3, 5}}
	g := make([]float64, len(m.Params))
	if _, err := m.Grad(g, seqs); err != nil {
		t.Fatal(err)
	}
	f := func() float64 {
		l, err := MeanLoss(m, seqs)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	for _, ts := range m.Tensors {
		fdCheck(t, ts.Name, m.Params[ts.Off:ts.Off+ts.Size], g[ts.Off:ts.Off+ts.Size], f, 1e-6)
	}
}

// TestFloat32MatchesFloat64 runs the same model in both precisions.
func TestFloat32MatchesFloat64(t *testing.T) {
	c := testConfig()
	m64 := randomModel[float64](c, 2)
	m32 := newModel[float32](c)
	for i, v := range m64.Params {
		m32.Params[i] = float32(v)
		m64.Params[i] = float64(float32(v))
	}
	seqs := [][]int{{3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9}}
	g64, g32 := make([]float64, len(m64.Params)), make([]float32, len(m32.Params))
	l64, _ := m64.Grad(g64, seqs)
	l32, _ := m32.Grad(g32, seqs)
	if math.Abs(l64-l32) > 1e-4*l64 {
		t.Errorf("loss f32 %.8f vs f64 %.8f", l32, l64)
	}
	for _, ts := range m64.Tensors {
		var maxG, maxErr float64
		for i := ts.Off; i < ts.Off+ts.Size; i++ {
			maxG = math.Max(maxG, math.Abs(g64[i]))
			maxErr = math.Max(maxErr, math.Abs(g64[i]-float64(g32[i])))
		}
		if maxErr > 1e-4*maxG {
			t.Errorf("%s: f32 differs from f64 by %.3g of max |g| %.3g", ts.Name, maxErr/maxG, maxG)
		}
	}
}

// TestDropoutFiniteDifferences checks every parameter's gradient with
// dropout on: with its seed fixed the masks are fixed, so the dropped-out
// loss is a smooth function of the weights like any other.
func TestDropoutFiniteDifferences(t *testing.T) {
	c := testConfig()
	m := randomModel[float64](c, 2)
	seqs := [][]int{{3, 1, 4, 1, 5, 9, 2}, {6, 5, 3, 5}}
	const p, seed = 0.3, 7
	g := make([]float64, len(m.Params))
	withDrop, err := m.grad(g, seqs, p, seed)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := MeanLoss(m, seqs)
	if err != nil {
		t.Fatal(err)
	}
	if withDrop == plain {
		t.Fatalf("dropout %v left the loss at %v", p, plain)
	}
	scratch := make([]float64, len(m.Params))
	fdCheck(t, "dropout", m.Params, g, func() float64 {
		l, err := m.grad(scratch, seqs, p, seed)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}, 1e-6)
}

// TestDropoutMasks checks the masks: the share of zeros is p, the mean is
// 1, the same seed gives the same loss and another seed another loss, and
// p outside [0, 1) is refused.
func TestDropoutMasks(t *testing.T) {
	tp := &tape[float64]{p: 0.25, rng: rand.New(rand.NewPCG(1, 2))}
	mask := tp.mask(nil, 200_000)
	var zeros, sum float64
	for _, k := range mask {
		switch k {
		case 0:
			zeros++
		case 1 / 0.75:
		default:
			t.Fatalf("mask value %v, want 0 or 1/0.75", k)
		}
		sum += k
	}
	if share := zeros / float64(len(mask)); math.Abs(share-0.25) > 0.005 {
		t.Errorf("share of zeros %.4f, want 0.25", share)
	}
	if mean := sum / float64(len(mask)); math.Abs(mean-1) > 0.01 {
		t.Errorf("mask mean %.4f, want 1", mean)
	}

	m := randomModel[float64](testConfig(), 3)
	seqs := [][]int{{3, 1, 4, 1, 5, 9, 2}}
	g := make([]float64, len(m.Params))
	loss := func(p float64, seed uint64) float64 {
		l, err := m.grad(g, seqs, p, seed)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	if a, b := loss(0.5, 1), loss(0.5, 1); a != b {
		t.Errorf("same seed, losses %v and %v", a, b)
	}
	if a, b := loss(0.5, 1), loss(0.5, 2); a == b {
		t.Errorf("seeds 1 and 2 gave the same loss %v", a)
	}
	if a, b := loss(0, 1), loss(0, 2); a != b {
		t.Errorf("no dropout, yet the seed changed the loss: %v, %v", a, b)
	}
	for _, p := range []float64{-0.1, 1, math.NaN()} {
		if _, err := m.grad(g, seqs, p, 1); err == nil {
			t.Errorf("dropout %v accepted", p)
		}
		if _, err := NewTrainer(m, []int{1, 2, 3, 4, 5, 6}, Options{Steps: 1, Batch: 1, SeqLen: 4, LR: 1e-3, Dropout: p}); err == nil {
			t.Errorf("NewTrainer accepted dropout %v", p)
		}
	}
}
