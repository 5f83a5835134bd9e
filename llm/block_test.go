package llm

import (
	"math"
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
	d, f := MixerMemory(c, 1, 2)
	if d != 16*128*128*2 || f != 2*2*256*2 {
		t.Errorf("Qwen3.5-0.8B: DeltaNet %d B, full %d B/token; want 524288 and 2048", d, f)
	}
	d, f = MixerMemory(c, 256, 2)
	if d != f {
		t.Errorf("at 256 tokens: %d vs %d, want equal", d, f)
	}
	if _, f = MixerMemory(c, 262144, 2); f != 512<<20 {
		t.Errorf("at 262,144 tokens a full layer keeps %d B, want 512 MiB", f)
	}
}

func TestLayerMemory(t *testing.T) {
	c := Qwen35Config()
	got := LayerMemory(c, 32768, 2)
	var sum int64
	for i, b := range got {
		want := int64(16 * 128 * 128 * 2)
		if i%4 == 3 {
			want = 2 * 2 * 256 * 2 * 32768
		}
		if b != want {
			t.Errorf("layer %d: %d B, want %d", i, b, want)
		}
		sum += b
	}
	if sum != 393<<20 { // 18 × 0.5 MiB + 6 × 64 MiB
		t.Errorf("the stack keeps %d B at 32k tokens, want 393 MiB", sum)
	}
}
