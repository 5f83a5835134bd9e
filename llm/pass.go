package llm

import (
	"fmt"
	"math"
	"slices"

	"github.com/how-llms-work/course/llm/model"
)

// Pass is one forward pass over a prompt, kept whole for the chapters that
// look inside: the tokens, the logits of the last position, the activations
// of every layer, and the state that survives the pass.
type Pass struct {
	Prompt string
	IDs    []int
	Pieces []string

	// Logits are the scores of the last position, one per vocabulary entry:
	// the model's prediction of the token after the prompt.
	Logits []float32
	// Top are the highest of those logits, best first, with their
	// probabilities (softmax at temperature 1).
	Top []Candidate
	// Embedding is the embedding row of the last token: the vector that
	// enters the first layer.
	Embedding []float32
	// Capture holds the activations of every layer.
	Capture *Capture
	// State is what survives the pass to the next decode step: the KV cache
	// of the full-attention layers and the DeltaNet conv and recurrent states.
	State *model.State

	cfg *model.Config
}

// Run tokenizes prompt and runs one forward pass over it, capturing the
// activations of every layer. It costs more memory than Forward (every
// activation is kept), so use it for prompts of a few dozen tokens.
func (m *Model) Run(prompt string) (*Pass, error) {
	return m.runCapture(prompt, &model.Capture{})
}

// runCapture is Run into the capture c, whose experiment fields (Skip,
// NoInputNorm) the caller may have set.
func (m *Model) runCapture(prompt string, c *model.Capture) (*Pass, error) {
	ids := m.Encode(prompt)
	if len(ids) == 0 {
		return nil, fmt.Errorf("llm: the prompt %q has no tokens: give the model some text", prompt)
	}
	st := m.Net.NewState()
	all, err := m.Net.ForwardCapture(st, ids, c)
	if err != nil {
		return nil, err
	}
	v := m.Vocab()
	logits := slices.Clone(all[len(all)-v:]) // keep one row, not every position's
	emb, err := m.Net.Embed(ids[len(ids)-1])
	if err != nil {
		return nil, err
	}
	p := &Pass{
		Prompt: prompt, IDs: ids, Pieces: m.Pieces(ids),
		Logits: logits, Embedding: emb, Capture: c, State: st,
		cfg: m.Config(),
	}
	p.Top = m.Top(logits, 10)
	return p, nil
}

// MustRun is Run for notebook cells: it panics with Run's error.
func (m *Model) MustRun(prompt string) *Pass {
	p, err := m.Run(prompt)
	if err != nil {
		panic(err)
	}
	return p
}

// LayerNorms returns, for each layer, the L2 norm of the residual stream at
// the last position after that layer: how large the running vector has grown.
func (p *Pass) LayerNorms() []float64 {
	last := len(p.IDs) - 1
	norms := make([]float64, len(p.Capture.Layers))
	for i, l := range p.Capture.Layers {
		var s float64
		for _, v := range l.Residual[last] {
			s += float64(v) * float64(v)
		}
		norms[i] = math.Sqrt(s)
	}
	return norms
}

// Activation is one group of numbers a forward pass computed: its name, its
// shape and how many bytes it took in float32.
type Activation struct {
	Name  string
	Shape []int
}

// Count is the number of values in the activation.
func (a Activation) Count() int64 {
	n := int64(1)
	for _, d := range a.Shape {
		n *= int64(d)
	}
	return n
}

// Bytes is the activation's size in float32.
func (a Activation) Bytes() int64 { return 4 * a.Count() }

// Activations lists the main activations this pass computed, with their
// shapes, measured on the captured tensors: the embeddings, the residual
// stream after every layer's mixer and MLP, the MLP intermediates, the
// attention probabilities of the full-attention layers, the final hidden
// states and the logits. All of them are thrown away after the pass; only
// the State survives.
func (p *Pass) Activations() []Activation {
	t := len(p.IDs)
	c := p.Capture
	hidden := p.cfg.Hidden
	var mixer, mlp, attn int
	var mlpWidth, heads int
	for _, l := range c.Layers {
		mixer += len(l.AfterMixer) + len(l.Residual)
		if len(l.MLP) > 0 {
			mlp++
			mlpWidth = len(l.MLP[0])
		}
		if len(l.Attention) > 0 {
			attn++
			heads = len(l.Attention)
		}
	}
	layers := len(c.Layers)
	acts := []Activation{
		{"token embeddings", []int{t, hidden}},
		{fmt.Sprintf("residual stream after each mixer and MLP (%d layers × 2)", layers), []int{2 * layers, t, hidden}},
		{fmt.Sprintf("MLP intermediates silu(gate)·up (%d layers)", mlp), []int{mlp, t, mlpWidth}},
	}
	if attn > 0 {
		acts = append(acts, Activation{fmt.Sprintf("attention probabilities (%d full-attention layers)", attn), []int{attn, heads, t, t}})
	}
	acts = append(acts,
		Activation{"final hidden states", []int{len(c.Hidden), hidden}},
		Activation{"logits at every position", []int{t, len(p.Logits)}},
	)
	return acts
}

// ActivationBytes is the size in float32 of every activation Activations
// lists: what this pass computed and then threw away.
func (p *Pass) ActivationBytes() int64 {
	var n int64
	for _, a := range p.Activations() {
		n += a.Bytes()
	}
	return n
}
