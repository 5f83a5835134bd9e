package bpb

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/llm/safetensors"
	"github.com/how-llms-work/course/llm/tokenizer"
)

// TestMeasureWindowMatchesPrefixes recomputes every prediction separately
// with Forward on its own context (the window it falls in) and compares the
// sum with MeasureWindow, which reads all positions of a window at once.
func TestMeasureWindowMatchesPrefixes(t *testing.T) {
	m, err := llm.LoadTiny()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	text := "The cat sat on the mat. Once upon a time there was a king."
	const window = 6
	got, err := MeasureWindow(m, text, window)
	if err != nil {
		t.Fatal(err)
	}
	seq := append([]int{m.Config().EOS[0]}, m.Encode(text)...)
	var bits float64
	for p := 1; p < len(seq); p++ {
		s := (p - 1) / (window - 1) * (window - 1)
		logits, err := m.Forward(seq[s:p])
		if err != nil {
			t.Fatal(err)
		}
		bits -= LogProb(logits, seq[p]) / math.Log(2)
	}
	if got.Tokens != len(seq)-1 || got.Bytes != len(text) {
		t.Errorf("counted %d tokens and %d bytes, want %d and %d", got.Tokens, got.Bytes, len(seq)-1, len(text))
	}
	if math.Abs(got.Bits-bits) > 1e-3*bits {
		t.Errorf("MeasureWindow: %.6f bits, prediction by prediction: %.6f", got.Bits, bits)
	}
	if pb := got.PerByte(); pb <= 0 || pb > 12 {
		t.Errorf("%.3f bits per byte is not plausible for English", pb)
	}
	if _, err := MeasureWindow(m, "", window); err == nil {
		t.Error("empty text: no error")
	}
	if _, err := MeasureWindow(m, text, 1); err == nil {
		t.Error("window of 1: no error")
	}
}

func TestLogProb(t *testing.T) {
	// softmax(0, ln 3) = (1/4, 3/4)
	l := []float32{0, float32(math.Log(3))}
	if got := LogProb(l, 1); math.Abs(got-math.Log(0.75)) > 1e-7 {
		t.Errorf("LogProb = %g, want ln 0.75 = %g", got, math.Log(0.75))
	}
	r := Result{Bits: 8, Tokens: 2, Bytes: 4}.Add(Result{Bits: 2, Tokens: 3, Bytes: 1})
	if r.PerByte() != 2 || math.Abs(r.PerToken()-2*math.Ln2) > 1e-12 {
		t.Errorf("sum %+v: %g bits/byte, %g nats/token", r, r.PerByte(), r.PerToken())
	}
}

// softened writes a copy of the embedded model whose final norm weights are
// scaled by f (so its logits are scaled too) and whose config.json is
// changed by edit, and loads it.
func softened(t *testing.T, f float32, edit func([]byte) []byte) *llm.Model {
	t.Helper()
	const embedded = "../model"
	src, err := safetensors.Open(filepath.Join(embedded, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var tensors []*safetensors.Tensor
	changed := false
	for _, s := range src.Tensors() {
		v := s.Float32()
		if strings.HasSuffix(s.Name, "language_model.norm.weight") {
			for i := range v {
				v[i] *= f
			}
			changed = true
		}
		c, err := safetensors.FromFloat32(s.Name, s.DType, s.Shape, v)
		if err != nil {
			t.Fatal(err)
		}
		tensors = append(tensors, c)
	}
	if !changed {
		t.Fatal("no final norm in the embedded model")
	}
	dir := t.TempDir()
	if err := safetensors.WriteFile(filepath.Join(dir, "model.safetensors"), tensors, nil); err != nil {
		t.Fatal(err)
	}
	if err := tokenizer.CopyFiles(filepath.Join(embedded, "tokenizer.json"), dir); err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile(filepath.Join(embedded, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), edit(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := llm.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// TestMeasureMixture recomputes the mixture of two different models
// prediction by prediction, each from Forward on its own context, with the
// probabilities averaged directly, and compares it with MeasureMixture.
func TestMeasureMixture(t *testing.T) {
	a, err := llm.LoadTiny()
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b := softened(t, 0.6, func(c []byte) []byte { return c })
	text := "The cat sat on the mat. Once upon a time there was a king."
	got, err := MeasureMixture([]*llm.Model{a, b}, text)
	if err != nil {
		t.Fatal(err)
	}
	seq := append([]int{a.Config().EOS[0]}, a.Encode(text)...)
	var bits float64
	for p := 1; p < len(seq); p++ {
		var mean float64
		for _, m := range []*llm.Model{a, b} {
			logits, err := m.Forward(seq[:p])
			if err != nil {
				t.Fatal(err)
			}
			mean += math.Exp(LogProb(logits, seq[p])) / 2
		}
		bits -= math.Log2(mean)
	}
	if math.Abs(got.Bits-bits) > 1e-3*bits {
		t.Errorf("MeasureMixture: %.6f bits, averaged prediction by prediction: %.6f", got.Bits, bits)
	}
	ra, _ := Measure(a, text)
	rb, _ := Measure(b, text)
	if ra.Bits == rb.Bits {
		t.Fatalf("the softened model scores the same as the embedded one (%.6f bits): not a second model", ra.Bits)
	}
	// −log of a mean is at most the mean of the −logs (Jensen), and a
	// mixture of two gives each token at least half of the better model's
	// probability.
	if got.Bits > (ra.Bits+rb.Bits)/2+1e-9 || got.Bits < min(ra.Bits, rb.Bits)-float64(got.Tokens)-1e-9 {
		t.Errorf("mixture %.4f bits outside [min %.4f − %d, mean %.4f]", got.Bits, min(ra.Bits, rb.Bits), got.Tokens, (ra.Bits+rb.Bits)/2)
	}
	t.Logf("mixture %.4f, a %.4f, b %.4f", got.Bits, ra.Bits, rb.Bits)
	one, err := MeasureMixture([]*llm.Model{a}, text)
	if err != nil || one != ra {
		t.Errorf("mixture of one model: %+v, %v; Measure: %+v", one, err, ra)
	}
	if _, err := MeasureMixture(nil, text); err == nil {
		t.Error("no models: no error")
	}
	otherEOS := softened(t, 1, func(c []byte) []byte {
		return bytes.Replace(c, []byte(`"eos_token_id": 4093`), []byte(`"eos_token_id": 4095`), 1)
	})
	if _, err := MeasureMixture([]*llm.Model{a, otherEOS}, text); err == nil || !strings.Contains(err.Error(), "model 1's end-of-text token") {
		t.Errorf("models with different end-of-text tokens: %v", err)
	}
}
