package llm

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm/model"
)

// klRef is KL(softmax(a) ‖ softmax(b)) from probabilities normalised here,
// a computation separate from logitsKL's log-softmax.
func klRef(a, b []float32) float64 {
	prob := func(x []float32) []float64 {
		hi := float64(slices.Max(x))
		p := make([]float64, len(x))
		var s float64
		for i, v := range x {
			p[i] = math.Exp(float64(v) - hi)
			s += p[i]
		}
		for i := range p {
			p[i] /= s
		}
		return p
	}
	p, q := prob(a), prob(b)
	var kl float64
	for i := range p {
		if p[i] > 0 {
			kl += p[i] * math.Log(p[i]/q[i])
		}
	}
	return kl
}

func TestLogitsSkippingNoneIsForward(t *testing.T) {
	m := tinyTrained(t)
	ids := m.Encode("The cat sat on the")
	got, err := m.LogitsSkipping(ids)
	if err != nil {
		t.Fatal(err)
	}
	if d := MaxDiff(got, m.Logits(ids)); d > 1e-4 {
		t.Errorf("no layer skipped: logits differ from Forward by %g", d)
	}
	if kl := logitsKL(got, got); kl != 0 {
		t.Errorf("KL of a distribution with itself = %g", kl)
	}
}

// Skipping the last layer hands the previous layer's output to the final
// norm: the logits are the LM head applied to the full pass's residual
// after the second-to-last layer.
func TestSkipLastLayerIsUnembedOfPrevious(t *testing.T) {
	m := tinyTrained(t)
	p := m.MustRun("The cat sat on the")
	L := m.Config().Layers
	got, err := m.LogitsSkipping(p.IDs, L-1)
	if err != nil {
		t.Fatal(err)
	}
	want, err := m.Net.Unembed(p.Capture.Layers[L-2].Residual[len(p.IDs)-1])
	if err != nil {
		t.Fatal(err)
	}
	if d := MaxDiff(got, want); d > 1e-3 {
		t.Errorf("skipping layer %d: logits differ from Unembed(residual after layer %d) by %g", L-1, L-2, d)
	}
}

// Skipping layer i leaves layers before it as they were, and layer i+1
// reads the stream as layer i−1 left it.
func TestSkipPassesTheStreamThrough(t *testing.T) {
	m := tinyTrained(t)
	p := m.MustRun("A transformer stacks the same block many times.")
	for _, i := range []int{1, 3, 5} {
		c := &model.Capture{Skip: map[int]bool{i: true}}
		if _, err := m.Net.ForwardCapture(m.Net.NewState(), p.IDs, c); err != nil {
			t.Fatal(err)
		}
		if len(c.Layers[i].Residual) != 0 {
			t.Errorf("skipped layer %d captured %d rows", i, len(c.Layers[i].Residual))
		}
		for pos := range p.IDs {
			if !slices.Equal(c.Layers[i-1].Residual[pos], p.Capture.Layers[i-1].Residual[pos]) {
				t.Fatalf("skip %d: layer %d changed at position %d", i, i-1, pos)
			}
			want := MustRMSNorm(p.Capture.Layers[i-1].Residual[pos], m.MustBlock(i+1).InputGain, m.Config().RMSEps)
			if d := relDiff(c.Layers[i+1].InputNorm[pos], want); d > 1e-5 {
				t.Errorf("skip %d: layer %d's input at position %d is not layer %d's output (%.2g)", i, i+1, pos, i-1, d)
			}
		}
	}
}

// TestSkipLayersKL checks every KL of SkipLayers against klRef on logits
// recomputed here, and the types, top tokens and means.
func TestSkipLayersKL(t *testing.T) {
	m := tinyTrained(t)
	prompt := "A transformer stacks the same block many times."
	s := m.MustSkipLayers(prompt)
	ids := m.Encode(prompt)
	base := m.Logits(ids)
	if s.Base[0].ID != Argmax(base) || len(s.Layers) != m.Config().Layers {
		t.Fatalf("base top %d (argmax %d), %d layers", s.Base[0].ID, Argmax(base), len(s.Layers))
	}
	var full, lin []float64
	for i, l := range s.Layers {
		c := &model.Capture{Skip: map[int]bool{i: true}}
		all, err := m.Net.ForwardCapture(m.Net.NewState(), ids, c)
		if err != nil {
			t.Fatal(err)
		}
		q := all[len(all)-m.Vocab():]
		want := klRef(base, q)
		if l.Layer != i || l.Type != m.Config().LayerTypes[i] || math.Abs(l.KL-want) > 1e-6*max(1, want) || l.KL <= 0 {
			t.Errorf("layer %d: %+v, want KL %g > 0", i, l, want)
		}
		if l.Top.ID != Argmax(q) {
			t.Errorf("layer %d: top %d, argmax %d", i, l.Top.ID, Argmax(q))
		}
		if l.Type == FullAttention {
			full = append(full, l.KL)
		} else {
			lin = append(lin, l.KL)
		}
	}
	mean := func(v []float64) float64 {
		var s float64
		for _, x := range v {
			s += x
		}
		return s / float64(len(v))
	}
	if math.Abs(s.MeanKL(FullAttention)-mean(full)) > 1e-12 || math.Abs(s.MeanKL(LinearAttention)-mean(lin)) > 1e-12 {
		t.Errorf("MeanKL %v / %v, want %v / %v", s.MeanKL(FullAttention), s.MeanKL(LinearAttention), mean(full), mean(lin))
	}
	// Every layer left out: the final norm and LM head read the embedding.
	emb, _ := m.Net.Embed(ids[len(ids)-1])
	none, _ := m.Net.Unembed(emb)
	if want := klRef(base, none); math.Abs(s.NoneKL-want) > 1e-6*max(1, want) || s.None.ID != Argmax(none) {
		t.Errorf("no layers: KL %v top %d, want %v top %d", s.NoneKL, s.None.ID, want, Argmax(none))
	}
}

func TestSkipErrors(t *testing.T) {
	m := tinyTrained(t)
	if _, err := m.LogitsSkipping(nil); err == nil {
		t.Error("no ids: no error")
	}
	L := m.Config().Layers
	if _, err := m.LogitsSkipping([]int{1, 2}, L); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("layer %d", L)) {
		t.Errorf("skip layer %d of %d: %v", L, L, err)
	}
	if _, err := m.SkipLayers(""); err == nil {
		t.Error("empty prompt: no error")
	}
}

func TestLayerSkipsKLs(t *testing.T) {
	s := &LayerSkips{Layers: []LayerSkip{{KL: 0.5, Type: FullAttention}, {KL: 0.25, Type: LinearAttention}, {KL: 0.75, Type: LinearAttention}}}
	if got := s.KLs(); !slices.Equal(got, []float64{0.5, 0.25, 0.75}) {
		t.Errorf("KLs %v", got)
	}
	if s.MeanKL(FullAttention) != 0.5 || s.MeanKL(LinearAttention) != 0.5 {
		t.Errorf("means %v %v", s.MeanKL(FullAttention), s.MeanKL(LinearAttention))
	}
	if !math.IsNaN((&LayerSkips{}).MeanKL(FullAttention)) {
		t.Error("the mean of no layers should be NaN")
	}
}
