// Package train trains Qwen3.5-architecture language models in plain Go.
//
// It follows llm.c: every layer kind has a forward pass that keeps what its
// backward pass needs (a tape), and a hand-written backward pass that adds
// gradients into a flat gradient buffer. There is no autodiff library. The
// same code runs in float64 (for finite-difference checks) and in float32
// (for training), through Go generics.
//
// The pieces, in the order a training step uses them:
//
//	cfg, _ := train.LoadConfig("model/config.json")
//	m := train.NewModel[float32](cfg, seed)        // or train.Load for a checkpoint
//	loss, _ := m.Grad(g, [][]int{ids})             // forward + backward, mean next-token CE
//	opt := train.NewAdamW(m, train.AdamWConfig{LR: 3e-3, WeightDecay: 0.1})
//	opt.Step(g, lr)                                // after train.ClipGlobalNorm
//
// Checkpoints use the safetensors + config.json layout the engine loads,
// with the real checkpoint's tensor names.
package train

import (
	"encoding/json"
	"fmt"
	"os"
)

// Config holds the text-model sizes a training run needs. It reads the same
// config.json as the engine (the text_config block of a Qwen3.5 checkpoint).
type Config struct {
	Vocab        int      // vocab_size, padding ids included
	Hidden       int      // hidden_size
	Layers       int      // num_hidden_layers
	Intermediate int      // intermediate_size (MLP)
	Heads        int      // num_attention_heads (query heads of full attention)
	KVHeads      int      // num_key_value_heads
	HeadDim      int      // head_dim of full attention
	RotaryDim    int      // head_dim × partial_rotary_factor
	RopeTheta    float64  // rope_theta
	LinKeyHeads  int      // linear_num_key_heads (DeltaNet q/k heads)
	LinValHeads  int      // linear_num_value_heads (DeltaNet v heads)
	LinKeyDim    int      // linear_key_head_dim
	LinValDim    int      // linear_value_head_dim
	ConvKernel   int      // linear_conv_kernel_dim
	LayerTypes   []string // "linear_attention" or "full_attention", one per layer
	Eps          float64  // rms_norm_eps
	MaxPositions int      // max_position_embeddings
	EOS          int      // eos_token_id, -1 if absent
}

// Full reports whether layer i is a gated full-attention layer (otherwise
// it is a Gated DeltaNet layer).
func (c *Config) Full(i int) bool { return c.LayerTypes[i] == "full_attention" }

// convChannels is the width of the DeltaNet q|k|v projection.
func (c *Config) convChannels() int {
	return 2*c.LinKeyHeads*c.LinKeyDim + c.LinValHeads*c.LinValDim
}

type textConfig struct {
	VocabSize         *int     `json:"vocab_size"`
	HiddenSize        *int     `json:"hidden_size"`
	NumHiddenLayers   *int     `json:"num_hidden_layers"`
	IntermediateSize  *int     `json:"intermediate_size"`
	NumAttentionHeads *int     `json:"num_attention_heads"`
	NumKeyValueHeads  *int     `json:"num_key_value_heads"`
	HeadDim           *int     `json:"head_dim"`
	LinearNumKeyHeads *int     `json:"linear_num_key_heads"`
	LinearNumValHeads *int     `json:"linear_num_value_heads"`
	LinearKeyHeadDim  *int     `json:"linear_key_head_dim"`
	LinearValHeadDim  *int     `json:"linear_value_head_dim"`
	LinearConvKernel  *int     `json:"linear_conv_kernel_dim"`
	LayerTypes        []string `json:"layer_types"`
	RMSNormEps        *float64 `json:"rms_norm_eps"`
	MaxPositions      *int     `json:"max_position_embeddings"`
	EOSTokenID        *int     `json:"eos_token_id"`
	TieWordEmbeddings *bool    `json:"tie_word_embeddings"`
	RopeParameters    *struct {
		RopeTheta           *float64 `json:"rope_theta"`
		PartialRotaryFactor *float64 `json:"partial_rotary_factor"`
	} `json:"rope_parameters"`
	RopeTheta           *float64 `json:"rope_theta"`
	PartialRotaryFactor *float64 `json:"partial_rotary_factor"`
}

// ParseConfig reads a config.json (a Qwen3.5 checkpoint's, with text_config,
// or a bare text config) and checks that the sizes fit together.
func ParseConfig(data []byte) (*Config, error) {
	var outer struct {
		TextConfig *textConfig `json:"text_config"`
	}
	if err := json.Unmarshal(data, &outer); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	tc := outer.TextConfig
	if tc == nil {
		tc = new(textConfig)
		if err := json.Unmarshal(data, tc); err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
	}
	var missing []string
	need := func(name string, p *int) int {
		if p == nil {
			missing = append(missing, name)
			return 0
		}
		return *p
	}
	c := &Config{
		Vocab:        need("vocab_size", tc.VocabSize),
		Hidden:       need("hidden_size", tc.HiddenSize),
		Layers:       need("num_hidden_layers", tc.NumHiddenLayers),
		Intermediate: need("intermediate_size", tc.IntermediateSize),
		Heads:        need("num_attention_heads", tc.NumAttentionHeads),
		KVHeads:      need("num_key_value_heads", tc.NumKeyValueHeads),
		HeadDim:      need("head_dim", tc.HeadDim),
		LinKeyHeads:  need("linear_num_key_heads", tc.LinearNumKeyHeads),
		LinValHeads:  need("linear_num_value_heads", tc.LinearNumValHeads),
		LinKeyDim:    need("linear_key_head_dim", tc.LinearKeyHeadDim),
		LinValDim:    need("linear_value_head_dim", tc.LinearValHeadDim),
		ConvKernel:   need("linear_conv_kernel_dim", tc.LinearConvKernel),
		LayerTypes:   tc.LayerTypes,
		Eps:          1e-6,
		MaxPositions: 4096,
		EOS:          -1,
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("config: missing text_config fields %v", missing)
	}
	if tc.RMSNormEps != nil {
		c.Eps = *tc.RMSNormEps
	}
	if tc.MaxPositions != nil {
		c.MaxPositions = *tc.MaxPositions
	}
	if tc.EOSTokenID != nil {
		c.EOS = *tc.EOSTokenID
	}
	if tc.TieWordEmbeddings != nil && !*tc.TieWordEmbeddings {
		return nil, fmt.Errorf("config: tie_word_embeddings is false; only tied embeddings are supported")
	}
	theta, partial := 1e7, 0.25
	if tc.RopeTheta != nil {
		theta = *tc.RopeTheta
	}
	if tc.PartialRotaryFactor != nil {
		partial = *tc.PartialRotaryFactor
	}
	if rp := tc.RopeParameters; rp != nil {
		if rp.RopeTheta != nil {
			theta = *rp.RopeTheta
		}
		if rp.PartialRotaryFactor != nil {
			partial = *rp.PartialRotaryFactor
		}
	}
	c.RopeTheta = theta
	c.RotaryDim = int(float64(c.HeadDim) * partial)
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// LoadConfig reads and parses a config.json file.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Validate checks that the sizes are positive and consistent.
func (c *Config) Validate() error {
	for _, f := range []struct {
		name string
		v    int
	}{
		{"vocab_size", c.Vocab}, {"hidden_size", c.Hidden}, {"num_hidden_layers", c.Layers},
		{"intermediate_size", c.Intermediate}, {"num_attention_heads", c.Heads},
		{"num_key_value_heads", c.KVHeads}, {"head_dim", c.HeadDim},
		{"linear_num_key_heads", c.LinKeyHeads}, {"linear_num_value_heads", c.LinValHeads},
		{"linear_key_head_dim", c.LinKeyDim}, {"linear_value_head_dim", c.LinValDim},
		{"linear_conv_kernel_dim", c.ConvKernel},
	} {
		if f.v <= 0 || f.v > 1<<24 {
			return fmt.Errorf("config: %s = %d, want a positive size", f.name, f.v)
		}
	}
	if len(c.LayerTypes) != c.Layers {
		return fmt.Errorf("config: layer_types has %d entries, want num_hidden_layers = %d", len(c.LayerTypes), c.Layers)
	}
	for i, t := range c.LayerTypes {
		if t != "linear_attention" && t != "full_attention" {
			return fmt.Errorf("config: layer_types[%d] = %q, want linear_attention or full_attention", i, t)
		}
	}
	if c.Heads%c.KVHeads != 0 {
		return fmt.Errorf("config: num_attention_heads %d is not a multiple of num_key_value_heads %d", c.Heads, c.KVHeads)
	}
	if c.LinValHeads%c.LinKeyHeads != 0 {
		return fmt.Errorf("config: linear_num_value_heads %d is not a multiple of linear_num_key_heads %d", c.LinValHeads, c.LinKeyHeads)
	}
	if c.RotaryDim < 0 || c.RotaryDim > c.HeadDim || c.RotaryDim%2 != 0 {
		return fmt.Errorf("config: rotary dim %d (head_dim × partial_rotary_factor) must be even and ≤ head_dim %d", c.RotaryDim, c.HeadDim)
	}
	if !(c.Eps > 0) {
		return fmt.Errorf("config: rms_norm_eps %v must be positive", c.Eps)
	}
	return nil
}
