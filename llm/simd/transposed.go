package simd

import "fmt"

// The float32 products the trainer (package train) needs beyond MatMulF32:
// a product with B given transposed (a Linear layer's forward pass,
// y = x·Wᵀ), and the two matrix-vector products of back-propagating the
// DeltaNet recurrence through one head's state (xᵀ·W and W ← s·W + x⊗y).
// Like MatMulF32 they run on the calling goroutine.

// btPanel is the number of columns of C (rows of B) MatMulF32BT transposes
// at a time: the width of MatMulF32's tile, so a panel of k×32 floats
// stays in L1 while every row of A meets it.
const btPanel = 32

// MatMulF32BT is MatMulF32 with B given transposed: C ← β·C +
// α·diag(rowScale)·A·Bᵀ for an n×k matrix B whose rows lie ldb ≥ k apart,
// Bᵀ[p][j] = b[j·ldb + p]. A Linear layer y = x·Wᵀ with W [out, in] is
// MatMulF32BT(tokens, out, in, 1, nil, x, in, 1, w, in, 0, y, out). A, C,
// rowScale and β are as in MatMulF32. It runs on the calling goroutine,
// on the path LLM_KERNELS names (or the fastest).
func MatMulF32BT(m, n, k int, alpha float32, rowScale, a []float32, ars, aps int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	defaultImpl().path.matMulF32BT(m, n, k, alpha, rowScale, a, ars, aps, b, ldb, beta, c, ldc)
}

// MatMulF32BT is the package MatMulF32BT on the pool's path, on the
// calling goroutine.
func (p *Pool) MatMulF32BT(m, n, k int, alpha float32, rowScale, a []float32, ars, aps int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	p.Path().matMulF32BT(m, n, k, alpha, rowScale, a, ars, aps, b, ldb, beta, c, ldc)
}

// matMulF32BT transposes B panel by panel into a buffer and runs
// MatMulF32 on each panel (the assembly paths), or takes dot products of
// rows of A and B (the Go path, whose MatMulF32 has no tiles to feed).
func (path Path) matMulF32BT(m, n, k int, alpha float32, rowScale, a []float32, ars, aps int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	// m, n, the strides, C and rowScale as MatMulF32 checks them; A and B here.
	checkMatMulF32(m, n, 0, rowScale, nil, ars, aps, nil, n, c, ldc)
	if k < 0 || ldb < k || m > 0 && n > 0 && k > 0 && (len(a) <= (m-1)*ars+(k-1)*aps || len(b) < (n-1)*ldb+k) {
		panic(fmt.Sprintf("simd: MatMulF32BT: m %d n %d k %d, ars %d aps %d ldb %d do not fit len(a) %d len(b) %d",
			m, n, k, ars, aps, ldb, len(a), len(b)))
	}
	if m == 0 || n == 0 {
		return
	}
	if !matMulF32Asm(path) || k == 0 {
		matMulF32BTGo(m, n, k, alpha, rowScale, a, ars, aps, b, ldb, beta, c, ldc)
		return
	}
	pan := make([]float32, k*btPanel)
	for j0 := 0; j0 < n; j0 += btPanel {
		w := min(btPanel, n-j0)
		path.transposeF32(pan, w, b[j0*ldb:], ldb, w, k)
		path.matMulF32(m, w, k, alpha, rowScale, a, ars, aps, pan, w, beta, c[j0:], ldc)
	}
}

// matMulF32BTGo: C[r][j] ← β·C[r][j] + α·s_r·(A[r]·B[j]), each a dot
// product along two rows when A is row-major.
func matMulF32BTGo(m, n, k int, alpha float32, rowScale, a []float32, ars, aps int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	var ar []float32
	if aps != 1 {
		ar = make([]float32, k)
	}
	for r := range m {
		s := alpha
		if rowScale != nil {
			s *= rowScale[r]
		}
		if aps == 1 {
			ar = a[r*ars : r*ars+k]
		} else {
			for p := range ar {
				ar[p] = a[r*ars+p*aps]
			}
		}
		cr := c[r*ldc : r*ldc+n]
		for j := range cr {
			d := s * dotGo(ar, b[j*ldb:j*ldb+k])
			if beta != 0 {
				d += beta * cr[j]
			}
			cr[j] = d
		}
	}
}

// VecMatF32 adds xᵀ·W to dst: dst[j] += Σ_i x[i]·w[i·ldw + j] for a matrix
// W of len(x) rows and len(dst) columns whose rows lie ldw ≥ len(dst)
// apart (the product with Wᵀ, where MatVecF32 multiplies by W). It runs on
// the calling goroutine, on the path LLM_KERNELS names (or the fastest).
func VecMatF32(dst, x, w []float32, ldw int) { defaultImpl().path.vecMatF32(dst, x, w, ldw) }

// VecMatF32 is the package VecMatF32 on the pool's path.
func (p *Pool) VecMatF32(dst, x, w []float32, ldw int) { p.Path().vecMatF32(dst, x, w, ldw) }

func (path Path) vecMatF32(dst, x, w []float32, ldw int) {
	checkRows("VecMatF32", len(x), len(dst), w, ldw)
	if len(x) == 0 || len(dst) == 0 {
		return
	}
	c0 := vecMatF32Asm(path, dst, x, w, ldw) // the columns the assembly did
	if c0 == len(dst) {
		return
	}
	for i, xi := range x {
		axpyGo(dst[c0:], xi, w[i*ldw+c0:i*ldw+len(dst)])
	}
}

// Rank1F32 sets W ← s·W + x⊗y: w[i·ldw + j] = s·w[i·ldw + j] + x[i]·y[j]
// for a matrix W of len(x) rows and len(y) columns whose rows lie ldw ≥
// len(y) apart (BLAS's rank-1 update, with W scaled first). It runs on
// the calling goroutine, on the path LLM_KERNELS names (or the fastest).
func Rank1F32(w []float32, ldw int, s float32, x, y []float32) {
	defaultImpl().path.rank1F32(w, ldw, s, x, y)
}

// Rank1F32 is the package Rank1F32 on the pool's path.
func (p *Pool) Rank1F32(w []float32, ldw int, s float32, x, y []float32) {
	p.Path().rank1F32(w, ldw, s, x, y)
}

func (path Path) rank1F32(w []float32, ldw int, s float32, x, y []float32) {
	checkRows("Rank1F32", len(x), len(y), w, ldw)
	if len(x) == 0 || len(y) == 0 {
		return
	}
	c0 := rank1F32Asm(path, w, ldw, s, x, y) // the columns the assembly did
	if c0 == len(y) {
		return
	}
	y = y[c0:]
	for i, xi := range x {
		row := w[i*ldw+c0 : i*ldw+c0+len(y)]
		for j, yj := range y {
			row[j] = s*row[j] + xi*yj
		}
	}
}

// checkRows panics unless w holds rows × cols floats with rows ldw apart.
func checkRows(fn string, rows, cols int, w []float32, ldw int) {
	if ldw < cols || rows > 0 && cols > 0 && len(w) < (rows-1)*ldw+cols {
		panic(fmt.Sprintf("simd: %s: %d rows of %d columns, ldw %d, need ldw ≥ columns and len(w) ≥ %d, have %d",
			fn, rows, cols, ldw, (rows-1)*ldw+cols, len(w)))
	}
}
