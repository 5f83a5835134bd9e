package model

// mlp is the SwiGLU block (doc §5.2): out = down · (silu(gate·u) ⊙ (up·u)),
// for n tokens u [n, Hidden] into out [n, Hidden].
func (m *Model) mlp(l *layer, st *State, u, out []float32, n int, rec *recorder) {
	s := &st.scratch
	I := m.cfg.Intermediate
	gate, up := s.gate[:n*I], s.up[:n*I]
	l.gate.matMul(m.pool, gate, u, n)
	l.up.matMul(m.pool, up, u, n)
	m.pool.SwiGLU(gate, gate, up) // gate ← silu(gate) ⊙ up
	rec.rows(atMLP, gate)
	l.down.matMul(m.pool, out, gate, n)
}
