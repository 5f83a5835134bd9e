package model

// Capture records views of a forward pass for the chapters. Pass one to
// ForwardCapture; every call appends the new tokens' rows, so a capture can
// follow a prefill and then decode steps. A plain Forward computes none of
// this and allocates nothing for it.
//
// Rows are indexed by token in the order the tokens were fed (row t of a
// capture that started on an empty state is position t).
type Capture struct {
	Tokens []int          // the ids captured, in order
	Layers []LayerCapture // one per layer
	// Embedding is the residual stream entering layer 0 (the embedding
	// rows), [token][Hidden]. Layer i > 0 starts from Layers[i-1].Residual.
	Embedding [][]float32
	// Hidden is the final hidden state after the final norm, [token][Hidden]:
	// the vector the LM head multiplies (logits = E · Hidden[t]).
	Hidden [][]float32

	// Skip, when set by the caller, lists layers to leave out of the pass:
	// the residual stream goes through them unchanged (for "what does this
	// layer do?" experiments). Their states are not updated.
	Skip map[int]bool
	// NoInputNorm, when set by the caller, lists layers whose input RMSNorm
	// is replaced by the identity: their mixer reads the raw residual
	// stream (for "why normalise at all?" experiments). InputNorm then
	// records that raw input.
	NoInputNorm map[int]bool
}

// LayerCapture holds one layer's views. Fields of the other layer kind stay nil.
type LayerCapture struct {
	Type LayerType // LinearAttention or FullAttention

	// The points of a layer in order, each [token][Hidden]:
	//   InputNorm  the mixer's input, RMSNorm1p(h, input_layernorm)
	//   MixerOut   the attention or DeltaNet output
	//   AfterMixer the residual stream after the mixer's residual add
	//   PostNorm   the MLP's input, RMSNorm1p(h, post_attention_layernorm)
	//   MLPOut     the MLP output
	//   Residual   the layer's output, after the MLP's residual add
	InputNorm, MixerOut, AfterMixer, PostNorm, MLPOut, Residual [][]float32

	// MLP is the SwiGLU intermediate silu(gate·u) ⊙ (up·u), [token][Intermediate].
	MLP [][]float32

	// Attention (full-attention layers) is the softmax probabilities
	// [head][query][key]; query row t has Len+1 keys (positions 0..t).
	Attention [][][]float32

	// Full-attention layers, [token][heads·HeadDim] head-major: queries and
	// keys after q_norm/k_norm, before (QueryNoRope, KeyNoRope) and after
	// (Query, Key) the rotary embedding; Gate is the sigmoid output gate
	// σ(gate) and HeadOut the attention output per head before the gate.
	Query, QueryNoRope, Key, KeyNoRope, Gate, HeadOut [][]float32

	// DeltaNet layers, [token][value head]: Beta = σ(b), Decay = exp(g) in
	// (0, 1], StateNorm = Frobenius norm of the head's recurrent state after
	// the token's update.
	Beta, Decay, StateNorm [][]float32
}

func (c *Capture) layer(m *Model, i int) *LayerCapture {
	if c == nil {
		return nil
	}
	if len(c.Layers) != m.cfg.Layers {
		c.Layers = make([]LayerCapture, m.cfg.Layers)
		for j := range c.Layers {
			c.Layers[j].Type = m.cfg.LayerTypes[j]
		}
	}
	return &c.Layers[i]
}
