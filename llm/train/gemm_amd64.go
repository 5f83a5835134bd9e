//go:build amd64 && !purego

package train

import (
	"golang.org/x/sys/cpu"
)

// hasGemmAsm reports whether the AVX2+FMA float32 micro-kernel can run.
var hasGemmAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func gemm4x16(c *float32, ldc int, a *float32, ars int, aps int, b *float32, ldb int, k int)

// gemmTiles runs the 4×16 micro-kernel over the full tiles of C[m,n] +=
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
	pan := make([]float32, k*16)
	for j := 0; j < cols; j += 16 {
		if bT {
			for jj := 0; jj < 16; jj++ {
				for p, v := range b[(j+jj)*k : (j+jj+1)*k] {
					pan[p*16+jj] = v
				}
			}
		} else {
			for p := 0; p < k; p++ {
				copy(pan[p*16:p*16+16], b[p*n+j:])
			}
		}
		for i := 0; i < rows; i += 4 {
			gemm4x16(&c[i*n+j], n, &a[i*ars], ars, aps, &pan[0], 16, k)
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
