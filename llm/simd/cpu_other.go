//go:build (!amd64 && !arm64) || purego

package simd

// cpu reports no SIMD features: only the pure-Go path runs.
var cpu cpuFeatures
