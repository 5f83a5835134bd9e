package llm

import (
	"math"
	"slices"
	"testing"
)

// The embedded published config parses; its accounting is tested in model.
func TestQwen35Config(t *testing.T) {
	c := Qwen35Config()
	if c.Layers != 24 || c.Vocab != 248320 || c.Params().TextVision != 852985920 {
		t.Errorf("embedded Qwen3.5-0.8B config: %d layers, vocab %d, %d parameters", c.Layers, c.Vocab, c.Params().TextVision)
	}
}

func TestRunCapturesThePass(t *testing.T) {
	m := tinyA(t)
	prompt := "the cat sat"
	p, err := m.Run(prompt)
	if err != nil {
		t.Fatal(err)
	}
	ids := m.Encode(prompt)
	if !slices.Equal(p.IDs, ids) {
		t.Fatalf("ids = %v, want %v", p.IDs, ids)
	}
	want := m.Logits(ids)
	for i := range want {
		if d := math.Abs(float64(p.Logits[i] - want[i])); d > 1e-4 {
			t.Fatalf("logit %d: Run %v, Forward %v", i, p.Logits[i], want[i])
		}
	}
	if p.Top[0].ID != Argmax(want) {
		t.Errorf("top candidate %d, argmax %d", p.Top[0].ID, Argmax(want))
	}
	probs := Softmax(want, 1)
	for _, c := range p.Top {
		if math.Abs(float64(c.Prob-probs[c.ID])) > 1e-6 {
			t.Errorf("candidate %d prob %v, softmax %v", c.ID, c.Prob, probs[c.ID])
		}
	}
	cfg := m.Config()
	if len(p.Embedding) != cfg.Hidden || len(p.LayerNorms()) != cfg.Layers {
		t.Fatalf("embedding %d values, %d layer norms; want %d and %d", len(p.Embedding), len(p.LayerNorms()), cfg.Hidden, cfg.Layers)
	}
	for i, n := range p.LayerNorms() {
		if !(n > 0) || math.IsInf(n, 0) {
			t.Errorf("layer %d residual norm %v", i, n)
		}
	}
	if p.State.Len() != len(ids) {
		t.Errorf("state has %d tokens, want %d", p.State.Len(), len(ids))
	}
	var bytes int64
	for _, a := range p.Activations() {
		if a.Count() <= 0 {
			t.Errorf("activation %q has shape %v", a.Name, a.Shape)
		}
		bytes += a.Bytes()
	}
	// At least the residual stream after every layer's two halves.
	if min := int64(2 * cfg.Layers * len(ids) * cfg.Hidden * 4); bytes < min {
		t.Errorf("activations total %d bytes, less than the residual stream alone (%d)", bytes, min)
	}
}

func TestRunEmptyPrompt(t *testing.T) {
	if _, err := tinyA(t).Run(""); err == nil {
		t.Fatal("Run(\"\") succeeded")
	}
}
