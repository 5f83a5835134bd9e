package simd

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestTransposeF32 checks every path against the definition, over shapes
// with and without a partial block of 16 rows, strided source and
// destination, and that nothing outside the destination's rows changes.
func TestTransposeF32(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, p := range pools(t, 1) {
		for _, sh := range []struct{ rows, cols, lds, ldd int }{
			{128, 128, 128, 128}, {64, 128, 6144, 64}, {5, 128, 6144, 64}, {1, 1, 1, 1},
			{17, 3, 5, 20}, {16, 16, 16, 16}, {24, 13, 13, 24}, {8, 8, 9, 10}, {31, 33, 40, 31}, {128, 16, 16, 128}, {0, 5, 5, 0}, {4, 0, 0, 4},
		} {
			src := randF32(rng, max(sh.rows*sh.lds, 1))
			dst := randF32(rng, max(sh.cols*sh.ldd, 1))
			orig := append([]float32(nil), dst...)
			p.TransposeF32(dst, sh.ldd, src, sh.lds, sh.rows, sh.cols)
			what := fmt.Sprintf("%s %+v", name(p), sh)
			for c := range sh.cols {
				for r := range sh.ldd {
					got := dst[c*sh.ldd+r]
					want := orig[c*sh.ldd+r]
					if r < sh.rows {
						want = src[r*sh.lds+c]
					}
					if got != want {
						t.Fatalf("%s: dst[%d][%d] = %g, want %g", what, c, r, got, want)
					}
				}
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("TransposeF32 accepted a short destination")
		}
	}()
	TransposeF32(make([]float32, 10), 4, make([]float32, 12), 3, 4, 3)
}

func BenchmarkTransposeF32(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	src, dst := randF32(rng, 128*128), make([]float32, 128*128)
	for _, path := range Paths() {
		p, _ := NewPoolPath(1, path)
		defer p.Close()
		b.Run(fmt.Sprintf("%s/128x128", path), func(b *testing.B) {
			for b.Loop() {
				p.TransposeF32(dst, 128, src, 128, 128, 128)
			}
		})
	}
}
