// Package kernels holds the numeric inner loops of the engine: matrix-vector
// and matrix-matrix products over weights stored as BF16, F16 or F32, and a
// few vector helpers. The teaching code in package model calls these through
// small, boring signatures; the speed lives here.
//
// Matrices are row-major [rows, cols] in PyTorch Linear layout ([out, in]),
// so MatVec computes dst[r] = Σ_c w[r*cols+c]·x[c].
package kernels

import (
	"math"
	"sync"
)

// BF16ToF32 widens one bfloat16 value exactly.
func BF16ToF32(b uint16) float32 { return math.Float32frombits(uint32(b) << 16) }

// F32ToBF16 rounds a float32 to the nearest bfloat16 (ties to even); NaN stays NaN.
func F32ToBF16(f float32) uint16 {
	u := math.Float32bits(f)
	if u&0x7fffffff > 0x7f800000 { // NaN
		return uint16(u>>16) | 0x40
	}
	u += 0x7fff + (u>>16)&1
	return uint16(u >> 16)
}

// F16ToF32 widens one IEEE half-precision value exactly.
func F16ToF32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	man := uint32(h) & 0x3ff
	switch {
	case exp == 0 && man == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal
		e := uint32(127 - 15 + 1)
		for man&0x400 == 0 {
			man <<= 1
			e--
		}
		man &= 0x3ff
		return math.Float32frombits(sign | e<<23 | man<<13)
	case exp == 0x1f:
		return math.Float32frombits(sign | 0xff<<23 | man<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | man<<13)
}

// Pool runs row-parallel kernels on a fixed number of threads. A nil *Pool or
// one with one thread runs everything on the calling goroutine.
type Pool struct {
	threads int
}

// NewPool returns a pool that splits work across threads goroutines
// (threads < 1 means 1).
func NewPool(threads int) *Pool {
	if threads < 1 {
		threads = 1
	}
	return &Pool{threads: threads}
}

// Threads reports how many goroutines the pool splits work across.
func (p *Pool) Threads() int {
	if p == nil {
		return 1
	}
	return p.threads
}

// parallelRows calls fn on disjoint row ranges [lo, hi) covering [0, rows).
func (p *Pool) parallelRows(rows int, fn func(lo, hi int)) {
	n := p.Threads()
	if n == 1 || rows < 64 {
		fn(0, rows)
		return
	}
	var wg sync.WaitGroup
	chunk := (rows + n - 1) / n
	for lo := 0; lo < rows; lo += chunk {
		hi := min(lo+chunk, rows)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}

// MatVecBF16 computes dst = W·x for a BF16 matrix W of shape [len(dst), len(x)].
func (p *Pool) MatVecBF16(dst []float32, w []uint16, x []float32) {
	cols := len(x)
	if len(w) != len(dst)*cols {
		panic("kernels: MatVecBF16 shape mismatch")
	}
	p.parallelRows(len(dst), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			row := w[r*cols : (r+1)*cols]
			var s float32
			for c, b := range row {
				s += BF16ToF32(b) * x[c]
			}
			dst[r] = s
		}
	})
}

// MatVecF16 computes dst = W·x for an F16 matrix W of shape [len(dst), len(x)].
func (p *Pool) MatVecF16(dst []float32, w []uint16, x []float32) {
	cols := len(x)
	if len(w) != len(dst)*cols {
		panic("kernels: MatVecF16 shape mismatch")
	}
	p.parallelRows(len(dst), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			row := w[r*cols : (r+1)*cols]
			var s float32
			for c, h := range row {
				s += F16ToF32(h) * x[c]
			}
			dst[r] = s
		}
	})
}

// MatVecF32 computes dst = W·x for an F32 matrix W of shape [len(dst), len(x)].
func (p *Pool) MatVecF32(dst []float32, w []float32, x []float32) {
	cols := len(x)
	if len(w) != len(dst)*cols {
		panic("kernels: MatVecF32 shape mismatch")
	}
	p.parallelRows(len(dst), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			dst[r] = Dot(w[r*cols:(r+1)*cols], x)
		}
	})
}

// MatMulBF16 computes dst[t] = W·x[t] for n tokens at once: x is [n, cols]
// row-major, dst is [n, rows] row-major, W is BF16 [rows, cols].
func (p *Pool) MatMulBF16(dst []float32, w []uint16, x []float32, n int) {
	if n == 0 {
		return
	}
	cols := len(x) / n
	rows := len(dst) / n
	if len(w) != rows*cols || len(x) != n*cols || len(dst) != n*rows {
		panic("kernels: MatMulBF16 shape mismatch")
	}
	p.parallelRows(rows, func(lo, hi int) {
		buf := make([]float32, cols)
		for r := lo; r < hi; r++ {
			for c, b := range w[r*cols : (r+1)*cols] {
				buf[c] = BF16ToF32(b)
			}
			for t := 0; t < n; t++ {
				dst[t*rows+r] = Dot(buf, x[t*cols:(t+1)*cols])
			}
		}
	})
}

// Dot returns Σ a[i]·b[i] over len(a) elements.
func Dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}
