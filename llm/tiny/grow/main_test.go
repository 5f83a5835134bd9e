package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/llm/model"
	"github.com/how-llms-work/course/llm/safetensors"
	"github.com/how-llms-work/course/llm/tokenizer"
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
	if o.tokenizer == "" {
		if err := tokenizer.CopyFiles(filepath.Join(from, "tokenizer.json"), out); err != nil {
			t.Fatal(err)
		}
	}
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

// TestWidenMLPKeepsLogits gives every MLP of the embedded model 128 more
// units and checks, through the inference engine, that it computes the
// same logits (the new down_proj columns are zero) and that the new
// gate_proj rows are not (so training can start from them).
func TestWidenMLPKeepsLogits(t *testing.T) {
	units := 0
	{
		cfg, err := model.LoadConfig(filepath.Join("..", "model", "config.json"))
		if err != nil {
			t.Fatal(err)
		}
		units = cfg.Intermediate
	}
	a, b, out, worst := grown(t, options{widen: 1, mlp: units + 128, seed: 1})
	c := a.Config()
	if got := b.Config().Intermediate; got != units+128 {
		t.Fatalf("grown model has %d MLP units, want %d", got, units+128)
	}
	if got, want := b.Params().Text-a.Params().Text, int64(c.Layers*3*c.Hidden*128); got != want {
		t.Errorf("grown model has %d more parameters, want %d", got, want)
	}
	t.Logf("largest logit difference after widening the MLP: %.3g", worst)
	if worst > 1e-4 {
		t.Errorf("widening the MLP changed a logit by %.3g", worst)
	}
	f, err := safetensors.Open(filepath.Join(out, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g, err := f.Tensor(prefix + "0.mlp.gate_proj.weight")
	if err != nil {
		t.Fatal(err)
	}
	d, err := f.Tensor(prefix + "0.mlp.down_proj.weight")
	if err != nil {
		t.Fatal(err)
	}
	gv, dv := g.Float32(), d.Float32()
	if rms(gv[units*c.Hidden:]) == 0 || math.Abs(rms(gv[units*c.Hidden:])/rms(gv[:units*c.Hidden])-1) > 0.1 {
		t.Errorf("new gate_proj rows have RMS %g against %g for the old", rms(gv[units*c.Hidden:]), rms(gv[:units*c.Hidden]))
	}
	for r := range c.Hidden {
		if slices.ContainsFunc(dv[r*(units+128)+units:(r+1)*(units+128)], func(x float32) bool { return x != 0 }) {
			t.Fatalf("down_proj row %d has a nonzero new column", r)
		}
	}
	for _, n := range []int{units, units - 1} {
		if err := grow(filepath.Join("..", "model"), t.TempDir(), options{widen: 1, mlp: n}); err == nil || !strings.Contains(err.Error(), "want more than") {
			t.Errorf("-mlp %d: error %v, want one saying it must grow", n, err)
		}
	}
}

// TestRevocabSameTokenizer gives the embedded model its own tokenizer as the
// "new" one: every row is kept, so every logit must be exactly the same.
func TestRevocabSameTokenizer(t *testing.T) {
	a, b, _, worst := grown(t, options{widen: 1, tokenizer: filepath.Join("..", "model", "tokenizer.json")})
	if b.Config().Vocab != a.Config().Vocab || !slices.Equal(b.Config().EOS, a.Config().EOS) {
		t.Errorf("vocab %d, eos %v; want %d, %v", b.Config().Vocab, b.Config().EOS, a.Config().Vocab, a.Config().EOS)
	}
	if worst != 0 {
		t.Errorf("the same tokenizer changed a logit by %g", worst)
	}
}

// TestRevocabNewTokenizer trains a small tokenizer on a few sentences and
// rebuilds the embedded model's embedding for it. Each new row is checked
// against the old rows it should come from, found independently: an old
// token with the same text, or the old encoding of the new token's text.
func TestRevocabNewTokenizer(t *testing.T) {
	text := strings.Repeat("The cat sat on the mat. The dog sat on the log. Theirs was a quiet house by the river.\n", 20)
	tr, err := tokenizer.Train(text, 300, tokenizer.TrainOptions{Special: []string{"<|endoftext|>", "<|im_start|>", "<|im_end|>"}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := tr.Save(dir); err != nil {
		t.Fatal(err)
	}
	// A tokenizer file of another name is written to the output as tokenizer.json.
	if err := os.Rename(filepath.Join(dir, "tokenizer.json"), filepath.Join(dir, "small.json")); err != nil {
		t.Fatal(err)
	}
	from := filepath.Join("..", "model")
	out := t.TempDir()
	if err := grow(from, out, options{widen: 1, tokenizer: filepath.Join(dir, "small.json")}); err != nil {
		t.Fatal(err)
	}
	old, nu := tokenizer.MustLoad(filepath.Join(from, "tokenizer.json")), tokenizer.MustLoad(filepath.Join(out, "tokenizer.json"))
	cfg, err := model.LoadConfig(filepath.Join(out, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Vocab != nu.VocabSize() || len(cfg.EOS) != 1 || nu.Token(cfg.EOS[0]) != "<|endoftext|>" {
		t.Errorf("config: vocab %d (tokenizer %d), eos %v", cfg.Vocab, nu.VocabSize(), cfg.EOS)
	}
	rows := func(path string) []float32 {
		f, err := safetensors.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		for _, x := range f.Tensors() {
			if x.Name == embedName {
				return x.Float32()
			}
		}
		t.Fatalf("%s: no %s", path, embedName)
		return nil
	}
	ov, nv := rows(filepath.Join(from, "model.safetensors")), rows(filepath.Join(out, "model.safetensors"))
	d := len(ov) / old.VocabSize()
	if len(nv) != nu.VocabSize()*d {
		t.Fatalf("new embedding has %d values, want %d × %d", len(nv), nu.VocabSize(), d)
	}
	checked := map[string]bool{}
	for _, word := range []string{" the", " cat", "The", " Theirs", " river", ".\n", "<|im_end|>"} {
		var id int
		var src []int
		if w, ok := nu.ID(word); ok && nu.IsSpecial(w) {
			o, _ := old.ID(word)
			id, src = w, []int{o}
		} else {
			ids := nu.Encode(word)
			if len(ids) != 1 {
				continue // not one token in the new vocabulary
			}
			id, src = ids[0], old.Encode(word)
		}
		for j := 0; j < d; j++ {
			var want float64
			for _, o := range src {
				want += float64(ov[o*d+j])
			}
			want /= float64(len(src))
			// A kept row is copied exactly; a mean is rounded back to BF16,
			// the embedded model's dtype (8 significant bits).
			tol := 0.0
			if len(src) > 1 {
				tol = math.Abs(want) / 128
			}
			if got := float64(nv[id*d+j]); math.Abs(got-want) > tol {
				t.Fatalf("%q (new id %d, old ids %v), channel %d: %g, want %g", word, id, src, j, got, want)
			}
		}
		checked[fmt.Sprint(len(src) > 1)] = true
	}
	if !checked["true"] || !checked["false"] {
		t.Errorf("the words checked did not cover both a kept row and an averaged one: %v", checked)
	}
	m, err := llm.LoadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if got := m.Logits(m.Encode("The cat sat on the")); len(got) != nu.VocabSize() {
		t.Errorf("%d logits, want one per token of the new vocabulary, %d", len(got), nu.VocabSize())
	}
}

// TestRevocabErrors: a new tokenizer whose special tokens the old one lacks
// is refused by name.
func TestRevocabErrors(t *testing.T) {
	tr, err := tokenizer.Train(strings.Repeat("a b c ab bc abc ", 50), 270, tokenizer.TrainOptions{Special: []string{"<|endoftext|>", "<|pad|>"}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := tr.Save(dir); err != nil {
		t.Fatal(err)
	}
	err = grow(filepath.Join("..", "model"), t.TempDir(), options{widen: 1, tokenizer: filepath.Join(dir, "tokenizer.json")})
	if err == nil || !strings.Contains(err.Error(), "<|pad|>") {
		t.Errorf("grow with a special token the old tokenizer lacks: %v; want an error naming <|pad|>", err)
	}
}
