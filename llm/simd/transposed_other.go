//go:build !amd64 || purego

package simd

// vecMatF32Asm and rank1F32Asm do nothing in this build (no assembly): they
// report 0 columns done, and the Go loops do them all.
func vecMatF32Asm(Path, []float32, []float32, []float32, int) int { return 0 }

func rank1F32Asm(Path, []float32, int, float32, []float32, []float32) int { return 0 }
