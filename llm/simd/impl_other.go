//go:build (!amd64 && !arm64) || purego

package simd

// implFor returns the kernels of path p; only PathGo exists in this build.
func implFor(Path) *impl { return goImpl }
