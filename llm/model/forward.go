package model

import "fmt"

// The forward pass (doc §5): the embedding, the decoder layers, the final
// norm and the LM head. The mixers are in attention.go and deltanet.go,
// the MLP in mlp.go, the norms in norm.go.

// Forward feeds ids to the state (a prefill of many tokens, or one decode
// step) and returns the logits of the last position, a new slice of length
// Vocab. Use ForwardTo to reuse a buffer.
func (m *Model) Forward(st *State, ids []int) ([]float32, error) {
	logits := make([]float32, m.cfg.Vocab)
	return logits, m.ForwardTo(logits, st, ids)
}

// ForwardTo is Forward writing the last position's logits into dst (length
// Vocab). A decode step through ForwardTo allocates nothing.
func (m *Model) ForwardTo(dst []float32, st *State, ids []int) error {
	if len(dst) != m.cfg.Vocab {
		return fmt.Errorf("model: logits buffer of %d, want vocab size %d", len(dst), m.cfg.Vocab)
	}
	return m.forward(st, ids, dst, false, nil)
}

// ForwardAll feeds ids to the state and returns the logits at every one of
// their positions, [len(ids), Vocab] row-major: row i predicts the token
// after ids[i].
func (m *Model) ForwardAll(st *State, ids []int) ([]float32, error) {
	return m.ForwardCapture(st, ids, nil)
}

// ForwardCapture is ForwardAll that also records the views of the pass
// described by Capture into c.
func (m *Model) ForwardCapture(st *State, ids []int, c *Capture) ([]float32, error) {
	if err := m.checkAll(len(ids)); err != nil {
		return nil, err
	}
	logits := make([]float32, len(ids)*m.cfg.Vocab)
	return logits, m.forward(st, ids, logits, true, c)
}

// maxLogits bounds the logits one ForwardAll returns (4 GiB of float32).
const maxLogits = 1 << 30

func (m *Model) checkAll(n int) error {
	if n > maxLogits/m.cfg.Vocab {
		return fmt.Errorf("model: logits at all %d positions would take %d GiB: feed fewer ids per call (or use Forward for the last position only)", n, int64(n)*int64(m.cfg.Vocab)*4>>30)
	}
	return nil
}

// forward checks its input, then runs the decoder over ids (doc §5) and
// writes the logits of every position (all) or of the last one into
// logits, recording into capt when it is not nil.
func (m *Model) forward(st *State, ids []int, logits []float32, all bool, capt *Capture) error {
	c := m.cfg
	if st == nil || st.m != m {
		return fmt.Errorf("model: state was not made by this model's NewState")
	}
	n := len(ids)
	if n == 0 {
		return fmt.Errorf("model: no token ids")
	}
	if st.pos+n > c.MaxPositions {
		return fmt.Errorf("model: %d tokens after %d exceed the context of %d positions", n, st.pos, c.MaxPositions)
	}
	for i, id := range ids {
		if id < 0 || id >= c.Vocab {
			return fmt.Errorf("model: token id %d at index %d outside the vocabulary [0, %d)", id, i, c.Vocab)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	rec := newRecorder(m, capt)
	// Long inputs run in chunks, which bounds the activations' memory; the
	// state carries everything from one chunk to the next.
	for len(ids) > 0 {
		k := min(len(ids), maxChunk)
		var dst []float32 // the chunk's logits, if it has any to produce
		switch {
		case all:
			dst, logits = logits[:k*c.Vocab], logits[k*c.Vocab:]
		case k == len(ids):
			dst = logits
		}
		m.pass(st, ids[:k], dst, all, rec)
		ids = ids[k:]
	}
	return nil
}

// maxChunk is the most tokens one pass runs at once.
const maxChunk = 512

// pass runs the decoder over ids (doc §5) and, when logits is not nil,
// writes the logits of every position (all) or of the last one into it.
// Each rec line records the point of the pass the Capture names; rec is
// nil, and records nothing, in a plain Forward.
func (m *Model) pass(st *State, ids []int, logits []float32, all bool, rec *recorder) {
	c := m.cfg
	n, H, eps := len(ids), c.Hidden, c.RMSEps
	s := &st.scratch
	s.ensure(c, n, st.pos+n)
	h, u, out := s.x[:n*H], s.u[:n*H], s.out[:n*H] // [n, Hidden] each

	// h = E[token]
	for t, id := range ids {
		m.embed.row(h[t*H:(t+1)*H], id)
	}
	rec.begin(ids, h)

	for i := range m.layers {
		if !rec.layer(i) { // a layer the Capture skips
			continue
		}
		l, ls := &m.layers[i], &st.layers[i]

		// h = h + Mixer(RMSNorm1p(h, input_layernorm))
		rmsNorm1pRows(u, h, l.inputNorm, eps)
		if rec.noInputNorm(i) {
			copy(u, h) // the experiment: no input norm in this layer
		}
		rec.rows(atInputNorm, u)
		if l.full {
			m.attention(l, ls, st, u, out, n, rec)
		} else {
			m.deltaNet(l, ls, st, u, out, n, rec)
		}
		rec.rows(atMixerOut, out)
		add(h, out)
		rec.rows(atAfterMixer, h)

		// h = h + MLP(RMSNorm1p(h, post_attention_layernorm))
		rmsNorm1pRows(u, h, l.postNorm, eps)
		rec.rows(atPostNorm, u)
		m.mlp(l, st, u, out, n, rec)
		rec.rows(atMLPOut, out)
		add(h, out)
		rec.rows(atResidual, h)
	}

	// y = RMSNorm1p(h, norm); logits = E·y (tied) or lm_head·y. Only the
	// rows something reads are normed: all of them for all logits or a
	// capture, else the last.
	if logits != nil || rec != nil {
		first := n - 1
		if all || rec != nil {
			first = 0
		}
		y := s.normed[:n*H]
		rmsNorm1pRows(y[first*H:], h[first*H:], m.norm, eps)
		rec.hidden(y)
		switch {
		case logits == nil:
		case all:
			m.head().matMul(m.pool, logits, y, n)
		default:
			m.head().matVec(m.pool, logits, y[(n-1)*H:])
		}
	}
	st.pos += n
	st.tokens = append(st.tokens, ids...)
}

// Unembed applies the final norm and the LM head to a residual-stream vector
// h (len Hidden) and returns logits over the vocabulary: the "logit lens"
// when h is taken after an intermediate layer (Capture.Layers[i].Residual).
func (m *Model) Unembed(h []float32) ([]float32, error) {
	c := m.cfg
	if len(h) != c.Hidden {
		return nil, fmt.Errorf("model: Unembed of %d values, want hidden size %d", len(h), c.Hidden)
	}
	y := make([]float32, c.Hidden)
	rmsNorm1p(y, h, m.norm, c.RMSEps)
	logits := make([]float32, c.Vocab)
	m.mu.Lock()
	m.head().matVec(m.pool, logits, y)
	m.mu.Unlock()
	return logits, nil
}

// add sets x += y.
func add(x, y []float32) {
	y = y[:len(x)]
	for i := range x {
		x[i] += y[i]
	}
}
