package simd

import "testing"

func TestChooseKernels(t *testing.T) {
	for _, c := range []struct {
		name string
		cpu  CPU
		want Path
	}{
		{"Zen 5", CPU{Vendor: "AuthenticAMD", Family: 26, ModelNumber: 2, Features: []string{"avx2", "avx512", "avx512bf16"}}, PathAVX512},
		{"Zen 4", CPU{Vendor: "AuthenticAMD", Family: 25, ModelNumber: 17, Features: []string{"avx2", "avx512", "avx512bf16"}}, PathAVX512},
		{"Zen 3", CPU{Vendor: "AuthenticAMD", Family: 25, ModelNumber: 1, Features: []string{"avx2"}}, PathAVX2},
		{"Intel AVX-512", CPU{Vendor: "GenuineIntel", Family: 6, ModelNumber: 143, Features: []string{"avx2", "avx512"}}, PathAVX512},
		{"Intel laptop", CPU{Vendor: "GenuineIntel", Family: 6, ModelNumber: 186, Features: []string{"avx2"}}, PathAVX2},
		{"arm64", CPU{Arch: "arm64", Features: []string{"neon"}}, PathNEON},
		{"none", CPU{Features: []string{}}, PathGo},
	} {
		got := ChooseKernels(c.cpu)
		if got.Path != c.want || got.Name != c.want.String() || got.Reason == "" {
			t.Errorf("%s: ChooseKernels = %+v, want path %s with a reason", c.name, got, c.want)
		}
	}
	if h := HostChoice(); !h.Path.Supported() || !h.Path.Exact() {
		t.Errorf("HostChoice() = %+v: not an exact path this CPU runs", h)
	} else if h.Path != BestPath() {
		t.Logf("host choice %s differs from the fastest exact path %s: %s", h.Path, BestPath(), h.Reason)
	}
}
