//go:build amd64 && !purego

package simd

import (
	"unsafe"

	"github.com/how-llms-work/course/llm/half"
)

//go:generate sh -c "go run gemm_gen.go > gemm_amd64.s"

// Micro-kernels of gemm_amd64.s (written by gemm_gen.go): a tile of 12
// weight rows × 32 or 16 tokens.

//go:noescape
func gemmR12V2B(a *float32, lda int, b *float32, c *float32, ldc int, k int, load int, pf uintptr, pfLines, pfSkip, npf int, ws *uint16, wd *float32, wRowVecs, wSkip, nw int)

//go:noescape
func gemmR12V1B(a *float32, lda int, b *float32, c *float32, ldc int, k int, load int, pf uintptr, pfLines, pfSkip, npf int, ws *uint16, wd *float32, wRowVecs, wSkip, nw int)

//go:noescape
func gemmWidenAVX512(dst *float32, ldd int, src *uint16, lds int, rows, blocks int)

// The AVX2 micro-kernels: a tile of 6 weight rows × 16 or 8 tokens (12
// YMM accumulators of the 16).

//go:noescape
func gemmR6V2BAVX2(a *float32, lda int, b *float32, c *float32, ldc int, k int, load int, pf uintptr, pfLines, pfSkip, npf int, ws *uint16, wd *float32, wRowVecs, wSkip, nw int)

//go:noescape
func gemmR6V1BAVX2(a *float32, lda int, b *float32, c *float32, ldc int, k int, load int, pf uintptr, pfLines, pfSkip, npf int, ws *uint16, wd *float32, wRowVecs, wSkip, nw int)

//go:noescape
func gemmWidenAVX2(dst *float32, ldd int, src *uint16, lds int, rows, blocks int)

// gemmKernel is one instruction set's micro-kernels for matMulGemm.
type gemmKernel struct {
	mr, nr     int  // tile: mr weight rows × nr tokens (full) or nr/2 (half)
	path       Path // for the transposes
	full, half func(a *float32, lda int, b *float32, c *float32, ldc int, k int, load int, pf uintptr, pfLines, pfSkip, npf int, ws *uint16, wd *float32, wRowVecs, wSkip, nw int)
	widen      func(dst *float32, ldd int, src *uint16, lds int, rows, blocks int)
}

var (
	gemmAVX512 = &gemmKernel{mr: gemmMR, nr: gemmNR, path: PathAVX512, full: gemmR12V2B, half: gemmR12V1B, widen: gemmWidenAVX512}
	gemmAVX2   = &gemmKernel{mr: 6, nr: 16, path: PathAVX2, full: gemmR6V2BAVX2, half: gemmR6V1BAVX2, widen: gemmWidenAVX2}
)

// matMulBF16AVX2 is the avx2 path's MatMulBF16: matMulBF16AVX512's choice
// with the AVX2 kernels (a 6 × 16 tile; 4×3 tiles below the thresholds).
func matMulBF16AVX2(dst []float32, w []uint16, x []float32, n, rows, cols, lo, hi int, s *scratch) {
	if n < gemmMinN || hi-lo < gemmMinRows {
		matMulTiles(dst, w, x, n, rows, cols, lo, hi, tileAVX2, s)
		return
	}
	matMulGemm(dst, w, x, n, rows, cols, lo, hi, s, gemmDefault, gemmAVX2)
}

// matMulBF16AVX512 is the avx512 path's MatMulBF16: a packed GEMM from
// gemmMinN tokens and gemmMinRows rows (per pool part) up, the 4×6 tiles
// of matMulTiles below that: with fewer tokens the 32-token groups of the
// GEMM would be mostly padding, with fewer rows packing the activations
// costs more than the GEMM saves.
func matMulBF16AVX512(dst []float32, w []uint16, x []float32, n, rows, cols, lo, hi int, s *scratch) {
	if n < gemmMinN || hi-lo < gemmMinRows {
		matMulTiles(dst, w, x, n, rows, cols, lo, hi, tileAVX512, s)
		return
	}
	matMulGemm(dst, w, x, n, rows, cols, lo, hi, s, gemmDefault, gemmAVX512)
}

// gemmMinN and gemmMinRows are the fewest tokens and rows for which
// matMulGemm beats the 4×6 tiles (one thread, 1024 columns, 128 tokens,
// passes of 256 columns: 96 rows 211 against 200 GFLOP/s, 64 rows 181
// against 200, 16 rows 105 against 190; 3584 rows, 1024 columns: 24 tokens
// 135 against 160, 32 tokens 182 against 158).
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

// gemmDefault: in a pass of 512 columns the 12 widened weight rows (24
// KiB) stay in L1 while one group's activations (64 KiB) stream from L2,
// where the activations of all groups (256 KiB for 128 tokens) stay; 96
// rows of outputs (48 KiB for 128 tokens) gather in scratch. One thread,
// 128 tokens, quiet machine: 253–257 GFLOP/s (96–97 % of the FMA peak);
// passes of 256 columns 247–254, of 384 251–254.
var gemmDefault = gemmParams{kc: 512, mc: 96}

// matMulGemm is MatMulBF16's rows [lo, hi) the GotoBLAS way, exact in
// float32 (products of widened BF16 weights and float32 activations, summed
// in float32; only the order of the additions differs from the other
// paths):
//
//   - the activations are packed once per call, transposed: for each group
//     of 32 tokens (16 for a short last group), k-major rows of 32 floats
//     (tokens past n are zero);
//   - the weights are widened to float32 12 rows × kc columns at a time
//     (a block), which stay in L1 while they meet every group of tokens;
//     the micro-kernel calls of one block widen the next block into a
//     second buffer and prefetch the one after, so the weights' loads
//     overlap the arithmetic;
//   - the micro-kernel keeps a 12 × 32 tile of outputs in registers as
//     vectors over tokens and broadcasts one weight at a time, so no
//     horizontal sums are needed;
//   - the outputs of mc rows gather in scratch as [row][token] and are
//     transposed into dst ([token][row]) once all columns are in.
func matMulGemm(dst []float32, w []uint16, x []float32, n, rows, cols, lo, hi int, s *scratch, g gemmParams, kern *gemmKernel) {
	mr, nr := kern.mr, kern.nr
	kc := g.kc
	kp := (cols + gemmUnroll - 1) / gemmUnroll * gemmUnroll // padded columns
	// Token groups: full groups of nr, and a last one of nr or
	// nr/2 (padded with zero tokens).
	full := n / nr
	last := 0 // width of the last, partial group
	switch rem := n - full*nr; {
	case rem > nr/2:
		last = nr
	case rem > 0:
		last = nr / 2
	}
	np := full*nr + last
	mcp := (g.mc + mr - 1) / mr * mr
	// Scratch: xt [np][kp] in groups ([group][kp][width]), two buffers of
	// widened weights at [2][mr][kc], ct [mcp][np], each 64-byte aligned.
	xtLen, atLen, ctLen := np*kp, mr*kc, mcp*np
	buf := s.floats(xtLen + 2*atLen + ctLen + 64)
	off := int(-uintptr(unsafe.Pointer(&buf[0]))/4) & 15
	xt := buf[off : off+xtLen]
	off += (xtLen + 15) &^ 15
	var at [2][]float32
	for i := range at {
		at[i] = buf[off : off+atLen]
		off += (atLen + 15) &^ 15
	}
	ct := buf[off : off+ctLen]

	for t0 := 0; t0 < n; t0 += nr {
		width := min(nr, np-t0)
		tn := min(width, n-t0)
		xg := xt[t0*kp : (t0+width)*kp]
		kern.path.transposeF32(xg, width, x[t0*cols:], cols, tn, cols)
		if tn < width {
			for k := range cols {
				clear(xg[k*width+tn : (k+1)*width])
			}
		}
		clear(xg[cols*width:])
	}

	// A block is mr rows from r on (of the mc rows from m0 on) × kc
	// columns from k0 on; they go mc rows at a time, pass by pass, down
	// the rows within a pass. The calls of one block widen the next block
	// (into the other buffer) and prefetch the one after.
	type block struct{ m0, k0, r int }
	next := func(b block) block {
		m1 := min(b.m0+g.mc, hi)
		if b.r += mr; b.r >= m1 {
			b.r = b.m0
			if b.k0 += kc; b.k0 >= kp {
				b.m0, b.k0, b.r = m1, 0, m1
			}
		}
		return b
	}
	groups := (np + nr - 1) / nr
	cur, ab, ready := block{lo, 0, lo}, 0, false
	for cur.m0 < hi {
		m1 := min(cur.m0+g.mc, hi)
		kk := min(kc, kp-cur.k0) // padded columns in this pass
		a := at[ab]
		if !ready {
			gemmWiden(kern, a, w, cols, cur.r, min(mr, m1-cur.r), cur.k0, kk)
		}
		// The next block is widened by the calls if all its columns are
		// whole vectors of real ones and each call has k steps enough.
		nb := next(cur)
		nrows, nkk := 0, 0
		if nb.m0 < hi {
			nrows = min(mr, min(nb.m0+g.mc, hi)-nb.r)
			nkk = min(kc, kp-nb.k0)
		}
		fuse := nrows > 0 && nkk%16 == 0 && nb.k0+nkk <= cols && (nrows+groups-1)/groups*nkk/16 <= kk
		if fuse && nrows < mr {
			clear(at[1-ab][nrows*nkk : mr*nkk])
		}
		// Prefetches for the block after, shared by the calls: row by row,
		// pfLines lines from each row's first line (one more when rows are
		// not all aligned alike).
		pb := next(nb)
		prows, pfLines := 0, 0
		var pf0 uintptr
		if nb.m0 < hi && pb.m0 < hi {
			prows = min(mr, min(pb.m0+g.mc, hi)-pb.r)
			pkr := min(kc, cols-pb.k0)
			pf0 = uintptr(unsafe.Pointer(&w[pb.r*cols+pb.k0]))
			pfLines = (int(pf0&63) + 2*pkr + 63) / 64
			if cols%32 != 0 {
				pfLines++
			}
			pf0 &^= 63
		}
		pfSkip := 2*cols - 64*pfLines
		load := 0
		if cur.k0 > 0 {
			load = 1
		}
		for gi := range groups {
			r0, r1 := gi*prows/groups, (gi+1)*prows/groups
			pf, npf := pf0+uintptr(r0*2*cols), (r1-r0)*pfLines
			var ws *uint16
			var wd *float32
			nw := 0
			if fuse {
				r0, r1 = gi*nrows/groups, (gi+1)*nrows/groups
				if r1 > r0 {
					ws, wd, nw = &w[(nb.r+r0)*cols+nb.k0], &at[1-ab][r0*nkk], (r1-r0)*nkk/16
				}
			}
			t0 := gi * nr
			c := &ct[(cur.r-cur.m0)*np+t0]
			if np-t0 < nr {
				kern.half(&a[0], kk, &xt[t0*kp+cur.k0*nr/2], c, np, kk, load, pf, pfLines, pfSkip, npf, ws, wd, nkk/16, 2*cols-2*nkk, nw)
			} else {
				kern.full(&a[0], kk, &xt[t0*kp+cur.k0*nr], c, np, kk, load, pf, pfLines, pfSkip, npf, ws, wd, nkk/16, 2*cols-2*nkk, nw)
			}
		}
		if nb.m0 != cur.m0 {
			// The mc rows are done. Eight tokens at a time, so that the
			// rows of dst being written (often a multiple of 4 KiB apart,
			// hence in a few L1 sets) fill whole cache lines before they
			// are evicted.
			for t0 := 0; t0 < n; t0 += 8 {
				kern.path.transposeF32(dst[t0*rows+cur.m0:], rows, ct[t0:], np, m1-cur.m0, min(8, n-t0))
			}
		}
		if fuse {
			ab = 1 - ab
		}
		cur, ready = nb, fuse
	}
}

// gemmWiden sets a[i*kk+c] to the weight in row r+i, column k0+c for
// i < rn, c < kk (zero past the last column) and clears rows rn to kern.mr.
func gemmWiden(kern *gemmKernel, a []float32, w []uint16, cols, r, rn, k0, kk int) {
	kr := min(kk, cols-k0) // real columns
	kv := kr &^ 15         // widened by the assembly
	if kv > 0 {
		kern.widen(&a[0], kk, &w[r*cols+k0], cols, rn, kv/16)
	}
	if kv < kk {
		for i := range rn {
			ai := a[i*kk : (i+1)*kk]
			for c := kv; c < kr; c++ {
				ai[c] = half.BF16ToF32(w[(r+i)*cols+k0+c])
			}
			clear(ai[kr:])
		}
	}
	clear(a[rn*kk : kern.mr*kk])
}
