//go:build !amd64 || purego

package kernels

type cpuFeatures struct {
	avx2, avx512, avx512bf16 bool
}

// cpu reports no x86 features: only the pure-Go path runs.
var cpu cpuFeatures
