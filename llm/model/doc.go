// Package model is the Qwen3.5 text model in plain Go: its config, its
// parameter count, its weights read in place from safetensors files, and a
// float32 forward pass that follows the architecture this comment
// describes. The sections are numbered; comments in the code cite them as
// "doc §N". The facts come from reading the Hugging Face transformers and
// llama.cpp implementations and the published config, and the engine is
// checked against both (the fixture and HF-synth tests).
//
// # Files
//
//	config.go     Config from a Hugging Face config.json, validation (§2)
//	tensors.go    the one list of tensors (Config.Tensors: name, shape, dtype, role, layer) (§3, §4)
//	params.go     the parameter count derived from that list (Params) (§3)
//	bind.go       each listed tensor bound to its place in a layer, by role (§4)
//	load.go       Open and New: a checkpoint checked against its config, mapped; Close (§4)
//	weights.go    the layers' weights, what a decode step reads, weights by name (§4, §9)
//	forward.go    Forward, ForwardAll, ForwardCapture and the pass: embedding, layers, head (§5)
//	norm.go       the three normalisations (§5.1)
//	mlp.go        SwiGLU (§5.2)
//	attention.go  gated full attention, per query or in blocks for prefill; AttendHead, its plain reference (§6)
//	rope.go       the partial rotary embedding (§6.3)
//	deltanet.go   Gated DeltaNet; DeltaRule, its plain reference (§7)
//	chunk.go      the chunked form of the delta rule, for prefill (§7.6)
//	state.go      State: KV caches, conv and recurrent states, Clone; heads across threads (§8)
//	capture.go    Capture, and the recorder the pass calls at each point it records
//	linear.go     the weight matrices, used in place through package simd
//	quantize.go   8-bit copies of the matrices for decode (QuantizeQ8)
//	resident.go   the matrices copied into huge pages (MakeResident)
//	mapping_*.go  the mapped checkpoint in 2 MiB pages where Linux can (Open, HugeMapped)
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
//   - c.NoInputNorm (set by the caller) replaces chosen layers' input norm by
//     the identity: their mixer reads the raw residual stream.
//
// The caches themselves are on the State: KV(i) and DeltaState(i). A plain
// Forward computes and allocates none of this. AttendHead and DeltaRule
// recompute one attention head or one DeltaNet step from these values in
// a few lines of Go.
//
// Weights are available by name (Weight, MustWeight, WeightNames) with the
// checkpoint's names, with or without the model.language_model. prefix.
//
// # 1. The model in brief
//
// Qwen3.5-0.8B reads a sequence of token ids and, for each position,
// produces a score for every one of its 248,320 vocabulary entries. In
// between, every token owns a vector of 1,024 numbers, the residual
// stream, which 24 decoder layers update in turn. A layer does two things:
// it lets each token gather information from the tokens before it (the
// mixer), and then it transforms each token's vector on its own (the MLP).
// Each of the two adds its result to the stream rather than replacing it.
//
// The mixers come in two kinds. Every fourth layer (3, 7, 11, 15, 19 and 23,
// counting from zero) is classic causal softmax attention, which keeps the
// keys and values of every past token and compares the current query with
// all of them; Qwen3.5 adds a sigmoid gate on its output. The other 18
// layers are Gated DeltaNet, a linear-attention mixer: instead of a growing
// cache, each head keeps one fixed-size matrix that it decays and corrects
// a little at every token. So most layers cost the same per token however
// long the text is, and the six attention layers keep exact recall.
//
// Around the mixers: RMSNorms whose weights are stored as offsets from one,
// a SwiGLU MLP 3,584 wide, and an output layer that reuses the embedding
// matrix. The published checkpoint also holds a vision tower and one
// multi-token-prediction layer; text generation uses neither.
//
// # 2. Configuration
//
// Config reads the Hugging Face config.json. The published file describes
// the whole vision-language model and keeps the text sizes in its
// text_config object; a flat text-only file works too. The fields that
// shape the pass, with the 0.8B values:
//
//	hidden_size             1024       H, the width of the residual stream
//	num_hidden_layers       24         with layer_types naming each layer's mixer,
//	                                   "linear_attention" (DeltaNet) or "full_attention"
//	num_attention_heads     8          query heads of an attention layer
//	num_key_value_heads     2          key/value heads (GQA, §6.4)
//	head_dim                256        given explicitly; not hidden_size / heads (128)
//	rope_parameters         rope_theta 1e7, partial_rotary_factor 0.25 (64 rotated
//	                                   dims of 256), mrope_section [11, 11, 10] (§6.3)
//	linear_num_key_heads    16         DeltaNet q/k heads
//	linear_num_value_heads  16         DeltaNet v heads, a multiple of the key heads (§7.8)
//	linear_key_head_dim     128        dk
//	linear_value_head_dim   128        dv
//	linear_conv_kernel_dim  4          K, the width of the causal conv (§7.2)
//	intermediate_size       3584       the MLP's inner width
//	vocab_size              248320     rows of the embedding
//	tie_word_embeddings     true       the output layer is the embedding (§5.3)
//	rms_norm_eps            1e-6       ε of every RMSNorm
//	max_position_embeddings 262144     the longest context
//
// Without layer_types, every full_attention_interval-th layer (the 4th, the
// 8th, …) is full attention. The engine supports what Qwen3.5 uses and
// refuses the rest by name: a hidden_act other than silu, attention
// without the output gate, attention biases, RoPE scaling other than the
// default. Validate checks that the sizes fit together.
//
// # 3. Parameters
//
// The text model has 752,393,024 parameters, counting the embedding once:
// 254,279,680 in the embedding, 189,778,752 in the 18 DeltaNet mixers,
// 44,043,264 in the 6 attention mixers, 264,241,152 in the 24 MLPs and
// 50,176 in the norms. The figure usually quoted, 852,985,920, adds the
// vision tower (100,592,896); it is what transformers counts, since it does
// not load the MTP layer (20,452,864 more, stored in the checkpoint).
// Config.Params reproduces all of these from the config alone.
//
// # 4. Checkpoint tensors and loading
//
// Text tensors are named model.language_model.<name> in the published
// checkpoint (model.<name> in text-only exports). Matrices use PyTorch's
// [out, in] layout, so a product is y[o] = Σ_i W[o][i]·x[i]. Each layer has
// input_layernorm and post_attention_layernorm, mlp.gate_proj, up_proj and
// down_proj, and the tensors of its mixer: self_attn.q_proj, k_proj,
// v_proj, o_proj, q_norm and k_norm for attention; linear_attn.in_proj_qkv,
// in_proj_z, in_proj_b, in_proj_a, conv1d, dt_bias, A_log, norm and out_proj
// for DeltaNet. Then come embed_tokens and the final norm. A tied
// checkpoint has no lm_head.weight.
//
// Nearly everything is stored as BF16, but A_log and linear_attn.norm.weight
// are float32. BF16 is the top half of a float32, so widening it is exact:
// shift the 16 bits left by 16.
//
// New looks up every tensor the config implies and checks its shape and
// dtype, and refuses a text tensor the config does not explain (a config
// and checkpoint that do not belong together); model.visual.* and mtp.*
// are ignored. The matrices stay views of the mapped file in their stored
// dtype; the small vectors (norms, gates, conv taps) are widened to float32,
// and the conv taps are stored tap-major for the conv loop (§7.2).
//
// # 5. The forward pass
//
// For the n tokens of a pass, at positions p … p+n−1 after the p tokens
// the State has seen:
//
//	h = E[id]                                             embedding row (not scaled)
//	for each layer i:
//	    h = h + Mixer_i(RMSNorm1p(h, input_layernorm_i))  DeltaNet (§7) or attention (§6)
//	    h = h + MLP_i(RMSNorm1p(h, post_attention_layernorm_i))       (§5.2)
//	y = RMSNorm1p(h, norm)
//	logits = E·y                                          the tied head (§5.3)
//
// Positions count from zero at the first token; no beginning-of-sequence
// token is added. A Capture records h, the normed inputs and the two
// branch outputs at each step of this loop (capture.go names them).
//
// # 5.1 Normalisations
//
// Three different ones, easy to mix up:
//
//	RMSNorm1p    y = x / √(mean(x²) + ε) · (1 + w)    input, post-attention and final norms, q_norm, k_norm
//	gated        y = x / √(mean(x²) + ε) · w · g      the DeltaNet output, per head, with g = silu(z) (§7.7)
//	L2           y = x / √(Σ x² + 1e-6)               DeltaNet q and k, per head (§7.3)
//
// RMSNorm1p's checkpoint weights are deviations from one (a freshly
// initialised model stores zeros), so the code adds the one. The gated
// norm's weight is used as stored. The L2 norm divides by the length, not
// the root mean square. The engine sums squares in float64 and does the
// rest in float32.
//
// # 5.2 MLP
//
// SwiGLU: MLP(u) = down · (silu(gate·u) ⊙ (up·u)), where silu(x) = x·σ(x)
// and σ is the logistic sigmoid. gate and up map H to the inner width,
// down maps back.
//
// # 5.3 The output layer
//
// With tied embeddings the logit of token v is the dot product of its
// embedding row with y: the same matrix turns ids into vectors at the
// bottom and vectors into scores at the top. An untied checkpoint carries
// its own lm_head.weight, which the engine then uses.
//
// # 6. Gated full attention
//
// Sizes in 0.8B: Hq = 8 query heads, Hkv = 2 key/value heads, D = 256 dims
// per head, R = 64 rotated dims.
//
// # 6.1 Projections
//
// q_proj produces 2·Hq·D values per token, laid out head by head: the
// first D values of each head's block are its query, the next D its output
// gate. (Reading them as all queries followed by all gates runs, but
// computes nonsense.) k_proj and v_proj give Hkv heads of D values each.
//
// # 6.2 Query and key norms
//
// Each query head and each key head goes through RMSNorm1p over its D
// dims, with one weight vector (q_norm, resp. k_norm) shared by all heads.
// This comes before the rotation. Values and gates are not normalised.
//
// # 6.3 Rotary position embedding
//
// Only the first R = head_dim × partial_rotary_factor dims of each query
// and key head are rotated; the other D − R carry no position. The R dims
// form R/2 pairs (j, j + R/2) (the "rotate half" layout, not adjacent
// pairs), and pair j turns by the angle p·θ^(−2j/R) at position p, θ =
// rope_theta = 10⁷:
//
//	x'[j]       = x[j]·cos φ − x[j+R/2]·sin φ
//	x'[j+R/2]   = x[j+R/2]·cos φ + x[j]·sin φ
//
// The frequencies are computed in float32, as transformers does.
// mrope_section splits the 32 frequencies among three position streams
// (time, height, width) for images and video. For text all three streams
// hold the token's position, so the split changes nothing and the
// rotation above is exact.
//
// # 6.4 Attention with grouped keys and values
//
// The query heads form Hkv groups of Hq/Hkv consecutive heads, and each
// group shares one key and value head: query head h reads KV head
// h / (Hq/Hkv) (0.8B: heads 0–3 read KV head 0, heads 4–7 KV head 1). For
// the query q of the token at position t:
//
//	s_j = q·k_j / √D      for every position j ≤ t (the token itself included)
//	p   = softmax(s)      (after subtracting the largest s_j; exponentials and sum in float64)
//	o   = Σ_j p_j v_j
//
// The divisor is √head_dim (16 in 0.8B), whatever hidden_size/heads is.
// The KV cache keeps the keys after their norm and rotation and the values
// as projected. AttendHead is exactly this for one head. A pass of 16
// tokens or more (and no Capture) takes the queries 32 at a time: the
// scores of a block against every key it may see are one matrix product
// with the cached keys, the outputs one with the cached values, and the
// softmax runs down the columns in between; only the order of the float32
// additions differs from one query at a time.
//
// # 6.5 Output gate and projection
//
// Each head's output is multiplied, dim by dim, by σ(gate), the sigmoid of
// the gate half of its q_proj block (a sigmoid, not the SiLU used
// elsewhere). The gated heads, concatenated head by head, go through
// o_proj back to H dims.
//
// # 7. Gated DeltaNet
//
// Sizes in 0.8B: Hk = Hv = 16 heads, dk = dv = 128, conv width K = 4,
// conv channels C = 2·Hk·dk + Hv·dv = 6,144.
//
// # 7.1 Projections
//
//	m = in_proj_qkv · u    C values: [q (Hk·dk) | k (Hk·dk) | v (Hv·dv)], three blocks, head-major
//	z = in_proj_z · u      Hv·dv values, the output gate (§7.7)
//	b = in_proj_b · u      Hv values, one per value head (§7.4)
//	a = in_proj_a · u      Hv values, one per value head (§7.4)
//
// The q, k and v blocks follow each other (Qwen3-Next, where this layer
// comes from, interleaved them per group in one fused projection; its
// splitting code does not apply).
//
// # 7.2 Causal convolution
//
// Before the split, each of the C channels of m goes through its own
// convolution over the last K tokens, and then SiLU:
//
//	m'_t[c] = silu( Σ_{j<K} W[c][j] · m_{t−K+1+j}[c] )     with m_τ = 0 before the first token
//
// so tap K−1 weighs the current token and tap 0 the one K−1 steps back
// (PyTorch's conv1d is a cross-correlation padded on the left). There is
// no bias. Between passes the layer keeps the last K−1 inputs m, before the
// convolution, as its conv state.
//
// # 7.3 Splitting and normalising q and k
//
// m' splits into q, k and v heads. Each q and k head is L2-normalised
// (§5.1); q is then multiplied by 1/√dk, k is not.
//
// # 7.4 Write strength and decay
//
// Per value head and token:
//
//	β = σ(b)                                     how strongly this token writes, in (0, 1)
//	g = −exp(A_log) · softplus(a + dt_bias)      a log-decay, never positive
//	decay = exp(g)                               how much of the state survives, in (0, 1]
//
// The checkpoint stores A_log, the logarithm of the rate, and the decay
// needs dt_bias added before the softplus. softplus(x) = log(1 + eˣ),
// taken as x itself above 20, as PyTorch does.
//
// # 7.5 The delta rule
//
// Each value head keeps a matrix S of dk × dv numbers, zero at the start:
// a memory that maps keys to values. For each token, in order:
//
//	S ← decay · S                 forget a little of everything
//	δ = β · (v − Sᵀk)             what the memory returns for k, and how far that is from v
//	S ← S + k δᵀ                  move the memory's answer for k a fraction β towards v
//	o = Sᵀq                       read the updated memory with the query
//
// The read comes after the write, so a token sees its own contribution.
// Written as one line, S ← decay·(I − β k kᵀ) S + β k vᵀ: with a unit key, the
// write erases part of what was stored under k before storing v there,
// which is what makes it a delta rule rather than a plain sum of outer
// products. The state is float32 in the engine and in the published model.
// State.DeltaState stores it transposed, Sᵀ, one row per value dim, so
// every step runs along contiguous rows. DeltaRule is this step in plain
// Go; the model runs it through one fused kernel, or §7.6.
//
// # 7.6 The chunked form
//
// The recurrence reads and writes the whole state once per token. For
// prefill, chunks of 64 tokens can be done at once with matrix products.
// Within a chunk, with its starting state S, Q, K and V as 64-row matrices,
// D[t][s] the product of the decays of tokens s+1 … t, and e_t the product
// of the decays from the chunk start through t:
//
//	A       = strictly_lower(diag(β) K Kᵀ ⊙ D)
//	[U | W] = (I + A)⁻¹ [diag(β) V | diag(e·β) K]    (forward substitution)
//	Vn      = U − W S
//	O       = diag(e) Q S + (Q Kᵀ ⊙ D) Vn             (lower triangle, diagonal included)
//	S'      = e_last S + (diag(D[last][·]) K)ᵀ Vn
//
// This equals the recurrence up to rounding. The engine uses it for
// passes of 16 tokens or more where package simd has an assembly matrix
// product (chunk.go measures why 16); decode, and any pass that is being
// captured, use the recurrence.
//
// # 7.7 Output
//
// Each head's o goes through the gated norm (§5.1) with the stored
// linear_attn.norm weight, shared by the heads and used without adding
// one, and the gate silu(z) of that head. The heads, concatenated, go
// through out_proj back to H dims.
//
// # 7.8 More value heads than key heads
//
// When linear_num_value_heads is a multiple of linear_num_key_heads,
// consecutive value heads share a q/k head: value head h uses q/k head
// h / (Hv/Hk). β, the decay and its parameters, z, the state and the
// output rows all belong to the value head. 0.8B has as many of each, so
// this does not arise there; the tiny-a fixture exercises it.
//
// # 7.9 Memory per sequence
//
// A DeltaNet layer's state is (K−1)·C conv values plus Hv·dv·dk recurrent
// values: 72 KiB + 1 MiB in float32 for 0.8B, about 19 MiB over the 18
// layers, however long the text. An attention layer caches a key and a
// value of Hkv·D values per token: 4 KiB per token per layer, 24 KiB per
// token for the 6 layers. State.Bytes adds these up.
//
// # 8. Generation
//
// A prompt runs as one prefill (Forward on all its ids); its last
// position's logits give the first new token, and each new token is fed
// back as a one-token decode step. Both kinds of layer memory advance
// together in the State. Going back a token needs a copy of the DeltaNet
// states taken earlier (State.Clone and Restore): unlike a KV cache, a
// recurrent state cannot be truncated. The published model ends a chat
// turn with <|im_end|> (248046) and plain text with <|endoftext|>
// (248044); Config.EOS lists the config's end ids.
//
// # 9. Cost
//
// A token costs about 752 million multiply-adds, one per text parameter:
// 498 million in the layers and 254 million in the output layer. A decode
// step also reads every weight once, 1.5 GB in BF16, so on a CPU decode
// is limited by memory bandwidth rather than arithmetic (WeightBytes
// counts the bytes; the benchmarks report both).
//
// # 10. Numerics
//
// The engine keeps the weights as stored and computes in float32, so it
// should be compared with transformers run in float32, not in its default
// bfloat16, which rounds every product and the residual stream to 8
// significant bits (logits then move by 1e-2 or more, and a close greedy
// choice can flip). The recurrent and chunked forms of §7 agree to float32
// rounding, not bit for bit, as do the engine's kernel paths. The fixture
// tests hold every logit within 2e-3 of llama.cpp's on the tiny
// checkpoints; the HF-synth tests compare with transformers on a
// full-size random checkpoint.
//
// # 11. Pitfalls
//
// Each of these gives fluent-looking output, or plausible numbers, and is
// still wrong:
//
//  1. Splitting q_proj into all queries, then all gates. The split is per head (§6.1).
//  2. A SiLU gate on the attention output. It is a sigmoid there, and SiLU
//     only on the DeltaNet z (§6.5, §7.7).
//  3. Adding one to the DeltaNet output norm's weight, or forgetting it on
//     the other norms; or adding it twice to weights a converter already
//     shifted (llama.cpp's GGUF files store 1 + w) (§5.1).
//  4. Rotating all of a head, using adjacent pairs, or the wrong θ (§6.3).
//  5. Scaling scores by 1/√(hidden_size/heads) instead of 1/√head_dim (§6.4).
//  6. Mapping query head h to KV head h mod Hkv instead of h / (Hq/Hkv) (§6.4).
//  7. Splitting q|k|v before the convolution, or applying SiLU before it (§7.2).
//  8. Reversing the conv taps, or keeping convolved values as the conv state (§7.2).
//  9. Scaling k as well as q, or scaling before the L2 norm (§7.3).
//  10. Using A_log as the rate, or leaving out dt_bias (§7.4).
//  11. Reading the state before the token's write, or writing before the decay (§7.5).
//  12. Reading A_log and linear_attn.norm.weight as BF16: they are float32 (§4).
//  13. Looking for an lm_head tensor in a tied checkpoint, or scaling the
//     embedding by √H (§5.3).
//  14. Adding a beginning-of-sequence token, or counting positions from one (§5).
package model
