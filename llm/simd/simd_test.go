package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/how-llms-work/course/llm/half"
)

// pools returns a pool for every path this CPU runs and each thread count.
func pools(t *testing.T, threads ...int) []*Pool {
	t.Helper()
	var ps []*Pool
	for _, path := range Paths() {
		for _, n := range threads {
			p, err := NewPoolPath(n, path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(p.Close)
			ps = append(ps, p)
		}
	}
	return ps
}

func name(p *Pool) string { return fmt.Sprintf("%s/threads=%d", p.Path(), p.Threads()) }

func randBF16(rng *rand.Rand, n int) []uint16 {
	w := make([]uint16, n)
	for i := range w {
		w[i] = half.F32ToBF16(float32(rng.NormFloat64()))
	}
	return w
}

func randF16(rng *rand.Rand, n int) []uint16 {
	w := make([]uint16, n)
	for i := range w {
		// sign, exponent 10..19 (values 2^-5..2^4), random mantissa
		w[i] = uint16(rng.IntN(2))<<15 | uint16(10+rng.IntN(10))<<10 | uint16(rng.IntN(1024))
	}
	return w
}

func randF32(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return x
}

// refMatVec is the float64 reference: exact products, float64 sums. It also
// returns Σ|w·x| per row, which scales the allowed float32 rounding error.
func refMatVec(rows, cols int, w func(i int) float32, x []float32) (ref, mag []float64) {
	ref = make([]float64, rows)
	mag = make([]float64, rows)
	for r := range rows {
		for c := range cols {
			v := float64(w(r*cols+c)) * float64(x[c])
			ref[r] += v
			mag[r] += math.Abs(v)
		}
	}
	return ref, mag
}

// check fails t unless every got[i] is within float32 rounding of ref[i].
func check(t *testing.T, what string, got []float32, ref, mag []float64, cols int) {
	t.Helper()
	checkTol(t, what, got, ref, mag, 4e-7*math.Sqrt(float64(cols)+1)*8)
}

// matMulTol is the error bound of MatMulBF16 on path p relative to Σ|w·x|:
// float32 rounding, or for PathAVX512BF16 the rounding of x to BF16 on
// top: 8 significant bits rounded to nearest, so a relative error of up to
// 2⁻⁸ per element (2⁻⁹ was too tight: FuzzPaths found a product 2.06e-3 off).
func matMulTol(p *Pool, cols int) float64 {
	if !p.Path().Exact() {
		return 0x1p-8 + 4e-7*math.Sqrt(float64(cols)+1)*8
	}
	return 4e-7 * math.Sqrt(float64(cols)+1) * 8
}

// checkTol fails t unless every |got[i] − ref[i]| ≤ tol·mag[i].
func checkTol(t *testing.T, what string, got []float32, ref, mag []float64, tol float64) {
	t.Helper()
	bad := 0
	for i := range got {
		if d := math.Abs(float64(got[i]) - ref[i]); d > tol*mag[i]+1e-30 || math.IsNaN(float64(got[i])) {
			if bad < 5 {
				t.Errorf("%s: [%d] = %g, want %g (|diff| %.3g > %.3g)", what, i, got[i], ref[i], d, tol*mag[i])
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d values wrong", what, bad, len(got))
	}
}

var shapes = []struct{ rows, cols int }{
	{1, 1}, {1, 16}, {3, 7}, {5, 15}, {17, 16}, {4, 31}, {33, 32}, {64, 33},
	{100, 257}, {7, 1000}, {130, 1029}, {70, 1030}, {40, 2100}, {257, 512},
	// above minWork, so split across threads: uneven parts, a 1-row part
	{300, 1001}, {33, 8200},
}

func TestMatVecBF16(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sh := range shapes {
		w := randBF16(rng, sh.rows*sh.cols)
		x := randF32(rng, sh.cols)
		ref, mag := refMatVec(sh.rows, sh.cols, func(i int) float32 { return half.BF16ToF32(w[i]) }, x)
		for _, p := range pools(t, 1, 2, 3) {
			dst := make([]float32, sh.rows)
			p.MatVecBF16(dst, w, x)
			check(t, fmt.Sprintf("%s %dx%d", name(p), sh.rows, sh.cols), dst, ref, mag, sh.cols)
		}
	}
}

func TestMatVecF16(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, sh := range shapes {
		w := randF16(rng, sh.rows*sh.cols)
		x := randF32(rng, sh.cols)
		ref, mag := refMatVec(sh.rows, sh.cols, func(i int) float32 { return half.F16ToF32(w[i]) }, x)
		for _, p := range pools(t, 1, 2) {
			dst := make([]float32, sh.rows)
			p.MatVecF16(dst, w, x)
			check(t, fmt.Sprintf("%s %dx%d", name(p), sh.rows, sh.cols), dst, ref, mag, sh.cols)
		}
	}
}

func TestMatVecF32(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, sh := range shapes {
		w := randF32(rng, sh.rows*sh.cols)
		x := randF32(rng, sh.cols)
		ref, mag := refMatVec(sh.rows, sh.cols, func(i int) float32 { return w[i] }, x)
		for _, p := range pools(t, 1, 2) {
			dst := make([]float32, sh.rows)
			p.MatVecF32(dst, w, x)
			check(t, fmt.Sprintf("%s %dx%d", name(p), sh.rows, sh.cols), dst, ref, mag, sh.cols)
		}
	}
}

func TestMatMulBF16(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	mmShapes := []struct{ rows, cols int }{{1, 5}, {3, 17}, {6, 40}, {37, 100}, {70, 1030}, {21, 2100}, {129, 64}, {8, 31}, {9, 33}}
	for _, sh := range mmShapes {
		w := randBF16(rng, sh.rows*sh.cols)
		for n := 1; n <= 17; n++ {
			x := randF32(rng, n*sh.cols)
			ref := make([]float64, n*sh.rows)
			mag := make([]float64, n*sh.rows)
			for tok := range n {
				r, m := refMatVec(sh.rows, sh.cols, func(i int) float32 { return half.BF16ToF32(w[i]) }, x[tok*sh.cols:(tok+1)*sh.cols])
				copy(ref[tok*sh.rows:], r)
				copy(mag[tok*sh.rows:], m)
			}
			for _, p := range pools(t, 1, 2, 3) {
				dst := make([]float32, n*sh.rows)
				for i := range dst {
					dst[i] = float32(math.NaN()) // every output must be written
				}
				p.MatMulBF16(dst, w, x, n)
				checkTol(t, fmt.Sprintf("%s %dx%d n=%d", name(p), sh.rows, sh.cols, n), dst, ref, mag, matMulTol(p, sh.cols))
			}
		}
	}
}

// TestRandomShapes throws many random small shapes at every path and
// compares them with the pure-Go path and the float64 reference.
func TestRandomShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	ps := pools(t, 1, 2)
	for iter := range 60 {
		rows, cols, n := 1+rng.IntN(90), 1+rng.IntN(300), 1+rng.IntN(9)
		if iter%10 == 0 {
			rows, cols = 16+rng.IntN(200), 300+rng.IntN(1500)
		}
		w := randBF16(rng, rows*cols)
		x := randF32(rng, n*cols)
		ref := make([]float64, n*rows)
		mag := make([]float64, n*rows)
		for tok := range n {
			r, m := refMatVec(rows, cols, func(i int) float32 { return half.BF16ToF32(w[i]) }, x[tok*cols:(tok+1)*cols])
			copy(ref[tok*rows:], r)
			copy(mag[tok*rows:], m)
		}
		for _, p := range ps {
			what := fmt.Sprintf("%s rows=%d cols=%d n=%d", name(p), rows, cols, n)
			dst := make([]float32, n*rows)
			p.MatMulBF16(dst, w, x, n)
			checkTol(t, "MatMul "+what, dst, ref, mag, matMulTol(p, cols))
			p.MatVecBF16(dst[:rows], w, x[:cols])
			check(t, "MatVec "+what, dst[:rows], ref[:rows], mag[:rows], cols)
		}
	}
}

func TestNilPool(t *testing.T) {
	var p *Pool
	w := []uint16{half.F32ToBF16(1), half.F32ToBF16(2), half.F32ToBF16(3), half.F32ToBF16(-1), half.F32ToBF16(0.5), half.F32ToBF16(4)}
	x := []float32{1, 10, 100}
	dst := make([]float32, 2)
	p.MatVecBF16(dst, w, x)
	if dst[0] != 321 || dst[1] != 404 {
		t.Errorf("nil pool MatVecBF16 = %v, want [321 404]", dst)
	}
	if p.Threads() != 1 {
		t.Errorf("nil pool Threads = %d, want 1", p.Threads())
	}
	dst2 := make([]float32, 4)
	p.MatMulBF16(dst2, w, []float32{1, 10, 100, 0, 1, 0}, 2)
	if want := []float32{321, 404, 2, 0.5}; fmt.Sprint(dst2) != fmt.Sprint(want) {
		t.Errorf("nil pool MatMulBF16 = %v, want %v", dst2, want)
	}
}

func TestShapeMismatchPanics(t *testing.T) {
	p := NewPool(1)
	for name, f := range map[string]func(){
		"MatVecBF16": func() { p.MatVecBF16(make([]float32, 2), make([]uint16, 5), make([]float32, 3)) },
		"MatVecF16":  func() { p.MatVecF16(make([]float32, 2), make([]uint16, 7), make([]float32, 3)) },
		"MatVecF32":  func() { p.MatVecF32(make([]float32, 2), make([]float32, 5), make([]float32, 3)) },
		"MatMulBF16": func() { p.MatMulBF16(make([]float32, 4), make([]uint16, 6), make([]float32, 7), 2) },
		"MatMulNeg":  func() { p.MatMulBF16(nil, nil, nil, -1) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s with mismatched shapes did not panic", name)
				}
			}()
			f()
		}()
	}
}

func TestNoAllocations(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const rows, cols, n = 512, 1024, 8 // above minWork: helpers are used
	w := randBF16(rng, rows*cols)
	x := randF32(rng, n*cols)
	dst := make([]float32, n*rows)
	for _, p := range pools(t, 1, 2) {
		p.MatMulBF16(dst, w, x, n) // warm the scratch buffers
		if a := testing.AllocsPerRun(20, func() { p.MatVecBF16(dst[:rows], w, x[:cols]) }); a != 0 {
			t.Errorf("%s: MatVecBF16 allocates %v times per call", name(p), a)
		}
		if a := testing.AllocsPerRun(20, func() { p.MatMulBF16(dst, w, x, n) }); a != 0 {
			t.Errorf("%s: MatMulBF16 allocates %v times per call", name(p), a)
		}
	}
}

// waitGoroutines waits up to two seconds for the goroutine count to fall to want.
func waitGoroutines(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > want {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines running, want %d: pool helpers leaked", runtime.NumGoroutine(), want)
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}

// settledGoroutines returns the goroutine count once helpers of earlier
// tests' pools have finished exiting.
func settledGoroutines() int {
	n := runtime.NumGoroutine()
	for range 100 {
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m == n {
			break
		}
		n = m
	}
	return n
}

func TestPoolStopsHelpers(t *testing.T) {
	base := settledGoroutines()
	p := NewPool(4)
	if got := runtime.NumGoroutine(); got != base+3 {
		t.Fatalf("NewPool(4) started %d goroutines, want 3", got-base)
	}
	p.Close()
	waitGoroutines(t, base)
	// A closed pool still computes, on one thread.
	dst := make([]float32, 1)
	p.MatVecF32(dst, []float32{2, 3}, []float32{4, 5})
	if dst[0] != 23 {
		t.Errorf("closed pool MatVecF32 = %v, want 23", dst[0])
	}
	func() {
		q := NewPool(3)
		q.MatVecF32(dst, []float32{1}, []float32{1})
	}()
	waitGoroutines(t, base) // an unreachable pool is cleaned up by the GC
}

func TestPathSelection(t *testing.T) {
	t.Setenv(EnvPath, "go")
	if p := NewPool(2); p.Path() != PathGo {
		t.Errorf("LLM_KERNELS=go: pool path %s", p.Path())
	}
	t.Setenv(EnvPath, "nonsense")
	if p := NewPool(1); p.Path() != BestPath() {
		t.Errorf("LLM_KERNELS=nonsense: pool path %s, want best %s", p.Path(), BestPath())
	}
	if _, err := pathFromEnv(); err == nil {
		t.Error("LLM_KERNELS=nonsense: no error from pathFromEnv")
	}
	if !BestPath().Exact() {
		t.Errorf("BestPath() = %s, which is not exact", BestPath())
	}
	for _, s := range []string{"go", "avx2", "AVX512", "avx512bf16"} {
		p, err := ParsePath(s)
		if err != nil {
			t.Fatal(err)
		}
		if q, _ := ParsePath(p.String()); q != p {
			t.Errorf("ParsePath(%q).String() does not round-trip", s)
		}
	}
	if _, err := ParsePath("sse"); err == nil {
		t.Error("ParsePath(sse): no error")
	}
	for _, path := range []Path{PathAVX2, PathAVX512, PathAVX512BF16} {
		if _, err := NewPoolPath(1, path); (err == nil) != path.Supported() {
			t.Errorf("NewPoolPath(%s): err=%v but Supported=%v", path, err, path.Supported())
		}
	}
	if Paths()[0] != PathGo {
		t.Errorf("Paths() = %v, want PathGo first", Paths())
	}
}

func TestReadBandwidth(t *testing.T) {
	buf := BandwidthBuffer(1<<20 + 100)
	want := goImpl.read(buf)
	for _, p := range pools(t, 1, 2) {
		if got := p.kernels().read(buf); p.Threads() == 1 && p.Path() != PathGo && got == 0 {
			t.Errorf("%s: read returned 0", name(p))
		}
		if bw := p.ReadBandwidth(buf, 0); !(bw > 1e6) {
			t.Errorf("%s: ReadBandwidth = %g B/s, want a positive rate", name(p), bw)
		}
	}
	if want == 0 {
		t.Error("readGo returned 0 on non-zero data")
	}
}

// TestRead4 checks that the four-stream read covers every byte once: on a
// buffer of whole 512-byte blocks both reads xor every 8-byte word, so they
// agree, and flipping one byte anywhere (each quarter's first and last
// byte) changes the result.
func TestRead4(t *testing.T) {
	buf := BandwidthBuffer(64 << 10)
	seen := false
	for _, p := range pools(t, 1) {
		k := p.kernels()
		if k.read4 == nil {
			continue
		}
		seen = true
		want := k.read(buf)
		if got := k.read4(buf); got != want {
			t.Errorf("%s: read4 = %#x, read = %#x", name(p), got, want)
		}
		q := len(buf) / 4
		for _, i := range []int{0, q - 1, q, 2*q - 1, 2 * q, 3*q - 1, 3 * q, len(buf) - 1} {
			buf[i] ^= 0x40
			if got := k.read4(buf); got == want {
				t.Errorf("%s: read4 ignores byte %d", name(p), i)
			}
			buf[i] ^= 0x40
		}
		one, four := p.ReadBandwidths(buf, 0)
		if !(one > 1e6 && four > 1e6) {
			t.Errorf("%s: ReadBandwidths = %g, %g B/s, want positive rates", name(p), one, four)
		}
	}
	if !seen && runtime.GOARCH == "amd64" && (PathAVX2.Supported() || PathAVX512.Supported()) {
		t.Error("no kernel path has a four-stream read")
	}
}

// TestMatMulBF16DotExact checks the avx512bf16 path against a float64
// reference that rounds x to BF16 exactly where the kernel does (whole
// 32-column blocks), so only float32 summation error remains.
func TestMatMulBF16DotExact(t *testing.T) {
	if !PathAVX512BF16.Supported() {
		t.Skip("this CPU has no AVX512_BF16")
	}
	p := MustPool(2, PathAVX512BF16)
	defer p.Close()
	rng := rand.New(rand.NewPCG(19, 20))
	for _, sh := range []struct{ rows, cols, n int }{{4, 32, 6}, {64, 64, 45}, {37, 100, 7}, {130, 1030, 13}, {8, 2100, 2}} {
		w := randBF16(rng, sh.rows*sh.cols)
		x := randF32(rng, sh.n*sh.cols)
		xr := make([]float32, len(x))
		for tok := range sh.n {
			for c := range sh.cols {
				v := x[tok*sh.cols+c]
				if c < sh.cols/32*32 {
					v = half.BF16ToF32(half.F32ToBF16(v))
				}
				xr[tok*sh.cols+c] = v
			}
		}
		ref := make([]float64, sh.n*sh.rows)
		mag := make([]float64, sh.n*sh.rows)
		for tok := range sh.n {
			r, m := refMatVec(sh.rows, sh.cols, func(i int) float32 { return half.BF16ToF32(w[i]) }, xr[tok*sh.cols:(tok+1)*sh.cols])
			copy(ref[tok*sh.rows:], r)
			copy(mag[tok*sh.rows:], m)
		}
		dst := make([]float32, sh.n*sh.rows)
		p.MatMulBF16(dst, w, x, sh.n)
		check(t, fmt.Sprintf("avx512bf16 %dx%d n=%d", sh.rows, sh.cols, sh.n), dst, ref, mag, sh.cols)
	}
}

func TestFor(t *testing.T) {
	for _, threads := range []int{1, 2, 3, 5} {
		p := NewPool(threads)
		for n := range 40 {
			seen := make([]int32, n)
			calls := make(chan [2]int, 16)
			p.For(n, func(lo, hi int) {
				if lo >= hi {
					t.Errorf("threads=%d n=%d: empty range [%d, %d)", threads, n, lo, hi)
				}
				for i := lo; i < hi; i++ {
					seen[i]++ // ranges are disjoint: no race
				}
				calls <- [2]int{lo, hi}
			})
			close(calls)
			parts := 0
			for range calls {
				parts++
			}
			for i, c := range seen {
				if c != 1 {
					t.Fatalf("threads=%d n=%d: index %d visited %d times", threads, n, i, c)
				}
			}
			if want := min(threads, n); parts != want {
				t.Errorf("threads=%d n=%d: %d ranges, want %d", threads, n, parts, want)
			}
		}
		p.Close()
	}
}

// TestEmptyShapes: zero rows, zero columns or zero tokens are valid and
// leave dst all zeros (or untouched when it is empty).
func TestEmptyShapes(t *testing.T) {
	for _, p := range pools(t, 1, 2) {
		dst := []float32{7, 7, 7}
		p.MatVecBF16(dst, nil, nil) // 3 rows of 0 columns
		p.MatVecF16(dst[:2], nil, nil)
		p.MatVecF32(dst[:1], nil, nil)
		if dst[0] != 0 || dst[1] != 0 || dst[2] != 0 {
			t.Errorf("%s: zero-column products = %v, want zeros", name(p), dst)
		}
		p.MatVecBF16(nil, nil, []float32{1, 2}) // 0 rows
		d2 := []float32{5, 5, 5, 5}
		p.MatMulBF16(d2, nil, nil, 2) // 2 tokens, 2 rows, 0 columns
		if d2[0] != 0 || d2[3] != 0 {
			t.Errorf("%s: zero-column MatMulBF16 = %v, want zeros", name(p), d2)
		}
		p.MatMulBF16(nil, nil, make([]float32, 6), 3) // 0 rows
		p.MatMulBF16(nil, nil, nil, 0)
		p.DeltaRule(nil, nil, nil, nil, nil, 1, 1)
		if got := p.Dot(nil, nil); got != 0 {
			t.Errorf("%s: Dot(nil, nil) = %g", name(p), got)
		}
	}
}

// FuzzPaths compares every path with the float64 reference on shapes and
// values chosen by the fuzzer (go test -fuzz FuzzPaths ./llm/simd).
func FuzzPaths(f *testing.F) {
	f.Add(uint8(5), uint16(17), uint8(3), uint64(1))
	f.Add(uint8(64), uint16(1030), uint8(7), uint64(2))
	f.Add(uint8(1), uint16(1), uint8(1), uint64(3))
	ps := []*Pool{}
	for _, path := range Paths() {
		p := MustPool(2, path)
		f.Cleanup(p.Close)
		ps = append(ps, p)
	}
	f.Fuzz(func(t *testing.T, rows8 uint8, cols16 uint16, n8 uint8, seed uint64) {
		rows, cols, n := int(rows8)+1, int(cols16%2100)+1, int(n8%17)+1
		rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
		w := randBF16(rng, rows*cols)
		x := randF32(rng, n*cols)
		ref := make([]float64, n*rows)
		mag := make([]float64, n*rows)
		for tok := range n {
			r, m := refMatVec(rows, cols, func(i int) float32 { return half.BF16ToF32(w[i]) }, x[tok*cols:(tok+1)*cols])
			copy(ref[tok*rows:], r)
			copy(mag[tok*rows:], m)
		}
		for _, p := range ps {
			dst := make([]float32, n*rows)
			p.MatMulBF16(dst, w, x, n)
			checkTol(t, "MatMul "+name(p), dst, ref, mag, matMulTol(p, cols))
			p.MatVecBF16(dst[:rows], w, x[:cols])
			check(t, "MatVec "+name(p), dst[:rows], ref[:rows], mag[:rows], cols)
		}
	})
}

// TestForPanicRecovers: a panic in the caller's part of For waits for the
// helpers, so the pool computes correctly afterwards.
func TestForPanicRecovers(t *testing.T) {
	p := NewPool(2)
	defer p.Close()
	func() {
		defer func() {
			if recover() == nil {
				t.Error("For did not pass on the panic")
			}
		}()
		p.For(2, func(lo, hi int) {
			if lo == 0 {
				panic("part 0")
			}
			time.Sleep(20 * time.Millisecond) // the helper finishes late
		})
	}()
	var sum [4]int
	p.For(4, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			time.Sleep(time.Millisecond)
			sum[i] = i + 1
		}
	})
	if sum != [4]int{1, 2, 3, 4} {
		t.Errorf("For after a panic: %v, want [1 2 3 4]", sum)
	}
}

// TestForWakesParkedHelpers: helpers that have parked (idle longer than
// spinFor) and helpers that sat out a job with fewer parts all take their
// part of the next job, every time.
func TestForWakesParkedHelpers(t *testing.T) {
	p := NewPool(3)
	defer p.Close()
	for i := range 12 {
		if i%3 == 0 {
			time.Sleep(3 * spinFor) // let every helper park
		}
		n := 2 + i%2 // jobs of 2 parts leave helper 2 out
		var seen [3]int32
		p.For(n, func(lo, hi int) {
			for j := lo; j < hi; j++ {
				seen[j]++
			}
		})
		for j := range 3 {
			if want := int32(min(1, max(0, n-j))); seen[j] != want {
				t.Fatalf("call %d, For(%d): index %d visited %d times, want %d", i, n, j, seen[j], want)
			}
		}
	}
}
