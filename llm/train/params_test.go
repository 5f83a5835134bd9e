package train

import (
	"fmt"
	"math"
	"testing"

	"github.com/how-llms-work/course/llm/model"
)

// TestInitDecays checks that the DeltaNet decays start spread over short
// and long memories: exp(−exp(A_log)·softplus(dt_bias)) within (0.2, 1).
func TestInitDecays(t *testing.T) {
	c := tinyShapes()
	m := NewModel[float64](c, 1)
	var lo, hi = 1.0, 0.0
	for l := 0; l < c.Layers; l++ {
		w := m.w.layers[l]
		for h := range w.dtBias {
			d := math.Exp(-math.Exp(w.aLog[h]) * softplus(w.dtBias[h]))
			lo, hi = math.Min(lo, d), math.Max(hi, d)
		}
	}
	if lo < 0.15 || hi > 0.99999 || hi < 0.9 {
		t.Errorf("initial decays span [%.3f, %.5f], want within (0.15, 1) and reaching 0.9", lo, hi)
	}
}

// TestLayoutBindsEveryWeight checks that the layout covers the flat vector
// without gaps, holds model's text tensors (the head tied), and that bind
// gives every layer exactly the weights of its kind, each the slice of its
// tensor.
func TestLayoutBindsEveryWeight(t *testing.T) {
	c := tinyShapes()
	m := NewModel[float32](c, 1)
	text := 0
	for _, s := range c.Tensors() {
		if s.Part == model.PartText {
			text++
		}
	}
	if len(m.Tensors) != text {
		t.Errorf("%d tensors, model lists %d text tensors", len(m.Tensors), text)
	}
	off := 0
	at := map[*float32]bool{}
	for _, ts := range m.Tensors {
		if ts.Off != off || int64(ts.Size) != ts.Len() {
			t.Fatalf("%s at %d size %d, want %d size %d", ts.Name, ts.Off, ts.Size, off, ts.Len())
		}
		at[&m.Params[ts.Off]] = true
		off += ts.Size
	}
	if off != len(m.Params) {
		t.Errorf("tensors cover %d of %d parameters", off, len(m.Params))
	}
	check := func(name string, v []float32) {
		if v == nil || !at[&v[0]] {
			t.Errorf("%s is not bound to the start of a tensor", name)
		}
	}
	check("embed", m.w.embed)
	check("norm", m.w.norm)
	for l, w := range m.w.layers {
		for _, v := range [][]float32{w.inNorm, w.postNorm, w.gate, w.up, w.down} {
			check(fmt.Sprintf("layer %d", l), v)
		}
		attn := [][]float32{w.q, w.k, w.v, w.o, w.qNorm, w.kNorm}
		delta := [][]float32{w.qkv, w.z, w.b, w.a, w.conv, w.dtBias, w.aLog, w.gNorm, w.out}
		if !c.IsFullAttention(l) {
			attn, delta = delta, attn
		}
		for _, v := range attn {
			check(fmt.Sprintf("layer %d mixer", l), v)
		}
		for _, v := range delta {
			if v != nil {
				t.Errorf("layer %d: a weight of the other mixer kind is bound", l)
			}
		}
	}
}
