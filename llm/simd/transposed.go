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

// matMulF32BTGo: C[r][j] ← β·C[r][j] + α·s_r·(A[r]·B[j]), dot products
// along rows of A and B, four rows of A at a time (each element of B
// loaded once for four sums).
func matMulF32BTGo(m, n, k int, alpha float32, rowScale, a []float32, ars, aps int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	rowsA := make([]float32, 4*k) // rows of A, gathered when aps ≠ 1
	rowOf := func(r, i int) []float32 {
		if aps == 1 {
			return a[r*ars : r*ars+k]
		}
		dst := rowsA[i*k : (i+1)*k]
		for p := range dst {
			dst[p] = a[r*ars+p*aps]
		}
		return dst
	}
	set := func(r, j int, d float32) {
		s := alpha
		if rowScale != nil {
			s *= rowScale[r]
		}
		d *= s
		if beta != 0 {
			d += beta * c[r*ldc+j]
		}
		c[r*ldc+j] = d
	}
	r := 0
	for ; r+4 <= m; r += 4 {
		a0, a1, a2, a3 := rowOf(r, 0), rowOf(r+1, 1), rowOf(r+2, 2), rowOf(r+3, 3)
		for j := range n {
			d0, d1, d2, d3 := dot4Go(b[j*ldb:j*ldb+k], a0, a1, a2, a3)
			set(r, j, d0)
			set(r+1, j, d1)
			set(r+2, j, d2)
			set(r+3, j, d3)
		}
	}
	for ; r < m; r++ {
		ar := rowOf(r, 0)
		for j := range n {
			set(r, j, dotGo(ar, b[j*ldb:j*ldb+k]))
		}
	}
}

// dot4Go returns the dot products of x with a0, a1, a2 and a3 (each at
// least len(x) long).
func dot4Go(x, a0, a1, a2, a3 []float32) (d0, d1, d2, d3 float32) {
	a0, a1, a2, a3 = a0[:len(x)], a1[:len(x)], a2[:len(x)], a3[:len(x)]
	for p, v := range x {
		d0 += a0[p] * v
		d1 += a1[p] * v
		d2 += a2[p] * v
		d3 += a3[p] * v
	}
	return d0, d1, d2, d3
}

// axpy4Go adds a0·x0 + a1·x1 + a2·x2 + a3·x3 to y (each x at least len(y)
// long).
func axpy4Go(y, x0, x1, x2, x3 []float32, a0, a1, a2, a3 float32) {
	x0, x1, x2, x3 = x0[:len(y)], x1[:len(y)], x2[:len(y)], x3[:len(y)]
	for i := range y {
		y[i] += a0*x0[i] + a1*x1[i] + a2*x2[i] + a3*x3[i]
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
