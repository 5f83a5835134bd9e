package bpb

import (
	"math"
	"testing"

	"github.com/how-llms-work/course/llm"
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
