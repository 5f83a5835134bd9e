package model

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/how-llms-work/course/llm/safetensors"
)

// Where a stored tensor belongs.
const (
	PartText   = "text"   // the text model the forward pass uses
	PartVision = "vision" // the vision tower (model.visual.*)
	PartMTP    = "mtp"    // the multi-token-prediction head (mtp.*)
)

// Components of the text model, for the per-component breakdown.
const (
	CompEmbedding = "embedding" // token embedding (also the LM head when tied)
	CompLMHead    = "lm_head"   // untied LM head
	CompDeltaNet  = "deltanet"  // Gated DeltaNet mixers
	CompAttention = "attention" // gated full-attention mixers
	CompMLP       = "mlp"       // SwiGLU MLPs
	CompNorm      = "norm"      // the layer norms and the final norm
)

// TensorSpec is one tensor of a published checkpoint, as the config implies it.
type TensorSpec struct {
	Name      string            // full name in the checkpoint
	Shape     []int             // PyTorch shape ([out, in] for linear layers)
	DType     safetensors.DType // dtype in the published checkpoint
	Part      string            // PartText, PartVision or PartMTP
	Component string            // for text tensors: CompEmbedding, CompDeltaNet, …
}

// Len is the number of parameters of the tensor.
func (t TensorSpec) Len() int64 {
	n := int64(1)
	for _, d := range t.Shape {
		n *= int64(d)
	}
	return n
}

// TextPrefix is the name prefix of text tensors in the published checkpoint.
const TextPrefix = "model.language_model."

// Tensors lists every tensor the published checkpoint stores for this
// config, with its exact name, shape and dtype: the text model (prefix
// model.language_model.; no lm_head when the embedding is tied), the vision
// tower (when the config has one) and the MTP head. Everything is BF16
// except the DeltaNet A_log and norm weights, which are F32.
func (c *Config) Tensors() []TensorSpec {
	var out []TensorSpec
	add := func(part, comp, name string, dt safetensors.DType, shape ...int) {
		out = append(out, TensorSpec{Name: name, Shape: shape, DType: dt, Part: part, Component: comp})
	}
	bf := safetensors.BF16
	H := c.Hidden
	lm := TextPrefix
	add(PartText, CompEmbedding, lm+"embed_tokens.weight", bf, c.Vocab, H)
	// attention adds a gated attention block's tensors under prefix p.
	attention := func(part, p string) {
		add(part, CompAttention, p+"self_attn.q_proj.weight", bf, 2*c.Heads*c.HeadDim, H)
		add(part, CompAttention, p+"self_attn.k_proj.weight", bf, c.KVHeads*c.HeadDim, H)
		add(part, CompAttention, p+"self_attn.v_proj.weight", bf, c.KVHeads*c.HeadDim, H)
		add(part, CompAttention, p+"self_attn.o_proj.weight", bf, H, c.Heads*c.HeadDim)
		add(part, CompAttention, p+"self_attn.q_norm.weight", bf, c.HeadDim)
		add(part, CompAttention, p+"self_attn.k_norm.weight", bf, c.HeadDim)
	}
	mlp := func(part, p string) {
		add(part, CompMLP, p+"mlp.gate_proj.weight", bf, c.Intermediate, H)
		add(part, CompMLP, p+"mlp.up_proj.weight", bf, c.Intermediate, H)
		add(part, CompMLP, p+"mlp.down_proj.weight", bf, H, c.Intermediate)
	}
	for i := range c.Layers {
		p := lm + "layers." + strconv.Itoa(i) + "."
		add(PartText, CompNorm, p+"input_layernorm.weight", bf, H)
		add(PartText, CompNorm, p+"post_attention_layernorm.weight", bf, H)
		if c.IsFullAttention(i) {
			attention(PartText, p)
		} else {
			hv := c.LinearValueHeads
			p += "linear_attn."
			add(PartText, CompDeltaNet, p+"in_proj_qkv.weight", bf, c.ConvDim(), H)
			add(PartText, CompDeltaNet, p+"in_proj_z.weight", bf, hv*c.LinearValueDim, H)
			add(PartText, CompDeltaNet, p+"in_proj_b.weight", bf, hv, H)
			add(PartText, CompDeltaNet, p+"in_proj_a.weight", bf, hv, H)
			add(PartText, CompDeltaNet, p+"conv1d.weight", bf, c.ConvDim(), 1, c.ConvKernel)
			add(PartText, CompDeltaNet, p+"dt_bias", bf, hv)
			add(PartText, CompDeltaNet, p+"A_log", safetensors.F32, hv)
			add(PartText, CompDeltaNet, p+"norm.weight", safetensors.F32, c.LinearValueDim)
			add(PartText, CompDeltaNet, p+"out_proj.weight", bf, H, hv*c.LinearValueDim)
		}
		mlp(PartText, lm+"layers."+strconv.Itoa(i)+".")
	}
	add(PartText, CompNorm, lm+"norm.weight", bf, H)
	if !c.TieEmbeddings {
		add(PartText, CompLMHead, "lm_head.weight", bf, c.Vocab, H)
	}

	if v := c.Vision; v != nil {
		vp := "model.visual."
		vh := v.Hidden
		add(PartVision, "", vp+"patch_embed.proj.weight", bf, vh, v.InChannels, v.TemporalPatchSize, v.PatchSize, v.PatchSize)
		add(PartVision, "", vp+"patch_embed.proj.bias", bf, vh)
		add(PartVision, "", vp+"pos_embed.weight", bf, v.PositionEmbedding, vh)
		for i := range v.Depth {
			p := vp + "blocks." + strconv.Itoa(i) + "."
			add(PartVision, "", p+"norm1.weight", bf, vh)
			add(PartVision, "", p+"norm1.bias", bf, vh)
			add(PartVision, "", p+"norm2.weight", bf, vh)
			add(PartVision, "", p+"norm2.bias", bf, vh)
			add(PartVision, "", p+"attn.qkv.weight", bf, 3*vh, vh)
			add(PartVision, "", p+"attn.qkv.bias", bf, 3*vh)
			add(PartVision, "", p+"attn.proj.weight", bf, vh, vh)
			add(PartVision, "", p+"attn.proj.bias", bf, vh)
			add(PartVision, "", p+"mlp.linear_fc1.weight", bf, v.Intermediate, vh)
			add(PartVision, "", p+"mlp.linear_fc1.bias", bf, v.Intermediate)
			add(PartVision, "", p+"mlp.linear_fc2.weight", bf, vh, v.Intermediate)
			add(PartVision, "", p+"mlp.linear_fc2.bias", bf, vh)
		}
		merged := vh * v.SpatialMergeSize * v.SpatialMergeSize
		merger := func(p string, normDim int) {
			add(PartVision, "", p+"norm.weight", bf, normDim)
			add(PartVision, "", p+"norm.bias", bf, normDim)
			add(PartVision, "", p+"linear_fc1.weight", bf, merged, merged)
			add(PartVision, "", p+"linear_fc1.bias", bf, merged)
			add(PartVision, "", p+"linear_fc2.weight", bf, v.OutHidden, merged)
			add(PartVision, "", p+"linear_fc2.bias", bf, v.OutHidden)
		}
		merger(vp+"merger.", vh)
		// Deepstack mergers (none in Qwen3.5) normalise after the shuffle.
		for j := range v.DeepstackIndexes {
			merger(fmt.Sprintf("%sdeepstack_merger_list.%d.", vp, j), merged)
		}
	}

	for i := range c.MTPLayers {
		if i == 0 {
			add(PartMTP, "", "mtp.fc.weight", bf, H, 2*H)
			add(PartMTP, "", "mtp.pre_fc_norm_embedding.weight", bf, H)
			add(PartMTP, "", "mtp.pre_fc_norm_hidden.weight", bf, H)
			add(PartMTP, "", "mtp.norm.weight", bf, H)
		}
		p := "mtp.layers." + strconv.Itoa(i) + "."
		add(PartMTP, "", p+"input_layernorm.weight", bf, H)
		add(PartMTP, "", p+"post_attention_layernorm.weight", bf, H)
		attention(PartMTP, p)
		mlp(PartMTP, p)
	}
	return out
}

// Params is the parameter accounting of a config, computed tensor by tensor
// from Tensors.
type Params struct {
	Text       int64 // the text model (tied LM head counted once)
	Vision     int64 // the vision tower
	MTP        int64 // the multi-token-prediction head
	TextVision int64 // text + vision: what transformers' model.parameters() counts
	Stored     int64 // everything stored in the checkpoint (text + vision + MTP)

	StoredBytes int64 // bytes of all stored tensors in their published dtypes

	// Per-component breakdown of the text model. They sum to Text.
	Embedding int64 // token embedding (= LM head when tied)
	LMHead    int64 // an untied LM head (0 when tied)
	DeltaNet  int64 // all Gated DeltaNet mixers
	Attention int64 // all gated full-attention mixers
	MLP       int64 // all SwiGLU MLPs
	Norms     int64 // the per-layer norms and the final norm

	// Per-layer parameters of the text model (mixer + MLP + the layer's two norms).
	PerLayer []int64
}

// Params counts the parameters of the model described by c.
func (c *Config) Params() Params {
	p := Params{PerLayer: make([]int64, c.Layers)}
	for _, t := range c.Tensors() {
		n := t.Len()
		p.Stored += n
		p.StoredBytes += n * int64(t.DType.Size())
		switch t.Part {
		case PartVision:
			p.Vision += n
			continue
		case PartMTP:
			p.MTP += n
			continue
		}
		p.Text += n
		switch t.Component {
		case CompEmbedding:
			p.Embedding += n
		case CompLMHead:
			p.LMHead += n
		case CompDeltaNet:
			p.DeltaNet += n
		case CompAttention:
			p.Attention += n
		case CompMLP:
			p.MLP += n
		case CompNorm:
			p.Norms += n
		}
		if rest, ok := strings.CutPrefix(t.Name, TextPrefix+"layers."); ok {
			num, _, _ := strings.Cut(rest, ".")
			if layer, err := strconv.Atoi(num); err == nil {
				p.PerLayer[layer] += n
			}
		}
	}
	p.TextVision = p.Text + p.Vision
	return p
}

// ParamRow is one line of the accounting table.
type ParamRow struct {
	Name  string
	Count int64
}

// Rows returns the accounting as named rows, components first, then the
// totals, in the order a notebook or the command line prints them.
func (p Params) Rows() []ParamRow {
	return []ParamRow{
		{"embedding", p.Embedding},
		{"lm_head", p.LMHead},
		{"deltanet", p.DeltaNet},
		{"attention", p.Attention},
		{"mlp", p.MLP},
		{"norms", p.Norms},
		{"text", p.Text},
		{"vision", p.Vision},
		{"mtp", p.MTP},
		{"text+vision", p.TextVision},
		{"stored", p.Stored},
	}
}
