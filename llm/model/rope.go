package model

import (
	"fmt"
	"math"
)

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

// Rope is the rotary embedding of one model, exported for the views that
// rotate vectors exactly as the forward pass does (same float32 frequencies,
// same angles, same rotate-half pairing). Get the one a model uses with
// Model.Rope, or one for any config with NewRope.
type Rope struct{ r rope }

// NewRope returns the rotary embedding the forward pass of a model with
// config c applies.
func NewRope(c *Config) Rope { return Rope{newRope(c)} }

// Rope returns the rotary embedding m's full-attention layers apply.
func (m *Model) Rope() Rope { return Rope{m.rope} }

// Dim is the number of dims of a head that are rotated (R, the config's
// RotaryDim): pairs (j, j+R/2) for j < R/2.
func (r Rope) Dim() int { return 2 * len(r.r.invFreq) }

// InvFreq returns each pair's angle per token in radians, θ^(−2j/R), as the
// engine computes it (float32, like Hugging Face).
func (r Rope) InvFreq() []float32 { return clone(r.r.invFreq) }

// Apply rotates the first Dim() values of one head x, in place, to position
// pos, exactly as the forward pass rotates queries and keys; the values
// from Dim() on are left as they are.
func (r Rope) Apply(x []float32, pos int) error {
	if len(x) < r.Dim() {
		return fmt.Errorf("model: rope: a vector of %d values: want at least the %d rotated dims", len(x), r.Dim())
	}
	if pos < 0 {
		return fmt.Errorf("model: rope: position %d: want ≥ 0", pos)
	}
	r.r.apply(x, pos)
	return nil
}
