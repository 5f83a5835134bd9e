package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func TestDotAxpy(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, n := range []int{0, 1, 7, 8, 15, 16, 17, 63, 64, 65, 100, 256, 1000} {
		a, b := randF32(rng, n), randF32(rng, n+3) // b may be longer
		var ref, mag float64
		for i := range n {
			ref += float64(a[i]) * float64(b[i])
			mag += math.Abs(float64(a[i]) * float64(b[i]))
		}
		for _, p := range pools(t, 1) {
			what := fmt.Sprintf("%s n=%d", p.Path(), n)
			check(t, "Dot "+what, []float32{p.Dot(a, b)}, []float64{ref}, []float64{mag}, n)

			y := randF32(rng, n)
			want := make([]float64, n)
			wmag := make([]float64, n)
			for i := range n {
				want[i] = float64(y[i]) + 0.75*float64(b[i])
				wmag[i] = math.Abs(float64(y[i])) + math.Abs(0.75*float64(b[i]))
			}
			p.Axpy(y, 0.75, b)
			check(t, "Axpy "+what, y, want, wmag, 2)
		}
		check(t, fmt.Sprintf("package Dot n=%d", n), []float32{Dot(a, b)}, []float64{ref}, []float64{mag}, n)
	}
}

// refDeltaRule is the delta rule in float64 on a copy of S.
func refDeltaRule(S, q, k, v []float32, decay, beta float32) (newS, out, magS, magO []float64) {
	dk, dv := len(k), len(v)
	newS = make([]float64, len(S))
	magS = make([]float64, len(S))
	for i := range S {
		newS[i] = float64(decay) * float64(S[i])
	}
	delta := make([]float64, dv)
	for j := range dv {
		var kv float64
		for i := range dk {
			kv += newS[i*dv+j] * float64(k[i])
		}
		delta[j] = float64(beta) * (float64(v[j]) - kv)
	}
	out = make([]float64, dv)
	magO = make([]float64, dv)
	for i := range dk {
		for j := range dv {
			newS[i*dv+j] += float64(k[i]) * delta[j]
			magS[i*dv+j] = math.Abs(newS[i*dv+j]) + math.Abs(float64(k[i])*delta[j]) + 1
			out[j] += float64(q[i]) * newS[i*dv+j]
			magO[j] += math.Abs(float64(q[i])*newS[i*dv+j]) + 1
		}
	}
	return newS, out, magS, magO
}

func TestDeltaRule(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, sh := range []struct{ dk, dv int }{{1, 1}, {3, 5}, {4, 8}, {16, 16}, {5, 17}, {16, 33}, {128, 128}, {7, 100}} {
		S0 := randF32(rng, sh.dk*sh.dv)
		q, k, v := randF32(rng, sh.dk), randF32(rng, sh.dk), randF32(rng, sh.dv)
		decay, beta := float32(0.9), float32(0.6)
		wantS, wantO, magS, magO := refDeltaRule(S0, q, k, v, decay, beta)
		for _, p := range pools(t, 1) {
			S := append([]float32(nil), S0...)
			out := randF32(rng, sh.dv) // overwritten
			p.DeltaRule(S, q, k, v, out, decay, beta)
			what := fmt.Sprintf("%s dk=%d dv=%d", p.Path(), sh.dk, sh.dv)
			check(t, "DeltaRule state "+what, S, wantS, magS, 4*sh.dk)
			check(t, "DeltaRule out "+what, out, wantO, magO, 4*sh.dk)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("DeltaRule with mismatched lengths did not panic")
		}
	}()
	DeltaRule(make([]float32, 6), make([]float32, 2), make([]float32, 2), make([]float32, 2), make([]float32, 2), 1, 1)
}

func BenchmarkDeltaRule(b *testing.B) {
	const dk, dv = 128, 128 // Qwen3.5-0.8B linear-attention head
	rng := rand.New(rand.NewPCG(1, 1))
	S := randF32(rng, dk*dv)
	q, k, v, out := randF32(rng, dk), randF32(rng, dk), randF32(rng, dv), make([]float32, dv)
	// Unit-length k keeps the repeated update stable (as l2Norm does in
	// the model), so no infinities or NaNs slow the loop.
	inv := float32(1 / math.Sqrt(float64(Dot(k, k))))
	for i := range k {
		k[i] *= inv
	}
	for _, path := range Paths() {
		b.Run(path.String(), func(b *testing.B) {
			p := MustPool(1, path)
			b.SetBytes(2 * 4 * dk * dv) // the state is read and written
			for b.Loop() {
				p.DeltaRule(S, q, k, v, out, 0.99, 0.5)
			}
		})
	}
}

func TestSiLU(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	for _, n := range []int{0, 1, 15, 16, 17, 100, 3584} {
		x := randF32(rng, n)
		up := randF32(rng, n)
		for i := range x {
			x[i] *= 8 // exercise the tails of the exponential
		}
		if n > 20 {
			x[0], x[1], x[2], x[3], x[4] = 0, 100, -100, 1e-30, -1e30
		}
		want := make([]float64, n)
		mag := make([]float64, n)
		wantG := make([]float64, n)
		magG := make([]float64, n)
		for i, v := range x {
			s := float64(v) / (1 + math.Exp(-float64(v)))
			want[i], mag[i] = s, math.Abs(s)+1e-38
			wantG[i], magG[i] = s*float64(up[i]), math.Abs(s*float64(up[i]))+1e-38
		}
		for _, p := range pools(t, 1) {
			got := make([]float32, n)
			p.SiLU(got, x)
			check(t, fmt.Sprintf("SiLU %s n=%d", p.Path(), n), got, want, mag, 16)
			g := append([]float32(nil), x...)
			p.SwiGLU(g, g, up) // in place
			check(t, fmt.Sprintf("SwiGLU %s n=%d", p.Path(), n), g, wantG, magG, 16)
		}
	}
}

// TestSigmoidMul checks SigmoidMul on every path against the float64
// sigmoid, in the tails too, and in place.
func TestSigmoidMul(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	for _, n := range []int{0, 1, 7, 8, 15, 16, 17, 100, 256} {
		x := randF32(rng, n)
		y := randF32(rng, n)
		for i := range x {
			x[i] *= 8
		}
		if n > 20 {
			x[0], x[1], x[2], x[3], x[4] = 0, 100, -100, 1e-30, -1e30
		}
		want := make([]float64, n)
		mag := make([]float64, n)
		for i, v := range x {
			s := float64(y[i]) / (1 + math.Exp(-float64(v)))
			want[i], mag[i] = s, math.Abs(s)+1e-38
		}
		for _, p := range pools(t, 1) {
			got := make([]float32, n)
			p.SigmoidMul(got, x, y)
			check(t, fmt.Sprintf("SigmoidMul %s n=%d", p.Path(), n), got, want, mag, 16)
			g := append([]float32(nil), y...)
			p.SigmoidMul(g, x, g) // in place
			check(t, fmt.Sprintf("SigmoidMul in place %s n=%d", p.Path(), n), g, want, mag, 16)
		}
		if n > 0 {
			got := make([]float32, n)
			SigmoidMul(got, x, y)
			check(t, fmt.Sprintf("SigmoidMul (package) n=%d", n), got, want, mag, 16)
		}
	}
}

func BenchmarkSwiGLU(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	gate, up, dst := randF32(rng, 3584), randF32(rng, 3584), make([]float32, 3584)
	for _, path := range Paths() {
		b.Run(path.String(), func(b *testing.B) {
			p := MustPool(1, path)
			b.SetBytes(4 * 3584)
			for b.Loop() {
				p.SwiGLU(dst, gate, up)
			}
		})
	}
}

func TestExpf(t *testing.T) {
	worst := 0.0
	for x := float32(-87.3); x < 88.7; x += 0.0137 {
		want := math.Exp(float64(x))
		got := float64(expf(x))
		if rel := math.Abs(got-want) / want; rel > worst {
			worst = rel
		}
	}
	if worst > 3e-7 {
		t.Errorf("expf: worst relative error %.3g, want ≤ 3e-7 (2.5 ulp)", worst)
	}
	for _, c := range []struct{ x, want float32 }{
		{0, 1}, {-100, 0}, {100, float32(math.Inf(1))}, {float32(math.Inf(-1)), 0}, {float32(math.Inf(1)), float32(math.Inf(1))},
	} {
		if got := expf(c.x); got != c.want {
			t.Errorf("expf(%g) = %g, want %g", c.x, got, c.want)
		}
	}
	if v := expf(float32(math.NaN())); v == v {
		t.Errorf("expf(NaN) = %g, want NaN", v)
	}
}

func TestDeltaRuleT(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	for _, sh := range []struct{ dk, dv int }{{1, 1}, {16, 3}, {16, 16}, {32, 17}, {128, 128}, {7, 5}, {48, 9}} {
		S0 := randF32(rng, sh.dk*sh.dv)
		q, k, v := randF32(rng, sh.dk), randF32(rng, sh.dk), randF32(rng, sh.dv)
		decay, beta := float32(0.9), float32(0.6)
		wantS, wantO, magS, magO := refDeltaRule(S0, q, k, v, decay, beta)
		// The same state transposed: St[j][i] = S[i][j].
		St0 := make([]float32, len(S0))
		wantSt := make([]float64, len(S0))
		magSt := make([]float64, len(S0))
		for i := range sh.dk {
			for j := range sh.dv {
				St0[j*sh.dk+i] = S0[i*sh.dv+j]
				wantSt[j*sh.dk+i] = wantS[i*sh.dv+j]
				magSt[j*sh.dk+i] = magS[i*sh.dv+j]
			}
		}
		for _, p := range pools(t, 1) {
			St := append([]float32(nil), St0...)
			out := randF32(rng, sh.dv)
			p.DeltaRuleT(St, q, k, v, out, decay, beta)
			what := fmt.Sprintf("%s dk=%d dv=%d", p.Path(), sh.dk, sh.dv)
			check(t, "DeltaRuleT state "+what, St, wantSt, magSt, 4*sh.dk)
			check(t, "DeltaRuleT out "+what, out, wantO, magO, 4*sh.dk)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("DeltaRuleT with mismatched lengths did not panic")
		}
	}()
	DeltaRuleT(make([]float32, 6), make([]float32, 2), make([]float32, 2), make([]float32, 2), make([]float32, 2), 1, 1)
}

func BenchmarkDeltaRuleT(b *testing.B) {
	const dk, dv = 128, 128
	rng := rand.New(rand.NewPCG(1, 1))
	St := randF32(rng, dk*dv)
	q, k, v, out := randF32(rng, dk), randF32(rng, dk), randF32(rng, dv), make([]float32, dv)
	inv := float32(1 / math.Sqrt(float64(Dot(k, k))))
	for i := range k {
		k[i] *= inv
	}
	for _, path := range Paths() {
		b.Run(path.String(), func(b *testing.B) {
			p := MustPool(1, path)
			b.SetBytes(2 * 4 * dk * dv)
			for b.Loop() {
				p.DeltaRuleT(St, q, k, v, out, 0.99, 0.5)
			}
		})
	}
}

func TestMatVecF32Stride(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, rows := range []int{0, 1, 5} {
		for _, cols := range []int{0, 1, 7, 16, 17, 64, 100, 256} {
			for _, extra := range []int{0, 3, 40} {
				stride := cols + extra
				w := randF32(rng, max(rows*stride, 1))
				x := randF32(rng, cols)
				ref, mag := make([]float64, rows), make([]float64, rows)
				for r := range rows {
					for c := range cols {
						ref[r] += float64(w[r*stride+c]) * float64(x[c])
						mag[r] += math.Abs(float64(w[r*stride+c]) * float64(x[c]))
					}
				}
				what := fmt.Sprintf("rows=%d cols=%d stride=%d", rows, cols, stride)
				for _, p := range pools(t, 1, 2) {
					dst := randF32(rng, rows) // overwritten, not added to
					p.MatVecF32Stride(dst, w, stride, x)
					check(t, fmt.Sprintf("%s threads=%d %s", p.Path(), p.Threads(), what), dst, ref, mag, cols)
				}
				dst := randF32(rng, rows)
				MatVecF32Stride(dst, w, stride, x)
				check(t, "package "+what, dst, ref, mag, cols)
			}
		}
	}
	for _, bad := range []struct {
		rows, stride, cols, lenW int
	}{
		{2, 3, 4, 8},   // stride below the columns
		{3, 10, 4, 23}, // w one short of the last row
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("rows %d stride %d cols %d len(w) %d: no panic", bad.rows, bad.stride, bad.cols, bad.lenW)
				}
			}()
			MatVecF32Stride(make([]float32, bad.rows), make([]float32, bad.lenW), bad.stride, make([]float32, bad.cols))
		}()
	}
}

// BenchmarkAttentionScores times one attention head's scores at the
// Qwen3.5-0.8B head size over 4096 cached keys: MatVecF32Stride against a
// loop of Dot calls (what a loop body under For could otherwise use).
func BenchmarkAttentionScores(b *testing.B) {
	const keys, d = 4096, 256
	rng := rand.New(rand.NewPCG(1, 2))
	k, q, s := randF32(rng, keys*d), randF32(rng, d), make([]float32, keys)
	for _, path := range Paths() {
		p := MustPool(1, path)
		b.Run(path.String()+"/MatVecF32Stride", func(b *testing.B) {
			b.SetBytes(4 * keys * d)
			for b.Loop() {
				p.MatVecF32Stride(s, k, d, q)
			}
		})
		b.Run(path.String()+"/Dot", func(b *testing.B) {
			b.SetBytes(4 * keys * d)
			for b.Loop() {
				for j := range s {
					s[j] = p.Dot(q, k[j*d:(j+1)*d])
				}
			}
		})
	}
}
