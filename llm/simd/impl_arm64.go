//go:build arm64 && !purego

package simd

// NEON kernels (kernels_arm64.s); blocks count 16 columns.

//go:noescape
func matVecBF16NEON(dst *float32, w *uint16, x *float32, rows, stride, blocks int)

//go:noescape
func matVecF32NEON(dst *float32, w *float32, x *float32, rows, stride, blocks int)

//go:noescape
func tileBF16NEON(t *tileNEON)

//go:noescape
func deltaRuleTNEON(st, q, k, v, o *float32, rows, blocks int, decay, beta float32)

// tileNEON is the argument block of tileBF16NEON; its layout is fixed by the
// assembly (offsets 0, 8, 40, 72).
type tileNEON struct {
	w      *uint16
	x      [4]*float32
	d      [4]*float32
	blocks int
}

// neonImpl is goImpl with the BF16 and F32 products and DeltaRuleT in NEON
// assembly.
var neonImpl = func() *impl {
	m := *goImpl
	m.path = PathNEON
	m.matVecBF16 = matVecBF16NEONRows
	m.matMulBF16 = matMulBF16NEON
	m.matVecF32 = matVecF32NEONRows
	m.dot = dotNEON
	m.deltaRuleT = deltaRuleTNEONRows
	return &m
}()

// implFor returns the kernels of path p.
func implFor(p Path) *impl {
	if p == PathNEON {
		return neonImpl
	}
	return goImpl
}

func matVecBF16NEONRows(dst []float32, w []uint16, x []float32) {
	rows, cols := len(dst), len(x)
	if rows == 0 {
		return
	}
	nb := cols / 16
	if nb == 0 {
		clear(dst)
	} else {
		matVecBF16NEON(&dst[0], &w[0], &x[0], rows, cols, nb)
	}
	if c0 := nb * 16; c0 < cols {
		for r := range dst {
			dst[r] += dotBF16Go(w[r*cols+c0:(r+1)*cols], x[c0:])
		}
	}
}

// matMulBF16NEON computes dst rows [lo, hi) one weight row at a time against
// four tokens at a time (tileBF16NEON), padding the last group of tokens by
// repeating the last token into a throwaway destination.
func matMulBF16NEON(dst []float32, w []uint16, x []float32, n, rows, cols, lo, hi int, s *scratch) {
	nb := cols / 16
	c0 := nb * 16
	var tl tileNEON
	var spare [4]float32
	tl.blocks = nb
	for r := lo; r < hi; r++ {
		if nb > 0 {
			tl.w = &w[r*cols]
			for t0 := 0; t0 < n; t0 += 4 {
				for j := range 4 {
					t := min(t0+j, n-1)
					tl.x[j] = &x[t*cols]
					if t0+j < n {
						tl.d[j] = &dst[(t0+j)*rows+r]
					} else {
						tl.d[j] = &spare[j]
					}
				}
				tileBF16NEON(&tl)
			}
		} else {
			for t := range n {
				dst[t*rows+r] = 0
			}
		}
		if c0 < cols {
			for t := range n {
				dst[t*rows+r] += dotBF16Go(w[r*cols+c0:(r+1)*cols], x[t*cols+c0:(t+1)*cols])
			}
		}
	}
}

func matVecF32NEONRows(dst []float32, w []float32, stride int, x []float32) {
	rows, cols := len(dst), len(x)
	if rows == 0 {
		return
	}
	nb := cols / 16
	if nb == 0 {
		clear(dst)
	} else {
		matVecF32NEON(&dst[0], &w[0], &x[0], rows, stride, nb)
	}
	if c0 := nb * 16; c0 < cols {
		for r := range dst {
			dst[r] += dotGo(w[r*stride+c0:r*stride+cols], x[c0:])
		}
	}
}

// dotNEON is a one-row matVecF32NEON plus the Go tail.
func dotNEON(a, b []float32) float32 {
	nb := len(a) / 16
	var s float32
	if nb > 0 {
		matVecF32NEON(&s, &a[0], &b[0], 1, len(a), nb)
	}
	return s + dotGo(a[16*nb:], b[16*nb:len(a)])
}

func deltaRuleTNEONRows(St, q, k, v, out []float32, decay, beta float32) {
	checkDeltaRule(St, q, k, v, out)
	if len(k)%4 != 0 || len(k) == 0 || len(v) == 0 {
		deltaRuleTRows(St, q, k, v, out, decay, beta)
		return
	}
	deltaRuleTNEON(&St[0], &q[0], &k[0], &v[0], &out[0], len(v), len(k)/4, decay, beta)
}
