package model

import (
	"fmt"
	"slices"

	"github.com/how-llms-work/course/llm/safetensors"
)

// WithoutNeurons returns a model that is m with some units ("neurons") of
// one layer's MLP knocked out: their columns of that layer's down_proj are
// zero, so whatever those units compute, they write nothing into the
// residual stream. Every other weight is shared with m (no copy); the new
// down_proj is a copy in its stored dtype. Close the returned model when
// done (it stops its kernel threads; m and its files are untouched).
// Captures of the new model still show the knocked-out units' activations
// (LayerCapture.MLP): they are computed before down_proj.
func (m *Model) WithoutNeurons(layer int, units ...int) (*Model, error) {
	if len(units) == 0 {
		return nil, fmt.Errorf("model: WithoutNeurons: no units given (WithoutMLP removes a layer's whole MLP)")
	}
	return m.withoutUnits("WithoutNeurons", layer, units)
}

// WithoutMLP returns a model that is m without layer's MLP: every column of
// its down_proj is zero, so the MLP's output is exactly zero and the layer
// passes on what its mixer left in the residual stream (see WithoutNeurons).
func (m *Model) WithoutMLP(layer int) (*Model, error) {
	units := make([]int, m.cfg.Intermediate)
	for i := range units {
		units[i] = i
	}
	return m.withoutUnits("WithoutMLP", layer, units)
}

func (m *Model) withoutUnits(what string, layer int, units []int) (*Model, error) {
	c := m.cfg
	if layer < 0 || layer >= c.Layers {
		return nil, fmt.Errorf("model: %s: layer %d: the model has layers 0 to %d", what, layer, c.Layers-1)
	}
	for _, u := range units {
		if u < 0 || u >= c.Intermediate {
			return nil, fmt.Errorf("model: %s: unit %d: layer %d's MLP has units 0 to %d", what, u, layer, c.Intermediate-1)
		}
	}
	t, err := m.Weight(fmt.Sprintf("layers.%d.mlp.down_proj.weight", layer))
	if err != nil {
		return nil, err
	}
	n, err := New(c, m.files...)
	if err != nil {
		return nil, err
	}
	d := n.layers[layer].down // a view of m's checkpoint: copy before writing
	var zeroed *safetensors.Tensor
	switch d.DType {
	case safetensors.BF16, safetensors.F16:
		d.u16 = slices.Clone(d.u16)
		for r := range d.Rows {
			for _, u := range units {
				d.u16[r*d.Cols+u] = 0
			}
		}
		zeroed = safetensors.NewBF16(t.Name, t.Shape, d.u16)
		zeroed.DType = d.DType
	default:
		d.f32 = slices.Clone(d.f32)
		for r := range d.Rows {
			for _, u := range units {
				d.f32[r*d.Cols+u] = 0
			}
		}
		zeroed = safetensors.NewF32(t.Name, t.Shape, d.f32)
	}
	n.layers[layer].down = d
	n.tensors[t.Name] = zeroed
	return n, nil
}
