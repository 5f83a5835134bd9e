package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// Float is the element type of a model: float64 for gradient checks,
// float32 for training.
type Float interface{ ~float32 | ~float64 }

// Prefix is the name prefix of every text-model tensor in a checkpoint.
const Prefix = "model.language_model."

// Tensor describes one named parameter tensor inside the flat parameter
// vector: Data[Off : Off+Size].
type Tensor struct {
	Name  string // checkpoint name, with Prefix
	Shape []int  // PyTorch shape, e.g. [out, in] for a Linear weight
	Off   int    // offset in the flat vector
	Size  int    // number of elements
	Decay bool   // AdamW weight decay applies (matrices and embeddings, not norms or gates)
	F32   bool   // kept in F32 when exported as BF16 (A_log, linear_attn.norm.weight)
}

// Layout lists the tensors of a config in a fixed order.
func Layout(c *Config) []Tensor {
	var ts []Tensor
	off := 0
	add := func(name string, decay, f32 bool, shape ...int) {
		n := 1
		for _, s := range shape {
			n *= s
		}
		ts = append(ts, Tensor{Name: Prefix + name, Shape: shape, Off: off, Size: n, Decay: decay, F32: f32})
		off += n
	}
	D := c.Hidden
	add("embed_tokens.weight", true, false, c.Vocab, D)
	for i := 0; i < c.Layers; i++ {
		p := fmt.Sprintf("layers.%d.", i)
		add(p+"input_layernorm.weight", false, false, D)
		if c.IsFullAttention(i) {
			add(p+"self_attn.q_proj.weight", true, false, 2*c.Heads*c.HeadDim, D)
			add(p+"self_attn.k_proj.weight", true, false, c.KVHeads*c.HeadDim, D)
			add(p+"self_attn.v_proj.weight", true, false, c.KVHeads*c.HeadDim, D)
			add(p+"self_attn.o_proj.weight", true, false, D, c.Heads*c.HeadDim)
			add(p+"self_attn.q_norm.weight", false, false, c.HeadDim)
			add(p+"self_attn.k_norm.weight", false, false, c.HeadDim)
		} else {
			add(p+"linear_attn.in_proj_qkv.weight", true, false, c.ConvDim(), D)
			add(p+"linear_attn.in_proj_z.weight", true, false, c.LinearValueHeads*c.LinearValueDim, D)
			add(p+"linear_attn.in_proj_b.weight", true, false, c.LinearValueHeads, D)
			add(p+"linear_attn.in_proj_a.weight", true, false, c.LinearValueHeads, D)
			add(p+"linear_attn.conv1d.weight", true, false, c.ConvDim(), 1, c.ConvKernel)
			add(p+"linear_attn.dt_bias", false, false, c.LinearValueHeads)
			add(p+"linear_attn.A_log", false, true, c.LinearValueHeads)
			add(p+"linear_attn.norm.weight", false, true, c.LinearValueDim)
			add(p+"linear_attn.out_proj.weight", true, false, D, c.LinearValueHeads*c.LinearValueDim)
		}
		add(p+"post_attention_layernorm.weight", false, false, D)
		add(p+"mlp.gate_proj.weight", true, false, c.Intermediate, D)
		add(p+"mlp.up_proj.weight", true, false, c.Intermediate, D)
		add(p+"mlp.down_proj.weight", true, false, D, c.Intermediate)
	}
	add("norm.weight", false, false, D)
	return ts
}

// NumParams is the total number of parameters of a config.
func NumParams(c *Config) int {
	ts := Layout(c)
	last := ts[len(ts)-1]
	return last.Off + last.Size
}

// weights are views into a flat vector (parameters or gradients), by role.
type weights[F Float] struct {
	embed, norm []F
	layers      []layerWeights[F]
}

type layerWeights[F Float] struct {
	inNorm, postNorm    []F
	gate, up, down      []F // MLP
	q, k, v, o          []F // full attention
	qNorm, kNorm        []F
	qkv, z, b, a, conv  []F // DeltaNet
	dtBias, aLog, gNorm []F
	out                 []F
}

// bind slices a flat vector laid out by Layout into weights.
func bind[F Float](c *Config, ts []Tensor, flat []F) weights[F] {
	i := 0
	next := func() []F {
		t := ts[i]
		i++
		return flat[t.Off : t.Off+t.Size : t.Off+t.Size]
	}
	var w weights[F]
	w.embed = next()
	w.layers = make([]layerWeights[F], c.Layers)
	for l := range w.layers {
		lw := &w.layers[l]
		lw.inNorm = next()
		if c.IsFullAttention(l) {
			lw.q, lw.k, lw.v, lw.o, lw.qNorm, lw.kNorm = next(), next(), next(), next(), next(), next()
		} else {
			lw.qkv, lw.z, lw.b, lw.a, lw.conv = next(), next(), next(), next(), next()
			lw.dtBias, lw.aLog, lw.gNorm, lw.out = next(), next(), next(), next()
		}
		lw.postNorm = next()
		lw.gate, lw.up, lw.down = next(), next(), next()
	}
	w.norm = next()
	return w
}

// initParams fills a flat vector with a seeded initialisation in the style
// of transformers' Qwen3.5: normal(0, 0.02) matrices and embeddings, output
// projections scaled down by sqrt(2·layers), zero-centred norms at 0, the
// gated norm at 1, A_log = log U(1, 16), conv taps U(±1/sqrt(K)).
//
// dt_bias follows Mamba-2 rather than transformers' constant 1: the step
// size softplus(dt_bias) is drawn log-uniformly in [0.001, 0.1], so the
// initial per-token decays exp(−A·dt) spread from about 0.2 to 0.999 and
// the DeltaNet layers start with memories of a few to hundreds of tokens.
// (With dt_bias = 1 every decay starts below 0.27: no memory beyond the
// conv window until A_log has moved, which a short run cannot afford.)
func initParams[F Float](c *Config, ts []Tensor, flat []F, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	const std = 0.02
	outStd := std / math.Sqrt(2*float64(c.Layers))
	for _, t := range ts {
		d := flat[t.Off : t.Off+t.Size]
		name := t.Name[len(Prefix):]
		switch {
		case strings.HasSuffix(name, "linear_attn.norm.weight"):
			fill(d, 1)
		case strings.HasSuffix(name, "norm.weight"), strings.HasSuffix(name, "layernorm.weight"):
			fill(d, 0)
		case strings.HasSuffix(name, "dt_bias"):
			for i := range d {
				dt := math.Exp(math.Log(0.001) + rng.Float64()*(math.Log(0.1)-math.Log(0.001)))
				d[i] = F(dt + math.Log(-math.Expm1(-dt))) // softplus⁻¹(dt)
			}
		case strings.HasSuffix(name, "A_log"):
			for i := range d {
				d[i] = F(math.Log(1 + 15*rng.Float64()))
			}
		case strings.HasSuffix(name, "conv1d.weight"):
			b := 1 / math.Sqrt(float64(c.ConvKernel))
			for i := range d {
				d[i] = F((2*rng.Float64() - 1) * b)
			}
		case strings.HasSuffix(name, "o_proj.weight"), strings.HasSuffix(name, "out_proj.weight"), strings.HasSuffix(name, "down_proj.weight"):
			for i := range d {
				d[i] = F(rng.NormFloat64() * outStd)
			}
		default:
			for i := range d {
				d[i] = F(rng.NormFloat64() * std)
			}
		}
	}
}

func fill[F Float](d []F, v F) {
	for i := range d {
		d[i] = v
	}
}
