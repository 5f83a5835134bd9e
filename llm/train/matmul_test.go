package train

import (
	"math"
	"math/rand/v2"
	"testing"
)

// naive products in float64, the specification of mulNT/mulNN/mulTN.
func refMul(a, b []float32, m, n, k int, ta, tb bool) []float64 {
	c := make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				av, bv := a[i*k+p], b[p*n+j]
				if ta {
					av = a[p*m+i]
				}
				if tb {
					bv = b[j*k+p]
				}
				s += float64(av) * float64(bv)
			}
			c[i*n+j] = s
		}
	}
	return c
}

func TestGemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	rnd := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	for _, sz := range [][3]int{{1, 1, 1}, {3, 5, 7}, {4, 16, 1}, {8, 32, 9}, {13, 37, 21}, {255, 130, 64}, {64, 4, 128}, {5, 48, 7}, {8, 80, 33}} {
		m, n, k := sz[0], sz[1], sz[2]
		for _, kind := range []string{"NT", "NN", "TN"} {
			a, b := rnd(m*k), rnd(n*k)
			base := rnd(m * n)
			c := append([]float32(nil), base...)
			want := refMul(a, b, m, n, k, kind == "TN", kind == "NT")
			mul(kind, c, a, b, m, n, k)
			c64 := widen(base)
			mul(kind, c64, widen(a), widen(b), m, n, k)
			for i := range c {
				if d := math.Abs(float64(c[i]) - float64(base[i]) - want[i]); d > 1e-4*math.Sqrt(float64(k)) {
					t.Fatalf("float32 %s %dx%dx%d: element %d off by %.3g", kind, m, n, k, i, d)
				}
				if d := math.Abs(c64[i] - float64(base[i]) - want[i]); d > 1e-12*float64(k) {
					t.Fatalf("float64 %s %dx%dx%d: element %d off by %.3g", kind, m, n, k, i, d)
				}
			}
		}
	}
}

// mul runs the product kind ("NT", "NN" or "TN") of c += a·b.
func mul[F Float](kind string, c, a, b []F, m, n, k int) {
	switch kind {
	case "NT":
		mulNT(c, a, b, m, n, k)
	case "NN":
		mulNN(c, a, b, m, n, k)
	case "TN":
		mulTN(c, a, b, m, n, k)
	}
}

func widen(x []float32) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return y
}

func benchGemm(b *testing.B, kind string, m, n, k int) {
	x, y, c := make([]float32, m*k), make([]float32, n*k), make([]float32, m*n)
	for i := range x {
		x[i] = float32(i%7) * 0.1
	}
	for i := range y {
		y[i] = float32(i%5) * 0.1
	}
	b.SetBytes(0)
	for b.Loop() {
		mul(kind, c, x, y, m, n, k)
	}
	b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// The shapes of the tiny model's MLP (T=256, hidden 128, MLP 384) and head.
func BenchmarkGemmNT(b *testing.B)   { benchGemm(b, "NT", 256, 384, 128) }
func BenchmarkGemmNN(b *testing.B)   { benchGemm(b, "NN", 256, 128, 384) }
func BenchmarkGemmTN(b *testing.B)   { benchGemm(b, "TN", 384, 128, 256) }
func BenchmarkGemmHead(b *testing.B) { benchGemm(b, "NT", 255, 4096, 128) }

// The tied head's backward: dy += dlogits · E and dE += dlogitsᵀ · y.
func BenchmarkGemmHeadNN(b *testing.B) { benchGemm(b, "NN", 255, 128, 4096) }
func BenchmarkGemmHeadTN(b *testing.B) { benchGemm(b, "TN", 4096, 128, 255) }

func TestVectorOps(t *testing.T) {
	for _, n := range []int{1, 7, 8, 9, 32, 37} {
		x, y := make([]float32, n), make([]float32, n)
		var want float64
		for i := range x {
			x[i], y[i] = float32(i)*0.5-3, float32(n-i)*0.25
			want += float64(x[i]) * float64(y[i])
		}
		if got := dot(x, y); math.Abs(float64(got)-want) > 1e-4*math.Max(1, math.Abs(want)) {
			t.Errorf("dot n=%d: %v, want %v", n, got, want)
		}
		z := append([]float32(nil), y...)
		axpy(z, x, 2)
		for i := range z {
			if w := y[i] + 2*x[i]; z[i] != w {
				t.Errorf("axpy n=%d: z[%d] = %v, want %v", n, i, z[i], w)
				break
			}
		}
	}
}

// TestStateOps checks vecMat, matVec and rank1 (llm/simd's kernels in
// float32, on whole vectors of 8 or 16 columns and a Go tail) against
// float64 sums, on matrices with padded rows.
func TestStateOps(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, sz := range [][2]int{{1, 8}, {3, 16}, {32, 32}, {5, 12}, {4, 4}, {7, 19}} {
		r, c := sz[0], sz[1]
		ld := c + r%3 // padding between rows
		v := func(n int) []float32 {
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			return x
		}
		m, a, x, out0 := v(r*ld), v(r), v(c), v(c)
		vm := append([]float32(nil), out0...)
		vecMat(vm, a, m, ld)
		mv := v(r)
		matVec(mv, m, x, ld)
		r1 := append([]float32(nil), m...)
		rank1(r1, ld, 0.7, a, x)
		for j := 0; j < c; j++ {
			want := float64(out0[j])
			for i := 0; i < r; i++ {
				want += float64(a[i]) * float64(m[i*ld+j])
			}
			if math.Abs(float64(vm[j])-want) > 1e-5*float64(r) {
				t.Fatalf("vecMat %dx%d: out[%d] = %v, want %v", r, c, j, vm[j], want)
			}
		}
		for i := 0; i < r; i++ {
			var want float64
			for j := 0; j < c; j++ {
				want += float64(m[i*ld+j]) * float64(x[j])
			}
			if math.Abs(float64(mv[i])-want) > 1e-5*float64(c) {
				t.Fatalf("matVec %dx%d: out[%d] = %v, want %v", r, c, i, mv[i], want)
			}
			for j := 0; j < ld; j++ {
				want := 0.7*float64(m[i*ld+j]) + float64(a[i])*float64(x[min(j, c-1)])
				if j >= c { // padding is left alone
					want = float64(m[i*ld+j])
				}
				if math.Abs(float64(r1[i*ld+j])-want) > 1e-5 {
					t.Fatalf("rank1 %dx%d: [%d][%d] = %v, want %v", r, c, i, j, r1[i*ld+j], want)
				}
			}
		}
	}
}

// TestDeltaStep checks the float32 delta-rule step (llm/simd's DeltaRule)
// against the float64 loops of deltaStep.
func TestDeltaStep(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, sz := range [][2]int{{32, 32}, {16, 16}, {8, 24}, {5, 3}} {
		dk, dv := sz[0], sz[1]
		v64 := func(n int) []float64 {
			x := make([]float64, n)
			for i := range x {
				x[i] = float64(float32(rng.NormFloat64() * 0.3))
			}
			return x
		}
		prev, q, k, v := v64(dk*dv), v64(dk), v64(dk), v64(dv)
		S, out, kv := make([]float64, dk*dv), make([]float64, dv), make([]float64, dv)
		deltaStep(S, prev, q, k, v, out, kv, 0.9, 0.6)
		f32 := func(x []float64) []float32 {
			y := make([]float32, len(x))
			for i, e := range x {
				y[i] = float32(e)
			}
			return y
		}
		S32, out32 := make([]float32, dk*dv), make([]float32, dv)
		deltaStep(S32, f32(prev), f32(q), f32(k), f32(v), out32, make([]float32, dv), 0.9, 0.6)
		for i := range S {
			if math.Abs(float64(S32[i])-S[i]) > 1e-5 {
				t.Fatalf("%d×%d: S[%d] = %v, want %v", dk, dv, i, S32[i], S[i])
			}
		}
		for j := range out {
			if math.Abs(float64(out32[j])-out[j]) > 1e-5*float64(dk) {
				t.Fatalf("%d×%d: out[%d] = %v, want %v", dk, dv, j, out32[j], out[j])
			}
		}
	}
}
