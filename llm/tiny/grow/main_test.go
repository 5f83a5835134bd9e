package main

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/llm/model"
	"github.com/how-llms-work/course/llm/safetensors"
)

// grown grows the embedded model with o into a temporary folder, loads both
// through the inference engine, and returns them, the folder, and the
// largest difference between their logits at any position of a sentence.
func grown(t *testing.T, o options) (a, b *llm.Model, out string, worst float64) {
	t.Helper()
	from := filepath.Join("..", "model")
	out = t.TempDir()
	if err := grow(from, out, o); err != nil {
		t.Fatal(err)
	}
	copyTokenizer(t, from, out)
	a, err := llm.LoadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	b, err = llm.LoadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	ids := a.Encode("Once upon a time, the cat sat on the mat and looked at the door.")
	la, err := a.LogitsAll(ids)
	if err != nil {
		t.Fatal(err)
	}
	lb, err := b.LogitsAll(ids)
	if err != nil {
		t.Fatal(err)
	}
	for i := range la {
		for j := range la[i] {
			worst = max(worst, math.Abs(float64(la[i][j]-lb[i][j])))
		}
	}
	return a, b, out, worst
}

// TestGrowKeepsLogits grows the embedded model by one block and checks,
// through the inference engine, that the deeper model computes the same
// logits at every position: the new layers add exactly zero.
func TestGrowKeepsLogits(t *testing.T) {
	a, b, _, worst := grown(t, options{blocks: 1, widen: 1})
	if got, want := b.Config().Layers, a.Config().Layers+4; got != want {
		t.Fatalf("grown model has %d layers, want %d", got, want)
	}
	if b.Params().Text <= a.Params().Text {
		t.Errorf("grown model has %d parameters, not more than %d", b.Params().Text, a.Params().Text)
	}
	if worst != 0 {
		t.Errorf("growing changed a logit by %g", worst)
	}
}

func TestPeriod(t *testing.T) {
	L, F := model.LinearAttention, model.FullAttention
	if p, err := period([]model.LayerType{L, L, L, F, L, L, L, F}); p != 4 || err != nil {
		t.Errorf("period of (L L L F)×2 = %d, %v; want 4", p, err)
	}
	for _, bad := range [][]model.LayerType{{L, L}, {L, F, L}, {L, F, F, F}} {
		if p, err := period(bad); err == nil {
			t.Errorf("period(%v) = %d, want an error", bad, p)
		}
	}
	for _, o := range []options{{blocks: 0, widen: 1}, {blocks: -1, widen: 1}, {blocks: 1, widen: 0}} {
		if err := grow(filepath.Join("..", "model"), t.TempDir(), o); err == nil {
			t.Errorf("grow with %+v: no error", o)
		}
	}
}

// TestWidenKeepsLogits widens the embedded model to twice its hidden size
// and checks, through the inference engine, that it computes the same
// logits at every position, and that the copies of each reading matrix
// differ (so that training can tell them apart).
func TestWidenKeepsLogits(t *testing.T) {
	a, b, out, worst := grown(t, options{widen: 2, noise: 0.5, seed: 1})
	if got, want := b.Config().Hidden, 2*a.Config().Hidden; got != want {
		t.Fatalf("widened model has hidden size %d, want %d", got, want)
	}
	t.Logf("largest logit difference after widening: %.3g", worst)
	if worst > 1e-4 {
		t.Errorf("widening changed a logit by %.3g", worst)
	}
	f, err := safetensors.Open(filepath.Join(out, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	q, err := f.Tensor(prefix + "3.self_attn.q_proj.weight")
	if err != nil {
		t.Fatal(err)
	}
	h := a.Config().Hidden
	v, same := q.Float32(), 0
	for c := range h {
		if v[c] == v[h+c] {
			same++
		}
	}
	if same > h/10 {
		t.Errorf("q_proj of layer 3: %d of %d columns' copies are equal in row 0", same, h)
	}
}

func copyTokenizer(t *testing.T, from, to string) {
	t.Helper()
	for _, f := range []string{"tokenizer.json", "tokenizer_config.json"} {
		b, err := os.ReadFile(filepath.Join(from, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
