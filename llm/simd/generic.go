package simd

import (
	"github.com/how-llms-work/course/llm/half"
)

// impl is one path's set of row-range kernels. The Pool splits rows across
// threads and calls these on each part.
type impl struct {
	path Path
	// matVec* compute dst[r] = W[r,:]·x for every r in dst; w holds exactly
	// len(dst) rows of len(x) columns (for matVecF32, rows stride apart, of
	// which the first len(x) columns count).
	matVecBF16 func(dst []float32, w []uint16, x []float32)
	matVecF16  func(dst []float32, w []uint16, x []float32)
	matVecF32  func(dst []float32, w []float32, stride int, x []float32)
	// matMulBF16 computes the columns [lo, hi) of every row t of dst
	// ([n, rows]): dst[t*rows+r] = W[r,:]·x[t*cols:(t+1)*cols].
	matMulBF16 func(dst []float32, w []uint16, x []float32, n, rows, cols, lo, hi int, s *scratch)
	// read streams through b and returns a value that depends on every byte
	// (so the reads cannot be skipped); it measures memory bandwidth.
	read func(b []byte) uint64
	// read4 is read in four streams, the quarters of b side by side (the
	// access pattern of the four-stream matrix-vector kernels), or nil.
	read4 func(b []byte) uint64

	dot       func(a, b []float32) float32 // len(b) == len(a)
	axpy      func(y []float32, a float32, x []float32)
	deltaRule func(S, q, k, v, out []float32, decay, beta float32)
	// deltaRuleT is deltaRule on a transposed state St [len(v), len(k)].
	deltaRuleT func(St, q, k, v, out []float32, decay, beta float32)
	// silu sets dst[i] = x[i]·sigmoid(x[i]), times up[i] when up != nil;
	// len(x) and len(up) equal len(dst).
	silu func(dst, x, up []float32)
	// sigmoid sets dst[i] = sigmoid(x[i]), times up[i] when up != nil.
	sigmoid func(dst, x, up []float32)
	// matVecQ8 is matVec for a Q8 matrix of len(dst) rows (len(x) a
	// multiple of Q8BlockSize).
	matVecQ8 func(dst []float32, q []int8, scales []float32, x []float32)
	// conv4 is CausalConv with 4 taps, or nil (then CausalConv runs Go).
	conv4 func(y, x, w, state []float32)
}

// scratch is per-thread working memory that persists across calls.
type scratch struct {
	f32 []float32
	u16 []uint16
}

// uint16s returns s's uint16 buffer resized to n elements (contents undefined).
func (s *scratch) uint16s(n int) []uint16 {
	if cap(s.u16) < n {
		s.u16 = make([]uint16, n)
	}
	return s.u16[:n]
}

// floats returns s's float buffer resized to n elements (contents undefined).
func (s *scratch) floats(n int) []float32 {
	if cap(s.f32) < n {
		s.f32 = make([]float32, n)
	}
	return s.f32[:n]
}

var goImpl = &impl{
	path:       PathGo,
	matVecBF16: matVecBF16Go,
	matVecF16:  matVecF16Go,
	matVecF32:  matVecF32Go,
	matMulBF16: matMulBF16Go,
	read:       readGo,
	dot:        dotGo,
	axpy:       axpyGo,
	deltaRule:  deltaRuleGo,
	deltaRuleT: deltaRuleTGo,
	silu:       siluGo,
	sigmoid:    sigmoidGo,
	matVecQ8:   matVecQ8Go,
}

func matVecBF16Go(dst []float32, w []uint16, x []float32) {
	cols := len(x)
	for r := range dst {
		dst[r] = dotBF16Go(w[r*cols:(r+1)*cols], x)
	}
}

// dotBF16Go returns Σ bf16(w[i])·x[i] with four independent partial sums.
func dotBF16Go(w []uint16, x []float32) float32 {
	x = x[:len(w)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(w); i += 4 {
		s0 += half.BF16ToF32(w[i]) * x[i]
		s1 += half.BF16ToF32(w[i+1]) * x[i+1]
		s2 += half.BF16ToF32(w[i+2]) * x[i+2]
		s3 += half.BF16ToF32(w[i+3]) * x[i+3]
	}
	for ; i < len(w); i++ {
		s0 += half.BF16ToF32(w[i]) * x[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func matVecF16Go(dst []float32, w []uint16, x []float32) {
	cols := len(x)
	for r := range dst {
		dst[r] = dotF16Go(w[r*cols:(r+1)*cols], x)
	}
}

// dotF16Go returns Σ f16(w[i])·x[i] with two independent partial sums.
func dotF16Go(w []uint16, x []float32) float32 {
	x = x[:len(w)]
	var s0, s1 float32
	i := 0
	for ; i+2 <= len(w); i += 2 {
		s0 += half.F16ToF32(w[i]) * x[i]
		s1 += half.F16ToF32(w[i+1]) * x[i+1]
	}
	if i < len(w) {
		s0 += half.F16ToF32(w[i]) * x[i]
	}
	return s0 + s1
}

func matVecF32Go(dst []float32, w []float32, stride int, x []float32) {
	cols := len(x)
	for r := range dst {
		dst[r] = dotGo(w[r*stride:r*stride+cols], x)
	}
}

// matMulBF16Go widens two weight rows at a time into scratch and computes
// their products with four tokens at once: eight sums in registers, each
// loaded value used two or four times (the portable analogue of the
// assembly tiles, small enough for amd64's sixteen float registers).
func matMulBF16Go(dst []float32, w []uint16, x []float32, n, rows, cols, lo, hi int, s *scratch) {
	buf := s.floats(2 * cols)
	r := lo
	for ; r+2 <= hi; r += 2 {
		for c, b := range w[r*cols : (r+2)*cols] {
			buf[c] = half.BF16ToF32(b)
		}
		w0, w1 := buf[:cols], buf[cols:2*cols]
		t := 0
		for ; t+4 <= n; t += 4 {
			x0 := x[t*cols : (t+1)*cols]
			x1 := x[(t+1)*cols : (t+2)*cols][:len(x0)]
			x2 := x[(t+2)*cols : (t+3)*cols][:len(x0)]
			x3 := x[(t+3)*cols : (t+4)*cols][:len(x0)]
			a0s, a1s := w0[:len(x0)], w1[:len(x0)]
			var s00, s01, s02, s03, s10, s11, s12, s13 float32
			for c, b0 := range x0 {
				a0, a1 := a0s[c], a1s[c]
				b1, b2, b3 := x1[c], x2[c], x3[c]
				s00 += a0 * b0
				s01 += a0 * b1
				s02 += a0 * b2
				s03 += a0 * b3
				s10 += a1 * b0
				s11 += a1 * b1
				s12 += a1 * b2
				s13 += a1 * b3
			}
			dst[t*rows+r], dst[t*rows+r+1] = s00, s10
			dst[(t+1)*rows+r], dst[(t+1)*rows+r+1] = s01, s11
			dst[(t+2)*rows+r], dst[(t+2)*rows+r+1] = s02, s12
			dst[(t+3)*rows+r], dst[(t+3)*rows+r+1] = s03, s13
		}
		for ; t < n; t++ {
			xt := x[t*cols : (t+1)*cols]
			dst[t*rows+r] = dotGo(w0, xt)
			dst[t*rows+r+1] = dotGo(w1, xt)
		}
	}
	for ; r < hi; r++ {
		row := buf[:cols]
		for c, b := range w[r*cols : (r+1)*cols] {
			row[c] = half.BF16ToF32(b)
		}
		for t := range n {
			dst[t*rows+r] = dotGo(row, x[t*cols:(t+1)*cols])
		}
	}
}

// readGo sums b as little-endian uint64 words (any tail bytes are ignored).
func readGo(b []byte) uint64 {
	var s0, s1, s2, s3 uint64
	i := 0
	for ; i+32 <= len(b); i += 32 {
		c := b[i : i+32 : i+32]
		s0 += uint64(c[0]) | uint64(c[1])<<8 | uint64(c[2])<<16 | uint64(c[3])<<24 | uint64(c[4])<<32 | uint64(c[5])<<40 | uint64(c[6])<<48 | uint64(c[7])<<56
		s1 += uint64(c[8]) | uint64(c[9])<<8 | uint64(c[10])<<16 | uint64(c[11])<<24 | uint64(c[12])<<32 | uint64(c[13])<<40 | uint64(c[14])<<48 | uint64(c[15])<<56
		s2 += uint64(c[16]) | uint64(c[17])<<8 | uint64(c[18])<<16 | uint64(c[19])<<24 | uint64(c[20])<<32 | uint64(c[21])<<40 | uint64(c[22])<<48 | uint64(c[23])<<56
		s3 += uint64(c[24]) | uint64(c[25])<<8 | uint64(c[26])<<16 | uint64(c[27])<<24 | uint64(c[28])<<32 | uint64(c[29])<<40 | uint64(c[30])<<48 | uint64(c[31])<<56
	}
	return s0 + s1 + s2 + s3
}
