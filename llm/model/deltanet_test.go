package model

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/how-llms-work/course/llm/simd"
)

// TestDeltaRuleLayout checks the contract deltaHeads relies on: the pool's
// DeltaRuleT on the transposed state Sᵀ [dv][dk] is the spec's step on
// S [dk][dv], written out as plain loops: S ← decay·S; δ = β(v − Sᵀk);
// S ← S + k ⊗ δ; o = Sᵀq.
func TestDeltaRuleLayout(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pool := simd.NewPool(1)
	defer pool.Close()
	for _, dims := range [][2]int{{1, 1}, {4, 5}, {7, 3}, {16, 16}, {128, 128}} {
		dk, dv := dims[0], dims[1]
		r := func(n int) []float32 {
			x := make([]float32, n)
			for i := range x {
				x[i] = rng.Float32() - 0.5
			}
			return x
		}
		S, q, k, v := r(dk*dv), r(dk), r(dk), r(dv)
		decay, beta := float32(0.8), float32(0.3)
		St := make([]float32, dv*dk)
		for i := range dk {
			for j := range dv {
				St[j*dk+i] = S[i*dv+j]
			}
		}

		want := make([]float64, dv)
		S64 := make([]float64, dk*dv)
		for i := range S64 {
			S64[i] = float64(decay) * float64(S[i])
		}
		for j := range dv {
			var kv float64
			for i := range dk {
				kv += S64[i*dv+j] * float64(k[i])
			}
			delta := float64(beta) * (float64(v[j]) - kv)
			for i := range dk {
				S64[i*dv+j] += float64(k[i]) * delta
			}
			for i := range dk {
				want[j] += S64[i*dv+j] * float64(q[i])
			}
		}

		o := make([]float32, dv)
		pool.DeltaRuleT(St, q, k, v, o, decay, beta)
		for j := range dv {
			if d := math.Abs(float64(o[j]) - want[j]); d > 1e-4 || math.IsNaN(d) {
				t.Errorf("dk %d dv %d: o[%d] = %g, want %g", dk, dv, j, o[j], want[j])
			}
			for i := range dk {
				if d := math.Abs(float64(St[j*dk+i]) - S64[i*dv+j]); d > 1e-5 || math.IsNaN(d) {
					t.Fatalf("dk %d dv %d: Sᵀ[%d][%d] = %g, want %g", dk, dv, j, i, St[j*dk+i], S64[i*dv+j])
				}
			}
		}
	}
}
