package llm

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm/model"
)

func tinyTrained(t testing.TB) *Model {
	t.Helper()
	m, err := Load("tiny")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// relDiff is max|a−b| over the length of b (how far two computations of
// one vector landed, relative to its size).
func relDiff(a, b []float32) float64 {
	return MaxDiff(a, b) / max(Norm(b)/math.Sqrt(float64(len(b))), 1e-6)
}

// TestBlockReplaysEveryLayer recomputes every layer of a pass from its parts
// in plain Go (Block's norms and MLP, the mixer's output from the capture)
// and compares each step with the engine's capture, at every position.
func TestBlockReplaysEveryLayer(t *testing.T) {
	m := tinyTrained(t)
	p := m.MustRun("A transformer stacks the same block many times.")
	for i, lc := range p.Capture.Layers {
		b := m.MustBlock(i)
		if b.Type != lc.Type || b.Layer != i {
			t.Fatalf("block %d: type %s, layer %d; capture %s", i, b.Type, b.Layer, lc.Type)
		}
		in, err := p.BlockInput(i)
		if err != nil {
			t.Fatal(err)
		}
		for pos, x := range in {
			u := b.InputNorm(x)
			a := Add(x, lc.MixerOut[pos])
			v := b.PostNorm(a)
			f := b.MLP(v)
			y := Add(a, f)
			for _, c := range []struct {
				what      string
				got, want []float32
				tol       float64
			}{
				{"input norm", u, lc.InputNorm[pos], 1e-5},
				{"after mixer", a, lc.AfterMixer[pos], 1e-6},
				{"post norm", v, lc.PostNorm[pos], 1e-5},
				{"MLP out", f, lc.MLPOut[pos], 1e-3},
				{"residual", y, lc.Residual[pos], 1e-4},
			} {
				if d := relDiff(c.got, c.want); d > c.tol {
					t.Errorf("layer %d position %d %s: by hand differs from the engine by %.2g (relative), want ≤ %g", i, pos, c.what, d, c.tol)
				}
			}
		}
	}
}

// TestBlockNormsAreTheCapturesNorms checks BlockNorms against the L2 norms
// of the captured rows, computed here in a separate loop, and that each
// layer's input is the previous layer's output.
func TestBlockNormsAreTheCapturesNorms(t *testing.T) {
	m := tinyTrained(t)
	p := m.MustRun("The cat sat on the mat.")
	got := p.MustBlockNorms()
	c := p.Capture
	if len(got) != len(c.Layers) || len(got[0]) != len(BlockPoints()) || len(got[0][0]) != len(p.IDs) {
		t.Fatalf("shape %d × %d × %d, want %d × 7 × %d", len(got), len(got[0]), len(got[0][0]), len(c.Layers), len(p.IDs))
	}
	l2 := func(v []float32) float64 {
		var s float64
		for _, x := range v {
			s += float64(x) * float64(x)
		}
		return math.Sqrt(s)
	}
	for i, lc := range c.Layers {
		in := c.Embedding
		if i > 0 {
			in = c.Layers[i-1].Residual
		}
		for pos := range p.IDs {
			for j, rows := range [][][]float32{in, lc.InputNorm, lc.MixerOut, lc.AfterMixer, lc.PostNorm, lc.MLPOut, lc.Residual} {
				if w := l2(rows[pos]); math.Abs(got[i][j][pos]-w) > 1e-9*max(1, w) {
					t.Errorf("layer %d point %d position %d: %v, want %v", i, j, pos, got[i][j][pos], w)
				}
			}
			if i > 0 && got[i][0][pos] != got[i-1][6][pos] {
				t.Errorf("layer %d position %d: input %v is not the previous residual %v", i, pos, got[i][0][pos], got[i-1][6][pos])
			}
		}
	}
}

func TestBlockErrors(t *testing.T) {
	m := tinyTrained(t)
	for _, l := range []int{-1, m.Config().Layers} {
		if _, err := m.Block(l); err == nil || !strings.Contains(err.Error(), "layers 0 to") {
			t.Errorf("Block(%d): %v, want an error naming the range", l, err)
		}
	}
	p := m.MustRun("the cat")
	if _, err := p.BlockInput(99); err == nil {
		t.Error("BlockInput(99): no error")
	}
	// A pass whose capture skipped a layer has no norms for it.
	c := &model.Capture{Skip: map[int]bool{2: true}}
	if _, err := m.Net.ForwardCapture(m.Net.NewState(), p.IDs, c); err != nil {
		t.Fatal(err)
	}
	p.Capture = c
	if _, err := p.BlockNorms(); err == nil || !strings.Contains(err.Error(), "layer 2") {
		t.Errorf("BlockNorms of a pass that skipped layer 2: %v", err)
	}
	if _, err := (&Pass{IDs: []int{1}}).BlockNorms(); err == nil {
		t.Error("BlockNorms without a capture: no error")
	}
}

func TestMixerMemory(t *testing.T) {
	c := Qwen35Config()
	// Spec §7.9, counted by hand: S is 16 × 128 × 128 numbers, the conv
	// cache 3 × 6,144 (kernel 4 − 1, over q, k and v: 2 × 2,048 + 2,048); a
	// full layer keeps 2 × 2 KV heads × 256 numbers per token.
	const deltaNet = (16*128*128 + 3*6144) * 2
	d, f := MixerMemory(c, 1, 2)
	if d != deltaNet || f != 2*2*256*2 {
		t.Errorf("Qwen3.5-0.8B: DeltaNet %d B, full %d B/token; want %d and 2048", d, f, deltaNet)
	}
	if d, _ := MixerMemory(c, 1, 4); d != 2*deltaNet {
		t.Errorf("in float32 a DeltaNet layer keeps %d B, want %d", d, 2*deltaNet)
	}
	// Equal at 274 tokens: 561,152 B = 274 × 2,048 B.
	if d, f = MixerMemory(c, 274, 2); d != f {
		t.Errorf("at 274 tokens: %d vs %d, want equal", d, f)
	}
	if _, f = MixerMemory(c, 262144, 2); f != 512<<20 {
		t.Errorf("at 262,144 tokens a full layer keeps %d B, want 512 MiB", f)
	}
}

// MedianKL and MeanKLExcept on a hand-made run: one layer far above the
// rest moves the mean, not the median; Ranked orders by KL.
func TestSkipSummaries(t *testing.T) {
	s := &LayerSkips{Layers: []LayerSkip{{Layer: 0, Type: LinearAttention, KL: 5}, {Layer: 1, Type: LinearAttention, KL: 0.1},
		{Layer: 2, Type: LinearAttention, KL: 0.3}, {Layer: 3, Type: FullAttention, KL: 0.2}, {Layer: 4, Type: LinearAttention, KL: 0.2},
		{Layer: 5, Type: FullAttention, KL: 0.4}}}
	if got := s.MedianKL(LinearAttention); math.Abs(got-0.25) > 1e-12 {
		t.Errorf("median of 5, 0.1, 0.3, 0.2: %v, want 0.25", got)
	}
	if got := s.MedianKL(FullAttention); math.Abs(got-0.3) > 1e-12 {
		t.Errorf("median of 0.2, 0.4: %v, want 0.3", got)
	}
	if got := s.MeanKLExcept(LinearAttention, 0); math.Abs(got-0.2) > 1e-12 {
		t.Errorf("mean without layer 0: %v, want 0.2", got)
	}
	if got := s.MeanKLExcept(FullAttention, 0); math.Abs(got-0.3) > 1e-12 {
		t.Errorf("mean of the full layers (layer 0 is not one): %v, want 0.3", got)
	}
	if !math.IsNaN(s.MeanKLExcept(FullAttention, 3, 5)) || !math.IsNaN((&LayerSkips{}).MedianKL(FullAttention)) {
		t.Error("no layers left: want NaN")
	}
	var order []int
	for _, l := range s.Ranked() {
		order = append(order, l.Layer)
	}
	if want := []int{0, 5, 2, 3, 4, 1}; !slices.Equal(order, want) {
		t.Errorf("Ranked: layers %v, want %v", order, want)
	}
	if s.Layers[0].Layer != 0 || s.Layers[1].Layer != 1 {
		t.Error("Ranked reordered the run's own layers")
	}
}

func TestLayerMemory(t *testing.T) {
	c := Qwen35Config()
	got := LayerMemory(c, 32768, 2)
	var sum int64
	for i, b := range got {
		want := int64((16*128*128 + 3*6144) * 2)
		if i%4 == 3 {
			want = 2 * 2 * 256 * 2 * 32768
		}
		if b != want {
			t.Errorf("layer %d: %d B, want %d", i, b, want)
		}
		sum += b
	}
	if want := int64(393<<20) + 18*(3*6144*2); sum != want { // 18 × (0.5 MiB + 36 KiB) + 6 × 64 MiB
		t.Errorf("the stack keeps %d B at 32k tokens, want %d (393.6 MiB)", sum, want)
	}
}

// Summary's verdicts on the hand-made run of TestSkipSummaries: the
// DeltaNet mean is carried by layer 0; without it attention is higher.
func TestSkipSummary(t *testing.T) {
	s := &LayerSkips{Layers: []LayerSkip{{Layer: 0, Type: LinearAttention, KL: 5}, {Layer: 1, Type: LinearAttention, KL: 0.1},
		{Layer: 2, Type: LinearAttention, KL: 0.3}, {Layer: 3, Type: FullAttention, KL: 0.2}, {Layer: 4, Type: LinearAttention, KL: 0.2},
		{Layer: 5, Type: FullAttention, KL: 0.4}}}
	want := "layers by KL, largest first: 0 (5), 5 (0.4), 2 (0.3), 3 (0.2), 4 (0.2), 1 (0.1)\n" +
		"full attention  mean KL 0.3000, median 0.3000, mean leaving out layer 0 0.3000 nats\n" +
		"Gated DeltaNet  mean KL 1.4000, median 0.2500, mean leaving out layer 0 0.2000 nats\n" +
		"higher mean: Gated DeltaNet; leaving out layer 0: full attention"
	if got := s.Summary(); got != want {
		t.Errorf("Summary:\n%s\nwant\n%s", got, want)
	}
}

// Writes against the capture, recomputed here: two per layer, their
// lengths as float64 sums, the stream each joins.
func TestWrites(t *testing.T) {
	m := tinyTrained(t)
	p := m.MustRun("the cat sat on the mat")
	ws, err := p.Writes(-1)
	if err != nil {
		t.Fatal(err)
	}
	c, last := p.Capture, len(p.IDs)-1
	l2 := func(v []float32) float64 {
		var s float64
		for _, x := range v {
			s += float64(x) * float64(x)
		}
		return math.Sqrt(s)
	}
	if len(ws) != 2*len(c.Layers) {
		t.Fatalf("%d writes, want %d", len(ws), 2*len(c.Layers))
	}
	for i, lc := range c.Layers {
		in := c.Embedding[last]
		if i > 0 {
			in = c.Layers[i-1].Residual[last]
		}
		mx, mlp := ws[2*i], ws[2*i+1]
		if mx.Layer != i || mx.Part != "mixer" || mlp.Part != "MLP" || mx.Type != m.Config().LayerTypes[i] ||
			math.Abs(mx.Norm-l2(lc.MixerOut[last])) > 1e-4 || math.Abs(mx.Stream-l2(in)) > 1e-4 ||
			math.Abs(mlp.Norm-l2(lc.MLPOut[last])) > 1e-4 || math.Abs(mlp.Stream-l2(lc.AfterMixer[last])) > 1e-4 {
			t.Errorf("layer %d: %+v %+v", i, mx, mlp)
		}
		if math.Abs(mx.Share()-mx.Norm/mx.Stream) > 1e-12 {
			t.Errorf("layer %d: share %v", i, mx.Share())
		}
	}
	if _, err := p.Writes(len(p.IDs)); err == nil {
		t.Error("position past the end: no error")
	}
}
