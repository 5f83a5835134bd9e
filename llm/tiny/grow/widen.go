package main

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/how-llms-work/course/llm/safetensors"
)

// Widening by a whole factor k keeps what the model computes. The residual
// stream h of width d becomes k copies of itself, [h, h, …] of width k·d,
// whose mean square, and so whose RMSNorm, is that of h:
//
//   - the embedding's rows and the hidden-wide norm weights are repeated;
//   - a matrix that reads the stream (q, k, v, the DeltaNet input
//     projections, the MLP's gate and up) gets its columns repeated and
//     divided by k, plus a different random term in each copy, the terms
//     summing to zero over the copies: the copies' inputs are equal, so
//     the product is unchanged, and the copies learn different things;
//   - a matrix that writes the stream (o_proj, out_proj, down_proj) gets
//     its rows repeated, so every copy of h receives the same update;
//   - the final norm's scale 1 + w becomes (1 + w)/k: the tied LM head sums
//     k copies of each logit's terms.
//
// Heads, head sizes and the MLP's width stay as they are.

// readers and writers name the matrices that read the residual stream
// (shape [out, hidden]) and those that write it (shape [hidden, in]).
var (
	readers = []string{
		"self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight",
		"linear_attn.in_proj_qkv.weight", "linear_attn.in_proj_z.weight",
		"linear_attn.in_proj_a.weight", "linear_attn.in_proj_b.weight",
		"mlp.gate_proj.weight", "mlp.up_proj.weight",
	}
	writers   = []string{"self_attn.o_proj.weight", "linear_attn.out_proj.weight", "mlp.down_proj.weight"}
	hiddenVec = []string{"input_layernorm.weight", "post_attention_layernorm.weight"}
	// untouched holds the per-head tensors, which do not see the hidden width.
	untouched = []string{
		"linear_attn.A_log", "linear_attn.conv1d.weight", "linear_attn.dt_bias", "linear_attn.norm.weight",
		"self_attn.q_norm.weight", "self_attn.k_norm.weight",
	}
)

const (
	embedName = "model.language_model.embed_tokens.weight"
	normName  = "model.language_model.norm.weight"
)

// widen returns the tensors of a model k times as wide (hidden·k), in F32,
// with random terms of standard deviation noise times each reading
// matrix's root mean square (after the division by k), drawn from seed.
func widen(tensors []*safetensors.Tensor, hidden, k int, noise float64, seed uint64) ([]*safetensors.Tensor, error) {
	if k < 2 {
		return nil, fmt.Errorf("widen by %d: want a factor of at least 2", k)
	}
	rng := rand.New(rand.NewPCG(seed, 0x77696465))
	var out []*safetensors.Tensor
	for _, t := range tensors {
		v := t.Float32()
		if v == nil {
			return nil, fmt.Errorf("%s: dtype %s is not a float type", t.Name, t.DType)
		}
		field, ok := layerField(t.Name)
		if !ok {
			field = t.Name
		}
		shape := t.Shape
		want := func(s ...int) error {
			if len(shape) != len(s) {
				return fmt.Errorf("%s: shape %v, want %v", t.Name, shape, s)
			}
			for i := range s {
				if s[i] >= 0 && shape[i] != s[i] {
					return fmt.Errorf("%s: shape %v, want %v", t.Name, shape, s)
				}
			}
			return nil
		}
		var w []float32
		var newShape []int
		switch {
		case t.Name == embedName || slices.Contains(writers, field):
			// [n, hidden] embedding rows or [hidden, in] writers: repeat
			// along the hidden axis.
			if t.Name == embedName {
				if err := want(-1, hidden); err != nil {
					return nil, err
				}
				w = repeatColumns(v, shape[0], hidden, k, 1, nil)
				newShape = []int{shape[0], hidden * k}
			} else {
				if err := want(hidden, -1); err != nil {
					return nil, err
				}
				w = slices.Repeat(v, k)
				newShape = []int{hidden * k, shape[1]}
			}
		case slices.Contains(readers, field):
			if err := want(-1, hidden); err != nil {
				return nil, err
			}
			sigma := noise * rms(v) / float64(k)
			w = repeatColumns(v, shape[0], hidden, k, 1/float32(k), func() []float32 { return zeroSum(rng, k, sigma) })
			newShape = []int{shape[0], hidden * k}
		case slices.Contains(hiddenVec, field):
			if err := want(hidden); err != nil {
				return nil, err
			}
			w = slices.Repeat(v, k)
			newShape = []int{hidden * k}
		case t.Name == normName:
			if err := want(hidden); err != nil {
				return nil, err
			}
			scaled := make([]float32, len(v))
			for i, x := range v {
				scaled[i] = (1+x)/float32(k) - 1
			}
			w = slices.Repeat(scaled, k)
			newShape = []int{hidden * k}
		case slices.Contains(untouched, field):
			w, newShape = v, shape
		default:
			return nil, fmt.Errorf("%s: no rule to widen this tensor", t.Name)
		}
		out = append(out, &safetensors.Tensor{Name: t.Name, DType: safetensors.F32, Shape: newShape, Data: f32Bytes(w)})
	}
	return out, nil
}

// repeatColumns returns the [rows, cols·k] matrix whose row r is k copies of
// row r of v scaled by scale, copy j of element c plus terms()[j] when
// terms is not nil (one call per element).
func repeatColumns(v []float32, rows, cols, k int, scale float32, terms func() []float32) []float32 {
	out := make([]float32, rows*cols*k)
	for r := range rows {
		for c := range cols {
			x := v[r*cols+c] * scale
			var e []float32
			if terms != nil {
				e = terms()
			}
			for j := range k {
				y := x
				if e != nil {
					y += e[j]
				}
				out[r*cols*k+j*cols+c] = y
			}
		}
	}
	return out
}

// zeroSum draws k normal terms of standard deviation sigma and subtracts
// their mean, so that they sum to (almost exactly) zero.
func zeroSum(rng *rand.Rand, k int, sigma float64) []float32 {
	e := make([]float64, k)
	var mean float64
	for j := range e {
		e[j] = rng.NormFloat64() * sigma
		mean += e[j] / float64(k)
	}
	out := make([]float32, k)
	for j := range e {
		out[j] = float32(e[j] - mean)
	}
	return out
}

// layerField returns the part of a layer tensor's name after the layer
// number ("mlp.up_proj.weight" for prefix + "3.mlp.up_proj.weight"), and
// false for a tensor outside the layers.
func layerField(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return "", false
	}
	_, field, ok := strings.Cut(rest, ".")
	return field, ok
}

func rms(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s / float64(len(v)))
}

func f32Bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}
