package llm

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

const headsPrompt = "the cat sat on the mat and the dog ran"

func TestLanes(t *testing.T) {
	if got := Lanes(tinyA(t).Config()); !slices.Equal(got, []int{0, 0, 1, 1}) {
		t.Errorf("tiny-a (4 heads, 2 KV heads): lanes %v", got)
	}
	if got := Lanes(Qwen35Config()); !slices.Equal(got, []int{0, 0, 0, 0, 1, 1, 1, 1}) {
		t.Errorf("Qwen3.5-0.8B (8 heads, 2 KV heads): lanes %v", got)
	}
}

// The published config's cache: the numbers the course relies on.
func TestKVCacheQwen35(t *testing.T) {
	cfg := Qwen35Config()
	gqa := KVCacheOf(cfg, 2)
	if gqa.Layers != 6 || gqa.KVHeads != 2 || gqa.HeadDim != 256 {
		t.Fatalf("KVCacheOf(Qwen3.5-0.8B) = %+v", gqa)
	}
	one := gqa
	one.Layers = 1
	if one.PerToken() != 2048 { // recorded: 2·2·256·2 B per token per full layer
		t.Errorf("per token per layer %d bytes, want 2048", one.PerToken())
	}
	if got := one.Size(32768); got != 64<<20 {
		t.Errorf("one layer at 32k: %d bytes, want 64 MiB", got)
	}
	if got := gqa.Size(32768); got != 384<<20 {
		t.Errorf("six layers at 32k: %d bytes, want 384 MiB", got)
	}
	mha, mqa := gqa.With(cfg.Heads), gqa.With(1)
	if mha.Size(1000) != 4*gqa.Size(1000) || gqa.Size(1000) != 2*mqa.Size(1000) {
		t.Errorf("MHA %d, GQA %d, MQA %d bytes at 1000 tokens: want 4:1 and 2:1", mha.Size(1000), gqa.Size(1000), mqa.Size(1000))
	}
}

// The formula against the bytes the engine's state really holds.
func TestKVHeldMatchesFormula(t *testing.T) {
	m := tinyA(t)
	p := m.MustRun(headsPrompt)
	cfg := m.Config()
	n := len(p.IDs)
	if got, want := KVHeld(cfg, p.State), KVCacheOf(cfg, 4).Size(n); got != want || got == 0 {
		t.Errorf("%d tokens: the state holds %d bytes of keys and values, the formula says %d", n, got, want)
	}
	// State.Bytes counts the same cache plus the DeltaNet states.
	var delta int64
	for i := range cfg.Layers {
		conv, rec := p.State.DeltaState(i)
		delta += int64(len(conv)+len(rec)) * 4
	}
	if got := p.State.Bytes() - delta; got != KVHeld(cfg, p.State) {
		t.Errorf("State.Bytes − DeltaNet states = %d, KVHeld = %d", got, KVHeld(cfg, p.State))
	}
	// One more token adds exactly PerToken bytes.
	before := KVHeld(cfg, p.State)
	if _, err := m.Net.Forward(p.State, m.Encode(" a")[:1]); err != nil {
		t.Fatal(err)
	}
	if d := KVHeld(cfg, p.State) - before; d != KVCacheOf(cfg, 4).PerToken() {
		t.Errorf("one decode step added %d bytes, want %d", d, KVCacheOf(cfg, 4).PerToken())
	}
}

func maxAbsDiff(a, b []float32) float64 {
	var d float64
	for i := range a {
		d = max(d, math.Abs(float64(a[i])-float64(b[i])))
	}
	return d
}

// Concat-then-project equals the sum of the per-head writes, and both equal
// what the engine added to the residual stream; silencing one head in the
// engine removes exactly that head's write.
func TestHeadWrites(t *testing.T) {
	m := tinyA(t)
	p := m.MustRun(headsPrompt)
	cfg := m.Config()
	for _, l := range cfg.FullAttentionLayers() {
		w, err := m.HeadWrites(p, l)
		if err != nil {
			t.Fatal(err)
		}
		lc := p.Capture.Layers[l]
		if len(w.Write) != len(p.IDs) || len(w.Write[0]) != cfg.Heads || len(w.Write[0][0]) != cfg.Hidden {
			t.Fatalf("layer %d: writes %d×%d×%d", l, len(w.Write), len(w.Write[0]), len(w.Write[0][0]))
		}
		for tok := range p.IDs {
			if d := maxAbsDiff(w.Sum(tok), w.Concat[tok]); d > 1e-6 {
				t.Errorf("layer %d token %d: Σ heads vs concat differ by %g", l, tok, d)
			}
			if d := maxAbsDiff(w.Concat[tok], lc.MixerOut[tok]); d > 1e-4*(1+Norm(lc.MixerOut[tok])) {
				t.Errorf("layer %d token %d: concat vs the engine's mixer output differ by %g", l, tok, d)
			}
		}
		// The engine without head 1 adds MixerOut − Write[·][1] in this layer.
		ab, err := m.WithoutHeads(l, 1)
		if err != nil {
			t.Fatal(err)
		}
		q := ab.MustRun(headsPrompt)
		ab.Close()
		for tok := range p.IDs {
			want := Sub(lc.MixerOut[tok], w.Write[tok][1])
			if d := maxAbsDiff(q.Capture.Layers[l].MixerOut[tok], want); d > 1e-4*(1+Norm(want)) {
				t.Errorf("layer %d token %d: without head 1 the mixer output is off by %g", l, tok, d)
			}
		}
		norms, mean := w.Norms(), w.MeanNorms()
		var m1 float64
		for tok := range norms {
			if math.Abs(norms[tok][2]-Norm(w.Write[tok][2])) > 1e-12 {
				t.Errorf("norm [%d][2] = %v", tok, norms[tok][2])
			}
			m1 += norms[tok][1] / float64(len(norms))
		}
		if math.Abs(mean[1]-m1) > 1e-9 || mean[1] == 0 {
			t.Errorf("mean norm of head 1: %v, want %v", mean[1], m1)
		}
	}
	if _, err := m.HeadWrites(p, 0); err == nil {
		t.Error("HeadWrites of a DeltaNet layer: no error")
	}
	if _, err := m.HeadWrites(p, 99); err == nil {
		t.Error("HeadWrites of layer 99: no error")
	}
}

func sigmoid64(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// The captured gate is σ(the gate half of q_proj · the normed input), and
// the statistics count it right.
func TestGates(t *testing.T) {
	m := tinyA(t)
	p := m.MustRun(headsPrompt)
	cfg := m.Config()
	l := cfg.FullAttentionLayers()[0]
	lc := p.Capture.Layers[l]
	H, D := cfg.Hidden, cfg.HeadDim
	wq := m.Net.MustWeight(fmt.Sprintf("layers.%d.self_attn.q_proj.weight", l)).Float32() // [Heads·2·D, H]
	for tok, u := range lc.InputNorm {
		for h := range cfg.Heads {
			for d := range D {
				row := wq[((h*2*D)+D+d)*H:][:H] // head h's rows: [query D | gate D]
				want := sigmoid64(Dot(row, u))
				if got := float64(lc.Gate[tok][h*D+d]); math.Abs(got-want) > 1e-4 {
					t.Fatalf("token %d head %d channel %d: gate %v, σ(W_gate·u) = %v", tok, h, d, got, want)
				}
			}
		}
	}
	const thr = 0.4
	stats, err := p.Gates(l, thr)
	if err != nil {
		t.Fatal(err)
	}
	for h, s := range stats {
		var sum float64
		var closed, headClosed int
		for tok := range lc.Gate {
			var tm float64
			for d := range D {
				g := float64(lc.Gate[tok][h*D+d])
				sum += g
				tm += g
				if g < thr {
					closed++
				}
			}
			if tm/float64(D) < thr {
				headClosed++
			}
		}
		n := float64(len(lc.Gate) * D)
		if len(s.Values) != len(lc.Gate)*D || math.Abs(s.Mean-sum/n) > 1e-9 ||
			s.Closed != float64(closed)/n || s.HeadClosed != float64(headClosed)/float64(len(lc.Gate)) {
			t.Errorf("head %d: %+v (values %d), want mean %v closed %v head closed %v", h, s.Mean, len(s.Values), sum/n, float64(closed)/n, headClosed)
		}
	}
	if all := p.MustGates(l, 1.01); all[0].Closed != 1 || all[0].HeadClosed != 1 {
		t.Errorf("threshold above 1: closed %v, head closed %v, want 1", all[0].Closed, all[0].HeadClosed)
	}
	if _, err := p.Gates(0, 0.1); err == nil {
		t.Error("Gates of a DeltaNet layer: no error")
	}
}

func TestJSDistanceAndKL(t *testing.T) {
	p, q := []float32{1, 0}, []float32{0.5, 0.5}
	// By hand: m = (0.75, 0.25); ½·log2(1/0.75) + ½·(½·log2(0.5/0.75) + ½·log2(0.5/0.25)).
	want := math.Sqrt(0.5*math.Log2(4.0/3) + 0.25*math.Log2(2.0/3) + 0.25)
	if got := JSDistance(p, q); math.Abs(got-want) > 1e-12 || math.Abs(JSDistance(q, p)-got) > 1e-15 {
		t.Errorf("JSDistance = %v (reversed %v), want %v", got, JSDistance(q, p), want)
	}
	if got := JSDistance([]float32{1, 0, 0}, []float32{0, 0.3, 0.7}); math.Abs(got-1) > 1e-7 {
		t.Errorf("disjoint distributions: %v, want 1", got)
	}
	if got := JSDistance(q, q); got != 0 {
		t.Errorf("identical: %v", got)
	}
	if got, want := KLDivergence(q, []float32{0.25, 0.75}), 0.5*math.Log(2)+0.5*math.Log(2.0/3); math.Abs(got-want) > 1e-7 {
		t.Errorf("KL = %v, want %v", got, want)
	}
	if got := KLDivergence(p, []float32{0, 1}); !math.IsInf(got, 1) {
		t.Errorf("KL with q = 0 where p > 0: %v, want +Inf", got)
	}
}

func TestHeadDistances(t *testing.T) {
	m := tinyA(t)
	p := m.MustRun(headsPrompt)
	cfg := m.Config()
	d, err := p.HeadDistances()
	if err != nil {
		t.Fatal(err)
	}
	// Entry [0][3] recomputed directly, over the full layers.
	var want float64
	for _, l := range cfg.FullAttentionLayers() {
		at := p.Capture.Layers[l].Attention
		for tok := 1; tok < len(p.IDs); tok++ {
			want += JSDistance(at[0][tok], at[3][tok])
		}
	}
	want /= float64(len(cfg.FullAttentionLayers()) * (len(p.IDs) - 1))
	if math.Abs(d[0][3]-want) > 1e-12 || d[3][0] != d[0][3] || d[2][2] != 0 || d[0][3] <= 0 {
		t.Errorf("d[0][3] = %v (d[3][0] %v, d[2][2] %v), want %v", d[0][3], d[3][0], d[2][2], want)
	}
	if _, err := p.HeadDistances(0); err == nil {
		t.Error("HeadDistances of a DeltaNet layer: no error")
	}
	within, across := GroupDistances(cfg, d)
	if w := (d[0][1] + d[2][3]) / 2; math.Abs(within-w) > 1e-15 {
		t.Errorf("within %v, want %v", within, w)
	}
	if a := (d[0][2] + d[0][3] + d[1][2] + d[1][3]) / 4; math.Abs(across-a) > 1e-15 {
		t.Errorf("across %v, want %v", across, a)
	}
	short := m.MustRun("a")
	if len(short.IDs) == 1 {
		if _, err := short.HeadDistances(); err == nil {
			t.Error("one-token prompt: no error")
		}
	}
}

// Ablate's divergences, recomputed from the logits of each silenced model.
func TestAblate(t *testing.T) {
	m := tinyA(t)
	a, err := m.Ablate(headsPrompt)
	if err != nil {
		t.Fatal(err)
	}
	cfg := m.Config()
	if !slices.Equal(a.Layers, cfg.FullAttentionLayers()) || len(a.Heads) != len(a.Layers) || len(a.Groups[0]) != cfg.KVHeads {
		t.Fatalf("ablation shape: layers %v, %d×%d heads, %d groups", a.Layers, len(a.Heads), len(a.Heads[0]), len(a.Groups[0]))
	}
	ids := m.Encode(headsPrompt)
	lp := LogSoftmax(m.Logits(ids), 1)
	kl := func(heads ...int) float64 {
		ab, err := m.WithoutHeads(a.Layers[len(a.Layers)-1], heads...)
		if err != nil {
			t.Fatal(err)
		}
		defer ab.Close()
		lq := LogSoftmax(ab.Logits(ids), 1)
		var s float64
		for i := range lp {
			s += math.Exp(float64(lp[i])) * float64(lp[i]-lq[i])
		}
		return s
	}
	if got, want := a.Heads[len(a.Layers)-1][2], kl(2); math.Abs(got-want) > 1e-5+1e-3*want || want <= 0 {
		t.Errorf("head 2 of layer %d: KL %v, want %v", a.Layers[len(a.Layers)-1], got, want)
	}
	if got, want := a.Groups[len(a.Layers)-1][1], kl(2, 3); math.Abs(got-want) > 1e-5+1e-3*want || want <= 0 {
		t.Errorf("group 1 of layer %d: KL %v, want %v", a.Layers[len(a.Layers)-1], got, want)
	}
	if a.Top != Argmax(m.Logits(ids)) {
		t.Errorf("top %d", a.Top)
	}
	if _, err := m.WithoutHeads(0, 1); err == nil {
		t.Error("WithoutHeads of a DeltaNet layer: no error")
	}
	if _, err := m.WithoutHeads(a.Layers[0], cfg.Heads); err == nil {
		t.Errorf("WithoutHeads head %d of %d: no error", cfg.Heads, cfg.Heads)
	}
	if _, err := m.Ablate(""); err == nil {
		t.Error("Ablate of an empty prompt: no error")
	}
}

// The per-layer helpers agree with the per-layer views they gather.
func TestLayerGrids(t *testing.T) {
	m := tinyA(t)
	p := m.MustRun(headsPrompt)
	cfg := m.Config()
	norms := m.MustWriteNorms(p)
	mean, closed := p.MustGateGrid(0.3)
	if len(norms) != len(cfg.FullAttentionLayers()) || len(mean) != len(norms) || len(closed) != len(norms) {
		t.Fatalf("%d, %d, %d rows for %d full layers", len(norms), len(mean), len(closed), len(cfg.FullAttentionLayers()))
	}
	for i, l := range cfg.FullAttentionLayers() {
		w := m.MustHeadWrites(p, l)
		if !slices.Equal(norms[i], w.MeanNorms()) {
			t.Errorf("layer %d: WriteNorms %v, MeanNorms %v", l, norms[i], w.MeanNorms())
		}
		for h, s := range p.MustGates(l, 0.3) {
			if mean[i][h] != s.Mean || closed[i][h] != s.Closed {
				t.Errorf("layer %d head %d: grid %v/%v, Gates %v/%v", l, h, mean[i][h], closed[i][h], s.Mean, s.Closed)
			}
		}
		// Gaps: recomputed from Sum, Concat and the engine's output.
		engine := p.Capture.Layers[l].MixerOut
		sum, eng, size := w.Gaps(engine)
		var ws, we, wz float64
		for tok := range p.IDs {
			ws = max(ws, Norm(Sub(w.Sum(tok), w.Concat[tok])))
			we = max(we, Norm(Sub(w.Concat[tok], engine[tok])))
			wz = max(wz, Norm(w.Concat[tok]))
		}
		if sum != ws || eng != we || size != wz || size == 0 {
			t.Errorf("layer %d: Gaps %v %v %v, want %v %v %v", l, sum, eng, size, ws, we, wz)
		}
		if _, e, _ := w.Gaps(engine[:1]); !math.IsInf(e, 1) {
			t.Errorf("Gaps against a short engine output: %v, want +Inf", e)
		}
	}
}
