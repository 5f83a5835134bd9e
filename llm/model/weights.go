package model

import (
	"fmt"

	"github.com/how-llms-work/course/llm/safetensors"
)

// The weights of a loaded model (doc §4): each layer's, the bookkeeping of
// the matrices a decode step reads, and access by checkpoint name.

// layer holds one decoder layer's weights.
type layer struct {
	full                bool
	inputNorm, postNorm []float32

	// full attention
	q, k, v, o   Linear
	qNorm, kNorm []float32

	// Gated DeltaNet
	qkv, z, b, a, out  Linear
	conv               []float32 // tap-major [ConvKernel][ConvDim] (the checkpoint's [ConvDim][1][ConvKernel] transposed)
	dtBias, aLog, norm []float32

	// MLP
	gate, up, down Linear
}

// WeightBytes is the number of weight bytes one decode step reads: every
// matrix of the text model in its stored dtype and every vector (norms,
// gates, conv taps) as the float32 it is widened to at load, the LM head
// once (when tied, the embedding is the head; the lookup of one row is not
// counted).
//
// After QuantizeQ8 it counts the 8-bit copies that decode reads instead.
func (m *Model) WeightBytes() int64 {
	var n int64
	for _, l := range m.decodeMatrices() {
		n += l.decodeBytes()
	}
	vec := func(v ...[]float32) {
		for _, x := range v {
			n += int64(len(x)) * 4
		}
	}
	vec(m.norm)
	for i := range m.layers {
		l := &m.layers[i]
		vec(l.inputNorm, l.postNorm, l.qNorm, l.kNorm, l.conv, l.dtBias, l.aLog, l.norm)
	}
	return n
}

// decodeMatrices lists the matrices a decode step reads, each once: the LM
// head (the embedding when tied) and every layer's.
func (m *Model) decodeMatrices() []*Linear {
	mats := []*Linear{m.head()}
	for i := range m.layers {
		mats = append(mats, m.layers[i].linears()...)
	}
	return mats
}

// head is the LM head: the embedding when tied (doc §5.3).
func (m *Model) head() *Linear {
	if m.lmHead != nil {
		return m.lmHead
	}
	return &m.embed
}

// linears lists the layer's weight matrices (those of its kind).
func (l *layer) linears() []*Linear {
	if l.full {
		return []*Linear{&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down}
	}
	return []*Linear{&l.qkv, &l.z, &l.b, &l.a, &l.out, &l.gate, &l.up, &l.down}
}

// Embed returns a copy of token id's embedding row as float32 (the input
// of the first layer).
func (m *Model) Embed(id int) ([]float32, error) {
	if id < 0 || id >= m.cfg.Vocab {
		return nil, fmt.Errorf("model: token id %d outside the vocabulary [0, %d)", id, m.cfg.Vocab)
	}
	e := make([]float32, m.cfg.Hidden)
	m.embed.row(e, id)
	return e, nil
}

// Weight returns a checkpoint tensor by name: the full name
// ("model.language_model.layers.3.self_attn.q_proj.weight") or the name
// without the text prefix ("layers.3.self_attn.q_proj.weight",
// "embed_tokens.weight"). Its Float32 method gives a copy as float32.
func (m *Model) Weight(name string) (*safetensors.Tensor, error) {
	if t := m.tensors[name]; t != nil {
		return t, nil
	}
	if t := m.tensors[m.prefix+name]; t != nil {
		return t, nil
	}
	return nil, fmt.Errorf("model: no tensor %q (nor %q)", name, m.prefix+name)
}

// MustWeight is Weight for notebook cells: it panics on error.
func (m *Model) MustWeight(name string) *safetensors.Tensor {
	t, err := m.Weight(name)
	if err != nil {
		panic(err)
	}
	return t
}

// WeightNames returns the names of every tensor in the checkpoint files.
func (m *Model) WeightNames() []string {
	var names []string
	for _, f := range m.files {
		names = append(names, f.Names()...)
	}
	return names
}
