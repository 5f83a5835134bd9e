package model

import (
	"testing"
)

func TestParamsQwen35(t *testing.T) {
	c, err := LoadConfig("testdata/qwen35-0.8b-config.json")
	if err != nil {
		t.Fatal(err)
	}
	p := c.Params()
	for _, tc := range []struct {
		name      string
		got, want int64
	}{
		{"text", p.Text, 752393024},
		{"vision", p.Vision, 100592896},
		{"mtp", p.MTP, 20452864},
		{"text+vision", p.TextVision, 852985920},
		{"stored", p.Stored, 873438784},
		{"stored bytes", p.StoredBytes, 1746882752},
		{"embedding", p.Embedding, 254279680},
		{"deltanet", p.DeltaNet, 189778752},
		{"attention", p.Attention, 44043264},
		{"mlp", p.MLP, 264241152},
		{"norms", p.Norms, 50176},
		{"lm_head", p.LMHead, 0},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %d, want %d", tc.name, tc.got, tc.want)
		}
	}
	var sum int64
	for _, n := range p.PerLayer {
		sum += n
	}
	if want := p.Text - p.Embedding - 1024; sum != want {
		t.Errorf("sum of per-layer params = %d, want %d", sum, want)
	}
	counts := map[string]int{}
	f32 := 0
	for _, ts := range c.Tensors() {
		counts[ts.Part]++
		if ts.DType == "F32" {
			f32++
		}
	}
	if counts[PartText] != 320 || counts[PartVision] != 153 || counts[PartMTP] != 15 || f32 != 36 {
		t.Errorf("tensor counts %v, %d F32; want text 320, vision 153, mtp 15, 36 F32", counts, f32)
	}
}
