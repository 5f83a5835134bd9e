package model

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestParseConfigPublished(t *testing.T) {
	c := MustLoadConfig("testdata/qwen35-0.8b-config.json")
	want := Config{
		Hidden: 1024, Layers: 24, Heads: 8, KVHeads: 2, HeadDim: 256, RotaryDim: 64, RopeTheta: 1e7,
		LinearKeyHeads: 16, LinearValueHeads: 16, LinearKeyDim: 128, LinearValueDim: 128, ConvKernel: 4,
		Intermediate: 3584, Vocab: 248320, RMSEps: 1e-6, EOS: []int{248044}, TieEmbeddings: true,
		MaxPositions: 262144, MTPLayers: 1,
	}
	got := *c
	got.LayerTypes, got.Vision, got.MRopeSection = nil, nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("config\n got %+v\nwant %+v", got, want)
	}
	var full []int
	for i := range c.Layers {
		if c.IsFullAttention(i) {
			full = append(full, i)
		}
	}
	if !reflect.DeepEqual(full, []int{3, 7, 11, 15, 19, 23}) {
		t.Errorf("full-attention layers %v", full)
	}
	if c.Vision == nil || c.Vision.Depth != 12 || c.Vision.Hidden != 768 {
		t.Errorf("vision config %+v", c.Vision)
	}
	if !c.IsEOS(248044) || c.IsEOS(248046) {
		t.Errorf("IsEOS wrong for %v", c.EOS)
	}
}

func TestConfigRoundTrip(t *testing.T) {
	for _, path := range []string{"testdata/qwen35-0.8b-config.json", "testdata/tiny-a/config.json", "testdata/tiny-c/config.json"} {
		c := MustLoadConfig(path)
		data, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseConfig(data)
		if err != nil {
			t.Fatalf("%s: re-parse of marshalled config: %v\n%s", path, err, data)
		}
		c.Vision = nil
		if !reflect.DeepEqual(back, c) {
			t.Errorf("%s: round trip\n got %+v\nwant %+v", path, back, c)
		}
	}
}

func TestParseConfigFlatDefaults(t *testing.T) {
	// A flat text config without layer_types gets the default rule
	// (every 4th layer full attention); a list of EOS ids is accepted.
	c, err := ParseConfig([]byte(`{"hidden_size":8,"num_hidden_layers":8,"num_attention_heads":2,
		"num_key_value_heads":1,"head_dim":4,"linear_num_key_heads":1,"linear_num_value_heads":2,
		"linear_key_head_dim":4,"linear_value_head_dim":4,"linear_conv_kernel_dim":4,
		"intermediate_size":16,"vocab_size":10,"max_position_embeddings":64,"eos_token_id":[8,9],
		"rope_theta":1000000,"partial_rotary_factor":0.5}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(c.LayerTypes); got != "[linear_attention linear_attention linear_attention full_attention linear_attention linear_attention linear_attention full_attention]" {
		t.Errorf("layer types %s", got)
	}
	if !reflect.DeepEqual(c.EOS, []int{8, 9}) || c.RotaryDim != 2 || c.RopeTheta != 1e6 || c.RMSEps != 1e-6 {
		t.Errorf("eos %v rotary %d theta %g eps %g", c.EOS, c.RotaryDim, c.RopeTheta, c.RMSEps)
	}
}

func TestParseConfigErrors(t *testing.T) {
	base := `"hidden_size":8,"num_hidden_layers":2,"num_attention_heads":2,"num_key_value_heads":1,
		"head_dim":4,"linear_num_key_heads":1,"linear_num_value_heads":2,"linear_key_head_dim":4,
		"linear_value_head_dim":4,"linear_conv_kernel_dim":4,"intermediate_size":16,"vocab_size":10,
		"max_position_embeddings":64,"rope_parameters":{"rope_theta":1e7,"partial_rotary_factor":0.5},"layer_types":["linear_attention","full_attention"]`
	for _, tc := range []struct{ json, want string }{
		{`{` + strings.Replace(base, `"num_hidden_layers":2`, `"num_hidden_layers":3`, 1) + `}`, "layer_types has 2 entries"},
		{`{` + strings.Replace(base, `"full_attention"]`, `"mamba"]`, 1) + `}`, "layer_types[1]"},
		{`{` + strings.Replace(base, `"num_key_value_heads":1`, `"num_key_value_heads":3`, 1) + `}`, "num_key_value_heads = 3"},
		{`{` + strings.Replace(base, `"linear_num_key_heads":1,"linear_num_value_heads":2`, `"linear_num_key_heads":2,"linear_num_value_heads":3`, 1) + `}`, "linear_num_value_heads = 3"},
		{`{` + strings.Replace(base, `"partial_rotary_factor":0.5`, `"partial_rotary_factor":2`, 1) + `}`, "rotary dims = 8"},
		{`{` + strings.Replace(base, `"hidden_size":8`, `"hidden_size":0`, 1) + `}`, "hidden_size = 0"},
		{`{` + strings.Replace(base, `"vocab_size":10`, `"vocab_size":-1`, 1) + `}`, "vocab_size = -1"},
		{`{` + base + `,"eos_token_id":10}`, "eos_token_id 10"},
		{`{` + base + `,"eos_token_id":"x"}`, "eos_token_id"},
		{`{` + base + `,"hidden_act":"gelu"}`, "hidden_act"},
		{`{"text_config":{` + base + `},"vision_config":{"depth":0}}`, "vision_config.depth"},
		{`[1,2]`, "config:"},
	} {
		_, err := ParseConfig([]byte(tc.json))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseConfig(%.60s…) error %v, want one containing %q", tc.json, err, tc.want)
		}
	}
}

func TestFullAttentionLayers(t *testing.T) {
	c, err := LoadConfig("testdata/qwen35-0.8b-config.json")
	if err != nil {
		t.Fatal(err)
	}
	got := c.FullAttentionLayers()
	want := []int{3, 7, 11, 15, 19, 23}
	if !slices.Equal(got, want) {
		t.Errorf("FullAttentionLayers() = %v, want %v", got, want)
	}
	for i := range c.Layers {
		if c.IsFullAttention(i) != slices.Contains(got, i) {
			t.Errorf("layer %d: IsFullAttention %v disagrees with FullAttentionLayers", i, c.IsFullAttention(i))
		}
	}
}
