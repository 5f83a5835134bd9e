package llm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/how-llms-work/course/llm/model"
)

const normPrompt = "The river flows softly through the valley."

// normTiny loads the embedded model and runs normPrompt.
func normTiny(t *testing.T) (*Model, *Pass) {
	t.Helper()
	m, err := LoadTiny()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, m.MustRun(normPrompt)
}

// gainOf finds the gain named name.
func gainOf(t *testing.T, gains []Gain, name string) Gain {
	t.Helper()
	for _, g := range gains {
		if g.Name == name {
			return g
		}
	}
	t.Fatalf("no gain %q", name)
	return Gain{}
}

// RMSNorm by hand, with the gains Gains reads, gives the engine's captured
// norm outputs bit for bit: both pre-norms of every layer at every token,
// and the final norm.
func TestRMSNormEqualsEngine(t *testing.T) {
	m, p := normTiny(t)
	gains := m.MustGains()
	eps := m.Config().RMSEps
	c := p.Capture
	for i, l := range c.Layers {
		in, err := p.LayerInput(i)
		if err != nil {
			t.Fatal(err)
		}
		wi := gainOf(t, gains, fmt.Sprintf("layers.%d.input_layernorm.weight", i)).Stored
		wp := gainOf(t, gains, fmt.Sprintf("layers.%d.post_attention_layernorm.weight", i)).Stored
		for tok := range p.IDs {
			if got := MustRMSNorm(in[tok], wi, eps); !slices.Equal(got, l.InputNorm[tok]) {
				t.Fatalf("layer %d token %d: RMSNorm(input) differs from the captured InputNorm", i, tok)
			}
			if got := MustRMSNorm(l.AfterMixer[tok], wp, eps); !slices.Equal(got, l.PostNorm[tok]) {
				t.Fatalf("layer %d token %d: RMSNorm(after mixer) differs from the captured PostNorm", i, tok)
			}
		}
	}
	wf := gainOf(t, gains, "norm.weight").Stored
	last := c.Layers[len(c.Layers)-1].Residual
	for tok := range p.IDs {
		if !slices.Equal(MustRMSNorm(last[tok], wf, eps), c.Hidden[tok]) {
			t.Fatalf("token %d: RMSNorm(last residual, norm) differs from the captured final hidden state", tok)
		}
	}
}

// rmsRef is RMSNorm in float64 from its definition.
func rmsRef(x, w []float32, eps float64) []float64 {
	var ms float64
	for _, v := range x {
		ms += float64(v) * float64(v)
	}
	ms /= float64(len(x))
	y := make([]float64, len(x))
	for i, v := range x {
		g := 1.0
		if w != nil {
			g += float64(w[i])
		}
		y[i] = float64(v) / math.Sqrt(ms+eps) * g
	}
	return y
}

func TestRMSNormDefinition(t *testing.T) {
	// The worked example: mean of squares (4+1+9+0)/4 = 3.5.
	y := MustRMSNorm([]float32{2, -1, 3, 0}, nil, 0)
	r := math.Sqrt(3.5)
	for i, want := range []float64{2 / r, -1 / r, 3 / r, 0} {
		if math.Abs(float64(y[i])-want) > 1e-6 {
			t.Errorf("RMSNorm([2 -1 3 0])[%d] = %v, want %v", i, y[i], want)
		}
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{1, 5, 256} {
		x, w := make([]float32, n), make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * 3)
			w[i] = float32(rng.NormFloat64() * 0.2)
		}
		for _, eps := range []float64{0, 1e-6, 1} {
			got, want := MustRMSNorm(x, w, eps), rmsRef(x, w, eps)
			for i := range got {
				if math.Abs(float64(got[i])-want[i]) > 1e-5*(1+math.Abs(want[i])) {
					t.Fatalf("n=%d eps=%g: [%d] = %v, want %v", n, eps, i, got[i], want[i])
				}
			}
		}
		// Without a gain, the output has RMS 1 (L2 = √n) whatever the scale.
		for _, c := range []float32{0.1, 1, 10} {
			if l2 := Norm(MustRMSNorm(Scale(x, c), nil, 0)); math.Abs(l2-math.Sqrt(float64(n))) > 1e-4*math.Sqrt(float64(n)) {
				t.Errorf("n=%d scale %g: L2 %v, want √n = %v", n, c, l2, math.Sqrt(float64(n)))
			}
		}
	}
	// ε keeps a zero vector at zero.
	if y := MustRMSNorm(make([]float32, 4), nil, 1e-6); !slices.Equal(y, make([]float32, 4)) {
		t.Errorf("RMSNorm(0) = %v, want zeros", y)
	}
	for _, bad := range []struct {
		x, w []float32
		eps  float64
	}{{[]float32{1, 2}, []float32{0}, 0}, {nil, nil, 0}, {[]float32{1}, nil, -1}, {[]float32{1}, nil, math.NaN()}} {
		if _, err := RMSNorm(bad.x, bad.w, bad.eps); err == nil {
			t.Errorf("RMSNorm(%v, %v, %g): no error", bad.x, bad.w, bad.eps)
		}
	}
	if y := Scale([]float32{1, -2}, 3); !slices.Equal(y, []float32{3, -6}) {
		t.Errorf("Scale([1 -2], 3) = %v", y)
	}
	if RMS([]float32{3, 4}) != math.Sqrt(12.5) || RMS(nil) != 0 {
		t.Errorf("RMS([3 4]) = %v, want √12.5", RMS([]float32{3, 4}))
	}
}

func TestLayerNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, 300)
	for i := range x {
		x[i] = float32(5 + 2*rng.NormFloat64())
	}
	y := LayerNorm(x, 0)
	var mean, vr float64
	for _, v := range y {
		mean += float64(v)
	}
	mean /= float64(len(y))
	for _, v := range y {
		vr += (float64(v) - mean) * (float64(v) - mean)
	}
	vr /= float64(len(y))
	if math.Abs(mean) > 1e-5 || math.Abs(vr-1) > 1e-5 {
		t.Errorf("LayerNorm output: mean %v, variance %v; want 0 and 1", mean, vr)
	}
	// A vector with mean 0: LayerNorm and RMSNorm agree.
	z := []float32{2, -1, 3, -4}
	ln, rn := LayerNorm(z, 1e-6), MustRMSNorm(z, nil, 1e-6)
	for i := range z {
		if math.Abs(float64(ln[i]-rn[i])) > 1e-6 {
			t.Errorf("mean-0 vector: LayerNorm %v, RMSNorm %v", ln, rn)
		}
	}
	if LayerNorm(nil, 0) != nil {
		t.Error("LayerNorm(nil) is not nil")
	}
}

func TestSummarize(t *testing.T) {
	rows := [][]float32{{1, -2, 3}, {0, 4, -6}}
	s := Summarize(rows)
	vals := []float64{1, -2, 3, 0, 4, -6}
	var mean float64
	for _, v := range vals {
		mean += v / 6
	}
	var vr float64
	for _, v := range vals {
		vr += (v - mean) * (v - mean) / 6
	}
	l2 := math.Sqrt((1 + 4 + 9 + 0 + 16 + 36) / 2.0)
	if s.Tokens != 2 || s.Values != 6 || math.Abs(s.Mean-mean) > 1e-12 || math.Abs(s.Std-math.Sqrt(vr)) > 1e-12 || s.AbsMax != 6 || math.Abs(s.L2-l2) > 1e-12 {
		t.Errorf("Summarize = %+v; want mean %v std %v |max| 6 L2 %v", s, mean, math.Sqrt(vr), l2)
	}
	if z := Summarize(nil); z != (Summary{}) {
		t.Errorf("Summarize(nil) = %+v", z)
	}
}

// NormStats against the stream of every position, measured with Norm.
func TestNormStats(t *testing.T) {
	_, p := normTiny(t)
	stats := p.MustNormStats()
	n := len(p.IDs)
	streams := make([][]Stage, n)
	for pos := range n {
		streams[pos] = p.MustStream(pos)
	}
	for i, s := range stats {
		var sq, sqNorm float64
		for pos := range n {
			v := Norm(streams[pos][i].Vec) // the stage before layer i: its input
			sq += v * v
			w := Norm(p.Capture.Layers[i].InputNorm[pos])
			sqNorm += w * w
		}
		if want := math.Sqrt(sq / float64(n)); math.Abs(s.Input.L2-want) > 1e-9*want {
			t.Errorf("layer %d: input L2/token %v, want %v", i, s.Input.L2, want)
		}
		if want := math.Sqrt(sqNorm / float64(n)); math.Abs(s.InputNorm.L2-want) > 1e-9*want {
			t.Errorf("layer %d: input-norm L2/token %v, want %v", i, s.InputNorm.L2, want)
		}
		if s.Layer != i || s.Type != p.cfg.LayerTypes[i] || s.Hidden != p.cfg.Hidden {
			t.Errorf("layer %d: %+v", i, s)
		}
	}
	if _, err := p.LayerInput(len(stats)); err == nil {
		t.Error("LayerInput past the last layer: no error")
	}
}

func TestGains(t *testing.T) {
	m, _ := normTiny(t)
	cfg := m.Config()
	gains := m.MustGains()
	full := len(cfg.FullAttentionLayers())
	if want := 2*cfg.Layers + 2*full + (cfg.Layers - full) + 1; len(gains) != want {
		t.Fatalf("%d gains, want %d", len(gains), want)
	}
	for _, g := range gains {
		stored := m.Net.MustWeight(g.Name).Float32()
		if !slices.Equal(g.Stored, stored) {
			t.Errorf("%s: stored values differ from the checkpoint's", g.Name)
		}
		e := g.Effective()
		for i := range e {
			want := stored[i]
			if g.Kind != "linear_attn.norm" {
				want++
			}
			if e[i] != want {
				t.Fatalf("%s: effective[%d] = %v, want %v", g.Name, i, e[i], want)
			}
		}
	}
	if last := gains[len(gains)-1]; last.Kind != "norm" || last.Layer != -1 || len(last.Stored) != cfg.Hidden {
		t.Errorf("the last gain is %s (layer %d, %d values), want the final norm", last.Name, last.Layer, len(last.Stored))
	}
}

func TestOutsized(t *testing.T) {
	g := Gain{Stored: []float32{0, 0.5, -0.75, 0, 2, 0.25}, OnePlus: true} // effective 1 1.5 0.25 1 3 1.25
	top, med := g.Outsized(2)
	if med != 1.125 || len(top) != 2 || top[0] != (Channel{4, 3}) || top[1] != (Channel{2, 0.25}) {
		t.Errorf("Outsized(2) = %v, median %v; want [{4 3} {2 0.25}], 1.125", top, med)
	}
	for ch, want := range []int{1, 4, 0, 1, 5, 3} { // effective 1 1.5 0.25 1 3 1.25
		if got := g.Rank(ch); got != want {
			t.Errorf("Rank(%d) = %d, want %d", ch, got, want)
		}
	}
	if g.Rank(6) != -1 || g.Rank(-1) != -1 {
		t.Error("Rank of a channel out of range is not -1")
	}
	if top, _ := g.Outsized(99); len(top) != 6 {
		t.Errorf("Outsized(99) gave %d channels, want all 6", len(top))
	}
}

// Outliers finds a planted outlier, and on the model the largest |value|
// found by brute force.
func TestOutliers(t *testing.T) {
	p := &Pass{IDs: []int{1, 2}, Pieces: []string{"a", "b"}, Capture: &Capture{Layers: []model.LayerCapture{
		{Residual: [][]float32{{1, -1, 2, 1}, {1, 1, -40, 1}}},
	}}}
	o := p.MustOutliers()[0]
	// |values| sorted: 1 1 1 1 1 1 2 40, median 1; token 1 squared norm 1603.
	if o.Token != 1 || o.Channel != 2 || o.Value != -40 || o.Piece != "b" || o.Median != 1 || o.Ratio != 40 || math.Abs(o.Share-1600.0/1603) > 1e-12 {
		t.Errorf("planted outlier: %+v", o)
	}

	_, q := normTiny(t)
	for i, o := range q.MustOutliers() {
		var best float64
		var abs []float64
		for _, r := range q.Capture.Layers[i].Residual {
			for _, v := range r {
				best = max(best, math.Abs(float64(v)))
				abs = append(abs, math.Abs(float64(v)))
			}
		}
		sort.Float64s(abs)
		med := (abs[len(abs)/2-1] + abs[len(abs)/2]) / 2
		if len(abs)%2 == 1 {
			med = abs[len(abs)/2]
		}
		if math.Abs(float64(o.Value)) != best || q.Capture.Layers[i].Residual[o.Token][o.Channel] != o.Value || math.Abs(o.Median-med) > 1e-6*med {
			t.Errorf("layer %d: %+v; brute force |max| %v, median %v", i, o, best, med)
		}
	}
}

// With one layer's input norm removed: the layers before it are untouched,
// its mixer reads the raw residual, the prediction moves, and KL matches a
// float64 computation from the two sets of logits.
func TestWithoutInputNorm(t *testing.T) {
	m, p := normTiny(t)
	const layer = 3
	r := m.MustWithoutInputNorm(p, layer)
	b, w := r.Base.Capture, r.Without.Capture
	for i := range layer {
		for tok := range r.Base.IDs {
			if !slices.Equal(b.Layers[i].Residual[tok], w.Layers[i].Residual[tok]) {
				t.Fatalf("layer %d (before %d) changed", i, layer)
			}
		}
	}
	in, _ := r.Without.LayerInput(layer)
	for tok := range in {
		if !slices.Equal(in[tok], w.Layers[layer].InputNorm[tok]) {
			t.Fatalf("token %d: the mixer of layer %d did not read the raw residual stream", tok, layer)
		}
		if slices.Equal(b.Layers[layer].InputNorm[tok], w.Layers[layer].InputNorm[tok]) {
			t.Fatalf("token %d: the input norm of layer %d still ran", tok, layer)
		}
	}
	pa, pb := Softmax(r.Base.Logits, 1), Softmax(r.Without.Logits, 1)
	var kl float64
	for i := range pa {
		if pa[i] > 0 {
			kl += float64(pa[i]) * math.Log(float64(pa[i])/float64(pb[i]))
		}
	}
	if r.KL <= 0 || math.Abs(r.KL-kl) > 1e-4*(1+kl) {
		t.Errorf("KL = %v, want %v (> 0)", r.KL, kl)
	}
	if _, err := m.WithoutInputNorm(p, m.Config().Layers); err == nil {
		t.Error("WithoutInputNorm past the last layer: no error")
	}
	if _, err := m.WithoutInputNorm(&Pass{}, 0); err == nil {
		t.Error("WithoutInputNorm of a pass of no model: no error")
	}
}
