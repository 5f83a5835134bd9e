package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/llm/model"
)

// TestGrowKeepsLogits grows the embedded model by one block and checks,
// through the inference engine, that the deeper model computes the same
// logits at every position: the new layers add exactly zero.
func TestGrowKeepsLogits(t *testing.T) {
	from := filepath.Join("..", "model")
	out := t.TempDir()
	if err := grow(from, out, 1); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"tokenizer.json", "tokenizer_config.json"} {
		b, err := os.ReadFile(filepath.Join(from, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a, err := llm.LoadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := llm.LoadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if got, want := b.Config().Layers, a.Config().Layers+4; got != want {
		t.Fatalf("grown model has %d layers, want %d", got, want)
	}
	if b.Params().Text <= a.Params().Text {
		t.Errorf("grown model has %d parameters, not more than %d", b.Params().Text, a.Params().Text)
	}
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
			if la[i][j] != lb[i][j] {
				t.Fatalf("position %d, token %d: logit %g after growing, %g before", i, j, lb[i][j], la[i][j])
			}
		}
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
	if err := grow(filepath.Join("..", "model"), t.TempDir(), 0); err == nil {
		t.Error("grow by 0 blocks: no error")
	}
}
