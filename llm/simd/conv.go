package simd

// CausalConv is the depthwise causal convolution of one token: with K taps
// (len(w) = K·C, tap-major [K][C], C = len(x) = len(y)) and the K−1
// previous inputs in state ([K−1][C], oldest first),
//
//	y = w[K−1]⊙x + w[0]⊙state[0] + … + w[K−2]⊙state[K−2],
//
// added in that order, each product rounded first, so every path gives the
// same bits. state is not changed. K = 4 (Qwen3.5's conv width) runs in
// assembly where the path has it.
func (p *Pool) CausalConv(y, x, w, state []float32) {
	C := len(y)
	if len(x) != C || C == 0 || len(w)%C != 0 || len(state) < len(w)-C {
		panic("simd: CausalConv: lengths do not match")
	}
	if f := p.kernels().conv4; f != nil && len(w) == 4*C {
		f(y, x, w, state)
		return
	}
	causalConvGo(y, x, w, state)
}

func causalConvGo(y, x, w, state []float32) {
	C := len(y)
	K := len(w) / C
	wl := w[(K-1)*C : K*C]
	for i := range y {
		y[i] = wl[i] * x[i]
	}
	for j := range K - 1 {
		wj, sj := w[j*C:(j+1)*C], state[j*C:(j+1)*C]
		for i := range y {
			y[i] += wj[i] * sj[i]
		}
	}
}
