package train

// mlpTape keeps what the SwiGLU backward needs.
type mlpTape[F Float] struct {
	gate, up, act []F // [T, I]
	sig           []F // σ(gate), so the backward needs no exp
}

// mlpFwd computes out += down · (silu(gate·u) ⊙ (up·u)) for T rows of u.
func mlpFwd[F Float](c *Config, w *layerWeights[F], tp *mlpTape[F], out, u []F, T int) {
	D, I := c.Hidden, c.Intermediate
	tp.gate, tp.up, tp.act = zeros(tp.gate, T*I), zeros(tp.up, T*I), zeros(tp.act, T*I)
	tp.sig = zeros(tp.sig, T*I)
	mulNT(tp.gate, u, w.gate, T, I, D)
	mulNT(tp.up, u, w.up, T, I, D)
	for i, g := range tp.gate {
		sg := sigmoid(g)
		tp.sig[i] = sg
		tp.act[i] = g * sg * tp.up[i]
	}
	mulNT(out, tp.act, w.down, T, D, I)
}

// mlpBwd adds the gradients of mlpFwd: du from dout, and the weight
// gradients into g. scratch needs 2·T·I values.
func mlpBwd[F Float](c *Config, w, g *layerWeights[F], tp *mlpTape[F], du, dout, u []F, T int, scratch []F) {
	D, I := c.Hidden, c.Intermediate
	scratch = zeros(scratch, 2*T*I)
	dact, dup := scratch[:T*I], scratch[T*I:]
	mulNN(dact, dout, w.down, T, I, D)
	mulTN(g.down, dout, tp.act, D, I, T)
	// dact becomes dgate in place.
	for i, da := range dact {
		gt, sg := tp.gate[i], tp.sig[i]
		dup[i] = da * gt * sg
		dact[i] = da * tp.up[i] * sg * (1 + gt*(1-sg)) // silu'(g)
	}
	mulNN(du, dact, w.gate, T, D, I)
	mulNN(du, dup, w.up, T, D, I)
	mulTN(g.gate, dact, u, I, D, T)
	mulTN(g.up, dup, u, I, D, T)
}

// zeros returns buf resized to n and cleared, reusing its memory if it can.
func zeros[F Float](buf []F, n int) []F {
	if cap(buf) < n {
		return make([]F, n)
	}
	buf = buf[:n]
	clear(buf)
	return buf
}
