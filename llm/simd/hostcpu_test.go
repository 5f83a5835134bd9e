package simd

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestDisplayFamilyModel(t *testing.T) {
	for _, c := range []struct {
		eax           uint32
		family, model int
	}{
		{0x00a10f11, 25, 0x11}, // AMD Zen 4 (EPYC 9004): family 0xF + 0xA, model 0x11
		{0x00b00f21, 26, 0x02}, // AMD Zen 5 (EPYC 9005): family 0xF + 0xB, model 0x02
		{0x000806ec, 6, 0x8e},  // Intel Kaby Lake: family 6, extended model 8
		{0x00000f41, 15, 0x04}, // Pentium 4: family 0xF + 0
		{0x00000633, 6, 0x03},  // Pentium II: no extended model
	} {
		f, m := displayFamilyModel(c.eax)
		if f != c.family || m != c.model {
			t.Errorf("eax %#08x: family %d model %#x, want %d %#x", c.eax, f, m, c.family, c.model)
		}
	}
}

func TestCPUInfoModel(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "cpuinfo")
	os.WriteFile(p, []byte("processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 9454P 48-Core Processor\nflags\t\t: fpu\n"), 0o644)
	if got := cpuinfoModel(p); got != "AMD EPYC 9454P 48-Core Processor" {
		t.Errorf("model %q", got)
	}
	if got := cpuinfoModel(filepath.Join(dir, "missing")); got != "" {
		t.Errorf("missing file: %q", got)
	}
}

func TestHostCPU(t *testing.T) {
	c := HostCPU()
	if c.Model == "" || c.Arch != runtime.GOARCH || c.Features == nil {
		t.Fatalf("%+v", c)
	}
	// Every path this build can run names a feature HostCPU reports.
	for _, p := range Paths() {
		if p == PathGo {
			continue
		}
		found := false
		for _, f := range c.Features {
			if f == p.String() {
				found = true
			}
		}
		if !found {
			t.Errorf("path %s runs, but HostCPU's features are %v", p, c.Features)
		}
	}
	t.Logf("%+v", c)
}
