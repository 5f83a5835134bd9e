package llm

import (
	"fmt"
	"math"

	"github.com/how-llms-work/course/llm/model"
)

// This file holds the views of chapter 5 (multi-head attention and GQA):
// which query heads share a KV head, what each head writes into the
// residual stream, the output gate, how alike the heads attend, what the
// KV cache costs, and what silencing a head does to the prediction.

// Lanes returns, for each query head of a full-attention layer, the KV head
// it reads: query head h reads KV head h / (Heads/KVHeads). Heads that read
// the same KV head form a group and share its keys and values.
func Lanes(cfg *Config) []int {
	group := cfg.Heads / cfg.KVHeads
	lanes := make([]int, cfg.Heads)
	for h := range lanes {
		lanes[h] = h / group
	}
	return lanes
}

// KVCache sizes the key/value cache: every full-attention layer keeps, for
// every token, one key and one value of HeadDim numbers per KV head. Query
// vectors are not kept (a past query is never read again), and Gated
// DeltaNet layers keep a fixed-size state instead (not counted here).
type KVCache struct {
	Layers  int // layers that keep a KV cache (the full-attention ones)
	KVHeads int // KV heads per layer: Heads for MHA, fewer for GQA, 1 for MQA
	HeadDim int // numbers per key (and per value)
	Bytes   int // bytes per number: 2 for bf16, 4 for float32
}

// KVCacheOf returns the cache of cfg's full-attention layers as configured,
// storing each number in bytes bytes.
func KVCacheOf(cfg *Config, bytes int) KVCache {
	return KVCache{Layers: len(cfg.FullAttentionLayers()), KVHeads: cfg.KVHeads, HeadDim: cfg.HeadDim, Bytes: bytes}
}

// With returns the same cache with kvHeads KV heads per layer: With(Heads)
// is multi-head attention (every query head its own keys and values),
// With(1) multi-query attention.
func (k KVCache) With(kvHeads int) KVCache { k.KVHeads = kvHeads; return k }

// PerToken is the bytes one token adds to the cache, over all its layers:
// 2 (key and value) × Layers × KVHeads × HeadDim × Bytes.
func (k KVCache) PerToken() int64 {
	return 2 * int64(k.Layers) * int64(k.KVHeads) * int64(k.HeadDim) * int64(k.Bytes)
}

// Size is the bytes the cache holds after tokens tokens.
func (k KVCache) Size(tokens int) int64 { return k.PerToken() * int64(tokens) }

// KVHeld counts the bytes of keys and values that st, the state of a model
// with config cfg, really holds: the used part of every full-attention
// layer's cache, read back through State.KV (float32 numbers). Compare it
// with KVCacheOf(cfg, 4).Size(st.Len()).
func KVHeld(cfg *Config, st *model.State) int64 {
	var n int64
	for _, i := range cfg.FullAttentionLayers() {
		keys, values := st.KV(i)
		for g := range keys {
			n += int64(len(keys[g])+len(values[g])) * 4
		}
	}
	return n
}

// HeadWrites splits what one full-attention layer adds to the residual
// stream into what each query head adds. Each head's output, gated,
// o_h = σ(gate_h) ⊙ HeadOut_h (HeadDim numbers), meets only its own block
// of o_proj's columns, W_O[:, h·HeadDim : (h+1)·HeadDim], so
// o_proj · concat(o_0, …, o_{H−1}) = Σ_h W_O,h · o_h.
type HeadWrites struct {
	Layer  int
	Heads  int
	Hidden int
	// Write[t][h] is head h's write at token t: W_O,h · o_h, [Hidden].
	Write [][][]float32
	// Concat[t] is o_proj times the concatenation of every head's gated
	// output, computed as one product, [Hidden].
	Concat [][]float32
}

// HeadWrites computes the per-head writes of full-attention layer layer
// from the pass p (a pass of m: it reads HeadOut and Gate from p's capture
// and the layer's o_proj from m's weights). Sums run in float64.
func (m *Model) HeadWrites(p *Pass, layer int) (*HeadWrites, error) {
	cfg := m.Config()
	lc, err := fullLayer(cfg, p, layer)
	if err != nil {
		return nil, err
	}
	t, err := m.Net.Weight(fmt.Sprintf("layers.%d.self_attn.o_proj.weight", layer))
	if err != nil {
		return nil, err
	}
	H, D, Hq := cfg.Hidden, cfg.HeadDim, cfg.Heads
	wo := t.Float32() // [Hidden, Heads·HeadDim]
	w := &HeadWrites{Layer: layer, Heads: Hq, Hidden: H}
	gated := make([]float64, Hq*D)
	for tok := range lc.HeadOut {
		for i, o := range lc.HeadOut[tok] {
			gated[i] = float64(lc.Gate[tok][i]) * float64(o)
		}
		heads := make([][]float32, Hq)
		concat := make([]float32, H)
		for h := range heads {
			heads[h] = make([]float32, H)
		}
		for r := range H {
			row := wo[r*Hq*D : (r+1)*Hq*D]
			var all float64
			for c, x := range row {
				all += float64(x) * gated[c]
			}
			concat[r] = float32(all)
			for h := range Hq {
				var s float64
				for c, x := range row[h*D : (h+1)*D] {
					s += float64(x) * gated[h*D+c]
				}
				heads[h][r] = float32(s)
			}
		}
		w.Write = append(w.Write, heads)
		w.Concat = append(w.Concat, concat)
	}
	return w, nil
}

// MustHeadWrites is HeadWrites for notebook cells: it panics on error.
func (m *Model) MustHeadWrites(p *Pass, layer int) *HeadWrites {
	w, err := m.HeadWrites(p, layer)
	if err != nil {
		panic(err)
	}
	return w
}

// Sum returns Σ_h Write[t][h], the heads' writes at token t added up.
func (w *HeadWrites) Sum(t int) []float32 {
	sum := make([]float64, w.Hidden)
	for _, v := range w.Write[t] {
		for i, x := range v {
			sum[i] += float64(x)
		}
	}
	return float32s(sum)
}

// Norms returns the L2 norm of every head's write, [token][head]: how much
// each head changes the residual stream at each position.
func (w *HeadWrites) Norms() [][]float64 {
	n := make([][]float64, len(w.Write))
	for t, heads := range w.Write {
		n[t] = make([]float64, len(heads))
		for h, v := range heads {
			n[t][h] = Norm(v)
		}
	}
	return n
}

// MeanNorms returns each head's write norm averaged over the tokens.
func (w *HeadWrites) MeanNorms() []float64 {
	mean := make([]float64, w.Heads)
	norms := w.Norms()
	for _, row := range norms {
		for h, v := range row {
			mean[h] += v / float64(len(norms))
		}
	}
	return mean
}

// Gaps compares the two ways of computing the layer's output, at every
// token: sumVsConcat is the largest ‖Σ_h Write[t][h] − Concat[t]‖,
// concatVsEngine the largest ‖Concat[t] − engine[t]‖ (engine is the pass's
// MixerOut of the layer), and size the largest ‖Concat[t]‖, to read both by.
func (w *HeadWrites) Gaps(engine [][]float32) (sumVsConcat, concatVsEngine, size float64) {
	for t, c := range w.Concat {
		sumVsConcat = max(sumVsConcat, Norm(Sub(w.Sum(t), c)))
		if t < len(engine) {
			concatVsEngine = max(concatVsEngine, Norm(Sub(c, engine[t])))
		} else {
			concatVsEngine = math.Inf(1)
		}
		size = max(size, Norm(c))
	}
	return sumVsConcat, concatVsEngine, size
}

// WriteNorms returns, for every full-attention layer in order, each query
// head's write norm averaged over p's tokens ([full layer][head], see
// HeadWrites.MeanNorms).
func (m *Model) WriteNorms(p *Pass) ([][]float64, error) {
	var norms [][]float64
	for _, l := range m.Config().FullAttentionLayers() {
		w, err := m.HeadWrites(p, l)
		if err != nil {
			return nil, err
		}
		norms = append(norms, w.MeanNorms())
	}
	return norms, nil
}

// MustWriteNorms is WriteNorms for notebook cells: it panics on error.
func (m *Model) MustWriteNorms(p *Pass) [][]float64 {
	n, err := m.WriteNorms(p)
	if err != nil {
		panic(err)
	}
	return n
}

// fullLayer returns p's capture of layer, checking that it is a captured
// full-attention layer of a model with config cfg.
func fullLayer(cfg *Config, p *Pass, layer int) (*model.LayerCapture, error) {
	if p == nil || p.Capture == nil {
		return nil, fmt.Errorf("llm: no captured pass (use Model.Run)")
	}
	if layer < 0 || layer >= len(p.Capture.Layers) {
		return nil, fmt.Errorf("llm: layer %d: the pass has layers 0 to %d", layer, len(p.Capture.Layers)-1)
	}
	if !cfg.IsFullAttention(layer) {
		return nil, fmt.Errorf("llm: layer %d is a %s layer; the full-attention layers are %v", layer, cfg.LayerTypes[layer], cfg.FullAttentionLayers())
	}
	lc := &p.Capture.Layers[layer]
	if len(lc.HeadOut) == 0 || len(lc.HeadOut[0]) != cfg.Heads*cfg.HeadDim {
		return nil, fmt.Errorf("llm: layer %d: the pass did not capture %d heads × %d (is it a pass of this model?)", layer, cfg.Heads, cfg.HeadDim)
	}
	return lc, nil
}

// GateStat sums up the sigmoid output gate of one query head over a pass.
// The gate multiplies the head's output channel by channel before o_proj:
// near 1 it lets the channel through, near 0 it shuts it.
type GateStat struct {
	Layer, Head int
	Mean        float64 // mean gate over every token and channel
	Closed      float64 // share of gate values below the threshold
	// HeadClosed is the share of tokens at which the head's mean gate (over
	// its channels) is below the threshold: the head nearly shut as a whole.
	HeadClosed float64
	Values     []float64 // every gate value of the head, token by token
}

// Gates returns the output-gate statistics of every query head of
// full-attention layer layer in p, with "closed" meaning below threshold.
func (p *Pass) Gates(layer int, threshold float64) ([]GateStat, error) {
	lc, err := fullLayer(p.cfg, p, layer)
	if err != nil {
		return nil, err
	}
	D := p.cfg.HeadDim
	stats := make([]GateStat, p.cfg.Heads)
	for h := range stats {
		s := GateStat{Layer: layer, Head: h}
		var closedTokens int
		for _, row := range lc.Gate {
			var tokMean float64
			for _, g := range row[h*D : (h+1)*D] {
				s.Values = append(s.Values, float64(g))
				tokMean += float64(g) / float64(D)
				if float64(g) < threshold {
					s.Closed++
				}
			}
			s.Mean += tokMean / float64(len(lc.Gate))
			if tokMean < threshold {
				closedTokens++
			}
		}
		s.Closed /= float64(len(s.Values))
		s.HeadClosed = float64(closedTokens) / float64(len(lc.Gate))
		stats[h] = s
	}
	return stats, nil
}

// MustGates is Gates for notebook cells: it panics on error.
func (p *Pass) MustGates(layer int, threshold float64) []GateStat {
	s, err := p.Gates(layer, threshold)
	if err != nil {
		panic(err)
	}
	return s
}

// GateGrid returns, for every full-attention layer in order and every
// query head, the mean gate and the share of gate values below threshold
// ([full layer][head], see Gates).
func (p *Pass) GateGrid(threshold float64) (mean, closed [][]float64, err error) {
	for _, l := range p.cfg.FullAttentionLayers() {
		stats, err := p.Gates(l, threshold)
		if err != nil {
			return nil, nil, err
		}
		mr, cr := make([]float64, len(stats)), make([]float64, len(stats))
		for h, s := range stats {
			mr[h], cr[h] = s.Mean, s.Closed
		}
		mean, closed = append(mean, mr), append(closed, cr)
	}
	return mean, closed, nil
}

// MustGateGrid is GateGrid for notebook cells: it panics on error.
func (p *Pass) MustGateGrid(threshold float64) (mean, closed [][]float64) {
	mean, closed, err := p.GateGrid(threshold)
	if err != nil {
		panic(err)
	}
	return mean, closed
}

// JSDistance is the Jensen–Shannon distance between two probability
// distributions of the same length: the square root of
// ½·KL(p‖m) + ½·KL(q‖m) with m = (p+q)/2, in bits. It is 0 for identical
// distributions, 1 for distributions with no outcome in common, and
// symmetric.
func JSDistance(p, q []float32) float64 {
	var js float64
	for i := range p {
		a, b := float64(p[i]), float64(q[i])
		m := (a + b) / 2
		if a > 0 {
			js += a / 2 * math.Log2(a/m)
		}
		if b > 0 {
			js += b / 2 * math.Log2(b/m)
		}
	}
	return math.Sqrt(max(js, 0))
}

// HeadDistances compares how the query heads attend: entry [a][b] is the
// Jensen–Shannon distance between head a's and head b's attention rows,
// averaged over the query positions after the first (position 0 can only
// attend to itself) and over the given full-attention layers (every one
// when none is given). The prompt needs at least two tokens.
func (p *Pass) HeadDistances(layers ...int) ([][]float64, error) {
	if len(layers) == 0 {
		layers = p.cfg.FullAttentionLayers()
	}
	if len(p.IDs) < 2 {
		return nil, fmt.Errorf("llm: HeadDistances: the prompt %q has %d token: attention needs at least 2 to differ", p.Prompt, len(p.IDs))
	}
	Hq := p.cfg.Heads
	d := make([][]float64, Hq)
	for a := range d {
		d[a] = make([]float64, Hq)
	}
	n := float64(len(layers) * (len(p.IDs) - 1))
	for _, l := range layers {
		lc, err := fullLayer(p.cfg, p, l)
		if err != nil {
			return nil, err
		}
		for a := range Hq {
			for b := a + 1; b < Hq; b++ {
				for t := 1; t < len(p.IDs); t++ {
					v := JSDistance(lc.Attention[a][t], lc.Attention[b][t]) / n
					d[a][b] += v
					d[b][a] += v
				}
			}
		}
	}
	return d, nil
}

// MustHeadDistances is HeadDistances for notebook cells: it panics on error.
func (p *Pass) MustHeadDistances(layers ...int) [][]float64 {
	d, err := p.HeadDistances(layers...)
	if err != nil {
		panic(err)
	}
	return d
}

// GroupDistances averages a HeadDistances matrix over pairs of group-mates
// (heads reading the same KV head) and over pairs from different groups.
// With one KV head (MQA) every pair is a group-mate pair and across is NaN.
func GroupDistances(cfg *Config, d [][]float64) (within, across float64) {
	lanes := Lanes(cfg)
	var nw, na int
	for a := range d {
		for b := a + 1; b < len(d); b++ {
			if lanes[a] == lanes[b] {
				within += d[a][b]
				nw++
			} else {
				across += d[a][b]
				na++
			}
		}
	}
	return within / float64(nw), across / float64(na)
}

// KLDivergence is KL(p‖q) = Σ p_i·ln(p_i/q_i) in nats, for two probability
// distributions of the same length: how much q, taken as the truth, misses
// p. Terms with p_i = 0 count 0; a q_i = 0 where p_i > 0 gives +Inf.
func KLDivergence(p, q []float32) float64 {
	var kl float64
	for i, a := range p {
		if a > 0 {
			kl += float64(a) * (math.Log(float64(a)) - math.Log(float64(q[i])))
		}
	}
	return max(kl, 0)
}

// WithoutHeads returns the model with query heads heads of full-attention
// layer layer silenced (see model.Model.WithoutHeads): it shares m's
// tokenizer and weights, except a copy of that layer's o_proj with those
// heads' columns zeroed. Close it when done; m stays open and unchanged.
func (m *Model) WithoutHeads(layer int, heads ...int) (*Model, error) {
	net, err := m.Net.WithoutHeads(layer, heads...)
	if err != nil {
		return nil, err
	}
	return &Model{Name: fmt.Sprintf("%s without heads %v of layer %d", m.Name, heads, layer),
		Source: m.Source, Dir: m.Dir, Untrained: m.Untrained, Net: net, Tok: m.Tok}, nil
}

// Ablation measures what each head is worth to one prediction: the
// divergence of the next-token distribution when a head (or a whole KV
// group) is silenced, in every full-attention layer.
type Ablation struct {
	Prompt string
	Layers []int // the full-attention layers, in order
	// Heads[i][h] is KL(p‖p without head h of layer Layers[i]), in nats.
	Heads [][]float64
	// Groups[i][g] is the same with every query head of KV group g silenced.
	Groups [][]float64
	// Top is the most likely next token of the whole model; HeadTop[i][h]
	// and GroupTop[i][g] the most likely one with the head or group silenced.
	Top               int
	HeadTop, GroupTop [][]int
}

// Ablate runs prompt once whole and once per silenced head and per
// silenced KV group of every full-attention layer, comparing each
// next-token distribution with the whole model's. That is
// (Heads + KVHeads) × full layers extra passes.
func (m *Model) Ablate(prompt string) (*Ablation, error) {
	ids := m.Encode(prompt)
	if len(ids) == 0 {
		return nil, fmt.Errorf("llm: Ablate: the prompt %q has no tokens", prompt)
	}
	base, err := m.Forward(ids)
	if err != nil {
		return nil, err
	}
	p := Softmax(base, 1)
	cfg := m.Config()
	a := &Ablation{Prompt: prompt, Layers: cfg.FullAttentionLayers(), Top: Argmax(base)}
	run := func(layer int, heads ...int) (float64, int, error) {
		ab, err := m.Net.WithoutHeads(layer, heads...)
		if err != nil {
			return 0, 0, err
		}
		defer ab.Close()
		logits, err := ab.Forward(ab.NewState(), ids)
		if err != nil {
			return 0, 0, err
		}
		return KLDivergence(p, Softmax(logits, 1)), Argmax(logits), nil
	}
	lanes := Lanes(cfg)
	for _, l := range a.Layers {
		kl, top := make([]float64, cfg.Heads), make([]int, cfg.Heads)
		for h := range cfg.Heads {
			if kl[h], top[h], err = run(l, h); err != nil {
				return nil, err
			}
		}
		a.Heads, a.HeadTop = append(a.Heads, kl), append(a.HeadTop, top)
		gkl, gtop := make([]float64, cfg.KVHeads), make([]int, cfg.KVHeads)
		for g := range cfg.KVHeads {
			var members []int
			for h, lane := range lanes {
				if lane == g {
					members = append(members, h)
				}
			}
			if gkl[g], gtop[g], err = run(l, members...); err != nil {
				return nil, err
			}
		}
		a.Groups, a.GroupTop = append(a.Groups, gkl), append(a.GroupTop, gtop)
	}
	return a, nil
}

// MustAblate is Ablate for notebook cells: it panics on error.
func (m *Model) MustAblate(prompt string) *Ablation {
	a, err := m.Ablate(prompt)
	if err != nil {
		panic(err)
	}
	return a
}
