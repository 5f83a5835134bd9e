//go:build amd64 && !purego

package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/how-llms-work/course/llm/half"
)

// gemmRef is the float64 reference of MatMulBF16 and its Σ|w·x|.
func gemmRef(w []uint16, x []float32, n, rows, cols int) (ref, mag []float64) {
	ref = make([]float64, n*rows)
	mag = make([]float64, n*rows)
	for tok := range n {
		r, m := refMatVec(rows, cols, func(i int) float32 { return half.BF16ToF32(w[i]) }, x[tok*cols:(tok+1)*cols])
		copy(ref[tok*rows:], r)
		copy(mag[tok*rows:], m)
	}
	return ref, mag
}

// TestGemm checks matMulGemm with several blockings against the float64
// reference, on whole calls and on two uneven row ranges [lo, hi) as two
// pool parts would run them, for token counts around the group widths.
func TestGemm(t *testing.T) {
	var kerns []*gemmKernel
	for _, k := range []*gemmKernel{gemmAVX2, gemmAVX512} {
		if k.path.Supported() {
			kerns = append(kerns, k)
		}
	}
	if len(kerns) == 0 {
		t.Skip("neither AVX2 nor AVX-512")
	}
	rng := rand.New(rand.NewPCG(21, 22))
	shapes := []struct{ rows, cols int }{{1, 1}, {5, 3}, {13, 16}, {37, 100}, {70, 1030}, {48, 257}, {129, 64}, {96, 520}}
	blockings := []gemmParams{gemmDefault, {kc: 64, mc: 12}, {kc: 16, mc: 50}, {kc: 512, mc: 200}}
	var s scratch
	for _, sh := range shapes {
		w := randBF16(rng, sh.rows*sh.cols)
		for _, n := range []int{1, 2, 7, 15, 16, 17, 31, 32, 33, 47, 48, 49, 64, 65, 100} {
			x := randF32(rng, n*sh.cols)
			ref, mag := gemmRef(w, x, n, sh.rows, sh.cols)
			for _, k := range kerns {
				for _, g := range blockings {
					dst := make([]float32, n*sh.rows)
					for i := range dst {
						dst[i] = float32(math.NaN()) // every output must be written
					}
					mid := sh.rows / 3
					matMulGemm(dst, w, x, n, sh.rows, sh.cols, 0, mid, &s, g, k)
					matMulGemm(dst, w, x, n, sh.rows, sh.cols, mid, sh.rows, &s, g, k)
					checkTol(t, fmt.Sprintf("%s kc=%d mc=%d %dx%d n=%d", k.path, g.kc, g.mc, sh.rows, sh.cols, n), dst, ref, mag, 4e-7*8*math.Sqrt(float64(sh.cols+1)))
				}
			}
		}
	}
}

// TestGemmPool runs MatMulBF16 through pools of every path at token counts
// that take the GEMM on the avx512 and avx2 paths (TestMatMulBF16 stays below them).
func TestGemmPool(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for _, sh := range []struct{ rows, cols int }{{100, 300}, {2 * gemmMinRows, 100}, {520, 1030}} {
		w := randBF16(rng, sh.rows*sh.cols)
		for _, n := range []int{gemmMinN, 40, 128} {
			x := randF32(rng, n*sh.cols)
			ref, mag := gemmRef(w, x, n, sh.rows, sh.cols)
			for _, p := range pools(t, 1, 2, 3) {
				dst := make([]float32, n*sh.rows)
				p.MatMulBF16(dst, w, x, n)
				checkTol(t, fmt.Sprintf("%s %dx%d n=%d", name(p), sh.rows, sh.cols, n), dst, ref, mag, matMulTol(p, sh.cols))
			}
		}
	}
}

func TestGemmNoAllocations(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	const rows, cols, n = 512, 1024, 128
	w := randBF16(rng, rows*cols)
	x := randF32(rng, n*cols)
	dst := make([]float32, n*rows)
	for _, p := range pools(t, 1, 2) {
		p.MatMulBF16(dst, w, x, n) // warm the scratch buffers
		if a := testing.AllocsPerRun(10, func() { p.MatMulBF16(dst, w, x, n) }); a != 0 {
			t.Errorf("%s: MatMulBF16 allocates %v times per call", name(p), a)
		}
	}
}

// BenchmarkGemm compares matMulGemm with the 4×6 tiles on one thread at
// the Qwen3.5-0.8B shapes, for several token counts.
//
//	go test ./llm/simd -run '^$' -bench Gemm -benchtime 5x -count 6
func BenchmarkGemm(b *testing.B) {
	for _, sh := range benchShapes[:3] {
		ws := benchWeights(sh.rows, sh.cols)
		for _, n := range []int{16, 24, 32, 48, 128} {
			x := benchX(n * sh.cols)
			dst := make([]float32, n*sh.rows)
			for _, kind := range []string{"tiles", "gemm", "tiles-avx2", "gemm-avx2"} {
				need := PathAVX512
				if strings.HasSuffix(kind, "avx2") {
					need = PathAVX2
				}
				if !need.Supported() {
					continue
				}
				b.Run(fmt.Sprintf("%s/n=%d/%s", sh.name, n, kind), func(b *testing.B) {
					var s scratch
					i := 0
					best := time.Duration(1<<63 - 1)
					start := time.Now()
					for b.Loop() {
						t0 := time.Now()
						switch kind {
						case "tiles":
							matMulTiles(dst, ws[i%len(ws)], x, n, sh.rows, sh.cols, 0, sh.rows, tileAVX512, &s)
						case "tiles-avx2":
							matMulTiles(dst, ws[i%len(ws)], x, n, sh.rows, sh.cols, 0, sh.rows, tileAVX2, &s)
						case "gemm":
							matMulGemm(dst, ws[i%len(ws)], x, n, sh.rows, sh.cols, 0, sh.rows, &s, gemmDefault, gemmAVX512)
						default:
							matMulGemm(dst, ws[i%len(ws)], x, n, sh.rows, sh.cols, 0, sh.rows, &s, gemmDefault, gemmAVX2)
						}
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
}

// BenchmarkGemmMicro times the micro-kernels alone on data in L1.
func BenchmarkGemmMicro(b *testing.B) {
	const kc = 128
	for _, k := range []struct {
		path   Path
		mr, nr int
		kern   func(a *float32, lda int, b *float32, c *float32, ldc int, k int, load int, pf uintptr, pfLines, pfSkip, npf int, ws *uint16, wd *float32, wRowVecs, wSkip, nw int)
	}{{PathAVX512, 12, 32, gemmR12V2B}, {PathAVX512, 12, 16, gemmR12V1B}, {PathAVX2, 6, 16, gemmR6V2BAVX2}, {PathAVX2, 6, 8, gemmR6V1BAVX2}} {
		if !k.path.Supported() {
			continue
		}
		b.Run(fmt.Sprintf("%s/%dx%d", k.path, k.mr, k.nr), func(b *testing.B) {
			a := make([]float32, k.mr*kc)
			x := make([]float32, kc*k.nr)
			c := make([]float32, k.mr*k.nr)
			for b.Loop() {
				for range 100 {
					k.kern(&a[0], kc, &x[0], &c[0], k.nr, kc, 1, 0, 1, 0, 0, nil, nil, 1, 0, 0)
				}
			}
			flops := 2 * float64(k.mr*k.nr*kc*100)
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
