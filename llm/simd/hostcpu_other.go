//go:build !amd64 || purego

package simd

// hostCPUID reads nothing where CPUID is not available (or not used):
// HostCPU falls back to /proc/cpuinfo.
func hostCPUID() CPU { return CPU{} }
