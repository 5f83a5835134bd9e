//go:build amd64 && !purego

package train

import (
	"golang.org/x/sys/cpu"
)

// hasGemmAsm reports whether the AVX2+FMA float32 micro-kernel can run;
// hasGemm512 whether the AVX-512 one (32 columns) can.
var (
	hasGemmAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	hasGemm512 = hasGemmAsm && cpu.X86.HasAVX512F
)

//go:noescape
func gemm4x16(c *float32, ldc int, a *float32, ars int, aps int, b *float32, ldb int, k int)

//go:noescape
func gemm4x32(c *float32, ldc int, a *float32, ars int, aps int, b *float32, ldb int, k int)

// gemmTiles runs the 4×32 (AVX-512) or 4×16 (AVX2) micro-kernel over the
// full tiles of C[m,n] +=
// A·B, with A(r,p) at a[r·ars + p·aps] and B either row-major [k, n] or,
// with bT, given transposed as [n, k]. Each 16-column panel of B is first
// packed into a contiguous k×16 buffer (which also performs the transpose),
// so it stays in L1 while the row tiles of A stream past it. It returns the
// rows and columns covered; the caller finishes the edges.
func gemmTiles(c, a, b []float32, m, n, k, ars, aps int, bT bool) (rows, cols int) {
	rows, cols = m&^3, n&^15
	if rows == 0 || cols == 0 || k == 0 {
		return 0, 0
	}
	w := 16
	if hasGemm512 && n >= 32 {
		w = 32
	}
	pan := make([]float32, k*w)
	for j := 0; j < cols; j += w {
		if j+w > cols { // the last panel of a 32-wide pass may be 16 wide
			w = 16
		}
		if bT {
			for jj := 0; jj < w; jj++ {
				for p, v := range b[(j+jj)*k : (j+jj+1)*k] {
					pan[p*w+jj] = v
				}
			}
		} else {
			for p := 0; p < k; p++ {
				copy(pan[p*w:p*w+w], b[p*n+j:])
			}
		}
		for i := 0; i < rows; i += 4 {
			if w == 32 {
				gemm4x32(&c[i*n+j], n, &a[i*ars], ars, aps, &pan[0], 32, k)
			} else {
				gemm4x16(&c[i*n+j], n, &a[i*ars], ars, aps, &pan[0], 16, k)
			}
		}
	}
	return rows, cols
}

// axpyAsm computes y[i] += a·x[i] for i < n (n a multiple of 8).
//
//go:noescape
func axpyAsm(y, x *float32, a float32, n int)

// dotAsm returns Σ x[i]·y[i] for i < n (n a multiple of 8).
//
//go:noescape
func dotAsm(x, y *float32, n int) float32

// vecMatAsm computes out[j] += Σ_i a[i]·m[i·cols+j] (cols a multiple of 8).
//
//go:noescape
func vecMatAsm(out, a, m *float32, rows, cols int)

// matVecAsm computes out[i] += Σ_j m[i·cols+j]·x[j] (cols a multiple of 8).
//
//go:noescape
func matVecAsm(out, m, x *float32, rows, cols int)

// rank1Asm computes dst[i·cols+j] = s·src[i·cols+j] + a[i]·x[j] (cols a
// multiple of 8; dst may be src).
//
//go:noescape
func rank1Asm(dst, src, a, x *float32, s float32, rows, cols int)
