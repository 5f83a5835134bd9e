package llm

import (
	"math"
	"slices"
	"testing"

	"github.com/how-llms-work/course/llm/model"
)

// knockCapture runs ids through net with a capture.
func knockCapture(t *testing.T, net *model.Model, ids []int) (*model.Capture, []float32) {
	t.Helper()
	c := &model.Capture{}
	all, err := net.ForwardCapture(net.NewState(), ids, c)
	if err != nil {
		t.Fatal(err)
	}
	v := net.Config().Vocab
	return c, all[len(all)-v:]
}

// TestWithoutMLP: with layer l's MLP knocked out, the layers before l are
// untouched bit for bit, layer l's MLP output is exactly zero (its output
// is what the mixer left), and the prediction moves.
func TestWithoutMLP(t *testing.T) {
	m := mlpModel(t)
	ids := m.Encode(mlpPrompt)
	base, baseLogits := knockCapture(t, m.Net, ids)
	const l = 1
	ab, err := m.WithoutMLP(l)
	if err != nil {
		t.Fatal(err)
	}
	defer ab.Close()
	c, logits := knockCapture(t, ab.Net, ids)
	for pos := range ids {
		for j := range l {
			if !slices.Equal(c.Layers[j].Residual[pos], base.Layers[j].Residual[pos]) {
				t.Fatalf("layer %d before the knocked-out one changed", j)
			}
		}
		if slices.ContainsFunc(c.Layers[l].MLPOut[pos], func(v float32) bool { return v != 0 }) {
			t.Fatalf("position %d: the knocked-out MLP wrote %v", pos, c.Layers[l].MLPOut[pos][:4])
		}
		if !slices.Equal(c.Layers[l].Residual[pos], c.Layers[l].AfterMixer[pos]) {
			t.Fatalf("position %d: the layer's output is not what its mixer left", pos)
		}
	}
	if slices.Equal(logits, baseLogits) {
		t.Error("knocking out an MLP changed nothing")
	}
	// The Knockout report agrees with a KL computed here from both logits.
	ks := m.MustKnockoutMLPs(mlpPrompt)
	if len(ks) != m.Config().Layers {
		t.Fatalf("%d knockouts", len(ks))
	}
	p, q := Softmax(baseLogits, 1), Softmax(logits, 1)
	var kl float64
	for i := range p {
		kl += float64(p[i]) * math.Log(float64(p[i])/float64(q[i]))
	}
	if k := ks[l]; math.Abs(k.KL-kl) > 1e-6*(1+kl) || k.Top.ID != Argmax(baseLogits) || k.After.ID != Argmax(logits) || math.Abs(k.TopAfter-float64(q[k.Top.ID])) > 1e-7 {
		t.Errorf("knockout of layer %d: %+v, want KL %v, top %d → %d", l, k, kl, Argmax(baseLogits), Argmax(logits))
	}
	for _, k := range ks {
		if !(k.KL > 0) {
			t.Errorf("%s: KL %v", k.What, k.KL)
		}
	}
}

// TestWithoutNeurons: knocking out units changes the layer's MLP output
// to Down·act with those units' activations zeroed, computed here by hand.
func TestWithoutNeurons(t *testing.T) {
	m := mlpModel(t)
	ids := m.Encode(mlpPrompt)
	const l = 2
	units := []int{0, 5, 77}
	ab, err := m.WithoutNeurons(l, units...)
	if err != nil {
		t.Fatal(err)
	}
	defer ab.Close()
	c, _ := knockCapture(t, ab.Net, ids)
	w := m.MustMLP(l)
	for pos := range ids {
		act := slices.Clone(c.Layers[l].MLP[pos])
		for _, u := range units {
			act[u] = 0
		}
		want, err := MatVec(w.Down, act)
		if err != nil {
			t.Fatal(err)
		}
		if d, _ := MaxDiffRel(c.Layers[l].MLPOut[pos], want); d > 2e-3 {
			t.Errorf("position %d: MLP output off by %.2g (relative)", pos, d)
		}
	}
	k := m.MustKnockoutNeurons(mlpPrompt, l, units...)
	if k.KL < 0 || k.Top.ID != Argmax(m.Logits(ids)) {
		t.Errorf("%+v", k)
	}
	for _, bad := range []func() error{
		func() error { _, err := m.WithoutNeurons(l); return err },
		func() error { _, err := m.WithoutNeurons(l, m.Config().Intermediate); return err },
		func() error { _, err := m.WithoutMLP(-1); return err },
		func() error { _, err := m.KnockoutMLPs(""); return err },
	} {
		if bad() == nil {
			t.Error("bad knockout: no error")
		}
	}
}
