//go:build amd64 && !purego

package kernels

import "unsafe"

//go:generate sh -c "go run gemm_gen.go > gemm_amd64.s"

// Micro-kernels of gemm_amd64.s (written by gemm_gen.go).

//go:noescape
func gemmR12V2(a *float32, lda int, b *float32, c *float32, ldc int, k int, load int, pf *uintptr, npf int)

//go:noescape
func gemmR6V4(a *float32, lda int, b *float32, c *float32, ldc int, k int, load int, pf *uintptr, npf int)

//go:noescape
func gemmR24V1(a *float32, lda int, b *float32, c *float32, ldc int, k int, load int, pf *uintptr, npf int)

//go:noescape
func gemmR12V2B(a *float32, lda int, b *float32, c *float32, ldc int, k int, load int, pf *uintptr, npf int)

//go:noescape
func gemmR14V2(a *float32, lda int, b *float32, c *float32, ldc int, k int, load int, pf *uintptr, npf int)

//go:noescape
func gemmWidenAVX512(dst *float32, ldd int, src *uint16, lds int, rows, blocks int)

// gemmShape is one micro-kernel: a tile of mr weight rows × nr tokens.
type gemmShape struct {
	mr, nr int
	kern   func(a *float32, lda int, b *float32, c *float32, ldc int, k int, load int, pf *uintptr, npf int)
}

var (
	gemm12x32  = gemmShape{12, 32, gemmR12V2}
	gemm6x64   = gemmShape{6, 64, gemmR6V4}
	gemm24x16  = gemmShape{24, 16, gemmR24V1}
	gemm12x32B = gemmShape{12, 32, gemmR12V2B}
	gemm14x32  = gemmShape{14, 32, gemmR14V2}
)

// gemmMaxKC bounds gemmParams.kc; gemmMaxPF is the longest prefetch list:
// the cache lines of gemmMaxMR rows of gemmMaxKC BF16 weights.
const (
	gemmMaxKC = 512
	gemmMaxMR = 24
	gemmMaxPF = gemmMaxMR * (gemmMaxKC*2/64 + 1)
)

// gemmUnroll is the k unrolling of the micro-kernels (gemm_gen.go).
const gemmUnroll = 4

// gemmParams are the blocking of matMulGemm.
type gemmParams struct {
	shape gemmShape
	kc    int // columns of W per pass (a multiple of 16)
	mc    int // weight rows whose outputs are gathered before going to dst
}

var gemmDefault = gemmParams{shape: gemm12x32, kc: 256, mc: 96}

// matMulGemm is MatMulBF16's rows [lo, hi) the GotoBLAS way, exact in
// float32 (products of widened BF16 weights and float32 activations, summed
// in float32; only the order of the additions differs from the other
// paths):
//
//   - the activations are packed once per call, transposed: for each group
//     of nr tokens, k-major rows of nr floats (tokens past n are zero);
//   - the weights are widened to float32 a few rows at a time (mr rows × kc
//     columns, which stay in L1 while they meet every group of tokens);
//   - the micro-kernel keeps an mr × nr tile of outputs in registers as
//     vectors over tokens and broadcasts one weight at a time from memory,
//     so no horizontal sums are needed;
//   - outputs of mc rows gather in scratch as [row][token] and are
//     transposed into dst ([token][row]) once all columns are in.
func matMulGemm(dst []float32, w []uint16, x []float32, n, rows, cols, lo, hi int, s *scratch, g gemmParams) {
	mr, nr, kc := g.shape.mr, g.shape.nr, g.kc
	kp := (cols + gemmUnroll - 1) / gemmUnroll * gemmUnroll // padded columns
	groups := (n + nr - 1) / nr
	np := groups * nr
	mcp := (g.mc + mr - 1) / mr * mr
	// Scratch: xt [groups][kp][nr], at [mr][kc], ct [mcp][np], each
	// 64-byte aligned.
	xtLen, atLen, ctLen := groups*kp*nr, mr*kc, mcp*np
	buf := s.floats(xtLen + atLen + ctLen + 48)
	off := int(-uintptr(unsafe.Pointer(&buf[0]))/4) & 15
	xt := buf[off : off+xtLen]
	off += (xtLen + 15) &^ 15
	at := buf[off : off+atLen]
	off += (atLen + 15) &^ 15
	ct := buf[off : off+ctLen]

	for gi := range groups {
		t0 := gi * nr
		tn := min(nr, n-t0)
		xg := xt[gi*kp*nr : (gi+1)*kp*nr]
		PathAVX512.transposeF32(xg, nr, x[t0*cols:], cols, tn, cols)
		if tn < nr {
			for k := range cols {
				clear(xg[k*nr+tn : (k+1)*nr])
			}
		}
		clear(xg[cols*nr:])
	}

	var pf [gemmMaxPF]uintptr
	npf := 0
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
				npf = 0
				if nr0 < hi {
					nkr := min(kc, cols-nk0)
					for i := range min(mr, nm1-nr0) {
						row := uintptr(unsafe.Pointer(&w[(nr0+i)*cols+nk0]))
						for a := row &^ 63; a < row+uintptr(2*nkr); a += 64 {
							pf[npf] = a
							npf++
						}
					}
				}
				for gi := range groups {
					p0, p1 := gi*npf/groups, (gi+1)*npf/groups
					g.shape.kern(&at[0], kk, &xt[(gi*kp+k0)*nr], &ct[(r-m0)*np+gi*nr], np, kk, load, &pf[min(p0, len(pf)-1)], p1-p0)
				}
			}
		}
		PathAVX512.transposeF32(dst[m0:], rows, ct, np, m1-m0, n)
	}
}
