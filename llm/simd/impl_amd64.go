//go:build amd64 && !purego

package simd

import "unsafe"

// Assembly kernels (*_amd64.s). blocks counts 16 (AVX-512) or 8
// (AVX2) columns; stride is the row length in elements.

//go:noescape
func matVecBF16AVX512(dst *float32, w *uint16, x *float32, rows, stride, blocks int)

// matVec4BF16AVX512 and matVec4BF16AVX2 (matvec4_amd64.s) compute rows
// r, r+q, r+2q and r+3q together for r in [0, q).
//
//go:noescape
func matVec4BF16AVX512(dst *float32, w *uint16, x *float32, q, stride, blocks int)

//go:noescape
func matVec4BF16AVX2(dst *float32, w *uint16, x *float32, q, stride, blocks int)

//go:noescape
func read4AVX512(p *byte, n int) uint64

//go:noescape
func read4AVX2(p *byte, n int) uint64

//go:noescape
func matVecF16AVX512(dst *float32, w *uint16, x *float32, rows, stride, blocks int)

//go:noescape
func matVecF32AVX512(dst *float32, w *float32, x *float32, rows, stride, blocks int)

//go:noescape
func matVecBF16AVX2(dst *float32, w *uint16, x *float32, rows, stride, blocks int)

//go:noescape
func matVecF16AVX2(dst *float32, w *uint16, x *float32, rows, stride, blocks int)

//go:noescape
func matVecF32AVX2(dst *float32, w *float32, x *float32, rows, stride, blocks int)

//go:noescape
func tileBF16AVX512(t *tile)

//go:noescape
func tileBF16AVX2(t *tile)

//go:noescape
func tileBF16DotAVX512(t *tile)

//go:noescape
func cvtBF16AVX512(dst *uint16, src *float32, n int)

//go:noescape
func readAVX512(p *byte, n int) uint64

//go:noescape
func readAVX2(p *byte, n int) uint64

//go:noescape
func matVecQ8AVX512(dst *float32, q *int8, scales *float32, x *float32, rows, blocks int)

//go:noescape
func deltaRuleTAVX512(st, q, k, v, o *float32, rows, blocks int, decay, beta float32)

//go:noescape
func deltaRuleTAVX2(st, q, k, v, o *float32, rows, blocks int, decay, beta float32)

//go:noescape
func conv4AVX512(y, x, w, s *float32, c, n int)

//go:noescape
func conv4AVX2(y, x, w, s *float32, c, n int)

//go:noescape
func siluAVX512(dst, x, up *float32, n, sig int)

//go:noescape
func siluAVX2(dst, x, up *float32, n, sig int)

//go:noescape
func dotAVX512(a, b *float32, n int) float32

//go:noescape
func dotAVX2(a, b *float32, n int) float32

//go:noescape
func axpyAVX512(y *float32, a float32, x *float32, n int)

//go:noescape
func axpyAVX2(y *float32, a float32, x *float32, n int)

//go:noescape
func deltaRuleAVX512(s, q, k, v, o *float32, rows, stride, strips int, decay, beta float32)

//go:noescape
func deltaRuleAVX2(s, q, k, v, o *float32, rows, stride, strips int, decay, beta float32)

// tile is the argument block of the tile kernels; its layout is fixed by
// the assembly (offsets 0, 32, 80, 128). x points at float32 activations,
// or at BF16 ones for tileBF16DotAVX512.
type tile struct {
	w      [4]*uint16
	x      [6]unsafe.Pointer
	d      [6]*float32
	blocks int
}

var _ [128]struct{} = [unsafe.Offsetof(tile{}.blocks)]struct{}{}

var (
	avx512Impl = &impl{
		path: PathAVX512,
		matVecBF16: func(dst []float32, w []uint16, x []float32) {
			matVecU16(dst, w, x, 16, matVec4BF16AVX512, matVecBF16AVX512, dotBF16Go)
		},
		matVecF16: func(dst []float32, w []uint16, x []float32) {
			matVecU16(dst, w, x, 16, nil, matVecF16AVX512, dotF16Go)
		},
		matVecF32: func(dst []float32, w []float32, stride int, x []float32) {
			matVecF32Asm(dst, w, stride, x, 16, matVecF32AVX512)
		},
		matMulBF16: matMulBF16AVX512, // gemm_amd64.go
		read:       func(b []byte) uint64 { return readAsm(b, 256, readAVX512) },
		read4:      func(b []byte) uint64 { return readAsm(b, 512, read4AVX512) },
		dot:        dotWith(16, dotAVX512),
		axpy:       axpyWith(16, axpyAVX512),
		deltaRule:  deltaRuleWith(deltaRuleAVX512),
		silu:       func(dst, x, up []float32) { siluAsm(dst, x, up, 16, 0, siluAVX512) },
		sigmoid:    func(dst, x, up []float32) { siluAsm(dst, x, up, 16, 1, siluAVX512) },
		deltaRuleT: func(St, q, k, v, out []float32, decay, beta float32) {
			deltaRuleTAsm(St, q, k, v, out, decay, beta, 16, deltaRuleTAVX512)
		},
		conv4: func(y, x, w, state []float32) { conv4Asm(y, x, w, state, 16, conv4AVX512) },
		matVecQ8: func(dst []float32, q []int8, scales []float32, x []float32) {
			if len(dst) == 0 {
				return
			}
			if len(x) == 0 {
				clear(dst)
				return
			}
			matVecQ8AVX512(&dst[0], &q[0], &scales[0], &x[0], len(dst), len(x)/Q8BlockSize)
		},
	}
	avx2Impl = &impl{
		path: PathAVX2,
		matVecBF16: func(dst []float32, w []uint16, x []float32) {
			matVecU16(dst, w, x, 8, matVec4BF16AVX2, matVecBF16AVX2, dotBF16Go)
		},
		matVecF16: func(dst []float32, w []uint16, x []float32) {
			matVecU16(dst, w, x, 8, nil, matVecF16AVX2, dotF16Go)
		},
		matVecF32: func(dst []float32, w []float32, stride int, x []float32) {
			matVecF32Asm(dst, w, stride, x, 8, matVecF32AVX2)
		},
		matMulBF16: matMulBF16AVX2, // gemm_amd64.go
		read:       func(b []byte) uint64 { return readAsm(b, 128, readAVX2) },
		read4:      func(b []byte) uint64 { return readAsm(b, 256, read4AVX2) },
		dot:        dotWith(8, dotAVX2),
		axpy:       axpyWith(8, axpyAVX2),
		deltaRule:  deltaRuleWith(deltaRuleAVX2),
		silu:       func(dst, x, up []float32) { siluAsm(dst, x, up, 8, 0, siluAVX2) },
		sigmoid:    func(dst, x, up []float32) { siluAsm(dst, x, up, 8, 1, siluAVX2) },
		deltaRuleT: func(St, q, k, v, out []float32, decay, beta float32) {
			deltaRuleTAsm(St, q, k, v, out, decay, beta, 8, deltaRuleTAVX2)
		},
		matVecQ8: matVecQ8Go,
		conv4:    func(y, x, w, state []float32) { conv4Asm(y, x, w, state, 8, conv4AVX2) },
	}
)

// conv4Asm runs a 4-tap conv kernel on the whole vectors of B channels and
// the rest in Go.
func conv4Asm(y, x, w, state []float32, B int, kern func(y, x, w, s *float32, c, n int)) {
	C := len(y)
	n := C / B
	if n > 0 {
		kern(&y[0], &x[0], &w[0], &state[0], C, n)
	}
	if c0 := n * B; c0 < C {
		var ws, ss [4][]float32
		for j := range 4 {
			ws[j] = w[j*C+c0 : (j+1)*C]
		}
		for j := range 3 {
			ss[j] = state[j*C+c0 : (j+1)*C]
		}
		r := C - c0
		wt := make([]float32, 0, 4*r) // only for C not a multiple of B
		for _, s := range ws {
			wt = append(wt, s...)
		}
		st := make([]float32, 0, 3*r)
		for _, s := range ss[:3] {
			st = append(st, s...)
		}
		causalConvGo(y[c0:], x[c0:], wt, st)
	}
}

// avx512BF16Impl is avx512Impl with the BF16 dot-product matmul.
var avx512BF16Impl = func() *impl {
	m := *avx512Impl
	m.path = PathAVX512BF16
	m.matMulBF16 = func(dst []float32, w []uint16, x []float32, n, rows, cols, lo, hi int, s *scratch) {
		matMulTiles(dst, w, x, n, rows, cols, lo, hi, tileAVX512BF16, s)
	}
	return &m
}()

// implFor returns the kernels of path p.
func implFor(p Path) *impl {
	switch p {
	case PathAVX512BF16:
		return avx512BF16Impl
	case PathAVX512:
		return avx512Impl
	case PathAVX2:
		return avx2Impl
	}
	return goImpl
}

// matVecU16 runs an assembly row kernel on the whole blocks of each row and
// adds the remaining columns in Go.
func matVecU16(dst []float32, w []uint16, x []float32, block int,
	kern4, kern func(dst *float32, w *uint16, x *float32, rows, stride, blocks int),
	tail func(w []uint16, x []float32) float32) {
	rows, cols := len(dst), len(x)
	if rows == 0 {
		return
	}
	nb := cols / block
	if nb == 0 {
		clear(dst)
	} else {
		// kern4, where there is one, takes the rows in four streams (see
		// matvec4_amd64.s); kern the one to three rows left over.
		r0 := 0
		if q := rows / 4; kern4 != nil && q > 0 {
			kern4(&dst[0], &w[0], &x[0], q, cols, nb)
			r0 = 4 * q
		}
		if r0 < rows {
			kern(&dst[r0], &w[r0*cols], &x[0], rows-r0, cols, nb)
		}
	}
	if c0 := nb * block; c0 < cols {
		for r := range dst {
			dst[r] += tail(w[r*cols+c0:(r+1)*cols], x[c0:])
		}
	}
}

func matVecF32Asm(dst []float32, w []float32, stride int, x []float32, block int,
	kern func(dst *float32, w *float32, x *float32, rows, stride, blocks int)) {
	rows, cols := len(dst), len(x)
	if rows == 0 {
		return
	}
	nb := cols / block
	if nb == 0 {
		clear(dst)
	} else {
		kern(&dst[0], &w[0], &x[0], rows, stride, nb)
	}
	if c0 := nb * block; c0 < cols {
		for r := range dst {
			dst[r] += dotGo(w[r*stride+c0:r*stride+cols], x[c0:])
		}
	}
}

// Tile kernels for matMulTiles.
const (
	tileAVX2       = iota // 4 rows × 3 tokens, 8 columns a step, float32
	tileAVX512            // 4 rows × 6 tokens, 16 columns a step, float32
	tileAVX512BF16        // 4 rows × 6 tokens, 32 columns a step, x in BF16
)

// Cache blocking of matMulTiles, in the GotoBLAS order: a pass covers
// kBlock columns; within it a panel of mBlock weight rows (512 KiB of the
// 1 MiB L2) stays in L2 while each group of six tokens (24 KiB) stays in L1
// and meets every 4-row block of the panel in turn. Against the plain order
// (mBlock = 4) this is 13 % faster for the float32 tile (187 → 212 GFLOP/s
// on one core) and 25 % for the BF16-dot tile (317 → 397): x comes from L1
// and only the weights, half the bytes, from L2.
const (
	kBlock = 1024
	mBlock = 256
)

// matMulTiles computes dst rows [lo, hi) (of [n, rows]) with a register
// tile of 4 weight rows × tt tokens. Each pass over kBlock columns adds into
// dst; rows and tokens that do not fill a tile are padded by repeating the
// last one and writing into a throwaway buffer. The AVX-512 tile is 4×6 on
// 16 columns a step, the AVX2 tile 4×3 on 8, the BF16-dot tile 4×6 on 32.
// (The kernels are called directly, not through a func value, so the tile
// stays on the stack.)
func matMulTiles(dst []float32, w []uint16, x []float32, n, rows, cols, lo, hi, kind int, s *scratch) {
	matMulBlocked(dst, w, x, n, rows, cols, lo, hi, kind, mBlock, s)
}

func matMulBlocked(dst []float32, w []uint16, x []float32, n, rows, cols, lo, hi, kind, mb int, s *scratch) {
	block, tt := 8, 3
	switch kind {
	case tileAVX512:
		block, tt = 16, 6
	case tileAVX512BF16:
		block, tt = 32, 6
	}
	nb := cols / block
	var xb []uint16 // kind tileAVX512BF16: x rounded to BF16, [n, cols]
	if kind == tileAVX512BF16 && nb > 0 {
		xb = s.uint16s(n * cols)
		for t := range n {
			cvtBF16AVX512(&xb[t*cols], &x[t*cols], nb)
		}
	}
	for t := range n {
		clear(dst[t*rows+lo : t*rows+hi])
	}
	var tl tile
	var spare [6][4]float32 // destinations of padded rows and tokens
	for k0 := 0; k0 < nb*block; k0 += kBlock {
		tl.blocks = min(kBlock, nb*block-k0) / block
		for m0 := lo; m0 < hi; m0 += mb {
			m1 := min(m0+mb, hi)
			for t0 := 0; t0 < n; t0 += tt {
				for j := range tt {
					t := min(t0+j, n-1)
					if xb != nil {
						tl.x[j] = unsafe.Pointer(&xb[t*cols+k0])
					} else {
						tl.x[j] = unsafe.Pointer(&x[t*cols+k0])
					}
				}
				for r := m0; r < m1; r += 4 {
					m := min(4, m1-r) // real rows in this block
					for i := range 4 {
						tl.w[i] = &w[(r+min(i, m-1))*cols+k0]
					}
					for j := range tt {
						t := t0 + j
						switch {
						case t >= n: // padding token
							tl.d[j] = &spare[j][0]
						case m == 4:
							tl.d[j] = &dst[t*rows+r]
						default: // short row block: accumulate in spare
							spare[j] = [4]float32{}
							copy(spare[j][:m], dst[t*rows+r:t*rows+r+m])
							tl.d[j] = &spare[j][0]
						}
					}
					switch kind {
					case tileAVX512:
						tileBF16AVX512(&tl)
					case tileAVX512BF16:
						tileBF16DotAVX512(&tl)
					default:
						tileBF16AVX2(&tl)
					}
					if m < 4 {
						for j := range tt {
							if t := t0 + j; t < n {
								copy(dst[t*rows+r:t*rows+r+m], spare[j][:m])
							}
						}
					}
				}
			}
		}
	}
	if c0 := nb * block; c0 < cols {
		for t := range n {
			xt := x[t*cols+c0 : (t+1)*cols]
			for r := lo; r < hi; r++ {
				dst[t*rows+r] += dotBF16Go(w[r*cols+c0:(r+1)*cols], xt)
			}
		}
	}
}

// deltaRuleTAsm runs an assembly DeltaRuleT when len(k) is a whole number
// of B-float vectors (the Qwen3.5 key dimension is 128), else the Go one.
func deltaRuleTAsm(St, q, k, v, out []float32, decay, beta float32, B int,
	kern func(st, q, k, v, o *float32, rows, blocks int, decay, beta float32)) {
	checkDeltaRule(St, q, k, v, out)
	if len(k)%B != 0 || len(k) == 0 || len(v) == 0 {
		deltaRuleTRows(St, q, k, v, out, decay, beta)
		return
	}
	kern(&St[0], &q[0], &k[0], &v[0], &out[0], len(v), len(k)/B, decay, beta)
}

// siluAsm runs an assembly SiLU (sig = 0) or sigmoid (sig = 1) on whole
// vectors of B floats and the rest in Go.
func siluAsm(dst, x, up []float32, B, sig int, kern func(dst, x, up *float32, n, sig int)) {
	n := len(dst) / B
	if n > 0 {
		var u *float32
		if up != nil {
			u = &up[0]
		}
		kern(&dst[0], &x[0], u, n, sig)
	}
	if up != nil {
		up = up[B*n:]
	}
	gateGo(dst[B*n:], x[B*n:], up, sig)
}

// readAsm streams b through kern in whole steps and the rest in Go.
func readAsm(b []byte, step int, kern func(p *byte, n int) uint64) uint64 {
	n := len(b) / step * step
	var s uint64
	if n > 0 {
		s = kern(&b[0], n)
	}
	return s ^ readGo(b[n:])
}

// dotWith runs an assembly dot product over the whole vectors of width
// floats and finishes the tail in Go.
func dotWith(width int, asm func(a, b *float32, n int) float32) func(a, b []float32) float32 {
	return func(a, b []float32) float32 {
		n := len(a) / width
		var s float32
		if n > 0 {
			s = asm(&a[0], &b[0], n)
		}
		return s + dotGo(a[width*n:], b[width*n:])
	}
}

// axpyWith runs an assembly y += a·x over the whole vectors of width floats
// and finishes the tail in Go.
func axpyWith(width int, asm func(y *float32, a float32, x *float32, n int)) func(y []float32, a float32, x []float32) {
	return func(y []float32, a float32, x []float32) {
		n := len(y) / width
		if n > 0 {
			asm(&y[0], a, &x[0], n)
		}
		axpyGo(y[width*n:], a, x[width*n:])
	}
}

// deltaRuleWith runs an assembly delta-rule step on 16-column strips of the
// state and the remaining columns in Go.
func deltaRuleWith(asm func(s, q, k, v, o *float32, rows, stride, strips int, decay, beta float32)) func(S, q, k, v, out []float32, decay, beta float32) {
	return func(S, q, k, v, out []float32, decay, beta float32) {
		checkDeltaRule(S, q, k, v, out)
		strips := len(v) / 16
		if strips > 0 && len(k) > 0 {
			asm(&S[0], &q[0], &k[0], &v[0], &out[0], len(k), len(v), strips, decay, beta)
		}
		deltaRuleCols(S, q, k, v, out, decay, beta, 16*strips, len(v))
	}
}
