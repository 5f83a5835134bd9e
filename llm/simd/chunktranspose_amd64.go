//go:build amd64 && !purego

package simd

//go:noescape
func transpose8x8AVX(dst *float32, ldd int, src *float32, lds int, rowBlocks, colBlocks int)

// transposeF32Asm runs TransposeF32 on the AVX2 and AVX-512 paths: the
// full 8×8 blocks in registers (8 row loads, 24 shuffles, 8 row stores
// each), the edges in Go. It reports false on the other paths.
func transposeF32Asm(path Path, dst []float32, ldd int, src []float32, lds, rows, cols int) bool {
	if path != PathAVX2 && path != PathAVX512 && path != PathAVX512BF16 {
		return false
	}
	rb, cb := rows/8, cols/8
	if rb > 0 && cb > 0 {
		transpose8x8AVX(&dst[0], ldd, &src[0], lds, rb, cb)
	}
	if r := rb * 8; r < rows { // the last rows, all columns
		transposeF32Go(dst[r:], ldd, src[r*lds:], lds, rows-r, cols)
	}
	if c := cb * 8; c < cols && rb > 0 { // the last columns of the other rows
		transposeF32Go(dst[c*ldd:], ldd, src[c:], lds, rb*8, cols-c)
	}
	return true
}
