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

import "github.com/how-llms-work/course/llm/model"

// Config is the engine's model configuration (the text_config of a
// Qwen3.5 config.json); training uses the same type.
type Config = model.Config

// LoadConfig reads and validates a config.json (see model.LoadConfig).
func LoadConfig(path string) (*Config, error) { return model.LoadConfig(path) }
