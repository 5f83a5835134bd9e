//go:build amd64 && !purego

package simd

// cpuid executes CPUID with the given leaf (EAX) and subleaf (ECX).
//
//go:noescape
func cpuid(leaf, sub uint32) (a, b, c, d uint32)

// xgetbv reads extended control register 0 (which register states the OS saves).
func xgetbv() (a, d uint32)

// cpu is detected once at start-up and never changes.
var cpu = detectCPU()

func detectCPU() cpuFeatures {
	var f cpuFeatures
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return f
	}
	_, _, c1, _ := cpuid(1, 0)
	const (
		fma     = 1 << 12
		osxsave = 1 << 27
		avx     = 1 << 28
		f16c    = 1 << 29
	)
	if c1&(fma|osxsave|avx|f16c) != fma|osxsave|avx|f16c {
		return f
	}
	xcr0, _ := xgetbv()
	if xcr0&0x6 != 0x6 { // SSE and AVX state
		return f
	}
	_, b7, _, _ := cpuid(7, 0)
	a71, _, _, _ := cpuid(7, 1)
	const (
		avx2     = 1 << 5
		avx512f  = 1 << 16
		avx512dq = 1 << 17
		avx512bw = 1 << 30
		avx512vl = 1 << 31
	)
	f.avx2 = b7&avx2 != 0
	if f.avx2 && b7&(avx512f|avx512dq|avx512bw|avx512vl) == avx512f|avx512dq|avx512bw|avx512vl &&
		xcr0&0xe0 == 0xe0 { // opmask, ZMM_Hi256, Hi16_ZMM state
		f.avx512 = true
		f.avx512bf16 = a71&(1<<5) != 0
	}
	return f
}
