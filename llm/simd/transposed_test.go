package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestMatMulF32BT checks every path against the float64 reference of
// MatMulF32 on B transposed explicitly, over the shapes of the trainer's
// Linear layers and the edges of the 32-column panels and 8-row tiles.
func TestMatMulF32BT(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	dims := []int{1, 3, 8, 9, 31, 32, 33, 64, 100}
	for _, p := range pools(t, 1) {
		cases := []matMulCase{
			{m: 256, n: 384, k: 128, alpha: 1, beta: 1},
			{m: 255, n: 200, k: 128, alpha: 1, beta: 1},
			{m: 64, n: 96, k: 40, colMajor: true, pad: 2, alpha: -0.5, beta: 0.75},
			{m: 17, n: 33, k: 5, alpha: 1, rowScale: true, nanInC: true},
			{m: 9, n: 40, k: 0, alpha: 1, beta: 0.5},
			{m: 0, n: 3, k: 4, alpha: 1},
			{m: 3, n: 0, k: 4, alpha: 1},
		}
		for range 60 {
			tc := matMulCase{
				m: dims[rng.IntN(len(dims))], n: dims[rng.IntN(len(dims))], k: dims[rng.IntN(len(dims))],
				colMajor: rng.IntN(2) == 0, pad: rng.IntN(3), alpha: float32(rng.NormFloat64()),
				rowScale: rng.IntN(2) == 0, beta: float32(rng.IntN(3)) * 0.5,
			}
			cases = append(cases, tc)
		}
		for _, tc := range cases {
			tc.transB = true
			runMatMulCase(t, rng, p, tc)
		}
	}
}

// TestVecMatRank1F32 checks VecMatF32 and Rank1F32 on every path against
// float64 sums, over shapes around the vector widths (8 and 16 columns)
// and padded rows, and that nothing outside the matrix changes.
func TestVecMatRank1F32(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, p := range pools(t, 1) {
		for _, rows := range []int{0, 1, 3, 4, 5, 32, 33} {
			for _, cols := range []int{1, 7, 8, 15, 16, 17, 32, 33, 64} {
				ldw := cols + rng.IntN(3)
				what := fmt.Sprintf("%s %d×%d ldw %d", name(p), rows, cols, ldw)
				w := randF32(rng, rows*ldw)
				x, dst := randF32(rng, rows), randF32(rng, cols)
				want := make([]float64, cols)
				for j := range want {
					want[j] = float64(dst[j])
					for i := range rows {
						want[j] += float64(x[i]) * float64(w[i*ldw+j])
					}
				}
				p.VecMatF32(dst, x, w, ldw)
				for j := range cols {
					var mag float64 = math.Abs(want[j])
					for i := range rows {
						mag += math.Abs(float64(x[i]) * float64(w[i*ldw+j]))
					}
					if d := math.Abs(float64(dst[j]) - want[j]); d > float64(rows+2)*0x1p-23*mag {
						t.Fatalf("VecMatF32 %s: dst[%d] = %g, want %g", what, j, dst[j], want[j])
					}
				}

				y := randF32(rng, cols)
				s := float32(rng.NormFloat64())
				w0 := append([]float32(nil), w...)
				p.Rank1F32(w, ldw, s, x, y)
				for i := range rows {
					for j := range ldw {
						k := i*ldw + j
						if k >= len(w) {
							break
						}
						if j >= cols {
							if w[k] != w0[k] {
								t.Fatalf("Rank1F32 %s: padding [%d][%d] changed", what, i, j)
							}
							continue
						}
						want := float64(s)*float64(w0[k]) + float64(x[i])*float64(y[j])
						mag := math.Abs(float64(s)*float64(w0[k])) + math.Abs(float64(x[i])*float64(y[j]))
						if d := math.Abs(float64(w[k]) - want); d > 0x1p-23*mag {
							t.Fatalf("Rank1F32 %s: [%d][%d] = %g, want %g", what, i, j, w[k], want)
						}
					}
				}
			}
		}
	}
}

// TestTransposedPackage checks that the package functions compute what a
// nil pool (the default path) does, and that bad shapes panic.
func TestTransposedPackage(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	a, b := randF32(rng, 40*70), randF32(rng, 33*70)
	var p *Pool
	c1, c2 := make([]float32, 40*33), make([]float32, 40*33)
	MatMulF32BT(40, 33, 70, 1, nil, a, 70, 1, b, 70, 0, c1, 33)
	p.MatMulF32BT(40, 33, 70, 1, nil, a, 70, 1, b, 70, 0, c2, 33)
	d1, d2 := make([]float32, 33), make([]float32, 33)
	VecMatF32(d1, a[:70], b, 33)
	p.VecMatF32(d2, a[:70], b, 33)
	w1, w2 := append([]float32(nil), b...), append([]float32(nil), b...)
	Rank1F32(w1, 33, 0.5, a[:70], a[100:133])
	p.Rank1F32(w2, 33, 0.5, a[:70], a[100:133])
	for _, pair := range [][2][]float32{{c1, c2}, {d1, d2}, {w1, w2}} {
		for i := range pair[0] {
			if pair[0][i] != pair[1][i] {
				t.Fatalf("element %d: package %g, nil pool %g", i, pair[0][i], pair[1][i])
			}
		}
	}
	mustPanic(t, "a bad shape",
		func() { MatMulF32BT(8, 8, 8, 1, nil, a, 8, 1, b, 7, 0, c1, 8) },      // ldb < k
		func() { MatMulF32BT(8, 8, 8, 1, nil, a, 8, 1, b[:60], 8, 0, c1, 8) }, // B too short
		func() { MatMulF32BT(8, 8, 8, 1, nil, a, 8, 1, b, 8, 0, c1, 7) },      // ldc < n
		func() { VecMatF32(d1, a[:70], b, 32) },                               // ldw < columns
		func() { VecMatF32(d1, a[:71], b[:70*33], 33) },                       // W too short
		func() { Rank1F32(w1[:100], 33, 1, a[:70], a[:33]) },                  // W too short
	)
}

// mustPanic fails the test for each f that returns without panicking.
func mustPanic(t *testing.T, what string, fs ...func()) {
	t.Helper()
	for i, f := range fs {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("call %d accepted %s", i, what)
				}
			}()
			f()
		}()
	}
}

// BenchmarkMatMulF32BT times the trainer's largest products: the MLP's
// gate/up projection (256 tokens, 128 → 384) and the tied LM head
// (255 tokens, 128 → 4096).
func BenchmarkMatMulF32BT(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, path := range Paths() {
		p, _ := NewPoolPath(1, path)
		defer p.Close()
		for _, sh := range []struct{ m, n, k int }{{256, 384, 128}, {255, 4096, 128}} {
			b.Run(fmt.Sprintf("%s/%dx%dx%d", path, sh.m, sh.n, sh.k), func(b *testing.B) {
				a, bb, c := randF32(rng, sh.m*sh.k), randF32(rng, sh.n*sh.k), make([]float32, sh.m*sh.n)
				for b.Loop() {
					p.MatMulF32BT(sh.m, sh.n, sh.k, 1, nil, a, sh.k, 1, bb, sh.k, 1, c, sh.n)
				}
				b.ReportMetric(2*float64(sh.m*sh.n*sh.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkVecMatRank1F32 times one product of each on a 32×32 state
// (the tiny model's DeltaNet heads).
func BenchmarkVecMatRank1F32(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	w, x, y := randF32(rng, 32*32), randF32(rng, 32), randF32(rng, 32)
	for _, path := range Paths() {
		p, _ := NewPoolPath(1, path)
		defer p.Close()
		b.Run("VecMat/"+path.String(), func(b *testing.B) {
			for b.Loop() {
				p.VecMatF32(y, x, w, 32)
			}
		})
		b.Run("Rank1/"+path.String(), func(b *testing.B) {
			for b.Loop() {
				p.Rank1F32(w, 32, 1, x, y)
			}
		})
	}
}
