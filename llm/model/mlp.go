package model

// mlp is the SwiGLU block (spec §5.2): out = down · (silu(gate·u) ⊙ (up·u)),
// for n tokens u [n, Hidden] into out [n, Hidden].
func (m *Model) mlp(l *layer, st *State, u, out []float32, n int, lc *LayerCapture) {
	s := &st.scratch
	I := m.cfg.Intermediate
	gate, up := s.gate[:n*I], s.up[:n*I]
	l.gate.matMul(m.pool, gate, u, n)
	l.up.matMul(m.pool, up, u, n)
	m.pool.SwiGLU(gate, gate, up) // gate ← silu(gate) ⊙ up
	if lc != nil {
		for t := range n {
			lc.MLP = append(lc.MLP, clone(gate[t*I:(t+1)*I]))
		}
	}
	l.down.matMul(m.pool, out, gate, n)
}
