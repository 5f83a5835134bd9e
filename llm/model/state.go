package model

import "fmt"

// State is one sequence's memory: the tokens seen so far, the KV cache of
// every full-attention layer and the conv and recurrent states of every
// DeltaNet layer, plus scratch buffers so that decoding allocates nothing.
// A State belongs to the Model that made it and is not safe for concurrent
// use; Clone it to branch a generation.
type State struct {
	m       *Model
	pos     int
	tokens  []int
	layers  []layerState
	scratch scratch
}

// layerState is the per-layer memory.
type layerState struct {
	// full attention: post-norm, post-RoPE keys, head-major
	// [KVHeads][kvCap][HeadDim], and raw values stored transposed,
	// [KVHeads][HeadDim][kvCap]; the first Len token slots are in use. So
	// q·K and pᵀV are both matrix-vector products.
	k, vt []float32
	kvCap int
	// DeltaNet: the last K−1 pre-conv inputs [K−1][ConvDim] and the
	// recurrent state, transposed: [ValueHeads][ValueDim][KeyDim]
	conv, rec []float32
}

// NewState returns an empty state (no tokens seen) for m.
func (m *Model) NewState() *State {
	c := m.cfg
	st := &State{m: m, layers: make([]layerState, c.Layers)}
	for i := range st.layers {
		if !c.IsFullAttention(i) {
			st.layers[i].conv = make([]float32, max(c.ConvKernel-1, 0)*c.ConvDim())
			st.layers[i].rec = make([]float32, c.LinearValueHeads*c.LinearKeyDim*c.LinearValueDim)
		}
	}
	return st
}

// Len returns the number of tokens the state has seen.
func (st *State) Len() int { return st.pos }

// Tokens returns a copy of the ids the state has seen, in order.
func (st *State) Tokens() []int { return clone(st.tokens) }

// Clone returns a deep copy of the state: the copy and the original then
// continue independently (for branching generation traces).
func (st *State) Clone() *State {
	c := &State{m: st.m, pos: st.pos, tokens: clone(st.tokens), layers: make([]layerState, len(st.layers))}
	for i, l := range st.layers {
		c.layers[i] = layerState{k: clone(l.k), vt: clone(l.vt), kvCap: l.kvCap, conv: clone(l.conv), rec: clone(l.rec)}
	}
	return c
}

// Restore makes st a copy of snap (a Clone taken earlier, or any state of
// the same model), reusing st's buffers: snapshot with Clone, go on, then
// Restore to step back.
func (st *State) Restore(snap *State) error {
	if snap.m != st.m {
		return fmt.Errorf("model: Restore from a state of another model")
	}
	st.pos = snap.pos
	st.tokens = append(st.tokens[:0], snap.tokens...)
	for i := range st.layers {
		d, s := &st.layers[i], &snap.layers[i]
		d.k = append(d.k[:0], s.k...)
		d.vt = append(d.vt[:0], s.vt...)
		d.kvCap = s.kvCap
		copy(d.conv, s.conv)
		copy(d.rec, s.rec)
	}
	return nil
}

// Reset forgets every token, keeping the buffers.
func (st *State) Reset() {
	st.pos = 0
	st.tokens = st.tokens[:0]
	for i := range st.layers {
		l := &st.layers[i]
		clear(l.conv)
		clear(l.rec)
	}
}

// KV returns full-attention layer i's cache, one [Len][HeadDim] slice
// (flattened) per KV head: keys (after k_norm and RoPE), which alias the
// state, and values, a copy (they are stored transposed). It returns nil
// for a DeltaNet layer.
func (st *State) KV(i int) (k, v [][]float32) {
	l := &st.layers[i]
	if l.kvCap == 0 {
		return nil, nil
	}
	D := st.m.cfg.HeadDim
	heads := len(l.k) / l.kvCap / D
	for g := range heads {
		k = append(k, l.k[g*l.kvCap*D:][:st.pos*D])
		vg := make([]float32, st.pos*D)
		for d := range D {
			for s, x := range l.vt[(g*D+d)*l.kvCap:][:st.pos] {
				vg[s*D+d] = x
			}
		}
		v = append(v, vg)
	}
	return k, v
}

// DeltaState returns DeltaNet layer i's conv state [ConvKernel−1][ConvDim]
// and recurrent state, flattened; nil for a full-attention layer. The
// recurrent state of value head h is stored transposed, Sᵀ [ValueDim][KeyDim]:
// recurrent[(h·ValueDim + j)·KeyDim + i] = S_h[i][j], where o = Sᵀq is the
// head's output for a query q. The slices alias the state.
func (st *State) DeltaState(i int) (conv, recurrent []float32) {
	return st.layers[i].conv, st.layers[i].rec
}

// Bytes is the memory the state holds for its tokens: the KV caches'
// used part (float32) plus the DeltaNet conv and recurrent states.
func (st *State) Bytes() int64 {
	c := st.m.cfg
	var n int64
	for i, l := range st.layers {
		if c.IsFullAttention(i) {
			n += 2 * int64(st.pos) * int64(c.KVHeads*c.HeadDim) * 4
		}
		n += int64(len(l.conv)+len(l.rec)) * 4
	}
	return n
}

// keys returns KV head g's first n keys, a [n, d] matrix.
func (l *layerState) keys(g, n, d int) []float32 {
	return l.k[g*l.kvCap*d:][:n*d]
}

// values returns KV head g's values, stored transposed: a [d, kvCap]
// matrix whose row j holds value dim j of every cached token.
func (l *layerState) values(g, d int) []float32 {
	return l.vt[g*d*l.kvCap : (g+1)*d*l.kvCap]
}

// appendKV stores the keys and values k, v ([n][heads][d] token-major) of
// tokens pos … pos+n−1, growing the cache to at least twice its size or
// 256 tokens when full, so that decoding rarely allocates.
func (l *layerState) appendKV(k, v []float32, pos, n, heads, d int) {
	if pos+n > l.kvCap {
		newCap := max(2*l.kvCap, pos+n, 256)
		nk := make([]float32, heads*newCap*d)
		nvt := make([]float32, heads*d*newCap)
		for g := range heads {
			copy(nk[g*newCap*d:], l.k[g*l.kvCap*d:][:pos*d])
			for j := range d {
				copy(nvt[(g*d+j)*newCap:], l.vt[(g*d+j)*l.kvCap:][:pos])
			}
		}
		l.k, l.vt, l.kvCap = nk, nvt, newCap
	}
	for t := range n {
		for g := range heads {
			copy(l.k[(g*l.kvCap+pos+t)*d:][:d], k[(t*heads+g)*d:][:d])
			for j, x := range v[(t*heads+g)*d:][:d] {
				l.vt[(g*d+j)*l.kvCap+pos+t] = x
			}
		}
	}
}

// scratch holds the activations of one pass over n tokens, sized for the
// largest n seen so far.
type scratch struct {
	n                 int
	x, u, out, normed []float32 // [n, Hidden]
	qg, k, v, o       []float32 // attention projections
	scores            []float32 // [Heads][keys] attention probabilities
	attn              []float32 // [Heads][attnWorkspace] blocked attention's workspaces
	mix, z, b, a, y   []float32 // DeltaNet projections and output
	conv              []float32 // DeltaNet conv outputs [n, ConvDim]
	gate, up          []float32 // MLP [n, Intermediate]
	job               layerJob  // a layer's per-head work (perHead)
	body              func(lo, hi int)
}

// layerJob is the per-head half of a mixer: the arguments of its loop over
// heads, and that loop, which Pool.For splits across threads.
type layerJob struct {
	l    *layer
	ls   *layerState
	n    int                                   // tokens in this pass
	rec  *recorder                             // the pass's capture hook, nil when not capturing
	loop func(m *Model, st *State, lo, hi int) // heads [lo, hi) of st.scratch.job
}

// perHead runs job.loop over heads [0, heads), split into contiguous ranges
// across the pool's threads. The function handed to the pool is made once
// per State, so running a layer's heads in parallel allocates nothing while
// decoding.
func (m *Model) perHead(st *State, heads int, job layerJob) {
	s := &st.scratch
	if s.body == nil {
		s.body = func(lo, hi int) { s.job.loop(m, st, lo, hi) }
	}
	s.job = job
	m.pool.For(heads, s.body)
	s.job = layerJob{} // drop the references
}

// ensureAttn sizes the blocked attention's workspaces for up to keys keys,
// with a quarter to spare, so that a conversation whose passes add a few
// keys at a time does not reallocate at every pass.
func (s *scratch) ensureAttn(c *Config, keys int) {
	if need := c.Heads * attnWorkspace(c, keys); need > len(s.attn) {
		s.attn = make([]float32, need+need/4)
	}
}

// ensure sizes the scratch for n tokens with up to keys attention keys.
func (s *scratch) ensure(c *Config, n, keys int) {
	if need := c.Heads * keys; need > len(s.scores) {
		s.scores = make([]float32, max(need, 2*len(s.scores), c.Heads*256))
	}
	if n <= s.n {
		return
	}
	H := c.Hidden
	s.n = n
	s.x = make([]float32, n*H)
	s.u = make([]float32, n*H)
	s.out = make([]float32, n*H)
	s.normed = make([]float32, n*H)
	s.qg = make([]float32, n*2*c.Heads*c.HeadDim)
	s.k = make([]float32, n*c.KVHeads*c.HeadDim)
	s.v = make([]float32, n*c.KVHeads*c.HeadDim)
	s.o = make([]float32, n*c.Heads*c.HeadDim)
	s.mix = make([]float32, n*c.ConvDim())
	s.z = make([]float32, n*c.LinearValueHeads*c.LinearValueDim)
	s.b = make([]float32, n*c.LinearValueHeads)
	s.a = make([]float32, n*c.LinearValueHeads)
	s.y = make([]float32, n*c.LinearValueHeads*c.LinearValueDim)
	s.conv = make([]float32, n*c.ConvDim())
	s.gate = make([]float32, n*c.Intermediate)
	s.up = make([]float32, n*c.Intermediate)
}
