//go:build amd64 && !purego

package simd

// Kernels of transposed_amd64.s: blocks counts vectors of 16 (AVX-512) or
// 8 (AVX2) columns, ldw is the row stride in floats.

//go:noescape
func vecMatAVX512(dst, x, w *float32, rows, ldw, blocks int)

//go:noescape
func vecMatAVX2(dst, x, w *float32, rows, ldw, blocks int)

//go:noescape
func rank1AVX512(w, x, y *float32, rows, ldw, blocks int, s float32)

//go:noescape
func rank1AVX2(w, x, y *float32, rows, ldw, blocks int, s float32)

// vecWidth is the number of float32 columns in one vector of path's
// kernels, 0 for the Go path.
func vecWidth(path Path) int {
	switch path {
	case PathAVX512, PathAVX512BF16:
		return 16
	case PathAVX2:
		return 8
	}
	return 0
}

// vecMatF32Asm runs VecMatF32 on the whole vectors of columns and returns
// how many columns it did (the caller finishes the rest).
func vecMatF32Asm(path Path, dst, x, w []float32, ldw int) int {
	B := vecWidth(path)
	if B == 0 || len(dst) < B {
		return 0
	}
	blocks := len(dst) / B
	if B == 16 {
		vecMatAVX512(&dst[0], &x[0], &w[0], len(x), ldw, blocks)
	} else {
		vecMatAVX2(&dst[0], &x[0], &w[0], len(x), ldw, blocks)
	}
	return blocks * B
}

// rank1F32Asm runs Rank1F32 on the whole vectors of columns and returns
// how many columns it did (the caller finishes the rest).
func rank1F32Asm(path Path, w []float32, ldw int, s float32, x, y []float32) int {
	B := vecWidth(path)
	if B == 0 || len(y) < B {
		return 0
	}
	blocks := len(y) / B
	if B == 16 {
		rank1AVX512(&w[0], &x[0], &y[0], len(x), ldw, blocks, s)
	} else {
		rank1AVX2(&w[0], &x[0], &y[0], len(x), ldw, blocks, s)
	}
	return blocks * B
}
