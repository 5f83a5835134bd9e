package model

import (
	"fmt"
	"strconv"

	"github.com/how-llms-work/course/llm/safetensors"
)

// This file is the one description of a Qwen3.5 checkpoint's tensors:
// Config.Tensors lists every tensor's name, shape, dtype, part and role.
// Loading (New), parameter accounting (Config.Params), synthetic
// checkpoints (WriteSynthetic) and the trainer's parameter layout
// (package train) are all driven by it; nothing else spells a tensor name.

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

// Role says what a tensor is to the forward pass, whatever its name: which
// weight of a layer (TensorSpec.Layer says which layer) or of the model.
type Role uint8

// The roles. A text layer holds InputNorm and PostNorm, then either the
// attention roles (Q … KNorm) or the DeltaNet ones (QKV … Out), then the
// MLP's (Gate, Up, Down); the MTP head's layers hold the same.
const (
	RoleOther     Role = iota // a weight the text model does not read (vision tower matrices, the MTP head's fc)
	RoleEmbed                 // token embedding [Vocab, Hidden] (also the LM head when tied)
	RoleLMHead                // untied LM head [Vocab, Hidden]
	RoleFinalNorm             // the RMSNorm after the last layer
	RoleInputNorm             // a layer's RMSNorm before its token mixer
	RolePostNorm              // a layer's RMSNorm before its MLP
	RoleQ                     // attention query projection, with the output gate [2·Heads·HeadDim, Hidden]
	RoleK                     // attention key projection
	RoleV                     // attention value projection
	RoleO                     // attention output projection
	RoleQNorm                 // per-head RMSNorm of the queries
	RoleKNorm                 // per-head RMSNorm of the keys
	RoleQKV                   // DeltaNet input projection to q, k and v [ConvDim, Hidden]
	RoleZ                     // DeltaNet output-gate projection
	RoleB                     // DeltaNet write-strength (β) projection
	RoleA                     // DeltaNet decay-step projection
	RoleConv                  // DeltaNet causal depthwise conv taps [ConvDim, 1, ConvKernel]
	RoleDTBias                // DeltaNet decay-step bias
	RoleALog                  // DeltaNet log decay rate (F32 in the checkpoint)
	RoleGatedNorm             // DeltaNet gated RMSNorm of the output (F32, not zero-centred)
	RoleOut                   // DeltaNet output projection
	RoleGate                  // MLP gate projection
	RoleUp                    // MLP up projection
	RoleDown                  // MLP down projection
	RoleNorm                  // another norm's scale (the vision tower's, the MTP head's)
	RoleBias                  // a bias (the vision tower's)
)

// Matrix reports whether tensors of role r multiply activations: the
// embedding, the head, the projections and the conv taps, as opposed to
// the norms' scales, biases and the DeltaNet's decay parameters. (It is the
// parameter group AdamW's weight decay applies to in package train.)
func (r Role) Matrix() bool {
	switch r {
	case RoleEmbed, RoleLMHead, RoleQ, RoleK, RoleV, RoleO, RoleQKV, RoleZ, RoleB, RoleA, RoleConv, RoleOut, RoleGate, RoleUp, RoleDown:
		return true
	}
	return false
}

// Norm reports whether tensors of role r are the scale of a norm.
func (r Role) Norm() bool {
	switch r {
	case RoleFinalNorm, RoleInputNorm, RolePostNorm, RoleQNorm, RoleKNorm, RoleGatedNorm, RoleNorm:
		return true
	}
	return false
}

// TensorSpec is one tensor of a published checkpoint, as the config implies it.
type TensorSpec struct {
	Name      string            // full name in the checkpoint
	Shape     []int             // PyTorch shape ([out, in] for linear layers)
	DType     safetensors.DType // dtype in the published checkpoint
	Part      string            // PartText, PartVision or PartMTP
	Component string            // CompEmbedding, CompDeltaNet, … (text and MTP layers; empty elsewhere)
	Role      Role              // what the forward pass uses it as
	Layer     int               // index of its decoder layer (text or MTP), -1 for the rest
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

// TextOnlyPrefix is the name prefix of text tensors in a text-only
// checkpoint (model.embed_tokens.weight, …, as transformers'
// Qwen3_5ForCausalLM saves it).
const TextOnlyPrefix = "model."

// VisionPrefix is the name prefix of the vision tower's tensors.
const VisionPrefix = "model.visual."

// embedName is the token embedding's name after the text prefix.
const embedName = "embed_tokens.weight"

// TextPrefixOf returns the prefix of the text tensors in a checkpoint,
// given whether it holds a tensor of a name: TextOnlyPrefix when it has
// that layout's embedding and not the published one, TextPrefix otherwise.
func TextPrefixOf(has func(name string) bool) string {
	if !has(TextPrefix+embedName) && has(TextOnlyPrefix+embedName) {
		return TextOnlyPrefix
	}
	return TextPrefix
}

// Tensors lists every tensor the published checkpoint stores for this
// config, with its exact name, shape and dtype: the text model (prefix
// model.language_model.; no lm_head when the embedding is tied), the vision
// tower (when the config has one) and the MTP head. Everything is BF16
// except the DeltaNet A_log and norm weights, which are F32. Within a text
// layer the order is the two norms, the mixer, the MLP.
func (c *Config) Tensors() []TensorSpec {
	var out []TensorSpec
	// add appends one tensor of the current part, component and layer.
	part, comp, layer := PartText, "", -1
	add := func(role Role, name string, dt safetensors.DType, shape ...int) {
		out = append(out, TensorSpec{Name: name, Shape: shape, DType: dt, Part: part, Component: comp, Role: role, Layer: layer})
	}
	bf := safetensors.BF16
	H := c.Hidden
	lm := TextPrefix
	comp = CompEmbedding
	add(RoleEmbed, lm+embedName, bf, c.Vocab, H)
	// attention and mlp add a gated attention block's and an MLP's
	// tensors under prefix p.
	attention := func(p string) {
		comp = CompAttention
		add(RoleQ, p+"self_attn.q_proj.weight", bf, 2*c.Heads*c.HeadDim, H)
		add(RoleK, p+"self_attn.k_proj.weight", bf, c.KVHeads*c.HeadDim, H)
		add(RoleV, p+"self_attn.v_proj.weight", bf, c.KVHeads*c.HeadDim, H)
		add(RoleO, p+"self_attn.o_proj.weight", bf, H, c.Heads*c.HeadDim)
		add(RoleQNorm, p+"self_attn.q_norm.weight", bf, c.HeadDim)
		add(RoleKNorm, p+"self_attn.k_norm.weight", bf, c.HeadDim)
	}
	mlp := func(p string) {
		comp = CompMLP
		add(RoleGate, p+"mlp.gate_proj.weight", bf, c.Intermediate, H)
		add(RoleUp, p+"mlp.up_proj.weight", bf, c.Intermediate, H)
		add(RoleDown, p+"mlp.down_proj.weight", bf, H, c.Intermediate)
	}
	norms := func(p string) {
		comp = CompNorm
		add(RoleInputNorm, p+"input_layernorm.weight", bf, H)
		add(RolePostNorm, p+"post_attention_layernorm.weight", bf, H)
	}
	for i := range c.Layers {
		layer = i
		p := lm + "layers." + strconv.Itoa(i) + "."
		norms(p)
		if c.IsFullAttention(i) {
			attention(p)
		} else {
			hv := c.LinearValueHeads
			d := p + "linear_attn."
			comp = CompDeltaNet
			add(RoleQKV, d+"in_proj_qkv.weight", bf, c.ConvDim(), H)
			add(RoleZ, d+"in_proj_z.weight", bf, hv*c.LinearValueDim, H)
			add(RoleB, d+"in_proj_b.weight", bf, hv, H)
			add(RoleA, d+"in_proj_a.weight", bf, hv, H)
			add(RoleConv, d+"conv1d.weight", bf, c.ConvDim(), 1, c.ConvKernel)
			add(RoleDTBias, d+"dt_bias", bf, hv)
			add(RoleALog, d+"A_log", safetensors.F32, hv)
			add(RoleGatedNorm, d+"norm.weight", safetensors.F32, c.LinearValueDim)
			add(RoleOut, d+"out_proj.weight", bf, H, hv*c.LinearValueDim)
		}
		mlp(p)
	}
	layer, comp = -1, CompNorm
	add(RoleFinalNorm, lm+"norm.weight", bf, H)
	if !c.TieEmbeddings {
		comp = CompLMHead
		add(RoleLMHead, "lm_head.weight", bf, c.Vocab, H)
	}

	comp = ""
	if v := c.Vision; v != nil {
		part = PartVision
		vp := VisionPrefix
		vh := v.Hidden
		add(RoleOther, vp+"patch_embed.proj.weight", bf, vh, v.InChannels, v.TemporalPatchSize, v.PatchSize, v.PatchSize)
		add(RoleBias, vp+"patch_embed.proj.bias", bf, vh)
		add(RoleOther, vp+"pos_embed.weight", bf, v.PositionEmbedding, vh)
		for i := range v.Depth {
			p := vp + "blocks." + strconv.Itoa(i) + "."
			add(RoleNorm, p+"norm1.weight", bf, vh)
			add(RoleBias, p+"norm1.bias", bf, vh)
			add(RoleNorm, p+"norm2.weight", bf, vh)
			add(RoleBias, p+"norm2.bias", bf, vh)
			add(RoleOther, p+"attn.qkv.weight", bf, 3*vh, vh)
			add(RoleBias, p+"attn.qkv.bias", bf, 3*vh)
			add(RoleOther, p+"attn.proj.weight", bf, vh, vh)
			add(RoleBias, p+"attn.proj.bias", bf, vh)
			add(RoleOther, p+"mlp.linear_fc1.weight", bf, v.Intermediate, vh)
			add(RoleBias, p+"mlp.linear_fc1.bias", bf, v.Intermediate)
			add(RoleOther, p+"mlp.linear_fc2.weight", bf, vh, v.Intermediate)
			add(RoleBias, p+"mlp.linear_fc2.bias", bf, vh)
		}
		merged := vh * v.SpatialMergeSize * v.SpatialMergeSize
		merger := func(p string, normDim int) {
			add(RoleNorm, p+"norm.weight", bf, normDim)
			add(RoleBias, p+"norm.bias", bf, normDim)
			add(RoleOther, p+"linear_fc1.weight", bf, merged, merged)
			add(RoleBias, p+"linear_fc1.bias", bf, merged)
			add(RoleOther, p+"linear_fc2.weight", bf, v.OutHidden, merged)
			add(RoleBias, p+"linear_fc2.bias", bf, v.OutHidden)
		}
		merger(vp+"merger.", vh)
		// Deepstack mergers (none in Qwen3.5) normalise after the shuffle.
		for j := range v.DeepstackIndexes {
			merger(fmt.Sprintf("%sdeepstack_merger_list.%d.", vp, j), merged)
		}
	}

	part = PartMTP
	for i := range c.MTPLayers {
		if i == 0 {
			add(RoleOther, "mtp.fc.weight", bf, H, 2*H)
			add(RoleNorm, "mtp.pre_fc_norm_embedding.weight", bf, H)
			add(RoleNorm, "mtp.pre_fc_norm_hidden.weight", bf, H)
			add(RoleNorm, "mtp.norm.weight", bf, H)
		}
		layer = i
		p := "mtp.layers." + strconv.Itoa(i) + "."
		norms(p)
		attention(p)
		mlp(p)
		comp, layer = "", -1
	}
	return out
}
