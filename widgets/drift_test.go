package widgets_test

import (
	"math"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/widgets"
)

func TestDrift(t *testing.T) {
	stats := []llm.NormStats{
		{Layer: 0, Type: llm.LinearAttention, Hidden: 16, Input: llm.Summary{L2: 1}, InputNorm: llm.Summary{L2: 4.5}, AfterMixer: llm.Summary{L2: 2}, PostNorm: llm.Summary{L2: 3.5}},
		{Layer: 1, Type: llm.FullAttention, Hidden: 16, Input: llm.Summary{L2: 10}, InputNorm: llm.Summary{L2: 4}, AfterMixer: llm.Summary{L2: 12}, PostNorm: llm.Summary{L2: 3}},
	}
	c := widgets.Drift(stats)
	if len(c.X) != 2 || c.X[0] != "0" || c.X[1] != "1 full" {
		t.Errorf("x labels %q, want [0 \"1 full\"]", c.X)
	}
	want := [][]float64{{1, 10}, {4.5, 4}, {2, 12}, {3.5, 3}, {4, 4}}
	if len(c.Series) != len(want) {
		t.Fatalf("%d series, want %d", len(c.Series), len(want))
	}
	for k, s := range c.Series {
		for i, v := range s.Values {
			if v != want[k][i] {
				t.Errorf("series %q [%d] = %v, want %v", s.Name, i, v, want[k][i])
			}
		}
	}
	h, err := c.HTML()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h, "√hidden") || !strings.Contains(h, "1 full") || strings.Contains(h, "http") {
		t.Errorf("Drift HTML lacks its labels or links out:\n%s", h)
	}
	if _, err := widgets.Drift(nil).HTML(); err == nil {
		t.Error("Drift of no layers rendered without an error")
	}
}

func TestGainProfile(t *testing.T) {
	gains := []llm.Gain{
		{Kind: "input_layernorm", Layer: 0, Stored: []float32{0, -0.5, 1}, OnePlus: true},             // 1 0.5 2
		{Kind: "post_attention_layernorm", Layer: 0, Stored: []float32{0.25, 0.25, 0}, OnePlus: true}, // 1.25 1.25 1
		{Kind: "linear_attn.norm", Layer: 0, Stored: []float32{9, 9, 9}},
		{Kind: "input_layernorm", Layer: 1, Stored: []float32{0, 0, 0}, OnePlus: true},
		{Kind: "post_attention_layernorm", Layer: 1, Stored: []float32{-1, 0, 3}, OnePlus: true},
		{Kind: "norm", Layer: -1, Stored: []float32{5, 5, 5}, OnePlus: true},
	}
	c := widgets.GainProfile(gains)
	want := map[string][]float64{
		"input_layernorm median": {1, 1}, "input_layernorm min": {0.5, 1}, "input_layernorm max": {2, 1},
		"post_attention_layernorm median": {1.25, 1}, "post_attention_layernorm min": {1, 0}, "post_attention_layernorm max": {1.25, 4},
	}
	if len(c.X) != 2 || len(c.Series) != len(want) {
		t.Fatalf("%d layers, %d series; want 2 and %d", len(c.X), len(c.Series), len(want))
	}
	for _, s := range c.Series {
		w, ok := want[s.Name]
		if !ok {
			t.Errorf("unexpected series %q", s.Name)
			continue
		}
		for i := range w {
			if math.Abs(s.Values[i]-w[i]) > 1e-12 {
				t.Errorf("%s[%d] = %v, want %v", s.Name, i, s.Values[i], w[i])
			}
		}
	}
	if _, err := c.Text(); err != nil {
		t.Error(err)
	}
}
