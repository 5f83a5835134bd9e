// Package train trains Qwen3.5-architecture language models in plain Go.
//
// It follows llm.c: every layer kind has a forward pass that keeps what its
// backward pass needs (a tape), and a hand-written backward pass that adds
// gradients into a flat gradient buffer. There is no autodiff library. The
// same code runs in float64 (for finite-difference checks) and in float32
// (for training), through Go generics. One file per layer kind:
// norm.go (zero-centred RMSNorm, L2 norm, gated RMSNorm), mlp.go (SwiGLU),
// attention.go (gated attention: q/gate split, q/k norm, partial RoPE, GQA,
// causal softmax, sigmoid gate), deltanet.go (Gated DeltaNet: causal conv +
// SiLU, L2-normalised q/k, β and decay gates, the delta rule back-propagated
// through time over stored states), model.go (embedding, residual stream,
// tied head, fused softmax + cross-entropy) and matmul.go (the matrix and
// state products: in float32 the engine's own kernels from llm/simd, so
// training and inference share one tested set of assembly).
//
// The loss is the mean next-token cross-entropy in nats over every
// predicted position (token t+1 from positions ≤ t), over the full
// vocabulary. A training step:
//
//	m := train.NewModel[float32](cfg, seed)          // or train.Load[float32](dir)
//	g := make([]float32, len(m.Params))
//	loss, err := m.Grad(g, [][]int{ids1, ids2})      // forward + backward
//	norm := train.ClipGlobalNorm(g, 1)               // pre-clip norm, for the log
//	opt.Step(m.Params, g, sched.LR(step))            // opt := train.NewAdamW(m, ...)
//
// A Trainer wraps this loop with seeded batches, a warmup + cosine
// schedule, optional dropout on every block's mixer and MLP outputs
// (Options.Dropout: masks seeded like the batches) and checkpoints
// (SaveCheckpoint / Resume); NewMicro gives a notebook-sized model that
// trains a few hundred steps per cell.
//
// Parameters, gradients and AdamW moments are flat vectors with one layout
// (Layout), named like the checkpoint (model.language_model.*). Checkpoints
// are config.json + model.safetensors, the files the engine (llm/model)
// loads: F32 master weights for resuming, BF16 for export with the real
// checkpoint's F32 exceptions (A_log, linear_attn.norm.weight).
package train

import "github.com/how-llms-work/course/llm/model"

// Config is the engine's model configuration (the text_config of a
// Qwen3.5 config.json); training uses the same type.
type Config = model.Config

// LayerType names a layer's token mixer (model.LinearAttention or model.FullAttention).
type LayerType = model.LayerType

// LoadConfig reads and validates a config.json (see model.LoadConfig).
func LoadConfig(path string) (*Config, error) { return model.LoadConfig(path) }
