package train

import (
	"math"
	"testing"
)

func historyData() []int {
	var ids []int
	for i := 0; i < 800; i++ {
		ids = append(ids, (i*i+3*i)%11)
	}
	return ids
}

// The learning rates a run logs are warmup then cosine, written out here
// from the definition, and the logged gradient norms are the norms of the
// gradients recomputed from the same weights and batch.
func TestHistoryReadBack(t *testing.T) {
	o := Options{Steps: 12, Batch: 2, SeqLen: 16, LR: 1e-2, MinLR: 1e-3, Warmup: 4, Clip: 0.5, WeightDecay: 0.1, Seed: 3}
	tr := MustMicro(historyData(), 11, o)
	before := append([]float32(nil), tr.Model.Params...)
	tr.MustRun(12)
	lrs := tr.LRs()
	if len(lrs) != 12 {
		t.Fatalf("%d learning rates for 12 steps", len(lrs))
	}
	for i, lr := range lrs {
		want := o.LR * float64(i+1) / float64(o.Warmup)
		if i >= o.Warmup {
			frac := float64(i-o.Warmup) / float64(o.Steps-o.Warmup)
			want = o.MinLR + (o.LR-o.MinLR)*(1+math.Cos(math.Pi*frac))/2
		}
		if math.Abs(lr-want) > 1e-15 {
			t.Errorf("step %d: lr %g, want %g", i+1, lr, want)
		}
	}
	// Step 1's gradient, recomputed on the initial weights.
	m := NewModel[float32](Micro(11), o.Seed)
	copy(m.Params, before)
	g := make([]float32, len(m.Params))
	if _, err := m.Grad(g, tr.Batch(0)); err != nil {
		t.Fatal(err)
	}
	var s float64
	for _, v := range g {
		s += float64(v) * float64(v)
	}
	if got := tr.GradNorms()[0]; math.Abs(got-math.Sqrt(s)) > 1e-9*math.Sqrt(s) {
		t.Errorf("grad norm of step 1: %g, recomputed %g", got, math.Sqrt(s))
	}
}

// DecayedNorm counts exactly the tensors AdamW decays, and with weight decay
// the norm ends below that of the same run without it.
func TestDecayedNorm(t *testing.T) {
	m := NewModel[float64](Micro(11), 1)
	var s float64
	n := 0
	for _, ts := range m.Tensors {
		if len(ts.Shape) >= 2 { // matrices, conv taps, embeddings; not norms, gates' A_log or dt_bias
			n++
			for i := ts.Off; i < ts.Off+ts.Size; i++ {
				s += m.Params[i] * m.Params[i]
			}
		}
	}
	if n == 0 {
		t.Fatal("no decayed tensor")
	}
	if got := DecayedNorm(m); math.Abs(got-math.Sqrt(s)) > 1e-12*got {
		t.Errorf("DecayedNorm %g, by hand %g", got, math.Sqrt(s))
	}
	o := Options{Steps: 30, Batch: 2, SeqLen: 16, LR: 1e-2, Warmup: 3, Clip: 1, Seed: 2}
	plain := MustMicro(historyData(), 11, o).MustRunNorms(30)
	o.WeightDecay = 0.5
	decayed := MustMicro(historyData(), 11, o).MustRunNorms(30)
	if len(plain) != 30 || len(decayed) != 30 {
		t.Fatalf("%d and %d norms for 30 steps", len(plain), len(decayed))
	}
	if !(decayed[29] < plain[29]) {
		t.Errorf("weight decay 0.5 ends at norm %g, none at %g: want smaller", decayed[29], plain[29])
	}
}

func TestMicroWidth(t *testing.T) {
	c := MicroWidth(11, 24)
	if c.Hidden != 24 || c.Intermediate != 48 || c.Vocab != 11 {
		t.Errorf("MicroWidth(11, 24): hidden %d, MLP %d, vocab %d", c.Hidden, c.Intermediate, c.Vocab)
	}
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
}

// A spike multiplies one step's gradient: its logged norm is SpikeScale
// times the norm the same step has in a run without the spike (the steps
// before it are identical), and with a clip limit below both norms the
// clipped step is the ordinary one, so the weights agree afterwards.
func TestSpike(t *testing.T) {
	o := Options{Steps: 4, Batch: 2, SeqLen: 16, LR: 1e-2, Warmup: 2, Seed: 5}
	s := o
	s.SpikeStep, s.SpikeScale = 3, 100
	plain, spiked := MustMicro(historyData(), 11, o).MustRun(4), MustMicro(historyData(), 11, s).MustRun(4)
	for i, want := range []float64{1, 1, 100, 1} {
		got := spiked.GradNorms()[i] / plain.GradNorms()[i]
		if i < 3 && math.Abs(got-want) > 1e-5*want {
			t.Errorf("step %d: norm ratio %g, want %g", i+1, got, want)
		}
		if i == 3 && math.Abs(got-1) < 1e-3 {
			t.Errorf("step 4: norm ratio %g: the unclipped spike left no trace", got)
		}
	}
	o.Clip, s.Clip = 1e-4, 1e-4
	plain, spiked = MustMicro(historyData(), 11, o).MustRun(3), MustMicro(historyData(), 11, s).MustRun(3)
	if g := plain.GradNorms()[2]; !(g > o.Clip) {
		t.Fatalf("step 3's norm %g is under the clip limit %g: pick a lower limit", g, o.Clip)
	}
	for i, p := range plain.Model.Params {
		if d := math.Abs(float64(p - spiked.Model.Params[i])); d > 1e-6 {
			t.Fatalf("clipped: weight %d differs by %g after the spike", i, d)
		}
	}
	for _, bad := range []Options{{SpikeStep: -1}, {SpikeStep: 2}, {SpikeStep: 2, SpikeScale: math.NaN()}} {
		b := o
		b.SpikeStep, b.SpikeScale = bad.SpikeStep, bad.SpikeScale
		if _, err := NewMicro(historyData(), 11, b); err == nil {
			t.Errorf("spike step %d, scale %v: no error", b.SpikeStep, b.SpikeScale)
		}
	}
}
