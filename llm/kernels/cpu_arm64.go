//go:build arm64 && !purego

package kernels

// cpu: Advanced SIMD (NEON) is part of every arm64 CPU.
var cpu = cpuFeatures{neon: true}
