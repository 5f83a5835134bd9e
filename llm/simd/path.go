package simd

import (
	"fmt"
	"os"
	"strings"
	"sync"
)

// Path names one implementation of the kernels: portable Go or an x86-64
// instruction set. The exact paths compute the same sums and differ only in
// speed and in the order float32 additions happen (PathAVX512BF16 also
// rounds prefill activations; see Exact).
type Path int

const (
	// PathGo is the portable pure-Go implementation (the only one on
	// non-amd64 machines and under the purego build tag).
	PathGo Path = iota
	// PathAVX2 uses 256-bit AVX2 and FMA instructions.
	PathAVX2
	// PathAVX512 uses 512-bit AVX-512 (F, BW, VL, DQ) instructions.
	PathAVX512
	// PathAVX512BF16 is PathAVX512 with MatMulBF16 on the AVX512_BF16
	// dot-product instruction: activations are rounded to BF16 (relative
	// error ≤ 2⁻⁸ per element, the unit roundoff of 8 significant bits)
	// so each instruction does 32 multiply-adds. It is faster for prefill
	// but not exact in float32, so NewPool never picks it unless
	// LLM_KERNELS=avx512bf16 asks for it.
	PathAVX512BF16
	// PathNEON uses arm64 Advanced SIMD (always present on arm64) for the
	// BF16 products; the rest is PathGo.
	PathNEON
)

// cpuFeatures is what the running CPU (and build) offers; cpu is set once
// at start-up in the cpu_*.go file of the architecture and never changes.
type cpuFeatures struct {
	avx2, avx512, avx512bf16, neon bool
}

// String returns the name LLM_KERNELS accepts for p: "go", "avx2", "avx512",
// "avx512bf16" or "neon".
func (p Path) String() string {
	switch p {
	case PathGo:
		return "go"
	case PathAVX2:
		return "avx2"
	case PathAVX512:
		return "avx512"
	case PathAVX512BF16:
		return "avx512bf16"
	case PathNEON:
		return "neon"
	}
	return fmt.Sprintf("Path(%d)", int(p))
}

// ParsePath turns "go", "avx2", "avx512", "avx512bf16" or "neon" (any case)
// into a Path.
func ParsePath(s string) (Path, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "go", "purego":
		return PathGo, nil
	case "avx2":
		return PathAVX2, nil
	case "avx512":
		return PathAVX512, nil
	case "avx512bf16":
		return PathAVX512BF16, nil
	case "neon":
		return PathNEON, nil
	}
	return PathGo, fmt.Errorf("simd: unknown path %q (want go, avx2, avx512, avx512bf16 or neon)", s)
}

// Supported reports whether this CPU (and build) can run path p.
func (p Path) Supported() bool {
	switch p {
	case PathGo:
		return true
	case PathAVX2:
		return cpu.avx2
	case PathAVX512:
		return cpu.avx512
	case PathAVX512BF16:
		return cpu.avx512 && cpu.avx512bf16
	case PathNEON:
		return cpu.neon
	}
	return false
}

// Paths lists the paths this CPU and build can run, slowest first.
func Paths() []Path {
	var ps []Path
	for _, p := range []Path{PathGo, PathNEON, PathAVX2, PathAVX512, PathAVX512BF16} {
		if p.Supported() {
			ps = append(ps, p)
		}
	}
	return ps
}

// BestPath is the fastest path this CPU and build can run that computes
// in float32 throughout (so never PathAVX512BF16).
func BestPath() Path {
	best := PathGo
	for _, p := range Paths() {
		if p.Exact() {
			best = p
		}
	}
	return best
}

// Exact reports whether p multiplies in float32 throughout (all paths but
// PathAVX512BF16, which rounds MatMulBF16's activations to BF16).
func (p Path) Exact() bool { return p != PathAVX512BF16 }

// HasBF16Dot reports whether the CPU has the AVX512_BF16 dot-product
// instruction (VDPBF16PS).
func HasBF16Dot() bool { return cpu.avx512bf16 }

// EnvPath is the environment variable NewPool reads to force a path:
// LLM_KERNELS=go|avx2|avx512|avx512bf16|neon.
const EnvPath = "LLM_KERNELS"

// pathFromEnv returns the path LLM_KERNELS asks for, or the host's
// ChooseKernels path when it is unset. A value the CPU cannot run is an
// error.
func pathFromEnv() (Path, error) {
	v, ok := os.LookupEnv(EnvPath)
	if !ok || v == "" {
		return HostChoice().Path, nil
	}
	p, err := ParsePath(v)
	if err != nil {
		return BestPath(), fmt.Errorf("%s=%s: %w", EnvPath, v, err)
	}
	if !p.Supported() {
		return BestPath(), fmt.Errorf("simd: %s=%s: this CPU or build cannot run path %s", EnvPath, v, p)
	}
	return p, nil
}

// defaultImpl is what a nil *Pool uses: the LLM_KERNELS path read once, or
// the best path when the variable is unset or names a path this CPU lacks.
var defaultImpl = sync.OnceValue(func() *impl {
	p, _ := pathFromEnv()
	return implFor(p)
})
