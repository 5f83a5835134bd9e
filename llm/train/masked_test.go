package train

import (
	"math"
	"testing"

	"github.com/how-llms-work/course/llm/tiny"
)

// TestGradMaskedFiniteDifferences checks the masked loss against the
// per-position losses of Losses, and its gradient, parameter by parameter,
// against central differences of that masked mean.
func TestGradMaskedFiniteDifferences(t *testing.T) {
	m := randomModel[float64](testConfig(), 2)
	seqs := [][]int{{3, 1, 4, 1, 5, 9, 2}, {6, 5, 3, 5}}
	masks := [][]bool{{false, false, false, true, true, false, true}, {false, false, true, true}}
	masked := func() float64 { // the masked mean, from Losses
		losses, err := m.Losses(seqs)
		if err != nil {
			t.Fatal(err)
		}
		var s float64
		n := 0
		for i, l := range losses {
			for p, v := range l {
				if masks[i][p+1] {
					s += v
					n++
				}
			}
		}
		return s / float64(n)
	}
	g := make([]float64, len(m.Params))
	loss, err := m.GradMasked(g, seqs, masks)
	if err != nil {
		t.Fatal(err)
	}
	if want := masked(); math.Abs(loss-want) > 1e-12 {
		t.Errorf("masked loss %v, want %v", loss, want)
	}
	for _, ts := range m.Tensors {
		fdCheck(t, ts.Name, m.Params[ts.Off:ts.Off+ts.Size], g[ts.Off:ts.Off+ts.Size], masked, 1e-6)
	}
	// With every token counted it is Grad.
	all := [][]bool{{true, true, true, true, true, true, true}, {true, true, true, true}}
	g2 := make([]float64, len(m.Params))
	l2, _ := m.GradMasked(g2, seqs, all)
	g3 := make([]float64, len(m.Params))
	l3, _ := m.Grad(g3, seqs)
	if math.Abs(l2-l3) > 1e-12 {
		t.Errorf("all-on mask: loss %v, Grad %v", l2, l3)
	}
	for i := range g2 {
		if math.Abs(g2[i]-g3[i]) > 1e-12 {
			t.Fatalf("all-on mask: gradient %d is %v, Grad's %v", i, g2[i], g3[i])
		}
	}
	for _, bad := range [][][]bool{{{false}}, {{true, true}, {true}}, {make([]bool, 7), make([]bool, 4)}} {
		if _, err := m.GradMasked(g, seqs, bad); err == nil {
			t.Errorf("masks %v: no error", bad)
		}
	}
}

// TestFromBytes loads the embedded model and checks its logits against Load.
func TestFromBytes(t *testing.T) {
	m, err := FromBytes[float32](tiny.Config(), tiny.Weights())
	if err != nil {
		t.Fatal(err)
	}
	want, err := Load[float32]("../tiny/model")
	if err != nil {
		t.Fatal(err)
	}
	for i := range m.Params {
		if m.Params[i] != want.Params[i] {
			t.Fatalf("parameter %d: %v, Load gives %v", i, m.Params[i], want.Params[i])
		}
	}
	if _, err := FromBytes[float32]([]byte("{"), tiny.Weights()); err == nil {
		t.Error("a broken config.json gave no error")
	}
}
