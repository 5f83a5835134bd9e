package simd

import (
	"slices"
	"sync"
)

// Choice is the kernel path picked for a processor, and why.
type Choice struct {
	Path   Path   `json:"-"`
	Name   string `json:"path"` // Path.String()
	Reason string `json:"reason"`
}

// ChooseKernels picks the exact kernel path for processor c by its vendor,
// family and instruction sets; NewPool uses it (for the host) unless
// LLM_KERNELS says otherwise. The choice is made at start-up, never by a
// build flag, and `llm bench -calibrate` checks it by timing every path on
// the model itself.
//
// The table, and what each entry rests on:
//
//   - AMD family 26 (Zen 5: AVX-512 on full 512-bit datapaths): avx512.
//     Measured (BENCHMARKS.md, issues 8 and 16): the packed 12 × 32 GEMM
//     runs at 96–97 % of the FMA peak, avx2 at half of that peak.
//   - AMD family 25 with AVX-512 (Zen 4, which splits each 512-bit
//     operation into two 256-bit halves): avx512. NOT measured on Zen 4
//     by this code: the reasoning is that the split costs avx512 and avx2
//     the same per float, and avx512's 32 registers let the GEMM tile
//     (12 × 32) load a third as much per FMA as avx2's (6 × 16). Issue 16
//     measured the older kernels there at 0.47 of the bandwidth in decode;
//     run `llm bench -calibrate` on a Zen 4 to check this entry.
//   - Intel with AVX-512: avx512 (not measured here).
//   - Anything else with AVX2 and FMA (Intel laptops, Zen 1–3): avx2.
//   - arm64: neon. Otherwise: go.
//
// PathAVX512BF16 is never chosen: it rounds activations to BF16.
func ChooseKernels(c CPU) Choice {
	has := func(f string) bool { return slices.Contains(c.Features, f) }
	pick := func(p Path, why string) Choice { return Choice{Path: p, Name: p.String(), Reason: why} }
	switch {
	case has("avx512") && c.Vendor == "AuthenticAMD" && c.Family == 26:
		return pick(PathAVX512, "AMD Zen 5 (family 26): 512-bit datapaths; measured")
	case has("avx512") && c.Vendor == "AuthenticAMD" && c.Family == 25:
		return pick(PathAVX512, "AMD Zen 4 (family 25): 512-bit operations in two halves; avx512 chosen for its 32 registers, unmeasured on Zen 4")
	case has("avx512"):
		return pick(PathAVX512, "AVX-512 (not a measured CPU model)")
	case has("avx2"):
		return pick(PathAVX2, "AVX2 and FMA, no AVX-512")
	case has("neon"):
		return pick(PathNEON, "arm64 Advanced SIMD")
	}
	return pick(PathGo, "no vector instructions this package uses")
}

// HostChoice is ChooseKernels for the processor this process runs on.
func HostChoice() Choice { return hostChoice() }

var hostChoice = sync.OnceValue(func() Choice { return ChooseKernels(HostCPU()) })
