package train

import (
	"math"
	"math/rand/v2"

	"github.com/how-llms-work/course/llm/model"
)

// Float is the element type of a model: float64 for gradient checks,
// float32 for training.
type Float interface{ ~float32 | ~float64 }

// Tensor is one parameter tensor of the model (as llm/model's tensor list
// describes it) and where it lies in the flat parameter vector:
// Data[Off : Off+Size].
type Tensor struct {
	model.TensorSpec      // checkpoint name, shape, dtype (F32: kept in F32 when exported as BF16), role, layer
	Off              int  // offset in the flat vector
	Size             int  // number of elements
	Decay            bool // AdamW weight decay applies (Role.Matrix: matrices, conv taps and embeddings, not norms or gates)
}

// Layout lists the tensors of a config in the order of model's tensor
// list: the text model's, the head tied to the embedding.
func Layout(c *Config) []Tensor {
	var ts []Tensor
	off := 0
	for _, s := range c.Tensors() {
		if s.Part != model.PartText || s.Role == model.RoleLMHead {
			continue
		}
		n := int(s.Len())
		ts = append(ts, Tensor{TensorSpec: s, Off: off, Size: n, Decay: s.Role.Matrix()})
		off += n
	}
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

// bind slices a flat vector laid out by Layout into weights, by role.
func bind[F Float](c *Config, ts []Tensor, flat []F) weights[F] {
	w := weights[F]{layers: make([]layerWeights[F], c.Layers)}
	fields := make([]map[model.Role]*[]F, c.Layers) // where each role of a layer goes
	for l := range fields {
		lw := &w.layers[l]
		fields[l] = map[model.Role]*[]F{
			model.RoleInputNorm: &lw.inNorm, model.RolePostNorm: &lw.postNorm,
			model.RoleQ: &lw.q, model.RoleK: &lw.k, model.RoleV: &lw.v, model.RoleO: &lw.o,
			model.RoleQNorm: &lw.qNorm, model.RoleKNorm: &lw.kNorm,
			model.RoleQKV: &lw.qkv, model.RoleZ: &lw.z, model.RoleB: &lw.b, model.RoleA: &lw.a,
			model.RoleConv: &lw.conv, model.RoleDTBias: &lw.dtBias, model.RoleALog: &lw.aLog,
			model.RoleGatedNorm: &lw.gNorm, model.RoleOut: &lw.out,
			model.RoleGate: &lw.gate, model.RoleUp: &lw.up, model.RoleDown: &lw.down,
		}
	}
	for _, t := range ts {
		v := flat[t.Off : t.Off+t.Size : t.Off+t.Size]
		switch t.Role {
		case model.RoleEmbed:
			w.embed = v
		case model.RoleFinalNorm:
			w.norm = v
		default:
			*fields[t.Layer][t.Role] = v
		}
	}
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
		switch {
		case t.Role == model.RoleGatedNorm:
			fill(d, 1)
		case t.Role.Norm():
			fill(d, 0)
		case t.Role == model.RoleDTBias:
			for i := range d {
				dt := math.Exp(math.Log(0.001) + rng.Float64()*(math.Log(0.1)-math.Log(0.001)))
				d[i] = F(dt + math.Log(-math.Expm1(-dt))) // softplus⁻¹(dt)
			}
		case t.Role == model.RoleALog:
			for i := range d {
				d[i] = F(math.Log(1 + 15*rng.Float64()))
			}
		case t.Role == model.RoleConv:
			b := 1 / math.Sqrt(float64(c.ConvKernel))
			for i := range d {
				d[i] = F((2*rng.Float64() - 1) * b)
			}
		case t.Role == model.RoleO, t.Role == model.RoleOut, t.Role == model.RoleDown:
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
