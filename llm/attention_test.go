package llm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm/model"
)

// attnModels are the checkpoints the attention views are checked on: the
// embedded model (one KV head) and the fixture tiny-a (two KV heads, so
// query heads 2 and 3 read KV head 1).
func attnModels(t *testing.T) map[string]*Model {
	t.Helper()
	tiny, err := LoadTiny()
	if err != nil {
		t.Fatal(err)
	}
	fix, err := LoadDir("testdata/tiny-a")
	if err != nil {
		t.Fatal(err)
	}
	return map[string]*Model{"tiny": tiny, "tiny-a": fix}
}

// TestHeadAgainstRecomputation checks every Head view against quantities
// recomputed here in float64 from the pass's inputs: the values from the
// layer's normalised input and the v_proj weights read from the checkpoint,
// the weights as softmax(q·k/√D) over the keys up to the query, and the
// output as Σ p·v.
func TestHeadAgainstRecomputation(t *testing.T) {
	for name, m := range attnModels(t) {
		t.Run(name, func(t *testing.T) {
			p := m.MustRun("The cat sat on the mat and looked at the dog.")
			c := m.Config()
			n, D := len(p.IDs), c.HeadDim
			if len(p.FullLayers()) == 0 {
				t.Fatal("no full-attention layers")
			}
			for _, l := range p.FullLayers() {
				wv := m.Net.MustWeight(fmt.Sprintf("layers.%d.self_attn.v_proj.weight", l)).Float32() // [KVHeads·D][Hidden]
				x := p.Capture.Layers[l].InputNorm
				for h := range c.Heads {
					hd := p.MustHead(l, h)
					if hd.KVHead != h/(c.Heads/c.KVHeads) || len(hd.Q) != n || len(hd.Probs) != n {
						t.Fatalf("layer %d head %d: KV head %d, %d queries, %d rows", l, h, hd.KVHead, len(hd.Q), len(hd.Probs))
					}
					var worstV, worstP, worstO float64
					for tq := range n {
						// v = W_v[g] · x_t
						for d := range D {
							var v float64
							row := wv[(hd.KVHead*D+d)*c.Hidden:][:c.Hidden]
							for i, w := range row {
								v += float64(w) * float64(x[tq][i])
							}
							worstV = max(worstV, math.Abs(v-float64(hd.V[tq][d]))/(1+math.Abs(v)))
						}
						// softmax over s ≤ t of q·k/√D, in float64
						sc := make([]float64, tq+1)
						mx := math.Inf(-1)
						for s := range sc {
							for d := range D {
								sc[s] += float64(hd.Q[tq][d]) * float64(hd.K[s][d])
							}
							sc[s] /= math.Sqrt(float64(D))
							mx = max(mx, sc[s])
						}
						var z float64
						for s := range sc {
							sc[s] = math.Exp(sc[s] - mx)
							z += sc[s]
						}
						if len(hd.Probs[tq]) != tq+1 {
							t.Fatalf("layer %d head %d row %d has %d weights", l, h, tq, len(hd.Probs[tq]))
						}
						for s := range sc {
							sc[s] /= z
							worstP = max(worstP, math.Abs(sc[s]-float64(hd.Probs[tq][s])))
						}
						for d := range D {
							var o float64
							for s := range sc {
								o += sc[s] * float64(hd.V[s][d])
							}
							worstO = max(worstO, math.Abs(o-float64(hd.Out[tq][d]))/(1+math.Abs(o)))
						}
					}
					if worstV > 1e-4 || worstP > 1e-5 || worstO > 1e-4 {
						t.Errorf("layer %d head %d: values off by %.2g, weights by %.2g, outputs by %.2g", l, h, worstV, worstP, worstO)
					}
				}
			}
		})
	}
}

// TestHeadSharedKV checks grouped-query sharing on tiny-a: the query heads
// of one group see the same keys and values, the two groups different ones.
func TestHeadSharedKV(t *testing.T) {
	m := attnModels(t)["tiny-a"]
	p := m.MustRun("one two three four")
	l := p.FullLayers()[0]
	h0, h1, h2 := p.MustHead(l, 0), p.MustHead(l, 1), p.MustHead(l, 2)
	if !equalRows(h0.K, h1.K) || !equalRows(h0.V, h1.V) {
		t.Error("heads 0 and 1 (one group) see different keys or values")
	}
	if equalRows(h0.K, h2.K) || equalRows(h0.V, h2.V) || h2.KVHead != 1 {
		t.Errorf("head 2 (KV head %d) sees the keys and values of head 0", h2.KVHead)
	}
	if equalRows(h0.Q, h1.Q) {
		t.Error("heads 0 and 1 have the same queries")
	}
}

func equalRows(a, b [][]float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				return false
			}
		}
	}
	return true
}

func TestHeadErrors(t *testing.T) {
	m := attnModels(t)["tiny"]
	p := m.MustRun("The cat")
	for _, c := range []struct {
		layer, head int
		want        string
	}{{0, 0, "linear_attention layer"}, {99, 0, "layers 0 to"}, {p.FullLayers()[0], 99, "query heads 0 to"}, {-1, 0, "layers 0 to"}} {
		if _, err := p.Head(c.layer, c.head); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Head(%d, %d): %v, want an error with %q", c.layer, c.head, err, c.want)
		}
	}
}

// TestScores checks Head.Scores against the scaled scores whose softmax is
// the captured row, at the last position (where every key is visible).
func TestScores(t *testing.T) {
	p := attnModels(t)["tiny"].MustRun("a b c d e")
	hd := p.MustHead(p.FullLayers()[0], 1)
	last := len(p.IDs) - 1
	sc := hd.Scores(last)
	probs := Softmax(sc, math.Sqrt(float64(len(hd.Q[0]))))
	for s := range probs {
		if d := math.Abs(float64(probs[s] - hd.Probs[last][s])); d > 1e-5 {
			t.Fatalf("key %d: softmax(scores/√D) %v, captured %v", s, probs[s], hd.Probs[last][s])
		}
	}
}

func TestCheckAttention(t *testing.T) {
	p := attnModels(t)["tiny"].MustRun("The cat sat on the mat.")
	worst, causal := p.CheckAttention()
	if worst > 1e-5 || !causal {
		t.Fatalf("rows sum to 1 within %.2g, causal %v", worst, causal)
	}
	// A row that looks at a later key, or does not sum to 1, is caught.
	l := p.FullLayers()[0]
	rows := p.Capture.Layers[l].Attention[0]
	rows[1] = append(rows[1], 0)
	rows[2][0] += 0.25
	worst, causal = p.CheckAttention()
	if causal || math.Abs(worst-0.25) > 1e-6 {
		t.Fatalf("after corruption: worst %.3g, causal %v", worst, causal)
	}
}

// TestCausalPrefix: the attention of the first positions does not depend on
// the tokens that come later.
func TestCausalPrefix(t *testing.T) {
	m := attnModels(t)["tiny"]
	a, b := m.MustRun("The cat sat"), m.MustRun("The cat sat on the mat")
	if d, err := a.PrefixDiff(b); err != nil || d > 1e-5 {
		t.Errorf("PrefixDiff: %v, %v", d, err)
	}
	if _, err := b.PrefixDiff(a); err == nil {
		t.Error("PrefixDiff of a longer pass against a shorter one: no error")
	}
	// PrefixDiff sees a changed weight.
	c := m.MustRun("The cat sat on the mat")
	l := c.FullLayers()[len(c.FullLayers())-1]
	c.Capture.Layers[l].Attention[1][2][1] += 0.125
	if d, _ := a.PrefixDiff(c); math.Abs(d-0.125) > 1e-5 {
		t.Errorf("PrefixDiff after a change of 0.125: %v", d)
	}
	if d := MaxDiff([]float32{1, 2, 3}, []float32{1, 2.5, 2}); d != 1 {
		t.Errorf("MaxDiff = %v, want 1", d)
	}
	for _, l := range a.FullLayers() {
		for h := range m.Config().Heads {
			ha, hb := a.MustHead(l, h), b.MustHead(l, h)
			for tq := range ha.Probs {
				for s := range ha.Probs[tq] {
					if d := math.Abs(float64(ha.Probs[tq][s] - hb.Probs[tq][s])); d > 1e-5 {
						t.Fatalf("layer %d head %d row %d key %d: %v alone, %v with more tokens after", l, h, tq, s, ha.Probs[tq][s], hb.Probs[tq][s])
					}
				}
			}
		}
	}
}

// censusPass builds a pass over n tokens whose two heads (one layer) attend
// in known ways: head 0 one-hot on the previous token, head 1 evenly.
func censusPass(n int) *Pass {
	cfg := &model.Config{Layers: 1, Heads: 2, KVHeads: 1, HeadDim: 2, LayerTypes: []model.LayerType{model.FullAttention}}
	att := make([][][]float32, 2)
	for t := range n {
		prev := make([]float32, t+1)
		prev[max(t-1, 0)] = 1
		even := make([]float32, t+1)
		for s := range even {
			even[s] = 1 / float32(t+1)
		}
		att[0] = append(att[0], prev)
		att[1] = append(att[1], even)
	}
	return &Pass{Prompt: "test", IDs: make([]int, n), cfg: cfg,
		Capture: &model.Capture{Layers: []model.LayerCapture{{Type: model.FullAttention, Attention: att}}}}
}

func TestCensus(t *testing.T) {
	stats, err := Census(censusPass(5), censusPass(2), censusPass(4))
	if err != nil {
		t.Fatal(err)
	}
	if len(stats) != 2 {
		t.Fatalf("%d heads", len(stats))
	}
	prev, even := stats[0], stats[1]
	// Rows t = 2, 3, 4 of the first pass and t = 2, 3 of the third.
	if prev.Rows != 5 || prev.Previous != 1 || prev.First != 0 || prev.Self != 0 || prev.Entropy != 0 || prev.Kind != PreviousHead {
		t.Errorf("previous-token head: %+v", prev)
	}
	wantH := (math.Log2(3) + math.Log2(4) + math.Log2(5) + math.Log2(3) + math.Log2(4)) / 5
	wantFirst := (1.0/3 + 1.0/4 + 1.0/5 + 1.0/3 + 1.0/4) / 5
	if math.Abs(even.Entropy-wantH) > 1e-6 || math.Abs(even.Spread-1) > 1e-6 || math.Abs(even.First-wantFirst) > 1e-6 ||
		math.Abs(even.Previous-wantFirst) > 1e-6 || even.Kind != BroadHead {
		t.Errorf("even head: %+v, want entropy %.4f bits, spread 1, first %.4f", even, wantH, wantFirst)
	}
	for _, c := range []struct {
		s    HeadStats
		want HeadKind
	}{
		{HeadStats{First: 0.9, Spread: 0.1}, SinkHead},
		{HeadStats{Self: 0.6, Previous: 0.3}, SelfHead},
		{HeadStats{First: 0.3, Previous: 0.3, Spread: 0.5}, MixedHead},
	} {
		if got := c.s.kind(); got != c.want {
			t.Errorf("%+v: %s, want %s", c.s, got, c.want)
		}
	}
	if _, err := Census(censusPass(2)); err == nil || !strings.Contains(err.Error(), "three tokens") {
		t.Errorf("two-token census: %v", err)
	}
	if _, err := Census(); err == nil {
		t.Error("Census() without passes gave no error")
	}
}

// TestCensusOnModel: on a real pass the census weights are means of rows
// and lie in [0, 1], and the kinds follow the thresholds.
func TestCensusOnModel(t *testing.T) {
	m := attnModels(t)["tiny"]
	a, b := m.MustRun("The cat sat on the mat."), m.MustRun("Once upon a time there was a king.")
	stats := MustCensus(a, b)
	rows := len(a.IDs) - 2 + len(b.IDs) - 2
	if want := len(m.Config().FullAttentionLayers()) * m.Config().Heads; len(stats) != want {
		t.Fatalf("%d heads, want %d", len(stats), want)
	}
	for _, s := range stats {
		if s.Previous < 0 || s.First < 0 || s.Self < 0 || s.Previous+s.First+s.Self > 1+1e-5 || s.Spread < 0 || s.Spread > 1+1e-6 || s.Rows != rows {
			t.Errorf("%+v", s)
		}
	}
}

// attendRef is a float64 reference for one query's attention output.
func attendRef(q []float32, keys, values [][]float32) []float64 {
	sc := make([]float64, len(keys))
	mx := math.Inf(-1)
	for s, k := range keys {
		for d := range q {
			sc[s] += float64(q[d]) * float64(k[d])
		}
		sc[s] /= math.Sqrt(float64(len(q)))
		mx = max(mx, sc[s])
	}
	var z float64
	for s := range sc {
		sc[s] = math.Exp(sc[s] - mx)
		z += sc[s]
	}
	out := make([]float64, len(values[0]))
	for s, v := range values {
		for d := range out {
			out[d] += sc[s] / z * float64(v[d])
		}
	}
	return out
}

func TestAttendAndOnline(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	vec := func(n int, scale float64) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64() * scale)
		}
		return v
	}
	for _, n := range []int{1, 2, 7, 64} {
		q := vec(16, 3)
		var keys, values [][]float32
		for range n {
			keys, values = append(keys, vec(16, 3)), append(values, vec(8, 1))
		}
		want := attendRef(q, keys, values)
		plain, probs, err := Attend(q, keys, values)
		if err != nil || len(probs) != n {
			t.Fatal(err, len(probs))
		}
		for _, block := range []int{1, 3, 16, 100} {
			on, _, err := OnlineAttend(q, keys, values, block)
			if err != nil {
				t.Fatal(err)
			}
			for d := range want {
				if math.Abs(float64(on[d])-want[d]) > 1e-5 || math.Abs(float64(plain[d])-want[d]) > 1e-5 {
					t.Fatalf("n %d block %d dim %d: online %v, plain %v, reference %v", n, block, d, on[d], plain[d], want[d])
				}
			}
		}
	}
	// Rising scores force a rescale at every block after the first.
	q := []float32{1}
	keys := [][]float32{{1}, {2}, {3}, {4}}
	vals := [][]float32{{1}, {1}, {1}, {1}}
	if _, r, _ := OnlineAttend(q, keys, vals, 1); r != 3 {
		t.Errorf("rising scores, block 1: %d rescales, want 3", r)
	}
	// Scores far beyond float32's exp range still work.
	big := [][]float32{{1000}, {1001}}
	out, _, err := OnlineAttend([]float32{1}, big, [][]float32{{0}, {1}}, 1)
	if err != nil || math.Abs(float64(out[0])-1/(1+math.Exp(-1))) > 1e-6 {
		t.Errorf("huge scores: %v, %v", out, err)
	}
	for _, bad := range []struct {
		q    []float32
		k, v [][]float32
	}{{nil, keys, vals}, {q, keys, vals[:2]}, {q, [][]float32{{1, 2}}, [][]float32{{1}}}, {q, nil, nil}} {
		if _, _, err := Attend(bad.q, bad.k, bad.v); err == nil {
			t.Errorf("Attend(%v, %v, %v): no error", bad.q, bad.k, bad.v)
		}
	}
	if _, _, err := OnlineAttend(q, keys, vals, 0); err == nil {
		t.Error("block 0: no error")
	}
	if out, r := MustOnlineAttend(q, keys, vals, 4); r != 0 || math.Abs(float64(out[0])-1) > 1e-6 {
		t.Errorf("one block of equal values: %v after %d rescales, want 1 after 0", out, r)
	}
}

func TestScaleSweep(t *testing.T) {
	rows, err := ScaleSweep([]int{4, 64, 1024}, 16, 200, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if want := math.Sqrt(float64(r.Dim)); math.Abs(r.ScoreStd-want) > 0.1*want {
			t.Errorf("d %d: score std %.2f, want about √d = %.2f", r.Dim, r.ScoreStd, want)
		}
		if r.EntropyScaled < r.EntropyRaw-1e-9 || r.MaxScaled > r.MaxRaw+1e-9 || r.EntropyScaled > 4 {
			t.Errorf("d %d: %+v", r.Dim, r)
		}
	}
	// Unscaled, the softmax collapses as d grows; scaled, it stays put.
	if rows[2].MaxRaw < 0.9 || rows[2].EntropyRaw > 0.5 || math.Abs(rows[2].MaxScaled-rows[0].MaxScaled) > 0.1 {
		t.Errorf("d 1024 %+v vs d 4 %+v", rows[2], rows[0])
	}
	again, _ := ScaleSweep([]int{4, 64, 1024}, 16, 200, 1)
	if again[1] != rows[1] {
		t.Error("the same seed gave different rows")
	}
	if _, err := ScaleSweep([]int{0}, 16, 1, 1); err == nil {
		t.Error("dimension 0: no error")
	}
}
