//go:build amd64 && !purego

package kernels

import "unsafe"

//go:generate sh -c "go run gemm_gen.go > gemm_amd64.s"

// Micro-kernels of gemm_amd64.s (written by gemm_gen.go): a tile of 12
// weight rows × 32 or 16 tokens.

//go:noescape
func gemmR12V2B(a *float32, lda int, b *float32, c *float32, ldc int, k int, load int, pf uintptr, pfLines, pfSkip, npf int)

//go:noescape
func gemmR12V1B(a *float32, lda int, b *float32, c *float32, ldc int, k int, load int, pf uintptr, pfLines, pfSkip, npf int)

//go:noescape
func gemmWidenAVX512(dst *float32, ldd int, src *uint16, lds int, rows, blocks int)

// The avx512 path runs MatMulBF16 as a packed GEMM from gemmMinN tokens
// and gemmMinRows rows (per pool part) up, the 4×6 tiles of matMulTiles
// below that: with fewer tokens the 32-token groups of the GEMM would be
// mostly padding, with fewer rows packing the activations costs more than
// the GEMM saves.
func init() {
	avx512Impl.matMulBF16 = func(dst []float32, w []uint16, x []float32, n, rows, cols, lo, hi int, s *scratch) {
		if n < gemmMinN || hi-lo < gemmMinRows {
			matMulTiles(dst, w, x, n, rows, cols, lo, hi, tileAVX512, s)
			return
		}
		matMulGemm(dst, w, x, n, rows, cols, lo, hi, s, gemmDefault)
	}
}

// gemmMinN and gemmMinRows are the fewest tokens and rows for which
// matMulGemm beats the 4×6 tiles (one thread, 1024 columns, 128 tokens:
// 96 rows 211 against 200 GFLOP/s, 64 rows 181 against 200, 16 rows 105
// against 190).
const (
	gemmMinN    = 32
	gemmMinRows = 96
)

// Tile of the micro-kernels: gemmMR weight rows (broadcast) × gemmNR tokens
// (two vectors), or × gemmNR/2 tokens for the last group of a call when
// that is enough.
const (
	gemmMR = 12
	gemmNR = 32
)

// gemmUnroll is the k unrolling of the micro-kernels (gemm_gen.go).
const gemmUnroll = 4

// gemmParams are the blocking of matMulGemm.
type gemmParams struct {
	kc int // columns of W per pass (a multiple of 16)
	mc int // weight rows whose outputs gather in scratch before going to dst
}

// gemmDefault: a pass of 256 columns keeps the 12 widened weight rows in
// L1 (12 KiB) next to one group's activations (32 KiB), while the
// activations of all groups (128 KiB for 128 tokens) stay in L2; 96 rows
// of outputs (48 KiB for 128 tokens) gather in scratch.
var gemmDefault = gemmParams{kc: 256, mc: 96}

// matMulGemm is MatMulBF16's rows [lo, hi) the GotoBLAS way, exact in
// float32 (products of widened BF16 weights and float32 activations, summed
// in float32; only the order of the additions differs from the other
// paths):
//
//   - the activations are packed once per call, transposed: for each group
//     of 32 tokens (16 for a short last group), k-major rows of 32 floats
//     (tokens past n are zero);
//   - the weights are widened to float32 12 rows × kc columns at a time,
//     which stay in L1 while they meet every group of tokens, and the
//     micro-kernel prefetches the next such block while it computes;
//   - the micro-kernel keeps a 12 × 32 tile of outputs in registers as
//     vectors over tokens and broadcasts one weight at a time, so no
//     horizontal sums are needed;
//   - the outputs of mc rows gather in scratch as [row][token] and are
//     transposed into dst ([token][row]) once all columns are in.
func matMulGemm(dst []float32, w []uint16, x []float32, n, rows, cols, lo, hi int, s *scratch, g gemmParams) {
	const mr = gemmMR
	kc := g.kc
	kp := (cols + gemmUnroll - 1) / gemmUnroll * gemmUnroll // padded columns
	// Token groups: full groups of gemmNR, and a last one of gemmNR or
	// gemmNR/2 (padded with zero tokens).
	full := n / gemmNR
	last := 0 // width of the last, partial group
	switch rem := n - full*gemmNR; {
	case rem > gemmNR/2:
		last = gemmNR
	case rem > 0:
		last = gemmNR / 2
	}
	np := full*gemmNR + last
	mcp := (g.mc + mr - 1) / mr * mr
	// Scratch: xt [np][kp] in groups ([group][kp][width]), at [mr][kc],
	// ct [mcp][np], each 64-byte aligned.
	xtLen, atLen, ctLen := np*kp, mr*kc, mcp*np
	buf := s.floats(xtLen + atLen + ctLen + 48)
	off := int(-uintptr(unsafe.Pointer(&buf[0]))/4) & 15
	xt := buf[off : off+xtLen]
	off += (xtLen + 15) &^ 15
	at := buf[off : off+atLen]
	off += (atLen + 15) &^ 15
	ct := buf[off : off+ctLen]

	for t0 := 0; t0 < n; t0 += gemmNR {
		width := min(gemmNR, np-t0)
		tn := min(width, n-t0)
		xg := xt[t0*kp : (t0+width)*kp]
		PathAVX512.transposeF32(xg, width, x[t0*cols:], cols, tn, cols)
		if tn < width {
			for k := range cols {
				clear(xg[k*width+tn : (k+1)*width])
			}
		}
		clear(xg[cols*width:])
	}

	for m0 := lo; m0 < hi; m0 += g.mc {
		m1 := min(m0+g.mc, hi)
		for k0 := 0; k0 < kp; k0 += kc {
			kk := min(kc, kp-k0)   // padded columns in this pass
			kr := min(kk, cols-k0) // real ones
			kv := kr &^ 15         // widened by the assembly
			for r := m0; r < m1; r += mr {
				rn := min(mr, m1-r)
				if kv > 0 {
					gemmWidenAVX512(&at[0], kk, &w[r*cols+k0], cols, rn, kv/16)
				}
				if kv < kk {
					for i := range rn {
						a := at[i*kk : (i+1)*kk]
						for c := kv; c < kr; c++ {
							a[c] = BF16ToF32(w[(r+i)*cols+k0+c])
						}
						clear(a[kr:])
					}
				}
				if rn < mr {
					clear(at[rn*kk : mr*kk])
				}
				load := 0
				if k0 > 0 {
					load = 1
				}
				// The block widened next: the next rows of this pass, the
				// first rows of the next pass, or of the next mc rows.
				nr0, nk0, nm1 := r+mr, k0, m1
				if nr0 >= m1 {
					nr0, nk0 = m0, k0+kc
					if nk0 >= kp {
						nr0, nk0, nm1 = m1, 0, min(m1+g.mc, hi)
					}
				}
				// Prefetches for it, shared by the groups' calls: row by
				// row, pfLines lines from each row's first line (one more
				// when rows are not all aligned alike).
				nrows, pfLines := 0, 0
				var pf0 uintptr
				if nr0 < hi {
					nrows = min(mr, nm1-nr0)
					nkr := min(kc, cols-nk0)
					pf0 = uintptr(unsafe.Pointer(&w[nr0*cols+nk0]))
					pfLines = (int(pf0&63) + 2*nkr + 63) / 64
					if cols%32 != 0 {
						pfLines++
					}
					pf0 &^= 63
				}
				pfSkip := 2*cols - 64*pfLines
				groups := (np + gemmNR - 1) / gemmNR
				for gi := range groups {
					r0, r1 := gi*nrows/groups, (gi+1)*nrows/groups
					pf, npf := pf0+uintptr(r0*2*cols), (r1-r0)*pfLines
					t0 := gi * gemmNR
					a, c := &at[0], &ct[(r-m0)*np+t0]
					if np-t0 < gemmNR {
						gemmR12V1B(a, kk, &xt[t0*kp+k0*gemmNR/2], c, np, kk, load, pf, pfLines, pfSkip, npf)
					} else {
						gemmR12V2B(a, kk, &xt[t0*kp+k0*gemmNR], c, np, kk, load, pf, pfLines, pfSkip, npf)
					}
				}
			}
		}
		// Eight tokens at a time, so that the rows of dst being written
		// (often a multiple of 4 KiB apart, hence in a few L1 sets) fill
		// whole cache lines before they are evicted.
		for t0 := 0; t0 < n; t0 += 8 {
			PathAVX512.transposeF32(dst[t0*rows+m0:], rows, ct[t0:], np, m1-m0, min(8, n-t0))
		}
	}
}
