package simd

import (
	"bufio"
	"os"
	"runtime"
	"strings"
)

// CPU says which processor a measurement ran on: benchmark figures differ
// between microarchitectures (Zen 4 splits 512-bit operations in two halves,
// Zen 5 does not), so every reported speed carries one.
type CPU struct {
	Model  string `json:"model"`            // brand string, e.g. "AMD EPYC 9454P 48-Core Processor"
	Vendor string `json:"vendor,omitempty"` // CPUID vendor, e.g. "AuthenticAMD"
	// Family and ModelNumber are CPUID's display family and model (AMD
	// Zen 4 is family 25, Zen 5 family 26); zero where CPUID is not read.
	Family      int    `json:"family,omitempty"`
	ModelNumber int    `json:"model_number,omitempty"`
	Arch        string `json:"arch"` // runtime.GOARCH
	// Features lists the instruction-set extensions this package uses that
	// the CPU and OS offer, e.g. [avx2 avx512 avx512bf16].
	Features []string `json:"features"`
}

// HostCPU describes the processor this process runs on.
func HostCPU() CPU {
	c := hostCPUID()
	c.Arch = runtime.GOARCH
	if c.Model == "" {
		c.Model = cpuinfoModel("/proc/cpuinfo")
	}
	if c.Model == "" {
		c.Model = "unknown " + runtime.GOARCH
	}
	c.Features = []string{}
	for _, f := range []struct {
		on   bool
		name string
	}{{cpu.avx2, "avx2"}, {cpu.avx512, "avx512"}, {cpu.avx512bf16, "avx512bf16"}, {cpu.neon, "neon"}} {
		if f.on {
			c.Features = append(c.Features, f.name)
		}
	}
	return c
}

// cpuinfoModel returns the first "model name" (x86) or "Model" (arm64)
// line of a /proc/cpuinfo file, or "" when there is none.
func cpuinfoModel(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		k, v, ok := strings.Cut(s.Text(), ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "model name", "Model":
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// displayFamilyModel decodes CPUID leaf 1's EAX into the display family and
// model as the vendors define them: the extended family is added when the
// base family is 0xF, the extended model prepended when the family is 6 or
// 0xF and above.
func displayFamilyModel(eax uint32) (family, model int) {
	base := int(eax>>8) & 0xf
	family = base
	if base == 0xf {
		family += int(eax>>20) & 0xff
	}
	model = int(eax>>4) & 0xf
	if base == 0x6 || base == 0xf {
		model |= (int(eax>>16) & 0xf) << 4
	}
	return family, model
}
