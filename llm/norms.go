package llm

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/how-llms-work/course/llm/model"
)

// Views of the normalisations (chapter 7): RMSNorm by hand, the size of the
// residual stream layer by layer, the learned gains of every norm, the
// channels that stand out, and a pass with one norm taken away.

// RMSNorm is Qwen3.5's RMSNorm of x with a stored gain w: each value is
// divided by the root mean square of x (ε inside the root keeps a zero
// vector finite) and multiplied by 1 + w.
//
//	y_i = x_i / √(mean(x²) + ε) · (1 + w_i)
//
// Qwen3.5 stores its pre-norm, final-norm and q/k-norm gains zero-centred:
// a stored 0 is a gain of 1. A nil w is that: gain 1 everywhere. It computes
// as the engine does (a float64 sum of squares, float32 products), so on a
// captured layer input it gives the engine's output bit for bit.
func RMSNorm(x, w []float32, eps float64) ([]float32, error) {
	if w != nil && len(w) != len(x) {
		return nil, fmt.Errorf("llm: RMSNorm: %d values but %d gains", len(x), len(w))
	}
	if len(x) == 0 {
		return nil, fmt.Errorf("llm: RMSNorm: no values")
	}
	if eps < 0 || math.IsNaN(eps) {
		return nil, fmt.Errorf("llm: RMSNorm: ε = %g, want ≥ 0", eps)
	}
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	inv := float32(1 / math.Sqrt(s/float64(len(x))+eps))
	y := make([]float32, len(x))
	for i, v := range x {
		g := float32(1)
		if w != nil {
			g += w[i]
		}
		y[i] = v * inv * g
	}
	return y, nil
}

// MustRMSNorm is RMSNorm for notebook cells: it panics with its error.
func MustRMSNorm(x, w []float32, eps float64) []float32 {
	y, err := RMSNorm(x, w, eps)
	if err != nil {
		panic(err)
	}
	return y
}

// RMS is the root mean square of x, √(mean(x²)): the size RMSNorm divides
// by (without ε). Zero for an empty x.
func RMS(x []float32) float64 {
	if len(x) == 0 {
		return 0
	}
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s / float64(len(x)))
}

// Scale returns c·x, a new slice.
func Scale(x []float32, c float32) []float32 {
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = c * v
	}
	return y
}

// LayerNorm is the older normalisation, without gain and bias: it subtracts
// the mean of x, then divides by the standard deviation (ε inside the root).
//
//	y_i = (x_i − mean(x)) / √(var(x) + ε)
//
// It needs two statistics of x where RMSNorm needs one; on a vector whose
// mean is 0 the two agree. Nil for an empty x.
func LayerNorm(x []float32, eps float64) []float32 {
	if len(x) == 0 {
		return nil
	}
	var mean float64
	for _, v := range x {
		mean += float64(v)
	}
	mean /= float64(len(x))
	var vr float64
	for _, v := range x {
		d := float64(v) - mean
		vr += d * d
	}
	inv := 1 / math.Sqrt(vr/float64(len(x))+eps)
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = float32((float64(v) - mean) * inv)
	}
	return y
}

// Summary describes a group of activations, [token][channel], as one set
// of numbers: the statistics the chapter's stat boxes show.
type Summary struct {
	Tokens, Values int
	Mean, Std      float64 // over every value (population standard deviation)
	AbsMax         float64 // the largest |value|
	// L2 is the size of one token's vector, typically: √(mean over tokens
	// of ‖x_t‖²), the L2 norm of all the values divided by √Tokens.
	L2 float64
}

// Summarize computes the Summary of rows (one row per token). The zero
// Summary for no rows.
func Summarize(rows [][]float32) Summary {
	s := Summary{Tokens: len(rows)}
	var sum, sq float64
	for _, r := range rows {
		for _, v := range r {
			f := float64(v)
			sum += f
			sq += f * f
			s.AbsMax = max(s.AbsMax, math.Abs(f))
		}
		s.Values += len(r)
	}
	if s.Values == 0 {
		return s
	}
	n := float64(s.Values)
	s.Mean = sum / n
	s.Std = math.Sqrt(max(sq/n-s.Mean*s.Mean, 0))
	s.L2 = math.Sqrt(sq / float64(s.Tokens))
	return s
}

func (s Summary) String() string {
	return fmt.Sprintf("L2/token %8.3f   |max| %8.3f   std %7.4f   mean %+8.4f", s.L2, s.AbsMax, s.Std, s.Mean)
}

// NormStats summarises one layer around its two RMSNorms: the residual
// stream entering the layer and its input norm's output (what the mixer
// reads), the residual stream after the mixer and the post-attention
// norm's output (what the MLP reads).
type NormStats struct {
	Layer  int // 0-based, as in Capture.Layers
	Type   LayerType
	Hidden int // the width of the vectors: a normed vector's L2 is about √Hidden

	Input, InputNorm, AfterMixer, PostNorm Summary
}

// LayerInput returns the residual stream entering layer (0-based), one row
// per token: the embedding rows for layer 0, the previous layer's output
// otherwise.
func (p *Pass) LayerInput(layer int) ([][]float32, error) {
	c := p.Capture
	if c == nil || len(c.Layers) == 0 {
		return nil, fmt.Errorf("llm: the pass has no capture (make it with Model.Run)")
	}
	if layer < 0 || layer >= len(c.Layers) {
		return nil, fmt.Errorf("llm: layer %d: the model has layers 0 to %d", layer, len(c.Layers)-1)
	}
	rows := c.Embedding
	if layer > 0 {
		rows = c.Layers[layer-1].Residual
	}
	if len(rows) != len(p.IDs) {
		return nil, fmt.Errorf("llm: the input of layer %d has %d rows for %d tokens (was layer %d skipped?)", layer, len(rows), len(p.IDs), layer-1)
	}
	return rows, nil
}

// MustLayerInput is LayerInput for notebook cells: it panics with its
// error.
func (p *Pass) MustLayerInput(layer int) [][]float32 {
	rows, err := p.LayerInput(layer)
	if err != nil {
		panic(err)
	}
	return rows
}

// NormStats returns the NormStats of every layer, in order.
func (p *Pass) NormStats() ([]NormStats, error) {
	if p.Capture == nil {
		return nil, fmt.Errorf("llm: the pass has no capture (make it with Model.Run)")
	}
	out := make([]NormStats, len(p.Capture.Layers))
	for i, l := range p.Capture.Layers {
		in, err := p.LayerInput(i)
		if err != nil {
			return nil, err
		}
		if len(l.InputNorm) != len(in) || len(l.PostNorm) != len(in) {
			return nil, fmt.Errorf("llm: layer %d captured %d positions, want %d", i, len(l.InputNorm), len(in))
		}
		out[i] = NormStats{Layer: i, Type: l.Type, Hidden: len(in[0]),
			Input: Summarize(in), InputNorm: Summarize(l.InputNorm), AfterMixer: Summarize(l.AfterMixer), PostNorm: Summarize(l.PostNorm)}
	}
	return out, nil
}

// MustNormStats is NormStats for notebook cells: it panics with its error.
func (p *Pass) MustNormStats() []NormStats {
	s, err := p.NormStats()
	if err != nil {
		panic(err)
	}
	return s
}

// Gain is the learned gain vector of one norm, read from the checkpoint.
type Gain struct {
	Name  string // the tensor's name without the text prefix: "layers.3.input_layernorm.weight"
	Kind  string // input_layernorm, post_attention_layernorm, q_norm, k_norm, linear_attn.norm or norm
	Layer int    // 0-based; −1 for the final norm
	// Stored is the vector as the checkpoint stores it.
	Stored []float32
	// OnePlus is true for the zero-centred gains (every norm but DeltaNet's
	// gated output norm): the norm multiplies by 1 + Stored, not Stored.
	OnePlus bool
}

// Effective returns the factors the norm really multiplies by: 1 + Stored
// for a zero-centred gain, Stored otherwise.
func (g Gain) Effective() []float32 {
	e := slices.Clone(g.Stored)
	if g.OnePlus {
		for i := range e {
			e[i]++
		}
	}
	return e
}

// Channel is one coordinate of a vector and its value.
type Channel struct {
	Index int
	Value float32
}

// Rank returns how many channels have a smaller effective gain than
// channel ch: 0 for the smallest gain, len−1 for the largest; −1 when ch is
// not a channel.
func (g Gain) Rank(ch int) int {
	if ch < 0 || ch >= len(g.Stored) {
		return -1
	}
	e := g.Effective()
	n := 0
	for _, v := range e {
		if v < e[ch] {
			n++
		}
	}
	return n
}

// Outsized returns the k channels of the effective gain farthest from the
// median effective gain, farthest first, with the median.
func (g Gain) Outsized(k int) ([]Channel, float64) {
	e := g.Effective()
	med := median(e)
	order := make([]int, len(e))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		da, db := math.Abs(float64(e[a])-med), math.Abs(float64(e[b])-med)
		switch {
		case da > db:
			return -1
		case da < db:
			return 1
		}
		return 0
	})
	k = min(max(k, 0), len(e))
	out := make([]Channel, k)
	for i, c := range order[:k] {
		out[i] = Channel{c, e[c]}
	}
	return out, med
}

// Gains returns the gain of every norm of the model, read from the
// checkpoint: layer by layer the input and post-attention norms, then
// q_norm and k_norm (full-attention layers) or DeltaNet's gated output norm
// (linear layers), and last the final norm.
func (m *Model) Gains() ([]Gain, error) {
	var out []Gain
	read := func(layer int, kind, name string, onePlus bool) error {
		t, err := m.Net.Weight(name)
		if err != nil {
			return err
		}
		if len(t.Shape) != 1 {
			return fmt.Errorf("llm: gain %s has shape %v, want a vector", name, t.Shape)
		}
		out = append(out, Gain{Name: name, Kind: kind, Layer: layer, Stored: t.Float32(), OnePlus: onePlus})
		return nil
	}
	cfg := m.Config()
	for i := range cfg.Layers {
		p := "layers." + strconv.Itoa(i) + "."
		kinds := [][2]string{{"input_layernorm", "input_layernorm"}, {"post_attention_layernorm", "post_attention_layernorm"}}
		if cfg.IsFullAttention(i) {
			kinds = append(kinds, [2]string{"q_norm", "self_attn.q_norm"}, [2]string{"k_norm", "self_attn.k_norm"})
		} else {
			kinds = append(kinds, [2]string{"linear_attn.norm", "linear_attn.norm"})
		}
		for _, k := range kinds {
			// DeltaNet's gated norm multiplies by its weight as stored.
			if err := read(i, k[0], p+k[1]+".weight", k[0] != "linear_attn.norm"); err != nil {
				return nil, err
			}
		}
	}
	if err := read(-1, "norm", "norm.weight", true); err != nil {
		return nil, err
	}
	return out, nil
}

// MustGains is Gains for notebook cells: it panics with its error.
func (m *Model) MustGains() []Gain {
	g, err := m.Gains()
	if err != nil {
		panic(err)
	}
	return g
}

// Outlier is the largest activation of one layer's output: where it is and
// how it compares with the typical value there.
type Outlier struct {
	Layer   int // 0-based: the residual stream after this layer
	Token   int // its position in the prompt
	Piece   string
	Channel int
	Value   float32
	// Median is the median |value| of the layer's output over every token
	// and channel; Ratio = |Value| / Median.
	Median, Ratio float64
	// Share is the fraction of its token's squared L2 norm that this one
	// channel carries.
	Share float64
}

// Outliers returns, for each layer, the largest |value| of its output (the
// residual stream after the layer), over every token and channel: the
// search for "massive activations", single channels far larger than the
// rest.
func (p *Pass) Outliers() ([]Outlier, error) {
	if p.Capture == nil {
		return nil, fmt.Errorf("llm: the pass has no capture (make it with Model.Run)")
	}
	out := make([]Outlier, len(p.Capture.Layers))
	for i, l := range p.Capture.Layers {
		if len(l.Residual) != len(p.IDs) {
			return nil, fmt.Errorf("llm: layer %d captured %d positions, want %d", i, len(l.Residual), len(p.IDs))
		}
		var all []float32
		o := Outlier{Layer: i}
		for t, r := range l.Residual {
			for c, v := range r {
				all = append(all, float32(math.Abs(float64(v))))
				if math.Abs(float64(v)) > math.Abs(float64(o.Value)) || (t == 0 && c == 0) {
					o.Token, o.Channel, o.Value = t, c, v
				}
			}
		}
		o.Piece = p.Pieces[o.Token]
		o.Median = median(all)
		if o.Median > 0 {
			o.Ratio = math.Abs(float64(o.Value)) / o.Median
		}
		if n := Norm(l.Residual[o.Token]); n > 0 {
			o.Share = float64(o.Value) * float64(o.Value) / (n * n)
		}
		out[i] = o
	}
	return out, nil
}

// MustOutliers is Outliers for notebook cells: it panics with its error.
func (p *Pass) MustOutliers() []Outlier {
	o, err := p.Outliers()
	if err != nil {
		panic(err)
	}
	return o
}

// median of x (the mean of the middle two for an even count); 0 when empty.
func median(x []float32) float64 {
	if len(x) == 0 {
		return 0
	}
	s := slices.Clone(x)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return float64(s[n/2])
	}
	return (float64(s[n/2-1]) + float64(s[n/2])) / 2
}

// NormRemoved is one prompt run twice: as the model is, and with one
// layer's input RMSNorm replaced by the identity, so that layer's mixer
// reads the raw residual stream.
type NormRemoved struct {
	Layer         int
	Base, Without *Pass
	// KL is the Kullback–Leibler divergence KL(base ‖ without) of the two
	// next-token distributions at the last position, in nats.
	KL float64
}

// WithoutInputNorm runs base's prompt again with layer's input norm
// replaced by the identity (model.Capture.NoInputNorm) and compares the two
// passes. base is a pass of m, from Run.
func (m *Model) WithoutInputNorm(base *Pass, layer int) (*NormRemoved, error) {
	if base == nil || base.cfg != m.Config() {
		return nil, fmt.Errorf("llm: WithoutInputNorm: the base pass is not a Run of this model")
	}
	if n := m.Config().Layers; layer < 0 || layer >= n {
		return nil, fmt.Errorf("llm: WithoutInputNorm: layer %d: the model has layers 0 to %d", layer, n-1)
	}
	without, err := m.runCapture(base.Prompt, &model.Capture{NoInputNorm: map[int]bool{layer: true}})
	if err != nil {
		return nil, err
	}
	return &NormRemoved{Layer: layer, Base: base, Without: without, KL: klNats(base.Logits, without.Logits)}, nil
}

// MustWithoutInputNorm is WithoutInputNorm for notebook cells: it panics
// with its error.
func (m *Model) MustWithoutInputNorm(base *Pass, layer int) *NormRemoved {
	r, err := m.WithoutInputNorm(base, layer)
	if err != nil {
		panic(err)
	}
	return r
}

// klNats is KL(softmax(a) ‖ softmax(b)) in nats, from logits.
func klNats(a, b []float32) float64 {
	la, lb := LogSoftmax(a, 1), LogSoftmax(b, 1)
	var kl float64
	for i := range la {
		pa := math.Exp(float64(la[i]))
		kl += pa * (float64(la[i]) - float64(lb[i]))
	}
	return max(kl, 0)
}
