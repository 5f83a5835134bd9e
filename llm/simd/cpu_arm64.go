//go:build arm64 && !purego

package simd

// cpu: Advanced SIMD (NEON) is part of every arm64 CPU.
var cpu = cpuFeatures{neon: true}
