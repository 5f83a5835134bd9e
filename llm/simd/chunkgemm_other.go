//go:build !amd64 || purego

package simd

// matMulF32Asm reports false: this build has no assembly MatMulF32, so
// every path runs matMulF32Go.
func matMulF32Asm(Path) bool { return false }

func matMulF32Tiles(_ Path, m, n, k int, alpha float32, rowScale, a []float32, ars, aps int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	matMulF32Go(m, n, k, alpha, rowScale, a, ars, aps, b, ldb, beta, c, ldc)
}
