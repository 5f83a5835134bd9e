package model

import (
	"slices"
	"testing"
)

// Capture.NoInputNorm: an empty set changes nothing, bit for bit; a listed
// layer's mixer reads the raw residual stream, the layers before it are
// untouched, and the logits move.
func TestNoInputNorm(t *testing.T) {
	m := MustOpen("testdata/tiny-a")
	defer m.Close()
	ids := []int{5, 17, 3, 99, 42, 8}
	var base, same, off Capture
	want, err := m.ForwardCapture(m.NewState(), ids, &base)
	if err != nil {
		t.Fatal(err)
	}
	same.NoInputNorm = map[int]bool{}
	if got, err := m.ForwardCapture(m.NewState(), ids, &same); err != nil || !slices.Equal(got, want) {
		t.Fatalf("an empty NoInputNorm changed the logits (err %v)", err)
	}
	const layer = 1
	off.NoInputNorm = map[int]bool{layer: true}
	got, err := m.ForwardCapture(m.NewState(), ids, &off)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(got, want) {
		t.Error("removing layer 1's input norm changed no logit")
	}
	for tok := range ids {
		if !slices.Equal(off.Layers[0].Residual[tok], base.Layers[0].Residual[tok]) {
			t.Fatalf("token %d: layer 0 changed", tok)
		}
		if !slices.Equal(off.Layers[layer].InputNorm[tok], base.Layers[0].Residual[tok]) {
			t.Fatalf("token %d: layer %d's mixer did not read the raw residual stream", tok, layer)
		}
		if !slices.Equal(off.Layers[layer].AfterMixer[tok], noNormSum(base.Layers[0].Residual[tok], off.Layers[layer].MixerOut[tok])) {
			t.Fatalf("token %d: the residual add of layer %d is not input + mixer output", tok, layer)
		}
	}
}

func noNormSum(a, b []float32) []float32 {
	out := slices.Clone(a)
	add(out, b)
	return out
}
