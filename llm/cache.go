package llm

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/how-llms-work/course/llm/half"
	"github.com/how-llms-work/course/llm/model"
	"github.com/how-llms-work/course/llm/simd"
)

// This file holds the views of chapter 12 (the KV cache and the hybrid
// design): what a sequence's state holds, layer by layer; what the whole
// state costs against context length; cached decoding checked against
// recomputing the prefix; one Gated DeltaNet step recomputed from the
// weights; a needle-in-a-haystack test; and what storing the cache in
// fewer bits costs in accuracy.

// StateSize sizes a hybrid model's memory for one sequence: the KV cache
// of its full-attention layers, which grows with every token, plus one
// fixed-size conv state and recurrent state per Gated DeltaNet layer.
// Every number takes KV.Bytes bytes, except the recurrent states when
// RecurrentBytes is set: Qwen3.5's config keeps them in float32
// (mamba_ssm_dtype), 4 bytes, beside a bf16 cache.
type StateSize struct {
	KV             KVCache // the full-attention layers' cache
	Linear         int     // DeltaNet layers
	Recurrent      int     // numbers in one DeltaNet layer's recurrent state: value heads × key dim × value dim
	Conv           int     // numbers in one DeltaNet layer's conv state: (kernel − 1) × conv channels
	RecurrentBytes int     // bytes per number of the recurrent states; 0 means KV.Bytes
}

// StateSizeOf returns cfg's state, every number stored in bytes bytes.
func StateSizeOf(cfg *Config, bytes int) StateSize {
	return StateSize{KV: KVCacheOf(cfg, bytes), Linear: cfg.Layers - len(cfg.FullAttentionLayers()),
		Recurrent: cfg.LinearValueHeads * cfg.LinearKeyDim * cfg.LinearValueDim,
		Conv:      max(cfg.ConvKernel-1, 0) * cfg.ConvDim()}
}

// Fixed is the bytes of the DeltaNet layers' states, the same at any length.
func (s StateSize) Fixed() int64 {
	return int64(s.Linear) * s.LinearLayer()
}

// LinearLayer is the bytes of one DeltaNet layer's state: its recurrent
// state at RecurrentBytes (or KV.Bytes) a number, its conv state at KV.Bytes.
func (s StateSize) LinearLayer() int64 {
	rb := s.RecurrentBytes
	if rb == 0 {
		rb = s.KV.Bytes
	}
	return int64(s.Recurrent)*int64(rb) + int64(s.Conv)*int64(s.KV.Bytes)
}

// Size is the bytes of the whole state after tokens tokens.
func (s StateSize) Size(tokens int) int64 { return s.KV.Size(tokens) + s.Fixed() }

// AllAttention is the cache the same model would keep if every one of its
// layers were a full-attention layer with kvHeads KV heads (the model's
// KVHeads for GQA everywhere, its query heads for MHA everywhere).
func (s StateSize) AllAttention(kvHeads int) KVCache {
	k := s.KV.With(kvHeads)
	k.Layers += s.Linear
	return k
}

// StateTensor is one tensor of a sequence's state.
type StateTensor struct {
	Layer int
	Type  LayerType
	Name  string // "keys", "values", "conv state" or "recurrent state"
	Shape []int
	Bytes int64 // as the engine holds it (float32)
}

// StateTensors lists what st, a state of a model with config cfg, holds,
// layer by layer: for a full-attention layer its keys and values, each
// [KV heads, tokens, head dim]; for a DeltaNet layer its conv state
// [kernel − 1, conv channels] and its recurrent state [value heads, value
// dim, key dim] (each head's S stored transposed, see State.DeltaState).
// The sizes are counted from the slices the state returns, so their sum is
// State.Bytes.
func StateTensors(cfg *Config, st *model.State) []StateTensor {
	var ts []StateTensor
	for i := range cfg.Layers {
		if cfg.IsFullAttention(i) {
			keys, values := st.KV(i)
			var nk, nv int
			for g := range keys {
				nk += len(keys[g])
				nv += len(values[g])
			}
			shape := []int{cfg.KVHeads, st.Len(), cfg.HeadDim}
			ts = append(ts, StateTensor{i, FullAttention, "keys", shape, 4 * int64(nk)},
				StateTensor{i, FullAttention, "values", slices.Clone(shape), 4 * int64(nv)})
			continue
		}
		conv, rec := st.DeltaState(i)
		ts = append(ts, StateTensor{i, LinearAttention, "conv state", []int{max(cfg.ConvKernel-1, 0), cfg.ConvDim()}, 4 * int64(len(conv))},
			StateTensor{i, LinearAttention, "recurrent state", []int{cfg.LinearValueHeads, cfg.LinearValueDim, cfg.LinearKeyDim}, 4 * int64(len(rec))})
	}
	return ts
}

// HeadState returns value head h's recurrent state in DeltaNet layer
// layer of st as a [key dim][value dim] matrix S (row i: what key
// direction i recalls), copied out of the engine's transposed storage.
func HeadState(cfg *Config, st *model.State, layer, h int) ([][]float64, error) {
	if layer < 0 || layer >= cfg.Layers || cfg.IsFullAttention(layer) {
		return nil, fmt.Errorf("llm: layer %d is not a DeltaNet layer (the full-attention layers are %v)", layer, cfg.FullAttentionLayers())
	}
	if h < 0 || h >= cfg.LinearValueHeads {
		return nil, fmt.Errorf("llm: value head %d: the layer has %d", h, cfg.LinearValueHeads)
	}
	_, rec := st.DeltaState(layer)
	dk, dv := cfg.LinearKeyDim, cfg.LinearValueDim
	S := make([][]float64, dk)
	for i := range S {
		S[i] = make([]float64, dv)
		for j := range S[i] {
			S[i][j] = float64(rec[(h*dv+j)*dk+i])
		}
	}
	return S, nil
}

// DecodeCheck compares the two ways to generate: feeding each new token to
// the cached state (one position per step), and recomputing the whole
// sequence from scratch at every step.
type DecodeCheck struct {
	Prompt  int   // tokens in the prompt
	Tokens  []int // the tokens generated (greedy, from the cached logits)
	MaxDiff float64
	// Prefill is the time of the prompt's pass; Decode of all the cached
	// steps after it; Recompute of all the from-scratch passes.
	Prefill, Decode, Recompute time.Duration
}

// CheckDecode prefills prompt, then generates steps tokens greedily with
// the cache, and at every step (the prompt's last position included) also
// recomputes the next-token logits from an empty state over the whole
// sequence so far. MaxDiff is the largest difference between the two
// logits at any step.
func (m *Model) CheckDecode(prompt string, steps int) (*DecodeCheck, error) {
	ids := m.Encode(prompt)
	if len(ids) == 0 {
		return nil, fmt.Errorf("llm: CheckDecode: the prompt %q has no tokens", prompt)
	}
	if steps < 1 || len(ids)+steps > m.Config().MaxPositions {
		return nil, fmt.Errorf("llm: CheckDecode: %d prompt tokens + %d steps: want at least 1 step and at most %d tokens in all", len(ids), steps, m.Config().MaxPositions)
	}
	d := &DecodeCheck{Prompt: len(ids)}
	st := m.Net.NewState()
	start := time.Now()
	cached, err := m.Net.Forward(st, ids)
	d.Prefill = time.Since(start)
	for step := 0; ; step++ {
		if err != nil {
			return nil, err
		}
		start = time.Now()
		full, err := m.Net.Forward(m.Net.NewState(), ids)
		d.Recompute += time.Since(start)
		if err != nil {
			return nil, err
		}
		for i := range full {
			d.MaxDiff = max(d.MaxDiff, math.Abs(float64(full[i]-cached[i])))
		}
		if step == steps {
			return d, nil
		}
		next := Argmax(cached)
		d.Tokens = append(d.Tokens, next)
		ids = append(ids, next)
		start = time.Now()
		cached, err = m.Net.Forward(st, []int{next})
		d.Decode += time.Since(start)
	}
}

// MustCheckDecode is CheckDecode for notebook cells: it panics on error.
func (m *Model) MustCheckDecode(prompt string, steps int) *DecodeCheck {
	d, err := m.CheckDecode(prompt, steps)
	if err != nil {
		panic(err)
	}
	return d
}

// DeltaStep is one token's step of one DeltaNet layer, every head: the
// recurrent states before and after the token as the engine holds them
// (each [value dim × key dim], transposed as State.DeltaState stores
// them), and the step's inputs per value head — query, key and value
// recomputed from the checkpoint's weights and the layer's captured input,
// and β and decay from the capture.
type DeltaStep struct {
	Layer, Token  int
	Before, After [][]float32 // [value head][value dim × key dim]
	Q, K, V       [][]float32 // [value head][…]: q and k of the head's key head
	Beta, Decay   []float32   // [value head]
}

// DeltaStepOf returns the step of DeltaNet layer layer at token t of the
// prompt (0 ≤ t < its length). The states come from two runs of the engine,
// over the first t and the first t+1 tokens. The inputs are recomputed in
// float64 from the layer's weights (in_proj_qkv, conv1d) and the captured
// InputNorm rows: the causal convolution over the last kernel-size inputs,
// SiLU, then per head L2 normalisation and q scaled by 1/√key dim.
func (m *Model) DeltaStepOf(prompt string, layer, t int) (*DeltaStep, error) {
	cfg := m.Config()
	if layer < 0 || layer >= cfg.Layers || cfg.IsFullAttention(layer) {
		return nil, fmt.Errorf("llm: DeltaStepOf: layer %d is not a DeltaNet layer (the full-attention layers are %v)", layer, cfg.FullAttentionLayers())
	}
	p, err := m.Run(prompt)
	if err != nil {
		return nil, err
	}
	if t < 0 || t >= len(p.IDs) {
		return nil, fmt.Errorf("llm: DeltaStepOf: token %d of a prompt of %d tokens", t, len(p.IDs))
	}
	Hk, Hv, dk, dv, C, K := cfg.LinearKeyHeads, cfg.LinearValueHeads, cfg.LinearKeyDim, cfg.LinearValueDim, cfg.ConvDim(), cfg.ConvKernel
	pre := fmt.Sprintf("layers.%d.linear_attn.", layer)
	wq, err := m.Net.Weight(pre + "in_proj_qkv.weight") // [C, Hidden]
	if err != nil {
		return nil, err
	}
	wc, err := m.Net.Weight(pre + "conv1d.weight") // [C, 1, K]
	if err != nil {
		return nil, err
	}
	W, conv := wq.Float32(), wc.Float32()
	in := p.Capture.Layers[layer].InputNorm
	y := make([]float64, C)
	for c := range C {
		row := W[c*cfg.Hidden : (c+1)*cfg.Hidden]
		for j := range K { // tap K−1 is token t, tap j token t−(K−1)+j
			s := t - (K - 1) + j
			if s < 0 {
				continue
			}
			var mix float64
			for i, x := range in[s] {
				mix += float64(row[i]) * float64(x)
			}
			y[c] += float64(conv[c*K+j]) * mix
		}
		y[c] /= 1 + math.Exp(-y[c]) // SiLU
	}
	unit := func(x []float64, scale float64) []float32 {
		var ss float64
		for _, v := range x {
			ss += v * v
		}
		inv := scale / math.Sqrt(ss+1e-6)
		out := make([]float32, len(x))
		for i, v := range x {
			out[i] = float32(v * inv)
		}
		return out
	}
	d := &DeltaStep{Layer: layer, Token: t}
	lc := &p.Capture.Layers[layer]
	for h := range Hv {
		kh := h / (Hv / Hk)
		d.Q = append(d.Q, unit(y[kh*dk:(kh+1)*dk], 1/math.Sqrt(float64(dk))))
		d.K = append(d.K, unit(y[(Hk+kh)*dk:(Hk+kh+1)*dk], 1))
		d.V = append(d.V, float32s(y[2*Hk*dk+h*dv:2*Hk*dk+(h+1)*dv]))
		d.Beta = append(d.Beta, lc.Beta[t][h])
		d.Decay = append(d.Decay, lc.Decay[t][h])
	}
	st := m.Net.NewState()
	if t > 0 {
		if _, err := m.Net.Forward(st, p.IDs[:t]); err != nil {
			return nil, err
		}
	}
	_, rec := st.DeltaState(layer)
	d.Before = split(rec, Hv)
	if _, err := m.Net.Forward(st, p.IDs[t:t+1]); err != nil {
		return nil, err
	}
	_, rec = st.DeltaState(layer)
	d.After = split(rec, Hv)
	return d, nil
}

// MustDeltaStepOf is DeltaStepOf for notebook cells: it panics on error.
func (m *Model) MustDeltaStepOf(prompt string, layer, t int) *DeltaStep {
	d, err := m.DeltaStepOf(prompt, layer, t)
	if err != nil {
		panic(err)
	}
	return d
}

// split copies x into n equal parts.
func split(x []float32, n int) [][]float32 {
	w := len(x) / n
	parts := make([][]float32, n)
	for i := range parts {
		parts[i] = slices.Clone(x[i*w : (i+1)*w])
	}
	return parts
}

// MaxAbsDiff is the largest |a[i] − b[i]|; +Inf when the lengths differ.
func MaxAbsDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var d float64
	for i := range a {
		d = max(d, math.Abs(float64(a[i])-float64(b[i])))
	}
	return d
}

// Needle is a needle-in-a-haystack test: a fact hidden at some depth of a
// long filler text, then a question whose answer is in the fact.
type Needle struct {
	Fact     string // e.g. " The secret word is banana."
	Filler   string // a sentence repeated to make the haystack
	Question string // e.g. " The secret word is"
	Answer   string // the expected continuation, e.g. " banana"; its first token is scored
	Tokens   int    // the haystack's length in tokens (the filler, before fact and question)
}

// NeedleResult is one run of a Needle test at one depth.
type NeedleResult struct {
	Depth    float64 // where the fact sits, 0 (start) to 1 (end of the haystack)
	Tokens   int     // tokens in the whole input
	Span     [2]int  // the fact's token positions [start, end)
	Rank     int     // the answer's rank among the next-token logits (0 = top)
	Prob     float64 // its probability
	Baseline float64 // its probability with the fact left out
	BaseRank int     // its rank with the fact left out
	Top      int     // the most likely next token
	// Attention is, per full-attention layer in order, the largest share of
	// attention any query head puts on the fact's tokens from the last
	// position (the question's last token).
	Attention []float64
}

// Run runs the test with the fact at each depth (0 to 1).
func (n Needle) Run(m *Model, depths ...float64) ([]NeedleResult, error) {
	ans := m.Encode(n.Answer)
	fact, q, fill := m.Encode(n.Fact), m.Encode(n.Question), m.Encode(n.Filler)
	if len(ans) == 0 || len(fact) == 0 || len(q) == 0 || len(fill) == 0 {
		return nil, fmt.Errorf("llm: Needle: the fact, filler, question and answer must all have tokens")
	}
	if n.Tokens < 1 || n.Tokens+len(fact)+len(q) > m.Config().MaxPositions {
		return nil, fmt.Errorf("llm: Needle: %d haystack tokens + %d fact + %d question: want 1 to %d in all", n.Tokens, len(fact), len(q), m.Config().MaxPositions)
	}
	var hay []int
	for len(hay) < n.Tokens {
		hay = append(hay, fill...)
	}
	hay = hay[:n.Tokens]
	base, err := m.Forward(append(slices.Clone(hay), q...))
	if err != nil {
		return nil, err
	}
	pBase := Softmax(base, 1)
	baseRank := Rank(base, ans[0]) - 1 // 0-based, like NeedleResult.Rank
	var out []NeedleResult
	for _, depth := range depths {
		if depth < 0 || depth > 1 {
			return nil, fmt.Errorf("llm: Needle: depth %g outside 0 to 1", depth)
		}
		// Put the fact at a filler boundary near the depth.
		at := int(math.Round(depth*float64(n.Tokens)/float64(len(fill)))) * len(fill)
		at = min(at, n.Tokens)
		ids := slices.Concat(hay[:at], fact, hay[at:], q)
		st := m.Net.NewState()
		c := &model.Capture{}
		all, err := m.Net.ForwardCapture(st, ids, c)
		if err != nil {
			return nil, err
		}
		logits := all[len(all)-m.Vocab():]
		p := Softmax(logits, 1)
		r := NeedleResult{Depth: depth, Tokens: len(ids), Span: [2]int{at, at + len(fact)}, Prob: float64(p[ans[0]]),
			Baseline: float64(pBase[ans[0]]), BaseRank: baseRank, Rank: Rank(logits, ans[0]) - 1, Top: Argmax(logits)}
		for _, l := range m.Config().FullAttentionLayers() {
			var best float64
			for _, head := range c.Layers[l].Attention {
				var s float64
				for _, w := range head[len(ids)-1][r.Span[0]:r.Span[1]] {
					s += float64(w)
				}
				best = max(best, s)
			}
			r.Attention = append(r.Attention, best)
		}
		out = append(out, r)
	}
	return out, nil
}

// MustRun is Run for notebook cells: it panics on error.
func (n Needle) MustRun(m *Model, depths ...float64) []NeedleResult {
	r, err := n.Run(m, depths...)
	if err != nil {
		panic(err)
	}
	return r
}

// String prints one result on one line, the probabilities to two
// significant digits so that small ones still show.
func (r NeedleResult) String() string {
	var att []string
	for _, a := range r.Attention {
		att = append(att, fmt.Sprintf("%.2f", a))
	}
	return fmt.Sprintf("depth %3.0f%% (fact at tokens %d–%d of %d): answer rank %d, p = %.2g (without the fact: rank %d, p = %.2g); attention on the fact per full layer %s",
		100*r.Depth, r.Span[0], r.Span[1]-1, r.Tokens, r.Rank, r.Prob, r.BaseRank, r.Baseline, strings.Join(att, " "))
}

// RoundTrip is what storing numbers in a smaller format does to them.
type RoundTrip struct {
	Format   string
	Bytes    float64 // bytes per number, scales included
	RelError float64 // ‖x − x̂‖ / ‖x‖ over all the numbers
	MaxError float64 // largest |x − x̂|
}

// CacheRoundTrips stores the keys and values st holds (every full-attention
// layer, every KV head, rows of HeadDim numbers) as BF16 and as 8-bit
// blocks (simd.QuantizeQ8: blocks of 32 int8 with one float32 scale, from
// the BF16 numbers), reads them back, and measures the error against the
// engine's float32 numbers. HeadDim must be a multiple of 32.
func CacheRoundTrips(cfg *Config, st *model.State) ([]RoundTrip, error) {
	if st.Len() == 0 {
		return nil, fmt.Errorf("llm: CacheRoundTrips: the state holds no tokens")
	}
	var x []float32
	for _, i := range cfg.FullAttentionLayers() {
		keys, values := st.KV(i)
		for g := range keys {
			x = append(append(x, keys[g]...), values[g]...)
		}
	}
	b := make([]uint16, len(x))
	bf := make([]float32, len(x))
	for i, v := range x {
		b[i] = half.F32ToBF16(v)
		bf[i] = half.BF16ToF32(b[i])
	}
	q, err := simd.QuantizeQ8(b, len(x)/cfg.HeadDim, cfg.HeadDim)
	if err != nil {
		return nil, fmt.Errorf("llm: CacheRoundTrips: %w", err)
	}
	q8 := make([]float32, len(x))
	for i, v := range q.Q {
		q8[i] = float32(v) * q.Scales[i/simd.Q8BlockSize]
	}
	measure := func(name string, bytes float64, y []float32) RoundTrip {
		var num, den float64
		for i := range x {
			d := float64(x[i]) - float64(y[i])
			num += d * d
			den += float64(x[i]) * float64(x[i])
		}
		return RoundTrip{Format: name, Bytes: bytes, RelError: math.Sqrt(num / den), MaxError: MaxAbsDiff(x, y)}
	}
	return []RoundTrip{measure("float32", 4, x), measure("bf16", 2, bf),
		measure("int8 blocks of 32", 1+4.0/simd.Q8BlockSize, q8)}, nil
}

// MustCacheRoundTrips is CacheRoundTrips for notebook cells: it panics on error.
func MustCacheRoundTrips(cfg *Config, st *model.State) []RoundTrip {
	r, err := CacheRoundTrips(cfg, st)
	if err != nil {
		panic(err)
	}
	return r
}

// MustHeadState is HeadState for notebook cells: it panics on error.
func MustHeadState(cfg *Config, st *model.State, layer, h int) [][]float64 {
	S, err := HeadState(cfg, st, layer, h)
	if err != nil {
		panic(err)
	}
	return S
}

// DeltaNetLayers returns the indices of cfg's Gated DeltaNet layers, in order.
func DeltaNetLayers(cfg *Config) []int {
	var ls []int
	for i := range cfg.Layers {
		if !cfg.IsFullAttention(i) {
			ls = append(ls, i)
		}
	}
	return ls
}

// PrefixCheck compares serving several prompts that share a prefix with
// and without reusing the prefix's state (prefix caching).
type PrefixCheck struct {
	Prefix   int     // tokens in the shared prefix
	Suffixes []int   // tokens in each suffix
	MaxDiff  float64 // largest logit difference, reused against fresh, over the suffixes
	// Reused is the time of one prefill of the prefix plus, per suffix, a
	// copy of its state and a pass over the suffix; Fresh the time of a
	// pass over prefix and suffix from an empty state, per suffix.
	Reused, Fresh time.Duration
}

// CheckPrefix prefills prefix once, then runs each suffix on a Clone of
// that state, and compares the next-token logits with a fresh pass over
// the same ids (the prefix's and the suffix's tokens, encoded apart).
func (m *Model) CheckPrefix(prefix string, suffixes ...string) (*PrefixCheck, error) {
	pre := m.Encode(prefix)
	if len(pre) == 0 || len(suffixes) == 0 {
		return nil, fmt.Errorf("llm: CheckPrefix: want a prefix with tokens and at least one suffix")
	}
	c := &PrefixCheck{Prefix: len(pre)}
	start := time.Now()
	shared := m.Net.NewState()
	if _, err := m.Net.Forward(shared, pre); err != nil {
		return nil, err
	}
	c.Reused = time.Since(start)
	for _, s := range suffixes {
		ids := m.Encode(s)
		if len(ids) == 0 {
			return nil, fmt.Errorf("llm: CheckPrefix: the suffix %q has no tokens", s)
		}
		c.Suffixes = append(c.Suffixes, len(ids))
		start = time.Now()
		reused, err := m.Net.Forward(shared.Clone(), ids)
		c.Reused += time.Since(start)
		if err != nil {
			return nil, err
		}
		start = time.Now()
		fresh, err := m.Forward(slices.Concat(pre, ids))
		c.Fresh += time.Since(start)
		if err != nil {
			return nil, err
		}
		c.MaxDiff = max(c.MaxDiff, MaxAbsDiff(reused, fresh))
	}
	return c, nil
}

// MustCheckPrefix is CheckPrefix for notebook cells: it panics on error.
func (m *Model) MustCheckPrefix(prefix string, suffixes ...string) *PrefixCheck {
	c, err := m.CheckPrefix(prefix, suffixes...)
	if err != nil {
		panic(err)
	}
	return c
}

// Speed measures, best of repeats runs, the time per token of a prefill of
// prompt and of steps greedy decode steps after it (each run on a fresh
// state). Taking the best run leaves out one-off costs (first allocations,
// other work on the machine) that would blur the comparison.
func (m *Model) Speed(prompt string, steps, repeats int) (prefill, decode time.Duration, err error) {
	ids := m.Encode(prompt)
	if len(ids) == 0 || steps < 1 || repeats < 1 || len(ids)+steps > m.Config().MaxPositions {
		return 0, 0, fmt.Errorf("llm: Speed: %d prompt tokens, %d steps, %d repeats: want a prompt with tokens, at least one step and repeat, and at most %d tokens in all", len(ids), steps, repeats, m.Config().MaxPositions)
	}
	prefill, decode = time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
	for range repeats {
		st := m.Net.NewState()
		start := time.Now()
		logits, err := m.Net.Forward(st, ids)
		if err != nil {
			return 0, 0, err
		}
		prefill = min(prefill, time.Since(start)/time.Duration(len(ids)))
		start = time.Now()
		for range steps {
			if logits, err = m.Net.Forward(st, []int{Argmax(logits)}); err != nil {
				return 0, 0, err
			}
		}
		decode = min(decode, time.Since(start)/time.Duration(steps))
	}
	return prefill, decode, nil
}

// MustSpeed is Speed for notebook cells: it panics on error.
func (m *Model) MustSpeed(prompt string, steps, repeats int) (prefill, decode time.Duration) {
	p, d, err := m.Speed(prompt, steps, repeats)
	if err != nil {
		panic(err)
	}
	return p, d
}
