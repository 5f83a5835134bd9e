package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestStateUpdate checks the DeltaNet state update against a plain loop.
func TestStateUpdate(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 4, 7, 16} {
		dv := 5
		S := make([]float32, n*dv)
		k, delta := make([]float32, n), make([]float32, dv)
		for i := range S {
			S[i] = rng.Float32() - 0.5
		}
		for i := range k {
			k[i] = rng.Float32() - 0.5
		}
		for j := range delta {
			delta[j] = rng.Float32() - 0.5
		}
		// St [dv][n]: St[j][i] ← 0.8·St[j][i] + δ[j]·k[i].
		ref := clone(S)
		for j := range dv {
			for i := range n {
				ref[j*n+i] = 0.8*ref[j*n+i] + delta[j]*k[i]
			}
		}
		stateUpdate(S, delta, 0.8, k)
		if d := maxDiff(S, ref); d > 1e-6 || math.IsNaN(d) {
			t.Errorf("n %d: stateUpdate off by %g", n, d)
		}
	}
}
