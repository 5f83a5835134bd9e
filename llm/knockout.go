package llm

import (
	"fmt"

	"github.com/how-llms-work/course/llm/model"
)

// WithoutNeurons returns the model with units of layer's MLP knocked out
// (see model.Model.WithoutNeurons): it shares m's tokenizer and weights,
// except a copy of that layer's down_proj with those units' columns zeroed.
// Close it when done; m stays open and unchanged.
func (m *Model) WithoutNeurons(layer int, units ...int) (*Model, error) {
	net, err := m.Net.WithoutNeurons(layer, units...)
	if err != nil {
		return nil, err
	}
	return m.derived(net, fmt.Sprintf("%s without units %v of layer %d's MLP", m.Name, units, layer)), nil
}

// WithoutMLP returns the model with layer's whole MLP knocked out: its
// output is zero (see model.Model.WithoutMLP). Close it when done.
func (m *Model) WithoutMLP(layer int) (*Model, error) {
	net, err := m.Net.WithoutMLP(layer)
	if err != nil {
		return nil, err
	}
	return m.derived(net, fmt.Sprintf("%s without layer %d's MLP", m.Name, layer)), nil
}

// derived wraps a network built from m's weights as a Model with m's
// tokenizer. Closing it stops its threads and leaves m's files open.
func (m *Model) derived(net *model.Model, name string) *Model {
	return &Model{Name: name, Source: m.Source, Dir: m.Dir, Untrained: m.Untrained, Net: net, Tok: m.Tok}
}

// Knockout is what removing part of an MLP does to one prediction: the
// next-token distribution after a prompt, with and without it.
type Knockout struct {
	What string // what was knocked out, e.g. "layer 3's MLP"
	// KL is KL(p ‖ q) in nats: p the whole model's next-token
	// distribution, q the one without the part. 0 when nothing changes.
	KL float64
	// Top is the whole model's most likely next token; After the most
	// likely one without the part, with its probability there.
	Top, After Candidate
	// TopAfter is the probability the knocked-out model gives Top.
	TopAfter float64
}

// KnockoutMLPs runs prompt through the whole model and through the model
// without each layer's MLP in turn, one Knockout per layer (Layers + 1
// forward passes).
func (m *Model) KnockoutMLPs(prompt string) ([]Knockout, error) {
	ids, base, err := m.knockoutBase(prompt)
	if err != nil {
		return nil, err
	}
	out := make([]Knockout, m.Config().Layers)
	for l := range out {
		net, err := m.Net.WithoutMLP(l)
		if err != nil {
			return nil, err
		}
		logits, err := net.Forward(net.NewState(), ids)
		net.Close()
		if err != nil {
			return nil, err
		}
		out[l] = m.knockout(fmt.Sprintf("layer %d's MLP", l), base, logits)
	}
	return out, nil
}

// MustKnockoutMLPs is KnockoutMLPs for notebook cells: it panics with its error.
func (m *Model) MustKnockoutMLPs(prompt string) []Knockout {
	k, err := m.KnockoutMLPs(prompt)
	if err != nil {
		panic(err)
	}
	return k
}

// KnockoutNeurons measures prompt's next-token distribution without units
// of layer's MLP (see WithoutNeurons).
func (m *Model) KnockoutNeurons(prompt string, layer int, units ...int) (Knockout, error) {
	ids, base, err := m.knockoutBase(prompt)
	if err != nil {
		return Knockout{}, err
	}
	net, err := m.Net.WithoutNeurons(layer, units...)
	if err != nil {
		return Knockout{}, err
	}
	defer net.Close()
	logits, err := net.Forward(net.NewState(), ids)
	if err != nil {
		return Knockout{}, err
	}
	return m.knockout(fmt.Sprintf("units %v of layer %d", units, layer), base, logits), nil
}

// MustKnockoutNeurons is KnockoutNeurons for notebook cells: it panics with its error.
func (m *Model) MustKnockoutNeurons(prompt string, layer int, units ...int) Knockout {
	k, err := m.KnockoutNeurons(prompt, layer, units...)
	if err != nil {
		panic(err)
	}
	return k
}

func (m *Model) knockoutBase(prompt string) ([]int, []float32, error) {
	ids := m.Encode(prompt)
	if len(ids) == 0 {
		return nil, nil, fmt.Errorf("llm: knockout: the prompt %q has no tokens", prompt)
	}
	base, err := m.Forward(ids)
	return ids, base, err
}

func (m *Model) knockout(what string, base, logits []float32) Knockout {
	k := Knockout{What: what, Top: m.Top(base, 1)[0], After: m.Top(logits, 1)[0], KL: logitsKL(base, logits)}
	k.TopAfter = float64(Softmax(logits, 1)[k.Top.ID])
	return k
}
