//go:build !amd64 || purego

package simd

// transposeF32Asm reports false: this build has no assembly transpose.
func transposeF32Asm(Path, []float32, int, []float32, int, int, int) bool { return false }
