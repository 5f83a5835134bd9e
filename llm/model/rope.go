package model

import "math"

// rope holds the inverse frequencies of the partial rotary embedding
// (doc §6.3): invFreq[j] = θ^(−2j/R) for j < R/2, in float32 as HF does.
type rope struct {
	invFreq []float32
}

func newRope(c *Config) rope {
	half := c.RotaryDim / 2
	r := rope{invFreq: make([]float32, half)}
	for j := range half {
		r.invFreq[j] = float32(1 / math.Pow(c.RopeTheta, float64(2*j)/float64(c.RotaryDim)))
	}
	return r
}

// apply rotates the first R dims of one head x at position pos in the
// rotate-half ("NeoX") layout: pairs (j, j+R/2). Dims ≥ R are untouched.
func (r rope) apply(x []float32, pos int) {
	half := len(r.invFreq)
	for j, f := range r.invFreq {
		angle := float32(pos) * f
		sin, cos := math.Sincos(float64(angle))
		c, s := float32(cos), float32(sin)
		a, b := x[j], x[j+half]
		x[j] = a*c - b*s
		x[j+half] = b*c + a*s
	}
}
