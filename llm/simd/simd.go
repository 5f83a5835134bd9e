// Package simd holds the numeric inner loops of the engine: matrix-vector
// and matrix-matrix products over weights stored as BF16, F16 or F32, and a
// few vector helpers. The teaching code in package model calls these through
// small, boring signatures; the speed lives here.
//
// Matrices are row-major [rows, cols] in PyTorch Linear layout ([out, in]),
// so MatVec computes dst[r] = Σ_c w[r*cols+c]·x[c].
//
// A Pool splits rows across threads (persistent helper goroutines that poll
// for the next call for a moment before parking, parts claimed rather than
// bound to threads, no allocation per call)
// and runs one of several implementations (Path), chosen when the pool is
// made: hand-written AVX-512 or AVX2+FMA assembly
// on amd64, NEON assembly for the BF16 products on arm64, or portable Go
// (other architectures, or the purego build tag). LLM_KERNELS=go|avx2|
// avx512|neon forces a path, so tests can run every one.
// Decode is memory-bound (MatVecBF16 widens BF16 to float32 in registers and
// reads four rows a quarter of the matrix apart side by side: four streams,
// each prefetched 2 KiB ahead); prefill is compute-bound
// (MatMulBF16 on AVX-512 is a packed GEMM: weights widened to float32 in
// blocks that stay in L1, a 12-row × 32-token tile of accumulators, each
// weight broadcast once into two FMAs; short inputs use a 4 × 6 register
// tile). ReadBandwidth measures the memory bandwidth the first is bounded by
// (the better of a one-stream and a four-stream read).
// MatMulF32 and TransposeF32 serve the chunked DeltaNet of package model;
// MatMulF32BT, VecMatF32 and Rank1F32 the trainer (package train).
package simd

import (
	"fmt"
)

// MatVecBF16 computes dst = W·x for a BF16 matrix W of shape [len(dst), len(x)].
func (p *Pool) MatVecBF16(dst []float32, w []uint16, x []float32) {
	if len(w) != len(dst)*len(x) {
		panic(fmt.Sprintf("simd: MatVecBF16: len(w)=%d, want len(dst)*len(x)=%d*%d", len(w), len(dst), len(x)))
	}
	p.run(job{kind: kindMatVecBF16, dst: dst, wu: w, x: x, rows: len(dst), cols: len(x)}, len(w))
}

// MatVecF16 computes dst = W·x for an F16 matrix W of shape [len(dst), len(x)].
func (p *Pool) MatVecF16(dst []float32, w []uint16, x []float32) {
	if len(w) != len(dst)*len(x) {
		panic(fmt.Sprintf("simd: MatVecF16: len(w)=%d, want len(dst)*len(x)=%d*%d", len(w), len(dst), len(x)))
	}
	p.run(job{kind: kindMatVecF16, dst: dst, wu: w, x: x, rows: len(dst), cols: len(x)}, len(w))
}

// MatVecF32 computes dst = W·x for an F32 matrix W of shape [len(dst), len(x)].
func (p *Pool) MatVecF32(dst []float32, w []float32, x []float32) {
	if len(w) != len(dst)*len(x) {
		panic(fmt.Sprintf("simd: MatVecF32: len(w)=%d, want len(dst)*len(x)=%d*%d", len(w), len(dst), len(x)))
	}
	p.run(job{kind: kindMatVecF32, dst: dst, wf: w, x: x, rows: len(dst), cols: len(x)}, len(w))
}

// MatMulBF16 computes dst[t] = W·x[t] for n tokens at once: x is [n, cols]
// row-major, dst is [n, rows] row-major, W is BF16 [rows, cols].
func (p *Pool) MatMulBF16(dst []float32, w []uint16, x []float32, n int) {
	if n <= 0 {
		if n < 0 || len(dst) != 0 || len(x) != 0 {
			panic(fmt.Sprintf("simd: MatMulBF16: n=%d with len(x)=%d, len(dst)=%d", n, len(x), len(dst)))
		}
		return
	}
	cols := len(x) / n
	rows := len(dst) / n
	if len(w) != rows*cols || len(x) != n*cols || len(dst) != n*rows {
		panic(fmt.Sprintf("simd: MatMulBF16: n=%d tokens, len(x)=%d, len(dst)=%d, len(w)=%d: want x [n, cols], dst [n, rows], w [rows, cols]",
			n, len(x), len(dst), len(w)))
	}
	if n == 1 {
		p.MatVecBF16(dst, w, x)
		return
	}
	p.run(job{kind: kindMatMulBF16, dst: dst, wu: w, x: x, n: n, rows: rows, cols: cols}, len(w)*n)
}
