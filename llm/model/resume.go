package model

import "fmt"

// ForwardFrom runs the decoder from layer `from` on: resid is the residual
// stream entering that layer, one row of Hidden values per new position,
// fed to st like tokens to Forward, and the result is the residual stream
// after the last layer, before the final norm, one row per new position.
// From a new state, ForwardFrom(st, 0, embedding rows) is the whole decoder
// and ForwardFrom(st, i+1, Capture.Layers[i].Residual) replays the layers
// after i. A state fed this way must only be fed this way, from the same
// layer (the states of the layers before it stay empty); its Tokens hold
// -1 for these rows.
//
// It is how a chapter asks "what would the rest of the network do with a
// different vector here?": nudge one row, run the rest, compare (a
// Jacobian by finite differences). Feed the unchanged positions once,
// Clone the state, and each nudge of the next position is one decode step.
func (m *Model) ForwardFrom(st *State, from int, resid [][]float32) ([][]float32, error) {
	c := m.cfg
	if st == nil || st.m != m {
		return nil, fmt.Errorf("model: ForwardFrom: state was not made by this model's NewState")
	}
	if from < 0 || from > c.Layers {
		return nil, fmt.Errorf("model: ForwardFrom layer %d, want 0…%d", from, c.Layers)
	}
	n, H := len(resid), c.Hidden
	if n == 0 {
		return nil, fmt.Errorf("model: ForwardFrom of no positions")
	}
	if n > maxChunk {
		return nil, fmt.Errorf("model: ForwardFrom of %d positions: want at most %d per call", n, maxChunk)
	}
	if st.pos+n > c.MaxPositions {
		return nil, fmt.Errorf("model: ForwardFrom: %d positions after %d exceed the context of %d", n, st.pos, c.MaxPositions)
	}
	for t, r := range resid {
		if len(r) != H {
			return nil, fmt.Errorf("model: ForwardFrom: row %d has %d values, want hidden size %d", t, len(r), H)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s := &st.scratch
	s.ensure(c, n, st.pos+n)
	h, u, out := s.x[:n*H], s.u[:n*H], s.out[:n*H]
	for t, r := range resid {
		copy(h[t*H:(t+1)*H], r)
	}
	for i := from; i < c.Layers; i++ {
		l, ls := &m.layers[i], &st.layers[i]
		// The same two residual updates as pass (doc §5), without capture.
		rmsNorm1pRows(u, h, l.inputNorm, c.RMSEps)
		if l.full {
			m.attention(l, ls, st, u, out, n, nil)
		} else {
			m.deltaNet(l, ls, st, u, out, n, nil)
		}
		add(h, out)
		rmsNorm1pRows(u, h, l.postNorm, c.RMSEps)
		m.mlp(l, st, u, out, n, nil)
		add(h, out)
	}
	st.pos += n
	for range n {
		st.tokens = append(st.tokens, -1)
	}
	rows := make([][]float32, n)
	for t := range rows {
		rows[t] = clone(h[t*H : (t+1)*H])
	}
	return rows, nil
}
