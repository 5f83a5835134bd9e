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

func TestActivationBytes(t *testing.T) {
	m := tinyA(t)
	short, long := m.MustRun("the cat"), m.MustRun("the cat sat on the mat and the dog sat on the rug")
	var want int64
	for _, a := range short.Activations() {
		want += a.Bytes()
	}
	if got := short.ActivationBytes(); got != want || got <= 0 {
		t.Errorf("ActivationBytes = %d, sum of Activations %d", got, want)
	}
	if long.ActivationBytes() <= short.ActivationBytes() {
		t.Errorf("a longer prompt has %d activation bytes, a shorter %d", long.ActivationBytes(), short.ActivationBytes())
	}
	if m.WeightBytes() != m.Net.WeightBytes() || m.WeightBytes() <= 0 {
		t.Errorf("WeightBytes = %d, engine says %d", m.WeightBytes(), m.Net.WeightBytes())
	}
}

// TestQwen35ParamsAddUp checks the two breakdowns chapter 1 prints: the
// parts of the published model and the components of its text model.
func TestQwen35ParamsAddUp(t *testing.T) {
	p := Qwen35Config().Params()
	if p.Text+p.Vision != p.TextVision || p.TextVision+p.MTP != p.Stored {
		t.Errorf("text %d + vision %d + MTP %d do not add up to %d and %d", p.Text, p.Vision, p.MTP, p.TextVision, p.Stored)
	}
	if sum := p.Embedding + p.LMHead + p.DeltaNet + p.Attention + p.MLP + p.Norms; sum != p.Text {
		t.Errorf("components add up to %d, text model %d", sum, p.Text)
	}
}

func TestMustForms(t *testing.T) {
	m := tinyA(t)
	tr := m.MustGenerate("the cat", MaxTokens(3), StopAt())
	br := tr.MustBranch(1, tr.Steps[1].Candidates[1].ID)
	if br.Steps[1].ID != tr.Steps[1].Candidates[1].ID || len(br.Steps) != 3 {
		t.Errorf("MustBranch: steps %v", br.IDs())
	}
	panics := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s did not panic", name)
			}
		}()
		f()
	}
	panics("MustBranch out of range", func() { tr.MustBranch(9, 0) })
	panics("MustFitLine without points", func() { MustFitLine(nil, 0.1, 3) })
	if s := MustFitLine(NoisyLine(5, 1, 0, 0, 1), 0.1, 3); len(s) != 4 {
		t.Errorf("MustFitLine gave %d steps, want 4", len(s))
	}
}
