// Package model is the Qwen3.5 text model: its config, parameter
// accounting, weights read in place from safetensors, and a float32 forward
// pass written to read like the architecture, one file per layer kind:
//
//	config.go     Config from a Hugging Face config.json (both forms), validation
//	params.go     every published tensor (Tensors) and the parameter accounting (Params)
//	model.go      Open/New, the forward pass of spec §5, Forward/ForwardAll/ForwardCapture
//	norm.go       the three normalisations: RMSNorm with (1 + w), gated RMSNorm, L2 norm
//	rope.go       partial rotary embedding (rotate-half on the first RotaryDim dims)
//	attention.go  gated full attention: q/gate interleaved per head, q/k norm, RoPE, GQA, sigmoid gate
//	deltanet.go   Gated DeltaNet: causal conv, L2-normalised q/k, decay and beta, delta rule, gated norm
//	mlp.go        SwiGLU
//	state.go      State: KV caches, conv and recurrent states, Clone; perHead, heads across threads
//	capture.go    Capture: opt-in views of a pass for the chapters
//	linear.go     the weight matrices, in place, through package simd
//	synth.go      random checkpoints with the published layout, for benchmarks
//
// # Using a model
//
//	m, err := model.Open(dir)          // config.json + model.safetensors (or sharded), memory-mapped
//	st := m.NewState()                 // one sequence
//	logits, err := m.Forward(st, ids)  // prefill: logits of the last position
//	logits, err = m.Forward(st, []int{next}) // decode one token
//	branch := st.Clone()               // fork the sequence; st.Restore(branch) steps back to it
//	all, err := m.ForwardAll(m.NewState(), ids) // logits at every position [len(ids)·Vocab]
//
// Weights stay in their stored dtype (BF16 in the published checkpoint) as
// views of the mapped file; opening costs milliseconds and almost no memory.
// Arithmetic is float32. A decode step through ForwardTo allocates nothing.
// The inner loops are calls into package simd (matrix products, the
// fused delta-rule step, SiLU, dot products); the matrix products split
// their rows and the mixers their heads across threads, GOMAXPROCS by
// default (SetThreads changes it).
//
// # Looking inside a pass
//
// ForwardCapture(st, ids, &c) runs the same pass and records, per token, in
// c (a Capture; every call appends rows, so a capture can span a prefill and
// decode steps):
//
//   - c.Embedding, then per layer c.Layers[i].InputNorm, .MixerOut, .AfterMixer,
//     .PostNorm, .MLPOut and .Residual: the seven points of a layer (normed
//     input, mixer output, residual after the mixer, normed MLP input, MLP
//     output, layer output), [token][Hidden];
//   - c.Layers[i].MLP: the SwiGLU intermediate silu(gate·u)⊙(up·u), [token][Intermediate];
//   - full-attention layers: .Attention, the probabilities [head][query][key];
//     .Query/.Key after RoPE and .QueryNoRope/.KeyNoRope before it; .Gate, the
//     sigmoid output gate; .HeadOut, each head's output before the gate;
//   - DeltaNet layers: .Beta, .Decay (exp g) and .StateNorm (Frobenius norm
//     of each head's recurrent state after the token), [token][value head];
//   - c.Hidden: the final hidden state after the final norm (logits = E·Hidden);
//   - c.Skip (set by the caller) leaves chosen layers out of the pass.
//
// The caches themselves are on the State: KV(i) and DeltaState(i). A plain
// Forward computes and allocates none of this.
//
// Weights are available by name (Weight, MustWeight, WeightNames) with the
// checkpoint's names, with or without the model.language_model. prefix.
package model
