package model

import "math"

// The three normalisations of Qwen3.5 (doc §5.1). All compute in float32
// with a float64 sum of squares.

// rmsNorm1p is the zero-centred RMSNorm of the pre-norms, the final norm and
// q_norm/k_norm: y = x / sqrt(mean(x²) + eps) · (1 + w). dst may alias x.
func rmsNorm1p(dst, x, w []float32, eps float64) {
	inv := float32(1 / math.Sqrt(meanSquare(x)+eps))
	for i, v := range x {
		dst[i] = v * inv * (1 + w[i])
	}
}

// rmsNorm1pRows applies rmsNorm1p to every row of x, rows of len(w), into
// dst. dst may alias x.
func rmsNorm1pRows(dst, x, w []float32, eps float64) {
	d := len(w)
	for r := range len(x) / d {
		rmsNorm1p(dst[r*d:(r+1)*d], x[r*d:(r+1)*d], w, eps)
	}
}

// gatedRMSNorm is the DeltaNet output norm: y = x / sqrt(mean(x²) + eps) · w
// · gate, with the plain weight w (no +1) and gate = silu(z), the activated
// output gate (the caller applies the SiLU, for all heads at once). dst may
// alias x.
func gatedRMSNorm(dst, x, w, gate []float32, eps float64) {
	inv := float32(1 / math.Sqrt(meanSquare(x)+eps))
	for i, v := range x {
		dst[i] = v * inv * w[i] * gate[i]
	}
}

// l2Norm scales x in place to unit length: x / sqrt(Σx² + 1e-6).
func l2Norm(x []float32) {
	inv := float32(1 / math.Sqrt(sumSquares(x)+1e-6))
	for i := range x {
		x[i] *= inv
	}
}

func meanSquare(x []float32) float64 {
	return sumSquares(x) / float64(len(x))
}

// sumSquares is Σx² in float64, in four independent running sums (so the
// additions overlap instead of each waiting for the one before it).
func sumSquares(x []float32) float64 {
	var s0, s1, s2, s3 float64
	for len(x) >= 4 {
		v := x[:4:4]
		s0 += float64(v[0]) * float64(v[0])
		s1 += float64(v[1]) * float64(v[1])
		s2 += float64(v[2]) * float64(v[2])
		s3 += float64(v[3]) * float64(v[3])
		x = x[4:]
	}
	for _, v := range x {
		s0 += float64(v) * float64(v)
	}
	return (s0 + s1) + (s2 + s3)
}

func sigmoid(x float32) float32 { return 1 / (1 + float32(math.Exp(float64(-x)))) }

// softplus is log(1 + eˣ), returning x itself above 20 as PyTorch does.
func softplus(x float32) float32 {
	if x > 20 {
		return x
	}
	return float32(math.Log1p(math.Exp(float64(x))))
}
