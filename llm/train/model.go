package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"github.com/how-llms-work/course/llm/model"
)

// Model is a Qwen3.5 text model whose parameters live in one flat vector,
// so that gradients, optimiser moments and checkpoints share its layout.
//
// A model is not safe for concurrent use: Grad reuses its buffers.
type Model[F Float] struct {
	Cfg     *Config
	Tensors []Tensor // names, shapes and offsets into Params
	Params  []F
	w       weights[F]
	bufs    [][]F      // per-sequence gradient buffers, reused by Grad
	tapes   []*tape[F] // per-worker tapes, reused by Grad
}

// NewModel returns a model with seeded random initial weights.
func NewModel[F Float](c *Config, seed uint64) *Model[F] {
	m := newModel[F](c)
	initParams(c, m.Tensors, m.Params, seed)
	return m
}

func newModel[F Float](c *Config) *Model[F] {
	ts := Layout(c)
	m := &Model[F]{Cfg: c, Tensors: ts, Params: make([]F, NumParams(c))}
	m.w = bind(c, ts, m.Params)
	return m
}

// Tensor returns the parameters of the named tensor (name with or without
// model.TextPrefix), or nil.
func (m *Model[F]) Tensor(name string) []F {
	for _, t := range m.Tensors {
		if t.Name == name || t.Name == model.TextPrefix+name {
			return m.Params[t.Off : t.Off+t.Size]
		}
	}
	return nil
}

// tape is everything one sequence's forward pass keeps for its backward.
type tape[F Float] struct {
	T      int
	ids    []int
	h      [][]F // residual stream entering each layer; h[L] enters the final norm
	mid    [][]F // residual stream after the mixer of each layer
	u1, r1 [][]F // input_layernorm output and inverse RMS
	u2, r2 [][]F // post_attention_layernorm output and inverse RMS
	mlp    []mlpTape[F]
	attn   []attnTape[F]
	delta  []deltaTape[F]
	y, ry  []F // final norm output and inverse RMS
	probs  []F // softmax of the logits at the predicted positions [(T-1), V]
	losses []F // per-position cross-entropy, in nats [T-1]

	// Dropout, in training only (p 0: none): keep1 and keep2 hold, per
	// layer, 0 or 1/(1−p) for every element of the mixer's and the MLP's
	// output before it is added to the residual stream; branch is scratch.
	p            float64
	rng          *rand.Rand
	keep1, keep2 [][]F
	branch       []F
}

func newTape[F Float](c *Config) *tape[F] {
	L := c.Layers
	return &tape[F]{
		h: make([][]F, L+1), mid: make([][]F, L),
		u1: make([][]F, L), r1: make([][]F, L), u2: make([][]F, L), r2: make([][]F, L),
		mlp: make([]mlpTape[F], L), attn: make([]attnTape[F], L), delta: make([]deltaTape[F], L),
		keep1: make([][]F, L), keep2: make([][]F, L),
	}
}

// mask returns buf filled with a fresh dropout mask of n elements: each 0
// with probability p, else 1/(1−p), so its mean is 1.
func (tp *tape[F]) mask(buf []F, n int) []F {
	buf = zeros(buf, n)
	keep := F(1 / (1 - tp.p))
	for i := range buf {
		if tp.rng.Float64() >= tp.p {
			buf[i] = keep
		}
	}
	return buf
}

// branchOut returns where a block's branch (mixer or MLP, which add their
// output into the slice they are given) should write before it joins the
// residual stream x: x itself without dropout, else zeroed scratch.
func (tp *tape[F]) branchOut(x []F) []F {
	if tp.p == 0 {
		return x
	}
	tp.branch = zeros(tp.branch, len(x))
	return tp.branch
}

// join adds the branch output b to x through a fresh mask (stored in
// *keep); without dropout the branch already wrote into x.
func (tp *tape[F]) join(x, b []F, keep *[]F) {
	if tp.p == 0 {
		return
	}
	*keep = tp.mask(*keep, len(x))
	for i, v := range b {
		x[i] += (*keep)[i] * v
	}
}

// dropped returns the gradient reaching a branch's output from the
// gradient dx of the stream it was added to: dx itself without dropout,
// else dx ⊙ keep in buf.
func (tp *tape[F]) dropped(buf, dx, keep []F) []F {
	if tp.p == 0 {
		return dx
	}
	for i, k := range keep {
		buf[i] = dx[i] * k
	}
	return buf
}

// checkIDs validates a token sequence against the config.
func checkIDs(c *Config, ids []int) error {
	if len(ids) == 0 {
		return fmt.Errorf("empty token sequence")
	}
	for i, id := range ids {
		if id < 0 || id >= c.Vocab {
			return fmt.Errorf("token %d at position %d is outside the vocabulary [0, %d)", id, i, c.Vocab)
		}
	}
	return nil
}

// forward runs the model over ids, filling the tape up to the final norm.
func (m *Model[F]) forward(tp *tape[F], ids []int) {
	c, w := m.Cfg, &m.w
	T, D := len(ids), c.Hidden
	tp.T, tp.ids = T, ids
	h := zeros(tp.h[0], T*D)
	for t, id := range ids {
		copy(h[t*D:(t+1)*D], w.embed[id*D:])
	}
	tp.h[0] = h
	for l := 0; l < c.Layers; l++ {
		lw := &w.layers[l]
		tp.u1[l], tp.r1[l] = zeros(tp.u1[l], T*D), zeros(tp.r1[l], T)
		rmsNormFwd(tp.u1[l], tp.r1[l], tp.h[l], lw.inNorm, T, D, c.RMSEps)
		mid := append(tp.mid[l][:0], tp.h[l]...)
		out := tp.branchOut(mid)
		if c.IsFullAttention(l) {
			attnFwd(c, lw, &tp.attn[l], out, tp.u1[l], T)
		} else {
			deltaFwd(c, lw, &tp.delta[l], out, tp.u1[l], T)
		}
		tp.join(mid, out, &tp.keep1[l])
		tp.mid[l] = mid
		tp.u2[l], tp.r2[l] = zeros(tp.u2[l], T*D), zeros(tp.r2[l], T)
		rmsNormFwd(tp.u2[l], tp.r2[l], mid, lw.postNorm, T, D, c.RMSEps)
		next := append(tp.h[l+1][:0], mid...)
		out = tp.branchOut(next)
		mlpFwd(c, lw, &tp.mlp[l], out, tp.u2[l], T)
		tp.join(next, out, &tp.keep2[l])
		tp.h[l+1] = next
	}
	tp.y, tp.ry = zeros(tp.y, T*D), zeros(tp.ry, T)
	rmsNormFwd(tp.y, tp.ry, tp.h[c.Layers], w.norm, T, D, c.RMSEps)
}

// loss computes the softmax and the cross-entropy of predicting ids[t+1]
// from position t, for t = 0..T-2, over the full vocabulary (tied head).
// It returns the sum of the per-position losses.
func (m *Model[F]) loss(tp *tape[F]) float64 {
	c := m.Cfg
	T, D, V := tp.T, c.Hidden, c.Vocab
	n := T - 1
	tp.probs = zeros(tp.probs, n*V)
	tp.losses = zeros(tp.losses, n)
	if n == 0 {
		return 0
	}
	mulNT(tp.probs, tp.y[:n*D], m.w.embed, n, V, D)
	var sum float64
	for t := 0; t < n; t++ {
		row := tp.probs[t*V : (t+1)*V]
		maxv := row[0]
		for _, v := range row {
			maxv = max(maxv, v)
		}
		target := float64(row[tp.ids[t+1]])
		var z float64
		for i, v := range row {
			e := math.Exp(float64(v - maxv))
			row[i] = F(e)
			z += e
		}
		l := float64(maxv) + math.Log(z) - target
		tp.losses[t] = F(l)
		sum += l
		inv := F(1 / z)
		for i := range row {
			row[i] *= inv
		}
	}
	return sum
}

// backward adds the gradient of scale × (sum of the per-position losses)
// into the weights g.
func (m *Model[F]) backward(tp *tape[F], g *weights[F], scale F) {
	c, w := m.Cfg, &m.w
	T, D, V := tp.T, c.Hidden, c.Vocab
	n := T - 1
	dy := make([]F, T*D)
	if n > 0 {
		// dlogits = scale·(p − onehot), reusing the probabilities in place.
		dl := tp.probs
		for t := 0; t < n; t++ {
			row := dl[t*V : (t+1)*V]
			row[tp.ids[t+1]] -= 1
			for i := range row {
				row[i] *= scale
			}
		}
		mulNN(dy, dl, w.embed, n, D, V)
		mulTN(g.embed, dl, tp.y[:n*D], V, D, n)
	}
	dh := make([]F, T*D)
	rmsNormBwd(dh, g.norm, dy, tp.h[c.Layers], tp.ry, w.norm, T, D)
	du := make([]F, T*D)
	dmid := make([]F, T*D)
	scratch := make([]F, 2*T*c.Intermediate)
	var dbranch []F
	if tp.p > 0 {
		dbranch = make([]F, T*D)
	}
	for l := c.Layers - 1; l >= 0; l-- {
		lw, lg := &w.layers[l], &g.layers[l]
		// h[l+1] = mid + keep2 ⊙ MLP(norm(mid))
		clear(du)
		mlpBwd(c, lw, lg, &tp.mlp[l], du, tp.dropped(dbranch, dh, tp.keep2[l]), tp.u2[l], T, scratch)
		copy(dmid, dh)
		rmsNormBwd(dmid, lg.postNorm, du, tp.mid[l], tp.r2[l], lw.postNorm, T, D)
		// mid = h[l] + keep1 ⊙ mixer(norm(h[l]))
		clear(du)
		if c.IsFullAttention(l) {
			attnBwd(c, lw, lg, &tp.attn[l], du, tp.dropped(dbranch, dmid, tp.keep1[l]), tp.u1[l], T)
		} else {
			deltaBwd(c, lw, lg, &tp.delta[l], du, tp.dropped(dbranch, dmid, tp.keep1[l]), tp.u1[l], T)
		}
		copy(dh, dmid)
		rmsNormBwd(dh, lg.inNorm, du, tp.h[l], tp.r1[l], lw.inNorm, T, D)
	}
	for t := 0; t < n; t++ { // the last token's lookup does not reach the loss
		axpy(g.embed[tp.ids[t]*D:(tp.ids[t]+1)*D], dh[t*D:(t+1)*D], 1)
	}
}

// Logits returns the logits [T, Vocab] at every position of ids.
func (m *Model[F]) Logits(ids []int) ([]F, error) {
	if err := checkIDs(m.Cfg, ids); err != nil {
		return nil, err
	}
	tp := newTape[F](m.Cfg)
	m.forward(tp, ids)
	T, D, V := len(ids), m.Cfg.Hidden, m.Cfg.Vocab
	out := make([]F, T*V)
	mulNT(out, tp.y, m.w.embed, T, V, D)
	return out, nil
}

// Losses returns the per-position next-token losses (nats) of each
// sequence, computed in float64 accumulations, without gradients.
func (m *Model[F]) Losses(seqs [][]int) ([][]float64, error) {
	out := make([][]float64, len(seqs))
	for i, ids := range seqs {
		if err := checkIDs(m.Cfg, ids); err != nil {
			return nil, fmt.Errorf("sequence %d: %w", i, err)
		}
		tp := newTape[F](m.Cfg)
		m.forward(tp, ids)
		m.loss(tp)
		out[i] = make([]float64, len(tp.losses))
		for t, l := range tp.losses {
			out[i][t] = float64(l)
		}
	}
	return out, nil
}

// Grad computes the mean next-token cross-entropy over all predicted
// positions of seqs (token-weighted) and writes its gradient into grad
// (same layout as Params; overwritten). Sequences run in parallel on up to
// GOMAXPROCS goroutines; each has its own gradient buffer and they are
// summed in sequence order, so the result does not depend on scheduling.
func (m *Model[F]) Grad(grad []F, seqs [][]int) (float64, error) {
	return m.grad(grad, seqs, 0, 0)
}

// grad is Grad with dropout of probability p on every block's branch
// outputs (0: none), sequence i's masks drawn from a generator seeded by
// (seed, i). The loss it returns is that of the dropped-out model.
func (m *Model[F]) grad(grad []F, seqs [][]int, p float64, seed uint64) (float64, error) {
	if !(p >= 0 && p < 1) {
		return 0, fmt.Errorf("dropout %v: want 0 ≤ p < 1", p)
	}
	if len(grad) != len(m.Params) {
		return 0, fmt.Errorf("gradient has %d values, want %d", len(grad), len(m.Params))
	}
	total := 0
	for i, ids := range seqs {
		if err := checkIDs(m.Cfg, ids); err != nil {
			return 0, fmt.Errorf("sequence %d: %w", i, err)
		}
		total += len(ids) - 1
	}
	if total == 0 {
		return 0, fmt.Errorf("no position to predict: every sequence needs at least 2 tokens")
	}
	scale := F(1 / float64(total))
	sums := make([]float64, len(seqs))
	bufs := grad[:len(grad):len(grad)]
	if len(seqs) > 1 {
		for len(m.bufs) < len(seqs) {
			m.bufs = append(m.bufs, make([]F, len(grad)))
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(seqs))
	for len(m.tapes) < workers {
		m.tapes = append(m.tapes, newTape[F](m.Cfg))
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tp := m.tapes[w]
			for i := range next {
				buf := bufs
				if len(seqs) > 1 {
					buf = m.bufs[i]
				}
				clear(buf)
				g := bind(m.Cfg, m.Tensors, buf)
				tp.p, tp.rng = p, nil
				if p > 0 {
					tp.rng = rand.New(rand.NewPCG(seed, uint64(i)))
				}
				m.forward(tp, seqs[i])
				sums[i] = m.loss(tp)
				m.backward(tp, &g, scale)
			}
		}()
	}
	for i := range seqs {
		next <- i
	}
	close(next)
	wg.Wait()
	if len(seqs) > 1 {
		copy(grad, m.bufs[0])
		for _, b := range m.bufs[1:len(seqs)] {
			axpy(grad, b, 1)
		}
	}
	var sum float64
	for _, s := range sums {
		sum += s
	}
	return sum / float64(total), nil
}
