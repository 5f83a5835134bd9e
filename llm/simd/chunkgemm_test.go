package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// matMulCase is one MatMulF32 call: shapes, layouts (A row-major or
// column-major, padded strides) and scalars.
type matMulCase struct {
	m, n, k          int
	colMajor         bool // A[r][p] = a[r + p·lda] instead of a[r·lda + p]
	pad              int  // extra elements per row of A, B and C
	alpha, beta      float32
	rowScale, nanInC bool
	transB           bool // MatMulF32BT: B given as [n, k], rows k+pad apart
}

// refMatMulF32 is the float64 reference of MatMulF32, with Σ|terms| per
// element to scale the allowed float32 rounding.
func refMatMulF32(tc matMulCase, rowScale, a []float32, ars, aps int, b []float32, ldb int, c0 []float32, ldc int) (ref, mag []float64) {
	ref = make([]float64, tc.m*tc.n)
	mag = make([]float64, tc.m*tc.n)
	for r := range tc.m {
		s := float64(tc.alpha)
		if rowScale != nil {
			s *= float64(rowScale[r])
		}
		for j := range tc.n {
			var sum, abs float64
			for p := range tc.k {
				x := float64(a[r*ars+p*aps]) * float64(b[p*ldb+j])
				sum += x
				abs += math.Abs(x)
			}
			ref[r*tc.n+j], mag[r*tc.n+j] = s*sum, math.Abs(s)*abs
			if tc.beta != 0 {
				cv := float64(tc.beta) * float64(c0[r*ldc+j])
				ref[r*tc.n+j] += cv
				mag[r*tc.n+j] += math.Abs(cv)
			}
		}
	}
	return ref, mag
}

func runMatMulCase(t *testing.T, rng *rand.Rand, p *Pool, tc matMulCase) {
	t.Helper()
	ars, aps := tc.k+tc.pad, 1
	if tc.colMajor {
		ars, aps = 1, tc.m+tc.pad
	}
	bRows, ldb, ldc := tc.k, tc.n+tc.pad, tc.n+tc.pad
	if tc.transB {
		bRows, ldb = tc.n, tc.k+tc.pad
	}
	a := randF32(rng, max(tc.m, tc.k)*(max(tc.m, tc.k)+tc.pad))
	b := randF32(rng, bRows*ldb)
	c := randF32(rng, tc.m*ldc)
	if tc.nanInC {
		for i := range c {
			c[i] = float32(math.NaN())
		}
	}
	var rowScale []float32
	if tc.rowScale {
		rowScale = randF32(rng, tc.m)
	}
	c0 := append([]float32(nil), c...)
	if tc.transB {
		bt := make([]float32, tc.k*tc.n) // Bᵀ as [k, n], the layout of MatMulF32's B
		for j := range tc.n {
			for q := range tc.k {
				bt[q*tc.n+j] = b[j*ldb+q]
			}
		}
		ref, mag := refMatMulF32(tc, rowScale, a, ars, aps, bt, tc.n, c0, ldc)
		p.MatMulF32BT(tc.m, tc.n, tc.k, tc.alpha, rowScale, a, ars, aps, b, ldb, tc.beta, c, ldc)
		checkMatMul(t, fmt.Sprintf("MatMulF32BT %s %+v", name(p), tc), tc, c, c0, ldc, ref, mag)
		return
	}
	ref, mag := refMatMulF32(tc, rowScale, a, ars, aps, b, ldb, c0, ldc)
	p.MatMulF32(tc.m, tc.n, tc.k, tc.alpha, rowScale, a, ars, aps, b, ldb, tc.beta, c, ldc)
	checkMatMul(t, fmt.Sprintf("%s %+v", name(p), tc), tc, c, c0, ldc, ref, mag)
}

// checkMatMul compares C with the reference, and its padding with c0.
func checkMatMul(t *testing.T, what string, tc matMulCase, c, c0 []float32, ldc int, ref, mag []float64) {
	t.Helper()
	for r := range tc.m {
		for j := range tc.n {
			got, want := float64(c[r*ldc+j]), ref[r*tc.n+j]
			// float32 rounding of k products and sums: a few ulps of Σ|terms|.
			tol := 4*float64(tc.k+2)*0x1p-24*mag[r*tc.n+j] + 1e-30
			if d := math.Abs(got - want); d > tol || math.IsNaN(d) {
				t.Fatalf("%s: C[%d][%d] = %g, want %g (|diff| %.3g > %.3g)", what, r, j, got, want, d, tol)
			}
		}
		// The padding between rows of C is never written.
		for j := tc.n; j < ldc && r*ldc+j < len(c); j++ {
			if c[r*ldc+j] != c0[r*ldc+j] && !(math.IsNaN(float64(c[r*ldc+j])) && math.IsNaN(float64(c0[r*ldc+j]))) {
				t.Fatalf("%s: padding C[%d][%d] changed", what, r, j)
			}
		}
	}
}

// TestMatMulF32 checks every path against the float64 reference over the
// shapes the chunked DeltaNet uses (64-token chunks, heads of 16, 32 and
// 128) and the edges of the 8×32 tiles.
func TestMatMulF32(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	dims := []int{1, 7, 8, 9, 16, 31, 32, 33, 64, 65, 128}
	for _, p := range pools(t, 1) {
		for _, tc := range []matMulCase{
			{m: 64, n: 64, k: 128, alpha: 1},
			{m: 64, n: 128, k: 128, alpha: -1, beta: 1},
			{m: 128, n: 128, k: 64, colMajor: true, alpha: 1, beta: 0.75},
			{m: 64, n: 256, k: 56, pad: 3, alpha: -1, beta: 1},
			{m: 64, n: 128, k: 128, alpha: 1, rowScale: true, nanInC: true},
			{m: 5, n: 16, k: 16, colMajor: true, pad: 1, alpha: 2, beta: -0.5},
			{m: 3, n: 0, k: 4, alpha: 1},
			{m: 0, n: 3, k: 4, alpha: 1},
			{m: 9, n: 40, k: 0, alpha: 1, beta: 0.5},
			{m: 9, n: 40, k: 0, alpha: 1, nanInC: true},
		} {
			runMatMulCase(t, rng, p, tc)
		}
		for range 150 {
			tc := matMulCase{
				m: dims[rng.IntN(len(dims))], n: dims[rng.IntN(len(dims))], k: dims[rng.IntN(len(dims))],
				colMajor: rng.IntN(2) == 0, pad: rng.IntN(3), alpha: float32(rng.NormFloat64()),
				rowScale: rng.IntN(2) == 0,
			}
			switch rng.IntN(3) {
			case 1:
				tc.beta = 1
			case 2:
				tc.beta = float32(rng.NormFloat64())
			}
			runMatMulCase(t, rng, p, tc)
		}
	}
}

// TestMatMulF32Package checks the package function (LLM_KERNELS path)
// against the pool's.
func TestMatMulF32Package(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	a, b := randF32(rng, 40*70), randF32(rng, 70*33)
	c1, c2 := make([]float32, 40*33), make([]float32, 40*33)
	MatMulF32(40, 33, 70, 1, nil, a, 70, 1, b, 33, 0, c1, 33)
	var p *Pool // nil: the default path
	p.MatMulF32(40, 33, 70, 1, nil, a, 70, 1, b, 33, 0, c2, 33)
	for i := range c1 {
		if c1[i] != c2[i] {
			t.Fatalf("C[%d]: package %g, nil pool %g", i, c1[i], c2[i])
		}
	}
	if c1[0] == 0 {
		t.Fatal("C[0] = 0")
	}
}

func TestMatMulF32Panics(t *testing.T) {
	a, b, c := make([]float32, 64), make([]float32, 64), make([]float32, 64)
	mustPanic(t, "a bad MatMulF32 shape",
		func() { MatMulF32(8, 8, 8, 1, nil, a, 8, 1, b, 8, 0, c, 7) },   // ldc < n
		func() { MatMulF32(8, 8, 9, 1, nil, a, 8, 1, b, 8, 0, c, 8) },   // A too short
		func() { MatMulF32(9, 8, 8, 1, nil, a, 1, 9, b, 8, 0, c, 8) },   // C too short
		func() { MatMulF32(8, 8, 8, 1, a[:7], a, 8, 1, b, 8, 0, c, 8) }, // rowScale too short
	)
}

func TestMatMulF32NoAllocations(t *testing.T) {
	a, b, c := make([]float32, 64*128), make([]float32, 128*128), make([]float32, 64*128)
	if n := testing.AllocsPerRun(20, func() { MatMulF32(64, 128, 128, 1, nil, a, 128, 1, b, 128, 1, c, 128) }); n != 0 {
		t.Errorf("MatMulF32 allocates %.1f times", n)
	}
}

// BenchmarkMatMulF32 times the chunked DeltaNet's largest product shape,
// 64×128 · 128×128, and reports GFLOP/s.
func BenchmarkMatMulF32(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, path := range Paths() {
		p, _ := NewPoolPath(1, path)
		defer p.Close()
		for _, sh := range []struct{ m, n, k int }{{64, 128, 128}, {128, 128, 64}, {64, 64, 128}} {
			b.Run(fmt.Sprintf("%s/%dx%dx%d", path, sh.m, sh.n, sh.k), func(b *testing.B) {
				a, bb, c := randF32(rng, sh.m*sh.k), randF32(rng, sh.k*sh.n), make([]float32, sh.m*sh.n)
				for b.Loop() {
					p.MatMulF32(sh.m, sh.n, sh.k, 1, nil, a, sh.k, 1, bb, sh.n, 1, c, sh.n)
				}
				b.ReportMetric(2*float64(sh.m*sh.n*sh.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
