//go:build amd64 && !purego

package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

var gemmVariants = []struct {
	name string
	g    gemmParams
}{
	{"12x32", gemmParams{gemm12x32, 256, 96}},
	{"6x64", gemmParams{gemm6x64, 256, 96}},
	{"24x16", gemmParams{gemm24x16, 256, 96}},
	{"12x32B", gemmParams{gemm12x32B, 256, 96}},
	{"14x32", gemmParams{gemm14x32, 256, 96}},
	{"12x32/kc64/mc12", gemmParams{gemm12x32, 64, 12}},
	{"6x64/kc16/mc50", gemmParams{gemm6x64, 16, 50}},
}

// TestGemm checks matMulGemm, every tile shape and odd blockings, against
// the float64 reference on whole calls and on row ranges [lo, hi).
func TestGemm(t *testing.T) {
	if !PathAVX512.Supported() {
		t.Skip("no AVX-512")
	}
	rng := rand.New(rand.NewPCG(21, 22))
	shapes := []struct{ rows, cols int }{{1, 1}, {5, 3}, {13, 16}, {37, 100}, {70, 1030}, {48, 257}, {129, 64}, {96, 520}}
	var s scratch
	for _, sh := range shapes {
		w := randBF16(rng, sh.rows*sh.cols)
		for _, n := range []int{1, 2, 7, 16, 17, 31, 32, 33, 64, 65, 100} {
			x := randF32(rng, n*sh.cols)
			ref := make([]float64, n*sh.rows)
			mag := make([]float64, n*sh.rows)
			for tok := range n {
				r, m := refMatVec(sh.rows, sh.cols, func(i int) float32 { return BF16ToF32(w[i]) }, x[tok*sh.cols:(tok+1)*sh.cols])
				copy(ref[tok*sh.rows:], r)
				copy(mag[tok*sh.rows:], m)
			}
			for _, v := range gemmVariants {
				dst := make([]float32, n*sh.rows)
				for i := range dst {
					dst[i] = float32(0x1p100) // every output must be overwritten
				}
				// Two uneven row ranges, as two pool parts would do.
				mid := sh.rows / 3
				matMulGemm(dst, w, x, n, sh.rows, sh.cols, 0, mid, &s, v.g)
				matMulGemm(dst, w, x, n, sh.rows, sh.cols, mid, sh.rows, &s, v.g)
				checkTol(t, fmt.Sprintf("%s %dx%d n=%d", v.name, sh.rows, sh.cols, n), dst, ref, mag, 4e-7*8*math.Sqrt(float64(sh.cols+1)))
			}
		}
	}
}

// BenchmarkGemm times the tile shapes and blockings on one thread at the
// Qwen3.5-0.8B shapes, with the current avx512 kernel as "tiles".
//
//	go test ./llm/kernels -run '^$' -bench Gemm -benchtime 5x -count 6
func BenchmarkGemm(b *testing.B) {
	if !PathAVX512.Supported() {
		b.Skip("no AVX-512")
	}
	const n = 128
	type variant struct {
		name string
		run  func(dst []float32, w []uint16, x []float32, rows, cols int, s *scratch)
	}
	vs := []variant{{"tiles", func(dst []float32, w []uint16, x []float32, rows, cols int, s *scratch) {
		matMulTiles(dst, w, x, n, rows, cols, 0, rows, tileAVX512, s)
	}}}
	for _, g := range []gemmParams{
		{gemm12x32B, 256, 96}, {gemm12x32B, 128, 96}, {gemm12x32B, 512, 96}, {gemm12x32B, 256, 384},
		{gemm24x16, 256, 96}, {gemm24x16, 128, 96},
	} {
		vs = append(vs, variant{fmt.Sprintf("%dx%d/kc=%d/mc=%d", g.shape.mr, g.shape.nr, g.kc, g.mc),
			func(dst []float32, w []uint16, x []float32, rows, cols int, s *scratch) {
				matMulGemm(dst, w, x, n, rows, cols, 0, rows, s, g)
			}})
	}
	for _, sh := range benchShapes[:3] {
		ws := benchWeights(sh.rows, sh.cols)
		x := benchX(n * sh.cols)
		dst := make([]float32, n*sh.rows)
		for _, v := range vs {
			b.Run(fmt.Sprintf("%s/%s", sh.name, v.name), func(b *testing.B) {
				var s scratch
				i := 0
				best := time.Duration(1<<63 - 1)
				start := time.Now()
				for b.Loop() {
					t0 := time.Now()
					v.run(dst, ws[i%len(ws)], x, sh.rows, sh.cols, &s)
					best = min(best, time.Since(t0))
					i++
				}
				flops := 2 * float64(sh.rows*sh.cols*n)
				b.ReportMetric(flops*float64(i)/time.Since(start).Seconds()/1e9, "GFLOP/s")
				b.ReportMetric(flops/best.Seconds()/1e9, "best-GFLOP/s")
			})
		}
	}
}

// BenchmarkGemmMicro times the micro-kernels alone on data in L1.
func BenchmarkGemmMicro(b *testing.B) {
	if !PathAVX512.Supported() {
		b.Skip("no AVX-512")
	}
	const kc = 128
	for _, sh := range []gemmShape{gemm12x32, gemm12x32B, gemm14x32, gemm6x64, gemm24x16} {
		b.Run(fmt.Sprintf("%dx%d", sh.mr, sh.nr), func(b *testing.B) {
			a := make([]float32, sh.mr*kc)
			x := make([]float32, kc*sh.nr)
			c := make([]float32, sh.mr*sh.nr)
			for i := range a {
				a[i] = 1e-3
			}
			for b.Loop() {
				for range 100 {
					sh.kern(&a[0], kc, &x[0], &c[0], sh.nr, kc, 1, nil, 0)
				}
			}
			flops := 2 * float64(sh.mr*sh.nr*kc*100)
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
