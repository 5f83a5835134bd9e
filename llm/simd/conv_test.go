package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestCausalConv checks CausalConv on every path bit for bit against a
// float64-free scalar reference written out here (products rounded to
// float32, then added in the documented order), for channel counts around
// the vector widths and 1–5 taps.
func TestCausalConv(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	for _, C := range []int{1, 7, 8, 16, 23, 64, 6144} {
		for _, K := range []int{1, 2, 4, 5} {
			x, w, state := randF32(rng, C), randF32(rng, K*C), randF32(rng, (K-1)*C)
			want := make([]float32, C)
			for i := range C {
				s := w[(K-1)*C+i] * x[i]
				for j := range K - 1 {
					p := w[j*C+i] * state[j*C+i]
					s += p
				}
				want[i] = s
			}
			for _, p := range pools(t, 1) {
				y := make([]float32, C)
				for i := range y {
					y[i] = float32(math.NaN())
				}
				saved := append([]float32(nil), state...)
				p.CausalConv(y, x, w, state)
				for i := range y {
					if math.Float32bits(y[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s C=%d K=%d: y[%d] = %g, want %g", name(p), C, K, i, y[i], want[i])
					}
				}
				for i := range state {
					if state[i] != saved[i] {
						t.Fatalf("%s C=%d K=%d: state changed", name(p), C, K)
					}
				}
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("CausalConv with len(x) != len(y): no panic")
		}
	}()
	(*Pool)(nil).CausalConv(make([]float32, 4), make([]float32, 3), make([]float32, 16), make([]float32, 12))
}

// BenchmarkCausalConv times one token's 4-tap conv over Qwen3.5-0.8B's
// 6144 channels on each path.
func BenchmarkCausalConv(b *testing.B) {
	rng := rand.New(rand.NewPCG(33, 34))
	const C = 6144
	x, w, state, y := randF32(rng, C), randF32(rng, 4*C), randF32(rng, 3*C), make([]float32, C)
	for _, path := range Paths() {
		p := MustPool(1, path)
		b.Run(fmt.Sprint(path), func(b *testing.B) {
			for b.Loop() {
				p.CausalConv(y, x, w, state)
			}
		})
		p.Close()
	}
}
