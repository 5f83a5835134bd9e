package model

import "math"

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

// recorder is the capture hook of a pass: the layer code calls it at each
// point the Capture describes, one line per point. A pass without a
// Capture has a nil recorder, and every method of a nil recorder returns at
// once, so a plain Forward computes and allocates nothing for capture.
type recorder struct {
	c   *Capture
	cfg *Config
	lc  *LayerCapture // the layer being run
	n   int           // tokens in the pass
}

// newRecorder returns the hook that records into c, or nil when c is nil.
func newRecorder(m *Model, c *Capture) *recorder {
	if c == nil {
		return nil
	}
	if len(c.Layers) != m.cfg.Layers {
		c.Layers = make([]LayerCapture, m.cfg.Layers)
		for j := range c.Layers {
			c.Layers[j].Type = m.cfg.LayerTypes[j]
		}
	}
	return &recorder{c: c, cfg: m.cfg}
}

// A point names the [token][…] rows of a LayerCapture that rows appends to.
type point int

const (
	atInputNorm point = iota
	atMixerOut
	atAfterMixer
	atPostNorm
	atMLPOut
	atResidual
	atMLP
	atQueryNoRope
	atQuery
	atKeyNoRope
	atKey
	atBeta
	atDecay
)

// at returns the rows of lc that point p names.
func (lc *LayerCapture) at(p point) *[][]float32 {
	switch p {
	case atInputNorm:
		return &lc.InputNorm
	case atMixerOut:
		return &lc.MixerOut
	case atAfterMixer:
		return &lc.AfterMixer
	case atPostNorm:
		return &lc.PostNorm
	case atMLPOut:
		return &lc.MLPOut
	case atResidual:
		return &lc.Residual
	case atMLP:
		return &lc.MLP
	case atQueryNoRope:
		return &lc.QueryNoRope
	case atQuery:
		return &lc.Query
	case atKeyNoRope:
		return &lc.KeyNoRope
	case atKey:
		return &lc.Key
	case atBeta:
		return &lc.Beta
	case atDecay:
		return &lc.Decay
	}
	panic("model: unknown capture point")
}

// begin starts a pass over ids, recording the embedding rows x [n, Hidden].
func (r *recorder) begin(ids []int, x []float32) {
	if r == nil {
		return
	}
	r.n = len(ids)
	r.c.Tokens = append(r.c.Tokens, ids...)
	r.c.Embedding = appendRows(r.c.Embedding, x, r.n)
}

// noInputNorm reports whether the Capture replaces layer i's input norm
// by the identity.
func (r *recorder) noInputNorm(i int) bool { return r != nil && r.c.NoInputNorm[i] }

// layer starts layer i and reports whether the pass runs it (false for a
// layer the Capture skips). It opens the rows of this pass that the
// per-head loops fill in: Attention, HeadOut and Gate of a full-attention
// layer, StateNorm of a DeltaNet layer.
func (r *recorder) layer(i int) bool {
	if r == nil {
		return true
	}
	if r.c.Skip[i] {
		r.lc = nil
		return false
	}
	lc, cfg := &r.c.Layers[i], r.cfg
	r.lc = lc
	if cfg.IsFullAttention(i) {
		if lc.Attention == nil {
			lc.Attention = make([][][]float32, cfg.Heads)
		}
		w := cfg.Heads * cfg.HeadDim
		lc.HeadOut = appendZeros(lc.HeadOut, r.n, w)
		lc.Gate = appendZeros(lc.Gate, r.n, w)
	} else {
		lc.StateNorm = appendZeros(lc.StateNorm, r.n, cfg.LinearValueHeads)
	}
	return true
}

// rows records x, the pass's n rows, at point p of the current layer.
func (r *recorder) rows(p point, x []float32) {
	if r == nil {
		return
	}
	dst := r.lc.at(p)
	*dst = appendRows(*dst, x, r.n)
}

// queries records the query halves of qg, the pass's q_proj outputs
// ([token][head][query d | gate d]), at point p: [token][head·d].
func (r *recorder) queries(p point, qg []float32, d int) {
	if r == nil {
		return
	}
	dst := r.lc.at(p)
	w := len(qg) / r.n
	for t := range r.n {
		row := qg[t*w : (t+1)*w]
		q := make([]float32, 0, w/2)
		for h := 0; h < len(row); h += 2 * d {
			q = append(q, row[h:h+d]...)
		}
		*dst = append(*dst, q)
	}
}

// probs records query token t's attention probabilities in head h.
func (r *recorder) probs(h int, p []float32) {
	if r == nil {
		return
	}
	r.lc.Attention[h] = append(r.lc.Attention[h], clone(p))
}

// headOut records head h's output o for token t of the pass, before the gate.
func (r *recorder) headOut(t, h int, o []float32) {
	if r == nil {
		return
	}
	copy(r.lc.HeadOut[len(r.lc.HeadOut)-r.n+t][h*len(o):], o)
}

// gate records σ(gate), head h's output gate for token t of the pass.
func (r *recorder) gate(t, h int, gate []float32) {
	if r == nil {
		return
	}
	row := r.lc.Gate[len(r.lc.Gate)-r.n+t][h*len(gate):]
	for d, g := range gate {
		row[d] = sigmoid(g)
	}
}

// stateNorm records the Frobenius norm of value head h's recurrent state
// St after token t of the pass.
func (r *recorder) stateNorm(t, h int, St []float32) {
	if r == nil {
		return
	}
	var ss float64
	for _, x := range St {
		ss += float64(x) * float64(x)
	}
	r.lc.StateNorm[len(r.lc.StateNorm)-r.n+t][h] = float32(math.Sqrt(ss))
}

// hidden records the final hidden states y [n, Hidden].
func (r *recorder) hidden(y []float32) {
	if r == nil {
		return
	}
	r.c.Hidden = appendRows(r.c.Hidden, y, r.n)
}

// appendRows appends copies of the n rows of x (n×w, w = len(x)/n) to dst.
func appendRows(dst [][]float32, x []float32, n int) [][]float32 {
	w := len(x) / n
	for t := range n {
		dst = append(dst, clone(x[t*w:(t+1)*w]))
	}
	return dst
}

// appendZeros appends n zero rows of w values to dst.
func appendZeros(dst [][]float32, n, w int) [][]float32 {
	for range n {
		dst = append(dst, make([]float32, w))
	}
	return dst
}

// clone returns a copy of x.
func clone[T any](x []T) []T { return append([]T(nil), x...) }
