package train

import (
	"math/rand/v2"
	"testing"
)

// Each op is checked on its own: L = Σ r ⊙ op(x) for a random r, whose
// gradient is the op's backward with dy = r; finite differences of L over
// every input and parameter must agree to 1e-6 of the largest gradient.

func randVec(rng *rand.Rand, n int, scale float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = scale * rng.NormFloat64()
	}
	return v
}

func TestNormsFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 1))
	const rows, n = 3, 6
	x, w, z, r := randVec(rng, rows*n, 1), randVec(rng, n, 0.5), randVec(rng, rows*n, 1), randVec(rng, rows*n, 1)
	y, rinv := make([]float64, rows*n), make([]float64, rows)
	proj := func() float64 { return dot(r, y) }

	rmsL := func() float64 { rmsNormFwd(y, rinv, x, w, rows, n, 1e-6); return proj() }
	rmsL()
	dx, dw := make([]float64, rows*n), make([]float64, n)
	rmsNormBwd(dx, dw, r, x, rinv, w, rows, n)
	fdCheck(t, "rmsnorm dx", x, dx, rmsL, 1e-6)
	fdCheck(t, "rmsnorm dw", w, dw, rmsL, 1e-6)

	l2L := func() float64 { l2NormFwd(y, rinv, x, rows, n, 0.7, 1e-6); return proj() }
	l2L()
	dx = make([]float64, rows*n)
	l2NormBwd(dx, r, x, rinv, rows, n, 0.7)
	fdCheck(t, "l2norm dx", x, dx, l2L, 1e-6)

	gL := func() float64 { gatedNormFwd(y, rinv, x, z, w, rows, n, 1e-6); return proj() }
	gL()
	dx, dz, dw := make([]float64, rows*n), make([]float64, rows*n), make([]float64, n)
	gatedNormBwd(dx, dz, dw, r, x, z, rinv, w, rows, n)
	fdCheck(t, "gated norm dx", x, dx, gL, 1e-6)
	fdCheck(t, "gated norm dz", z, dz, gL, 1e-6)
	fdCheck(t, "gated norm dw", w, dw, gL, 1e-6)
}

func TestRopeFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 1))
	const T, H, hd, rot = 4, 2, 8, 4
	x, r := randVec(rng, T*H*hd, 1), randVec(rng, T*H*hd, 1)
	cos, sin := make([]float64, T*rot/2), make([]float64, T*rot/2)
	ropeTables(cos, sin, T, rot, 100)
	f := func() float64 {
		y := append([]float64(nil), x...)
		ropeFwd(y, cos, sin, T, H, hd, rot)
		return dot(r, y)
	}
	dx := append([]float64(nil), r...)
	ropeBwd(dx, cos, sin, T, H, hd, rot)
	fdCheck(t, "rope dx", x, dx, f, 1e-6)
}

// layerCheck checks one layer kind of testConfig: its input gradient and
// the gradients of all its parameters.
func layerCheck(t *testing.T, name string, layer int,
	fwd func(c *Config, w *layerWeights[float64], out, u []float64, T int),
	bwd func(c *Config, w, g *layerWeights[float64], du, dout, u []float64, T int)) {
	t.Helper()
	c := testConfig()
	m := randomModel[float64](c, 12)
	rng := rand.New(rand.NewPCG(13, 1))
	const T = 5
	u, r := randVec(rng, T*c.Hidden, 1), randVec(rng, T*c.Hidden, 1)
	f := func() float64 {
		out := make([]float64, T*c.Hidden)
		fwd(c, &m.w.layers[layer], out, u, T)
		return dot(r, out)
	}
	f()
	grad := make([]float64, len(m.Params))
	g := bind(c, m.Tensors, grad)
	du := make([]float64, T*c.Hidden)
	bwd(c, &m.w.layers[layer], &g.layers[layer], du, r, u, T)
	fdCheck(t, name+" du", u, du, f, 1e-6)
	for _, ts := range m.Tensors {
		gs := grad[ts.Off : ts.Off+ts.Size]
		var nz bool
		for _, v := range gs {
			nz = nz || v != 0
		}
		if nz {
			fdCheck(t, name+" "+ts.Name, m.Params[ts.Off:ts.Off+ts.Size], gs, f, 1e-6)
		}
	}
}

func TestMLPFiniteDifferences(t *testing.T) {
	var tp mlpTape[float64]
	layerCheck(t, "mlp", 0,
		func(c *Config, w *layerWeights[float64], out, u []float64, T int) { mlpFwd(c, w, &tp, out, u, T) },
		func(c *Config, w, g *layerWeights[float64], du, dout, u []float64, T int) {
			mlpBwd(c, w, g, &tp, du, dout, u, T, nil)
		})
}

func TestAttentionFiniteDifferences(t *testing.T) {
	var tp attnTape[float64]
	layerCheck(t, "attention", 1,
		func(c *Config, w *layerWeights[float64], out, u []float64, T int) { attnFwd(c, w, &tp, out, u, T) },
		func(c *Config, w, g *layerWeights[float64], du, dout, u []float64, T int) {
			attnBwd(c, w, g, &tp, du, dout, u, T)
		})
}

func TestDeltaNetFiniteDifferences(t *testing.T) {
	var tp deltaTape[float64]
	layerCheck(t, "deltanet", 0,
		func(c *Config, w *layerWeights[float64], out, u []float64, T int) { deltaFwd(c, w, &tp, out, u, T) },
		func(c *Config, w, g *layerWeights[float64], du, dout, u []float64, T int) {
			deltaBwd(c, w, g, &tp, du, dout, u, T)
		})
}

// TestLossFiniteDifferences checks the fused softmax + cross-entropy with
// the tied head alone: the gradient with respect to the final hidden states
// and to the embedding used as the head.
func TestLossFiniteDifferences(t *testing.T) {
	c := testConfig()
	m := randomModel[float64](c, 14)
	ids := []int{3, 1, 4, 1, 5, 9}
	tp := newTape[float64](c)
	m.forward(tp, ids)
	y := append([]float64(nil), tp.y...)
	f := func() float64 {
		copy(tp.y, y)
		return m.loss(tp)
	}
	f()
	grad := make([]float64, len(m.Params))
	g := bind(c, m.Tensors, grad)
	n := len(ids) - 1
	dl := tp.probs
	for t := 0; t < n; t++ {
		dl[t*c.Vocab+ids[t+1]] -= 1
	}
	dy := make([]float64, len(y))
	mulNN(dy, dl, m.w.embed, n, c.Hidden, c.Vocab)
	mulTN(g.embed, dl, y[:n*c.Hidden], c.Vocab, c.Hidden, n)
	fdCheck(t, "loss dy", y, dy, f, 1e-6)
	fdCheck(t, "loss d(head)", m.w.embed, g.embed, f, 1e-6)
}
