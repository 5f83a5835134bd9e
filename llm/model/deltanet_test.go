package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestStateKernels checks the state update and the attention value sum
// against plain loops, including sizes that are not multiples of 4.
func TestStateKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 4, 7, 16} {
		dv := 5
		S := make([]float32, n*dv)
		p, delta := make([]float32, n), make([]float32, dv)
		for i := range S {
			S[i] = rng.Float32() - 0.5
		}
		for i := range p {
			p[i] = rng.Float32() - 0.5
		}
		for j := range delta {
			delta[j] = rng.Float32() - 0.5
		}

		want := make([]float32, dv)
		for j := range dv {
			for i := range n {
				want[j] += S[i*dv+j] * p[i]
			}
		}
		got := []float32{9, 9, 9, 9, 9} // overwritten
		weightedSum(got, S, p)
		if d := maxDiff(got, want); d > 1e-6 || math.IsNaN(d) {
			t.Errorf("n %d: weightedSum off by %g", n, d)
		}

		// St [dv][n]: St[j][i] ← 0.8·St[j][i] + δ[j]·k[i], with k = p.
		ref := clone(S)
		for j := range dv {
			for i := range n {
				ref[j*n+i] = 0.8*ref[j*n+i] + delta[j]*p[i]
			}
		}
		stateUpdate(S, delta, 0.8, p)
		if d := maxDiff(S, ref); d > 1e-6 {
			t.Errorf("n %d: stateUpdate off by %g", n, d)
		}
	}
}
