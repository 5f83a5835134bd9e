package model

import (
	"fmt"
	"maps"
	"slices"

	"github.com/how-llms-work/course/llm/safetensors"
)

// WithoutHeads returns a model that is m with some query heads of one
// full-attention layer silenced: their columns of that layer's o_proj are
// zero, so whatever those heads compute, they write nothing into the
// residual stream. Silencing every head of a KV group removes the group.
// Every other weight is shared with m (no copy); the new o_proj is a copy
// in o_proj's stored dtype, so a model with no head silenced computes
// exactly what m computes. Close the returned model when done (it stops its
// kernel threads; m and its files are untouched).
//
// This is the "what does this head do?" experiment (head ablation).
// Captures of the new model still show the silenced heads' HeadOut and
// Gate (they are computed before o_proj), and the same Attention maps in
// that layer; the layers after it see the difference.
func (m *Model) WithoutHeads(layer int, heads ...int) (*Model, error) {
	c := m.cfg
	if layer < 0 || layer >= c.Layers {
		return nil, fmt.Errorf("model: WithoutHeads: layer %d: the model has layers 0 to %d", layer, c.Layers-1)
	}
	if !c.IsFullAttention(layer) {
		return nil, fmt.Errorf("model: WithoutHeads: layer %d is a %s layer; full-attention layers are %v", layer, c.LayerTypes[layer], c.FullAttentionLayers())
	}
	for _, h := range heads {
		if h < 0 || h >= c.Heads {
			return nil, fmt.Errorf("model: WithoutHeads: head %d: layer %d has query heads 0 to %d", h, layer, c.Heads-1)
		}
	}
	name := fmt.Sprintf("layers.%d.self_attn.o_proj.weight", layer)
	t, err := m.Weight(name)
	if err != nil {
		return nil, err
	}
	n, err := New(c, m.files...)
	if err != nil {
		return nil, err
	}
	o := n.layers[layer].o // a view of m's checkpoint: copy before writing
	D := c.HeadDim
	var zeroed *safetensors.Tensor
	switch o.DType {
	case safetensors.BF16, safetensors.F16:
		o.u16 = slices.Clone(o.u16)
		for r := range o.Rows {
			for _, h := range heads {
				clear(o.u16[r*o.Cols+h*D:][:D])
			}
		}
		zeroed = safetensors.NewBF16(t.Name, t.Shape, o.u16)
		zeroed.DType = o.DType
	default:
		o.f32 = slices.Clone(o.f32)
		for r := range o.Rows {
			for _, h := range heads {
				clear(o.f32[r*o.Cols+h*D:][:D])
			}
		}
		zeroed = safetensors.NewF32(t.Name, t.Shape, o.f32)
	}
	n.layers[layer].o = o
	n.tensors = maps.Clone(n.tensors)
	n.tensors[t.Name] = zeroed
	return n, nil
}
