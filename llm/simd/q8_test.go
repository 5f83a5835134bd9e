package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/how-llms-work/course/llm/half"
)

func TestQuantizeQ8(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	w := randBF16(rng, 3*64)
	w[5] = half.F32ToBF16(0)
	for i := 64; i < 96; i++ {
		w[i] = 0 // an all-zero block
	}
	m, err := QuantizeQ8(w, 3, 64)
	if err != nil {
		t.Fatal(err)
	}
	if m.Bytes() != 3*64+4*6 {
		t.Errorf("Bytes = %d, want %d", m.Bytes(), 3*64+4*6)
	}
	for r := range 3 {
		for c := range 64 {
			b := (r*64 + c) / Q8BlockSize
			want := float64(half.BF16ToF32(w[r*64+c]))
			if d := math.Abs(float64(m.At(r, c)) - want); d > float64(m.Scales[b])/2*(1+1e-6) {
				t.Errorf("At(%d, %d) = %g, want %g within scale/2 = %g", r, c, m.At(r, c), want, m.Scales[b]/2)
			}
		}
	}
	if m.Scales[2] != 0 || m.At(1, 0) != 0 {
		t.Errorf("all-zero block: scale %g, At %g, want 0", m.Scales[2], m.At(1, 0))
	}
	for _, bad := range []struct{ rows, cols, n int }{{2, 33, 66}, {2, 32, 63}, {-1, 32, 0}} {
		if _, err := QuantizeQ8(make([]uint16, bad.n), bad.rows, bad.cols); err == nil {
			t.Errorf("QuantizeQ8(len %d, %d, %d): no error", bad.n, bad.rows, bad.cols)
		}
	}
	nan := make([]uint16, 32)
	nan[3] = 0x7fc0
	if _, err := QuantizeQ8(nan, 1, 32); err == nil {
		t.Error("QuantizeQ8 with a NaN weight: no error")
	}
}

func TestMatVecQ8(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for _, sh := range []struct{ rows, cols int }{{1, 32}, {3, 64}, {17, 96}, {70, 1024}, {300, 1024}, {33, 3584}} {
		w := randBF16(rng, sh.rows*sh.cols)
		m, err := QuantizeQ8(w, sh.rows, sh.cols)
		if err != nil {
			t.Fatal(err)
		}
		x := randF32(rng, sh.cols)
		// Reference: the dequantised weights in float64, so only the
		// kernel's float32 summation error remains.
		ref, mag := refMatVec(sh.rows, sh.cols, func(i int) float32 { return m.At(i/sh.cols, i%sh.cols) }, x)
		for _, p := range pools(t, 1, 2) {
			dst := make([]float32, sh.rows)
			p.MatVecQ8(dst, m, x)
			check(t, fmt.Sprintf("%s %dx%d", name(p), sh.rows, sh.cols), dst, ref, mag, sh.cols)
		}
	}
}

// BenchmarkMatVecQ8 is BenchmarkMatVecBF16 for Q8 weights: GB/s of Q8 bytes
// and, as eq-bf16-ratio, the BF16-equivalent speed (what a BF16 kernel would
// need to stream to be as fast) over the read bandwidth.
func BenchmarkMatVecQ8(b *testing.B) {
	for _, sh := range benchShapes {
		ws := benchWeights(sh.rows, sh.cols)
		qs := make([]*Q8, len(ws))
		for i, w := range ws {
			var err error
			if qs[i], err = QuantizeQ8(w, sh.rows, sh.cols); err != nil {
				b.Fatal(err)
			}
		}
		x := benchX(sh.cols)
		dst := make([]float32, sh.rows)
		for _, path := range Paths() {
			for _, threads := range []int{1, 2} {
				b.Run(fmt.Sprintf("%s/%s/threads=%d", sh.name, path, threads), func(b *testing.B) {
					if path == PathGo && sh.rows > 10000 {
						b.Skip("pure Go on the LM head is too slow to be worth the wait")
					}
					bw := benchBandwidth(threads)
					p := MustPool(threads, path)
					defer p.Close()
					b.SetBytes(int64(qs[0].Bytes()))
					i := 0
					best := time.Duration(1<<63 - 1)
					for b.Loop() {
						t0 := time.Now()
						p.MatVecQ8(dst, qs[i%len(qs)], x)
						best = min(best, time.Since(t0))
						i++
					}
					bw = max(bw, benchBandwidth(threads))
					b.ReportMetric(float64(qs[0].Bytes())/best.Seconds()/bw, "best-ratio")
					b.ReportMetric(float64(2*sh.rows*sh.cols)/best.Seconds()/bw, "eq-bf16-ratio")
				})
			}
		}
	}
}
