package model

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// LayerType names a layer's token mixer, as spelled in config.json's layer_types.
type LayerType string

// The two layer types of Qwen3.5.
const (
	LinearAttention LayerType = "linear_attention" // Gated DeltaNet
	FullAttention   LayerType = "full_attention"   // gated softmax attention with a KV cache
)

// Config holds the sizes of a Qwen3.5 text model (the text_config of the
// published config.json), plus the vision tower and MTP sizes used only for
// parameter accounting and synthetic checkpoints.
type Config struct {
	Hidden       int         // hidden_size: width of the residual stream
	Layers       int         // num_hidden_layers
	LayerTypes   []LayerType // layer_types: LinearAttention or FullAttention per layer
	Heads        int         // num_attention_heads (query heads of a full-attention layer)
	KVHeads      int         // num_key_value_heads
	HeadDim      int         // head_dim of a full-attention head
	RotaryDim    int         // dims of each q/k head that RoPE rotates (head_dim × partial_rotary_factor)
	RopeTheta    float64     // rope_theta
	MRopeSection []int       // rope_parameters.mrope_section (text tokens: plain 1-D RoPE)

	LinearKeyHeads   int // linear_num_key_heads (DeltaNet q/k heads)
	LinearValueHeads int // linear_num_value_heads (DeltaNet v heads, ≥ key heads)
	LinearKeyDim     int // linear_key_head_dim
	LinearValueDim   int // linear_value_head_dim
	ConvKernel       int // linear_conv_kernel_dim

	Intermediate  int     // intermediate_size of the SwiGLU MLP
	Vocab         int     // vocab_size (rows of the embedding)
	RMSEps        float64 // rms_norm_eps
	EOS           []int   // eos_token_id (one or several)
	TieEmbeddings bool    // tie_word_embeddings: the LM head is the embedding
	MaxPositions  int     // max_position_embeddings: the context limit
	MTPLayers     int     // mtp_num_hidden_layers (stored, not used by the forward pass)

	// Vision is the vision tower's config, or nil for a text-only config.
	Vision *VisionConfig
}

// VisionConfig holds the sizes of the vision tower (vision_config). The
// engine never runs it; it is here so parameters can be counted and
// synthetic checkpoints written with every published tensor.
type VisionConfig struct {
	Depth             int   `json:"depth"`
	Hidden            int   `json:"hidden_size"`
	Heads             int   `json:"num_heads"`
	Intermediate      int   `json:"intermediate_size"`
	InChannels        int   `json:"in_channels"`
	PatchSize         int   `json:"patch_size"`
	TemporalPatchSize int   `json:"temporal_patch_size"`
	SpatialMergeSize  int   `json:"spatial_merge_size"`
	OutHidden         int   `json:"out_hidden_size"`
	PositionEmbedding int   `json:"num_position_embeddings"`
	DeepstackIndexes  []int `json:"deepstack_visual_indexes"`
}

// IsFullAttention reports whether layer i is a full-attention layer (the
// others are Gated DeltaNet layers).
func (c *Config) IsFullAttention(i int) bool { return c.LayerTypes[i] == FullAttention }

// FullAttentionLayers lists the indexes of the full-attention layers, in
// order (for Qwen3.5-0.8B: 3, 7, 11, 15, 19, 23).
func (c *Config) FullAttentionLayers() []int {
	var full []int
	for i, t := range c.LayerTypes {
		if t == FullAttention {
			full = append(full, i)
		}
	}
	return full
}

// ConvDim is the number of DeltaNet conv channels: q, k and v together.
func (c *Config) ConvDim() int {
	return 2*c.LinearKeyHeads*c.LinearKeyDim + c.LinearValueHeads*c.LinearValueDim
}

// IsEOS reports whether id is one of the config's end-of-sequence ids.
func (c *Config) IsEOS(id int) bool {
	for _, e := range c.EOS {
		if e == id {
			return true
		}
	}
	return false
}

// textJSON is the flat text config as Hugging Face writes it.
type textJSON struct {
	ModelType             string          `json:"model_type,omitempty"`
	Hidden                int             `json:"hidden_size"`
	Layers                int             `json:"num_hidden_layers"`
	LayerTypes            []LayerType     `json:"layer_types,omitempty"`
	FullAttentionInterval int             `json:"full_attention_interval,omitempty"`
	Heads                 int             `json:"num_attention_heads"`
	KVHeads               int             `json:"num_key_value_heads"`
	HeadDim               int             `json:"head_dim"`
	LinearKeyHeads        int             `json:"linear_num_key_heads"`
	LinearValueHeads      int             `json:"linear_num_value_heads"`
	LinearKeyDim          int             `json:"linear_key_head_dim"`
	LinearValueDim        int             `json:"linear_value_head_dim"`
	ConvKernel            int             `json:"linear_conv_kernel_dim"`
	Intermediate          int             `json:"intermediate_size"`
	Vocab                 int             `json:"vocab_size"`
	RMSEps                float64         `json:"rms_norm_eps"`
	EOS                   json.RawMessage `json:"eos_token_id,omitempty"`
	TieEmbeddings         *bool           `json:"tie_word_embeddings,omitempty"`
	MaxPositions          int             `json:"max_position_embeddings"`
	MTPLayers             int             `json:"mtp_num_hidden_layers"`
	HiddenAct             string          `json:"hidden_act,omitempty"`
	AttnOutputGate        *bool           `json:"attn_output_gate,omitempty"`
	AttentionBias         bool            `json:"attention_bias"`
	RopeParameters        *ropeJSON       `json:"rope_parameters,omitempty"`
	// Older configs keep the RoPE settings at the top level.
	RopeTheta           float64 `json:"rope_theta,omitempty"`
	PartialRotaryFactor float64 `json:"partial_rotary_factor,omitempty"`
}

type ropeJSON struct {
	RopeType            string  `json:"rope_type,omitempty"`
	RopeTheta           float64 `json:"rope_theta"`
	PartialRotaryFactor float64 `json:"partial_rotary_factor"`
	MRopeSection        []int   `json:"mrope_section,omitempty"`
	MRopeInterleaved    bool    `json:"mrope_interleaved,omitempty"`
}

// fileJSON is the published multimodal form: the text sizes live under
// text_config, the vision tower's under vision_config.
type fileJSON struct {
	TextConfig    json.RawMessage `json:"text_config"`
	VisionConfig  *VisionConfig   `json:"vision_config"`
	TieEmbeddings *bool           `json:"tie_word_embeddings"`
}

// LoadConfig reads and validates a Hugging Face config.json.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// MustLoadConfig is LoadConfig for notebook cells: it panics on error.
func MustLoadConfig(path string) *Config {
	c, err := LoadConfig(path)
	if err != nil {
		panic(err)
	}
	return c
}

// ParseConfig parses and validates a config.json, either the published
// multimodal form (text_config + vision_config) or a flat text-only form.
func ParseConfig(data []byte) (*Config, error) {
	var f fileJSON
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	textData := data
	if len(f.TextConfig) > 0 && string(f.TextConfig) != "null" {
		textData = f.TextConfig
	}
	var t textJSON
	if err := json.Unmarshal(textData, &t); err != nil {
		return nil, fmt.Errorf("config: text_config: %w", err)
	}
	c := &Config{
		Hidden:           t.Hidden,
		Layers:           t.Layers,
		LayerTypes:       t.LayerTypes,
		Heads:            t.Heads,
		KVHeads:          t.KVHeads,
		HeadDim:          t.HeadDim,
		LinearKeyHeads:   t.LinearKeyHeads,
		LinearValueHeads: t.LinearValueHeads,
		LinearKeyDim:     t.LinearKeyDim,
		LinearValueDim:   t.LinearValueDim,
		ConvKernel:       t.ConvKernel,
		Intermediate:     t.Intermediate,
		Vocab:            t.Vocab,
		RMSEps:           t.RMSEps,
		TieEmbeddings:    true,
		MaxPositions:     t.MaxPositions,
		MTPLayers:        t.MTPLayers,
		Vision:           f.VisionConfig,
	}
	if c.HeadDim == 0 && c.Heads > 0 {
		c.HeadDim = c.Hidden / c.Heads
	}
	if c.RMSEps == 0 {
		c.RMSEps = 1e-6
	}
	// tie_word_embeddings: the text config's value wins, then the top level.
	switch {
	case t.TieEmbeddings != nil:
		c.TieEmbeddings = *t.TieEmbeddings
	case f.TieEmbeddings != nil:
		c.TieEmbeddings = *f.TieEmbeddings
	}
	if t.HiddenAct != "" && t.HiddenAct != "silu" {
		return nil, fmt.Errorf("config: hidden_act %q: only silu is supported", t.HiddenAct)
	}
	if t.AttnOutputGate != nil && !*t.AttnOutputGate {
		return nil, fmt.Errorf("config: attn_output_gate false: only the gated attention of Qwen3.5 is supported")
	}
	if t.AttentionBias {
		return nil, fmt.Errorf("config: attention_bias true: not supported")
	}
	theta, partial := t.RopeTheta, t.PartialRotaryFactor
	if r := t.RopeParameters; r != nil {
		if r.RopeType != "" && r.RopeType != "default" {
			return nil, fmt.Errorf("config: rope_parameters.rope_type %q: only default is supported", r.RopeType)
		}
		theta, partial = r.RopeTheta, r.PartialRotaryFactor
		c.MRopeSection = r.MRopeSection
	}
	if theta == 0 {
		theta = 10000
	}
	if partial == 0 {
		partial = 1
	}
	c.RopeTheta = theta
	c.RotaryDim = int(float64(c.HeadDim)*partial + 0.5)
	if len(t.EOS) > 0 && string(t.EOS) != "null" {
		var one int
		if err := json.Unmarshal(t.EOS, &one); err == nil {
			c.EOS = []int{one}
		} else if err := json.Unmarshal(t.EOS, &c.EOS); err != nil {
			return nil, fmt.Errorf("config: eos_token_id: want an integer or a list of integers: %s", t.EOS)
		}
	}
	if len(c.LayerTypes) == 0 && c.Layers > 0 && c.Layers <= maxLayers {
		interval := t.FullAttentionInterval
		if interval == 0 {
			interval = 4
		}
		for i := range c.Layers {
			if (i+1)%interval == 0 {
				c.LayerTypes = append(c.LayerTypes, FullAttention)
			} else {
				c.LayerTypes = append(c.LayerTypes, LinearAttention)
			}
		}
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// Bounds on the sizes a config may declare, far above any real model, so
// that a hostile config cannot make the loader allocate without limit or
// overflow the parameter arithmetic.
const (
	maxLayers = 1 << 10
	maxSize   = 1 << 24
	maxParams = 1e14
)

// Validate checks that the sizes are positive, bounded and consistent, with
// an error naming the config field at fault.
func (c *Config) Validate() error {
	for _, p := range []struct {
		name string
		v    int
	}{
		{"hidden_size", c.Hidden}, {"intermediate_size", c.Intermediate}, {"vocab_size", c.Vocab},
		{"num_attention_heads", c.Heads}, {"num_key_value_heads", c.KVHeads}, {"head_dim", c.HeadDim},
		{"linear_num_key_heads", c.LinearKeyHeads}, {"linear_num_value_heads", c.LinearValueHeads},
		{"linear_key_head_dim", c.LinearKeyDim}, {"linear_value_head_dim", c.LinearValueDim},
		{"linear_conv_kernel_dim", c.ConvKernel},
	} {
		if p.v > maxSize {
			return fmt.Errorf("config: %s = %d exceeds the limit of %d", p.name, p.v, maxSize)
		}
	}
	if c.Layers > maxLayers {
		return fmt.Errorf("config: num_hidden_layers = %d exceeds the limit of %d", c.Layers, maxLayers)
	}
	if c.MTPLayers > maxLayers {
		return fmt.Errorf("config: mtp_num_hidden_layers = %d exceeds the limit of %d", c.MTPLayers, maxLayers)
	}
	if c.MaxPositions > 1<<31-1 {
		return fmt.Errorf("config: max_position_embeddings = %d exceeds the limit of %d", c.MaxPositions, 1<<31-1)
	}
	positive := []struct {
		name string
		v    int
	}{
		{"hidden_size", c.Hidden},
		{"num_hidden_layers", c.Layers},
		{"intermediate_size", c.Intermediate},
		{"vocab_size", c.Vocab},
		{"max_position_embeddings", c.MaxPositions},
	}
	for _, p := range positive {
		if p.v <= 0 {
			return fmt.Errorf("config: %s = %d, want > 0", p.name, p.v)
		}
	}
	if c.MTPLayers < 0 {
		return fmt.Errorf("config: mtp_num_hidden_layers = %d, want ≥ 0", c.MTPLayers)
	}
	if len(c.LayerTypes) != c.Layers {
		return fmt.Errorf("config: layer_types has %d entries, want num_hidden_layers = %d", len(c.LayerTypes), c.Layers)
	}
	var full, linear bool
	for i, k := range c.LayerTypes {
		switch k {
		case FullAttention:
			full = true
		case LinearAttention:
			linear = true
		default:
			return fmt.Errorf("config: layer_types[%d] = %q, want %q or %q", i, k, LinearAttention, FullAttention)
		}
	}
	if full || c.MTPLayers > 0 {
		for _, p := range []struct {
			name string
			v    int
		}{{"num_attention_heads", c.Heads}, {"num_key_value_heads", c.KVHeads}, {"head_dim", c.HeadDim}} {
			if p.v <= 0 {
				return fmt.Errorf("config: %s = %d, want > 0", p.name, p.v)
			}
		}
		if c.Heads%c.KVHeads != 0 {
			return fmt.Errorf("config: num_attention_heads = %d is not a multiple of num_key_value_heads = %d", c.Heads, c.KVHeads)
		}
		if c.RotaryDim < 0 || c.RotaryDim > c.HeadDim || c.RotaryDim%2 != 0 {
			return fmt.Errorf("config: rotary dims = %d (head_dim × partial_rotary_factor), want an even number ≤ head_dim = %d", c.RotaryDim, c.HeadDim)
		}
		if !(c.RopeTheta > 1) {
			return fmt.Errorf("config: rope_theta = %g, want > 1", c.RopeTheta)
		}
	}
	if linear {
		for _, p := range []struct {
			name string
			v    int
		}{
			{"linear_num_key_heads", c.LinearKeyHeads}, {"linear_num_value_heads", c.LinearValueHeads},
			{"linear_key_head_dim", c.LinearKeyDim}, {"linear_value_head_dim", c.LinearValueDim},
			{"linear_conv_kernel_dim", c.ConvKernel},
		} {
			if p.v <= 0 {
				return fmt.Errorf("config: %s = %d, want > 0", p.name, p.v)
			}
		}
		if c.LinearValueHeads%c.LinearKeyHeads != 0 {
			return fmt.Errorf("config: linear_num_value_heads = %d is not a multiple of linear_num_key_heads = %d", c.LinearValueHeads, c.LinearKeyHeads)
		}
	}
	if !(c.RMSEps > 0 && c.RMSEps < 1) {
		return fmt.Errorf("config: rms_norm_eps = %g, want in (0, 1)", c.RMSEps)
	}
	for _, e := range c.EOS {
		if e < 0 || e >= c.Vocab {
			return fmt.Errorf("config: eos_token_id %d outside the vocabulary [0, %d)", e, c.Vocab)
		}
	}
	if v := c.Vision; v != nil {
		for _, p := range []struct {
			name string
			v    int
		}{
			{"vision_config.depth", v.Depth}, {"vision_config.hidden_size", v.Hidden},
			{"vision_config.num_heads", v.Heads}, {"vision_config.intermediate_size", v.Intermediate},
			{"vision_config.in_channels", v.InChannels}, {"vision_config.patch_size", v.PatchSize},
			{"vision_config.temporal_patch_size", v.TemporalPatchSize},
			{"vision_config.spatial_merge_size", v.SpatialMergeSize},
			{"vision_config.out_hidden_size", v.OutHidden},
			{"vision_config.num_position_embeddings", v.PositionEmbedding},
		} {
			if p.v <= 0 || p.v > maxSize {
				return fmt.Errorf("config: %s = %d, want in [1, %d]", p.name, p.v, maxSize)
			}
		}
		if v.Depth > maxLayers || len(v.DeepstackIndexes) > maxLayers {
			return fmt.Errorf("config: vision_config.depth = %d (%d deepstack indexes) exceeds the limit of %d", v.Depth, len(v.DeepstackIndexes), maxLayers)
		}
	}
	// Every size is bounded, but their products may still be absurd: count
	// in float64 before anything counts in int64.
	var total float64
	for _, t := range c.Tensors() {
		n := 1.0
		for _, d := range t.Shape {
			n *= float64(d)
		}
		total += n
	}
	if total > maxParams {
		return fmt.Errorf("config: the sizes imply %.3g parameters, more than the limit of %.0g", total, float64(maxParams))
	}
	return nil
}

// MarshalJSON writes the flat text-only config.json form, which ParseConfig
// reads back (the vision tower is dropped: a model saved by this engine is
// text-only).
func (c *Config) MarshalJSON() ([]byte, error) {
	tie := c.TieEmbeddings
	gate := true
	partial := 0.0
	if c.HeadDim > 0 {
		partial = float64(c.RotaryDim) / float64(c.HeadDim)
	}
	t := textJSON{
		ModelType:        "qwen3_5_text",
		Hidden:           c.Hidden,
		Layers:           c.Layers,
		LayerTypes:       c.LayerTypes,
		Heads:            c.Heads,
		KVHeads:          c.KVHeads,
		HeadDim:          c.HeadDim,
		LinearKeyHeads:   c.LinearKeyHeads,
		LinearValueHeads: c.LinearValueHeads,
		LinearKeyDim:     c.LinearKeyDim,
		LinearValueDim:   c.LinearValueDim,
		ConvKernel:       c.ConvKernel,
		Intermediate:     c.Intermediate,
		Vocab:            c.Vocab,
		RMSEps:           c.RMSEps,
		TieEmbeddings:    &tie,
		MaxPositions:     c.MaxPositions,
		MTPLayers:        c.MTPLayers,
		HiddenAct:        "silu",
		AttnOutputGate:   &gate,
		RopeParameters: &ropeJSON{
			RopeType:            "default",
			RopeTheta:           c.RopeTheta,
			PartialRotaryFactor: partial,
			MRopeSection:        c.MRopeSection,
		},
	}
	if len(c.EOS) == 1 {
		t.EOS, _ = json.Marshal(c.EOS[0])
	} else if len(c.EOS) > 1 {
		t.EOS, _ = json.Marshal(c.EOS)
	}
	return json.MarshalIndent(t, "", "  ")
}

// String summarises the config in one line.
func (c *Config) String() string {
	var full []string
	for i := range c.Layers {
		if c.IsFullAttention(i) {
			full = append(full, fmt.Sprint(i))
		}
	}
	return fmt.Sprintf("Qwen3.5 text: hidden %d, %d layers (full attention at %s), attention %d/%d heads × %d (rotary %d), DeltaNet %d/%d heads × %d/%d, MLP %d, vocab %d",
		c.Hidden, c.Layers, strings.Join(full, ","), c.Heads, c.KVHeads, c.HeadDim, c.RotaryDim,
		c.LinearKeyHeads, c.LinearValueHeads, c.LinearKeyDim, c.LinearValueDim, c.Intermediate, c.Vocab)
}
