package llm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Head is one query head of one full-attention layer, as a forward pass
// computed it: the vectors that went in and the weights that came out,
// one row per position of the prompt.
//
// K and V belong to the head's KV head: with grouped-query attention
// (chapter 5) Heads/KVHeads query heads read the same keys and values.
type Head struct {
	Layer, Head, KVHead int
	Pieces              []string // the prompt's tokens, one per position

	// Q, K and V are [position][HeadDim]: the query (after q_norm and RoPE),
	// the key (after k_norm and RoPE) and the value of every position.
	Q, K, V [][]float32
	// Probs are the attention weights the engine computed, [query][key]:
	// row t holds softmax_s(q_t·k_s/√HeadDim) for the keys s = 0…t it may
	// see (the causal mask leaves out s > t, so the row has t+1 entries).
	Probs [][]float32
	// Out is the head's output Σ_s Probs[t][s]·V[s], [position][HeadDim],
	// before the output gate.
	Out [][]float32
}

// FullLayers lists the full-attention layers of the pass's model, in order:
// the only layers that have attention maps.
func (p *Pass) FullLayers() []int { return p.cfg.FullAttentionLayers() }

// Head returns query head h of full-attention layer layer on this pass.
// The values are read from the pass's KV cache (the first len(IDs) slots).
func (p *Pass) Head(layer, h int) (*Head, error) {
	c := p.cfg
	if layer < 0 || layer >= c.Layers {
		return nil, fmt.Errorf("llm: Head: layer %d: the model has layers 0 to %d", layer, c.Layers-1)
	}
	if !c.IsFullAttention(layer) {
		return nil, fmt.Errorf("llm: Head: layer %d is a %s layer: attention maps exist only for the full-attention layers %v", layer, c.LayerTypes[layer], c.FullAttentionLayers())
	}
	if h < 0 || h >= c.Heads {
		return nil, fmt.Errorf("llm: Head: head %d: layer %d has query heads 0 to %d", h, layer, c.Heads-1)
	}
	lc := p.Capture.Layers[layer]
	n, D := len(p.IDs), c.HeadDim
	if len(lc.Attention) != c.Heads || len(lc.Query) < n || len(lc.Key) < n || len(lc.HeadOut) < n {
		return nil, fmt.Errorf("llm: Head: layer %d: the pass captured no attention for its %d tokens", layer, n)
	}
	g := h / (c.Heads / c.KVHeads)
	_, vals := p.State.KV(layer)
	if len(vals) <= g || len(vals[g]) < n*D {
		return nil, fmt.Errorf("llm: Head: layer %d: the KV cache holds fewer than %d values", layer, n)
	}
	hd := &Head{Layer: layer, Head: h, KVHead: g, Pieces: p.Pieces}
	for t := range n {
		hd.Q = append(hd.Q, slices.Clone(lc.Query[t][h*D:(h+1)*D]))
		hd.K = append(hd.K, slices.Clone(lc.Key[t][g*D:(g+1)*D]))
		hd.V = append(hd.V, slices.Clone(vals[g][t*D:(t+1)*D]))
		hd.Probs = append(hd.Probs, slices.Clone(lc.Attention[h][t]))
		hd.Out = append(hd.Out, slices.Clone(lc.HeadOut[t][h*D:(h+1)*D]))
	}
	return hd, nil
}

// MustHead is Head for notebook cells: it panics with Head's error.
func (p *Pass) MustHead(layer, h int) *Head {
	hd, err := p.Head(layer, h)
	if err != nil {
		panic(err)
	}
	return hd
}

// Scores returns the raw scores of query position t against every key
// position, q_t·k_s for s = 0…len−1, unscaled and unmasked (the keys after t
// included): the numbers attention starts from.
func (h *Head) Scores(t int) []float32 {
	s := make([]float32, len(h.K))
	for j, k := range h.K {
		s[j] = float32(Dot(h.Q[t], k))
	}
	return s
}

// Heads returns every query head of every full-attention layer, layer by
// layer.
func (p *Pass) Heads() ([]*Head, error) {
	var hs []*Head
	for _, l := range p.FullLayers() {
		for h := range p.cfg.Heads {
			hd, err := p.Head(l, h)
			if err != nil {
				return nil, err
			}
			hs = append(hs, hd)
		}
	}
	return hs, nil
}

// CheckAttention measures two properties of every captured attention row
// (every full-attention layer, head and query position): worst is the
// largest |Σ_s p_s − 1|, and causal is true when every row t has exactly
// t+1 weights, all in [0, 1] (no key after the query gets any).
func (p *Pass) CheckAttention() (worst float64, causal bool) {
	causal = true
	for _, l := range p.FullLayers() {
		for _, rows := range p.Capture.Layers[l].Attention {
			for t, row := range rows {
				var sum float64
				for _, w := range row {
					sum += float64(w)
					if !(w >= 0 && w <= 1) {
						causal = false
					}
				}
				worst = max(worst, math.Abs(sum-1))
				if len(row) != t+1 {
					causal = false
				}
			}
		}
	}
	return worst, causal
}

// HeadKind names what a head mostly does on the prompts it was measured on.
type HeadKind string

// The kinds Census assigns.
const (
	PreviousHead HeadKind = "previous token" // most weight on the token just before
	SinkHead     HeadKind = "first token"    // most weight on position 0 (an attention sink)
	SelfHead     HeadKind = "self"           // most weight on the query's own position
	BroadHead    HeadKind = "broad"          // weight spread over many keys
	MixedHead    HeadKind = "mixed"          // none of the above
)

// Thresholds of the census: a head whose mean weight on one of the previous,
// first or own position is at least DominantWeight is of that kind; else one
// whose Spread is at least BroadSpread is broad.
const (
	DominantWeight = 0.5
	BroadSpread    = 0.7
)

// HeadStats is one head's behaviour, averaged over the query positions
// t ≥ 2 of the prompts measured (there the first, previous and own
// positions are three different keys).
type HeadStats struct {
	Layer, Head int
	// Entropy is the mean entropy of a row, in bits: 0 when the head looks
	// at one key only, log2(t+1) when it spreads evenly over the t+1 keys.
	Entropy float64
	// Spread is the mean of entropy / log2(t+1): 0 for one key, 1 for even.
	Spread float64
	// Previous, First and Self are the mean weight on key t−1, on key 0 and
	// on key t.
	Previous, First, Self float64
	Rows                  int // how many rows were averaged
	Kind                  HeadKind
}

// Census measures every query head of every full-attention layer on the
// given passes (of one model) and returns one HeadStats per head, layer by
// layer. Passes shorter than three tokens add no rows; at least one pass
// must have three.
func Census(passes ...*Pass) ([]HeadStats, error) {
	if len(passes) == 0 {
		return nil, fmt.Errorf("llm: Census: no passes")
	}
	c := passes[0].cfg
	var stats []HeadStats
	for _, l := range c.FullAttentionLayers() {
		for h := range c.Heads {
			s := HeadStats{Layer: l, Head: h}
			for i, p := range passes {
				if p.cfg.Layers != c.Layers || p.cfg.Heads != c.Heads {
					return nil, fmt.Errorf("llm: Census: pass %d (%q) comes from another model", i, p.Prompt)
				}
				rows := p.Capture.Layers[l].Attention
				if len(rows) != c.Heads {
					return nil, fmt.Errorf("llm: Census: pass %d (%q) has no attention for layer %d", i, p.Prompt, l)
				}
				for t := 2; t < len(rows[h]); t++ {
					row := rows[h][t]
					e := Entropy(row) / math.Ln2
					s.Entropy += e
					s.Spread += e / math.Log2(float64(t+1))
					s.Previous += float64(row[t-1])
					s.First += float64(row[0])
					s.Self += float64(row[t])
					s.Rows++
				}
			}
			if s.Rows == 0 {
				return nil, fmt.Errorf("llm: Census: no prompt has three tokens: give it longer prompts")
			}
			n := float64(s.Rows)
			s.Entropy, s.Spread, s.Previous, s.First, s.Self = s.Entropy/n, s.Spread/n, s.Previous/n, s.First/n, s.Self/n
			s.Kind = s.kind()
			stats = append(stats, s)
		}
	}
	return stats, nil
}

// MustCensus is Census for notebook cells: it panics with Census's error.
func MustCensus(passes ...*Pass) []HeadStats {
	s, err := Census(passes...)
	if err != nil {
		panic(err)
	}
	return s
}

func (s HeadStats) kind() HeadKind {
	best, kind := s.Previous, PreviousHead
	if s.First > best {
		best, kind = s.First, SinkHead
	}
	if s.Self > best {
		best, kind = s.Self, SelfHead
	}
	switch {
	case best >= DominantWeight:
		return kind
	case s.Spread >= BroadSpread:
		return BroadHead
	}
	return MixedHead
}

// Attend is softmax attention for one query over the keys and values it may
// see, written out with float64 sums: p_s = softmax_s(q·k_s/√len(q)) and the
// output Σ_s p_s·v_s. It is the plain two-pass form: every score is held at
// once.
func Attend(q []float32, keys, values [][]float32) (out, probs []float32, err error) {
	if err := checkAttend(q, keys, values); err != nil {
		return nil, nil, err
	}
	scale := 1 / math.Sqrt(float64(len(q)))
	scores := make([]float32, len(keys))
	for s, k := range keys {
		scores[s] = float32(Dot(q, k) * scale)
	}
	probs = Softmax(scores, 1)
	acc := make([]float64, len(values[0]))
	for s, v := range values {
		for d, x := range v {
			acc[d] += float64(probs[s]) * float64(x)
		}
	}
	return float32s(acc), probs, nil
}

// OnlineAttend computes the same output as Attend in one pass over the keys,
// block keys at a time, never holding more than block scores: it keeps the
// largest score seen so far m, the sum l of exp(score − m) and the output
// not yet divided by l; when a block raises m, the running sum and output
// are rescaled by exp(m_old − m_new). This is the inner loop of
// FlashAttention. It returns the output and the number of rescalings.
func OnlineAttend(q []float32, keys, values [][]float32, block int) (out []float32, rescales int, err error) {
	if err := checkAttend(q, keys, values); err != nil {
		return nil, 0, err
	}
	if block < 1 {
		return nil, 0, fmt.Errorf("llm: OnlineAttend: block %d: want at least 1", block)
	}
	scale := 1 / math.Sqrt(float64(len(q)))
	m, l := math.Inf(-1), 0.0
	acc := make([]float64, len(values[0]))
	scores := make([]float64, block)
	for lo := 0; lo < len(keys); lo += block {
		hi := min(lo+block, len(keys))
		bm := math.Inf(-1)
		for s := lo; s < hi; s++ {
			scores[s-lo] = Dot(q, keys[s]) * scale
			bm = max(bm, scores[s-lo])
		}
		if bm > m {
			if l > 0 {
				r := math.Exp(m - bm)
				l *= r
				for d := range acc {
					acc[d] *= r
				}
				rescales++
			}
			m = bm
		}
		for s := lo; s < hi; s++ {
			e := math.Exp(scores[s-lo] - m)
			l += e
			for d, x := range values[s] {
				acc[d] += e * float64(x)
			}
		}
	}
	for d := range acc {
		acc[d] /= l
	}
	return float32s(acc), rescales, nil
}

// MustOnlineAttend is OnlineAttend for notebook cells: it panics with
// OnlineAttend's error.
func MustOnlineAttend(q []float32, keys, values [][]float32, block int) (out []float32, rescales int) {
	out, rescales, err := OnlineAttend(q, keys, values, block)
	if err != nil {
		panic(err)
	}
	return out, rescales
}

func checkAttend(q []float32, keys, values [][]float32) error {
	if len(q) == 0 || len(keys) == 0 || len(keys) != len(values) {
		return fmt.Errorf("llm: attention: a query of %d values, %d keys and %d values: want a query, and as many keys as values (at least one)", len(q), len(keys), len(values))
	}
	for s := range keys {
		if len(keys[s]) != len(q) || len(values[s]) != len(values[0]) {
			return fmt.Errorf("llm: attention: position %d: key of %d values (query %d), value of %d (first value %d)", s, len(keys[s]), len(q), len(values[s]), len(values[0]))
		}
	}
	return nil
}

// ScaleRow is what happens to a softmax over random scores at one head
// dimension, with and without dividing by √d.
type ScaleRow struct {
	Dim int
	// ScoreStd is the standard deviation of the raw scores q·k: about √d.
	ScoreStd float64
	// MaxRaw and MaxScaled are the mean largest weight of the softmax of
	// q·k and of q·k/√d; EntropyRaw and EntropyScaled their mean entropy in
	// bits (log2(keys) would be perfectly even).
	MaxRaw, MaxScaled, EntropyRaw, EntropyScaled float64
}

// ScaleSweep draws, for each dimension d, trials random queries and keys
// whose entries are independent standard normals (a query against keys
// vectors), and measures the softmax of the raw and of the scaled scores.
// It is seeded: the same arguments give the same rows.
func ScaleSweep(dims []int, keys, trials int, seed uint64) ([]ScaleRow, error) {
	if keys < 2 || trials < 1 {
		return nil, fmt.Errorf("llm: ScaleSweep: %d keys, %d trials: want at least 2 keys and 1 trial", keys, trials)
	}
	rng := rand.New(rand.NewPCG(seed, 0x5ca1e))
	var rows []ScaleRow
	for _, d := range dims {
		if d < 1 {
			return nil, fmt.Errorf("llm: ScaleSweep: dimension %d: want at least 1", d)
		}
		r := ScaleRow{Dim: d}
		q := make([]float32, d)
		k := make([]float32, d)
		raw := make([]float32, keys)
		var ss float64
		for range trials {
			for i := range q {
				q[i] = float32(rng.NormFloat64())
			}
			for s := range raw {
				for i := range k {
					k[i] = float32(rng.NormFloat64())
				}
				raw[s] = float32(Dot(q, k))
				ss += float64(raw[s]) * float64(raw[s])
			}
			pr, ps := Softmax(raw, 1), Softmax(raw, math.Sqrt(float64(d)))
			r.MaxRaw += float64(slices.Max(pr))
			r.MaxScaled += float64(slices.Max(ps))
			r.EntropyRaw += Entropy(pr) / math.Ln2
			r.EntropyScaled += Entropy(ps) / math.Ln2
		}
		n := float64(trials)
		r.ScoreStd = math.Sqrt(ss / (n * float64(keys)))
		r.MaxRaw, r.MaxScaled, r.EntropyRaw, r.EntropyScaled = r.MaxRaw/n, r.MaxScaled/n, r.EntropyRaw/n, r.EntropyScaled/n
		rows = append(rows, r)
	}
	return rows, nil
}

// MaxDiff returns the largest |a[i] − b[i]| over the common length of a and
// b: how far apart two computations of the same numbers landed.
func MaxDiff(a, b []float32) float64 {
	var d float64
	for i := range min(len(a), len(b)) {
		d = max(d, math.Abs(float64(a[i])-float64(b[i])))
	}
	return d
}

// PrefixDiff compares the attention of p with that of longer, a pass of the
// same model over p's tokens followed by more: it returns the largest
// difference between a weight of p and the weight of the same head, query
// and key in longer. The causal mask makes it zero up to float rounding:
// what comes later cannot change how an earlier token attends.
func (p *Pass) PrefixDiff(longer *Pass) (float64, error) {
	n := len(p.IDs)
	if len(longer.IDs) < n || !slices.Equal(longer.IDs[:n], p.IDs) {
		return 0, fmt.Errorf("llm: PrefixDiff: the tokens of %q do not start with those of %q", longer.Prompt, p.Prompt)
	}
	if longer.cfg.Layers != p.cfg.Layers || longer.cfg.Heads != p.cfg.Heads {
		return 0, fmt.Errorf("llm: PrefixDiff: the passes come from different models")
	}
	var d float64
	for _, l := range p.FullLayers() {
		short, long := p.Capture.Layers[l].Attention, longer.Capture.Layers[l].Attention
		for h := range short {
			for t := range n {
				d = max(d, MaxDiff(short[h][t], long[h][t]))
			}
		}
	}
	return d, nil
}
