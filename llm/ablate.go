package llm

import (
	"fmt"
	"math"

	"github.com/how-llms-work/course/llm/model"
)

// Layer-skip ablation (chapter 9): run the model with a layer left out, so
// that the residual stream passes it unchanged, and measure how far the
// next-token distribution moves.

// LogitsSkipping runs the model over ids from an empty context with the
// given layers (0-based) left out, and returns the logits of the last
// position. With no layers it is Forward.
func (m *Model) LogitsSkipping(ids []int, layers ...int) ([]float32, error) {
	if len(ids) == 0 {
		return nil, fmt.Errorf("llm: no token ids: encode some text first")
	}
	c := &model.Capture{Skip: map[int]bool{}}
	for _, l := range layers {
		if l < 0 || l >= m.Config().Layers {
			return nil, fmt.Errorf("llm: cannot skip layer %d: the model has layers 0 to %d", l, m.Config().Layers-1)
		}
		c.Skip[l] = true
	}
	all, err := m.Net.ForwardCapture(m.Net.NewState(), ids, c)
	if err != nil {
		return nil, err
	}
	v := m.Vocab()
	return all[len(all)-v:], nil
}

// LayerSkip is what leaving one layer out does to the prediction.
type LayerSkip struct {
	Layer int // 0-based
	Type  LayerType
	// KL is the Kullback–Leibler divergence KL(full ‖ skipped) of the
	// next-token distributions, in nats: Σ p·ln(p/q) with p the full
	// model's probabilities and q those without the layer. 0 when the layer
	// changes nothing.
	KL  float64
	Top Candidate // the most likely next token without the layer
}

// LayerSkips is one ablation run: the prompt, the full model's prediction,
// and the same prediction with each layer left out in turn.
type LayerSkips struct {
	Prompt string
	Pieces []string
	Base   []Candidate // the full model's top 5
	Layers []LayerSkip // one per layer, in order
	// None is the prediction with every layer left out: the embedding row
	// goes straight to the final norm and the LM head. NoneKL is its KL.
	None   Candidate
	NoneKL float64
}

// SkipLayers runs prompt once whole and once per layer with that layer left
// out, and returns the KL divergence of each skipped run from the whole one.
func (m *Model) SkipLayers(prompt string) (*LayerSkips, error) {
	ids := m.Encode(prompt)
	if len(ids) == 0 {
		return nil, fmt.Errorf("llm: SkipLayers: the prompt %q has no tokens", prompt)
	}
	base, err := m.LogitsSkipping(ids)
	if err != nil {
		return nil, err
	}
	c := m.Config()
	s := &LayerSkips{Prompt: prompt, Pieces: m.Pieces(ids), Base: m.Top(base, 5)}
	all := make([]int, c.Layers)
	for i := range c.Layers {
		all[i] = i
		l, err := m.LogitsSkipping(ids, i)
		if err != nil {
			return nil, err
		}
		s.Layers = append(s.Layers, LayerSkip{Layer: i, Type: c.LayerTypes[i], KL: logitsKL(base, l), Top: m.Top(l, 1)[0]})
	}
	none, err := m.LogitsSkipping(ids, all...)
	if err != nil {
		return nil, err
	}
	s.None, s.NoneKL = m.Top(none, 1)[0], logitsKL(base, none)
	return s, nil
}

// MustSkipLayers is SkipLayers for notebook cells: it panics on error.
func (m *Model) MustSkipLayers(prompt string) *LayerSkips {
	s, err := m.SkipLayers(prompt)
	if err != nil {
		panic(err)
	}
	return s
}

// KLs returns the KL of each skipped layer, in layer order.
func (s *LayerSkips) KLs() []float64 {
	out := make([]float64, len(s.Layers))
	for i, l := range s.Layers {
		out[i] = l.KL
	}
	return out
}

// MeanKL returns the mean KL of the skipped layers of one type.
func (s *LayerSkips) MeanKL(t LayerType) float64 {
	var sum float64
	var n int
	for _, l := range s.Layers {
		if l.Type == t {
			sum += l.KL
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// logitsKL returns KL(softmax(p) ‖ softmax(q)) in nats for two logit vectors
// over the same vocabulary, computed in float64 from log-softmaxes (exact
// for probabilities too small for float32). It is ≥ 0, and 0 only when the
// two distributions are equal.
func logitsKL(p, q []float32) float64 {
	if len(p) != len(q) {
		panic(fmt.Sprintf("llm: KL of %d and %d logits", len(p), len(q)))
	}
	lp, lq := logSoftmax64(p), logSoftmax64(q)
	var kl float64
	for i, a := range lp {
		kl += math.Exp(a) * (a - lq[i])
	}
	return max(kl, 0)
}

// logSoftmax64 is log softmax(x) in float64.
func logSoftmax64(x []float32) []float64 {
	hi := math.Inf(-1)
	for _, v := range x {
		hi = max(hi, float64(v))
	}
	var s float64
	for _, v := range x {
		s += math.Exp(float64(v) - hi)
	}
	lse := hi + math.Log(s)
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v) - lse
	}
	return out
}
