package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestStateKernels checks the blocked state read and update against the
// plain delta rule of spec §7.5, including sizes that are not multiples of 4.
func TestStateKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, dk := range []int{1, 4, 7, 16} {
		dv := 5
		S := make([]float32, dk*dv)
		k, q, delta := make([]float32, dk), make([]float32, dk), make([]float32, dv)
		for i := range S {
			S[i] = rng.Float32() - 0.5
		}
		for i := range k {
			k[i], q[i] = rng.Float32()-0.5, rng.Float32()-0.5
		}
		for j := range delta {
			delta[j] = rng.Float32() - 0.5
		}
		decay := float32(0.8)

		want := make([]float32, dv)
		for j := range dv {
			for i := range dk {
				want[j] += S[i*dv+j] * k[i]
			}
		}
		got := make([]float32, dv)
		stateRead(got, S, k)
		if d := maxDiff(got, want); d > 1e-6 {
			t.Errorf("dk %d: stateRead off by %g", dk, d)
		}

		ref := clone(S)
		for i := range dk {
			for j := range dv {
				ref[i*dv+j] = decay*ref[i*dv+j] + k[i]*delta[j]
			}
		}
		clear(want)
		for j := range dv {
			for i := range dk {
				want[j] += ref[i*dv+j] * q[i]
			}
		}
		got = []float32{9, 9, 9, 9, 9} // overwritten
		stateUpdate(S, got, delta, decay, k, q)
		if d := maxDiff(S, ref); d > 1e-6 {
			t.Errorf("dk %d: stateUpdate state off by %g", dk, d)
		}
		if d := maxDiff(got, want); d > 1e-6 || math.IsNaN(d) {
			t.Errorf("dk %d: stateUpdate output off by %g", dk, d)
		}
	}
}
