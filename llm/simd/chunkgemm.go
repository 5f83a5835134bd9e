package simd

import "fmt"

// Small float32 matrix products for the chunked Gated DeltaNet form (spec
// §7.6): products of a 64-token chunk's 64×128 and 128×128 operands, all
// in one thread (a loop body under Pool.For may call them).

// MatMulF32 sets C ← β·C + α·diag(rowScale)·A·B for an m×k matrix A, a k×n
// matrix B and an m×n matrix C, where
//
//	A[r][p] = a[r·ars + p·aps]  (any layout: row-major, column-major, strided)
//	B[p][j] = b[p·ldb + j]      (row-major, rows ldb ≥ n apart)
//	C[r][j] = c[r·ldc + j]      (row-major, rows ldc ≥ n apart)
//
// rowScale may be nil (all ones); otherwise it holds m factors, one per
// row of the product. When beta is 0, C is only written (as in BLAS: NaNs
// in it do not propagate). C must not overlap A or B, except that it may
// be the part of the same buffer that the product does not read. It runs
// on the calling goroutine, on the path LLM_KERNELS names (or the fastest).
func MatMulF32(m, n, k int, alpha float32, rowScale, a []float32, ars, aps int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	defaultImpl().path.matMulF32(m, n, k, alpha, rowScale, a, ars, aps, b, ldb, beta, c, ldc)
}

// MatMulF32 is the package MatMulF32 on the pool's path, on the calling
// goroutine.
func (p *Pool) MatMulF32(m, n, k int, alpha float32, rowScale, a []float32, ars, aps int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	p.Path().matMulF32(m, n, k, alpha, rowScale, a, ars, aps, b, ldb, beta, c, ldc)
}

// MatMulF32Fast reports whether the pool's path has an assembly MatMulF32
// (about 20× the pure-Go loops), so that callers can choose between a
// GEMM-shaped algorithm and a matrix-vector one.
func (p *Pool) MatMulF32Fast() bool { return matMulF32Asm(p.Path()) }

func (path Path) matMulF32(m, n, k int, alpha float32, rowScale, a []float32, ars, aps int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkMatMulF32(m, n, k, rowScale, a, ars, aps, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if matMulF32Asm(path) {
		matMulF32Tiles(path, m, n, k, alpha, rowScale, a, ars, aps, b, ldb, beta, c, ldc)
		return
	}
	matMulF32Go(m, n, k, alpha, rowScale, a, ars, aps, b, ldb, beta, c, ldc)
}

func checkMatMulF32(m, n, k int, rowScale, a []float32, ars, aps int, b []float32, ldb int, c []float32, ldc int) {
	bad := m < 0 || n < 0 || k < 0 || ars < 0 || aps < 0 || ldb < n || ldc < n ||
		rowScale != nil && len(rowScale) < m
	if !bad && m > 0 && n > 0 {
		bad = len(c) < (m-1)*ldc+n
		if k > 0 {
			bad = bad || len(a) <= (m-1)*ars+(k-1)*aps || len(b) < (k-1)*ldb+n
		}
	}
	if bad {
		panic(fmt.Sprintf("simd: MatMulF32: m %d n %d k %d, ars %d aps %d ldb %d ldc %d do not fit len(a) %d len(b) %d len(c) %d len(rowScale) %d",
			m, n, k, ars, aps, ldb, ldc, len(a), len(b), len(c), len(rowScale)))
	}
}

// matMulF32Go is the portable MatMulF32: each row of C is scaled by β and
// then gets the rows of B, four at a time (so the inner loop runs along a
// row and reads and writes C once per four rows of B).
func matMulF32Go(m, n, k int, alpha float32, rowScale, a []float32, ars, aps int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for r := range m {
		cr := c[r*ldc : r*ldc+n]
		if beta == 0 {
			clear(cr)
		} else if beta != 1 {
			for j := range cr {
				cr[j] *= beta
			}
		}
		s := alpha
		if rowScale != nil {
			s *= rowScale[r]
		}
		p := 0
		for ; p+4 <= k; p += 4 {
			axpy4Go(cr, b[p*ldb:], b[(p+1)*ldb:], b[(p+2)*ldb:], b[(p+3)*ldb:],
				s*a[r*ars+p*aps], s*a[r*ars+(p+1)*aps], s*a[r*ars+(p+2)*aps], s*a[r*ars+(p+3)*aps])
		}
		for ; p < k; p++ {
			axpyGo(cr, s*a[r*ars+p*aps], b[p*ldb:p*ldb+n])
		}
	}
}
