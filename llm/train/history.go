package train

import "math"

// Read-backs of a run's history for plots: the learning rate, gradient norm
// and loss of every step taken, and the size of the weights that weight
// decay pulls on.

// LRs returns the learning rate of every step taken (the schedule as the
// optimiser used it).
func (t *Trainer[F]) LRs() []float64 {
	out := make([]float64, len(t.History))
	for i, r := range t.History {
		out[i] = r.LR
	}
	return out
}

// GradNorms returns the global gradient norm of every step taken, before
// clipping: compare it with Opts.Clip to see which steps were clipped.
func (t *Trainer[F]) GradNorms() []float64 {
	out := make([]float64, len(t.History))
	for i, r := range t.History {
		out[i] = r.GradNorm
	}
	return out
}

// DecayedNorm is the L2 norm, over all tensors that AdamW decays (matrices
// and embeddings, Tensor.Decay), of m's weights: the quantity weight decay
// pulls toward zero.
func DecayedNorm[F Float](m *Model[F]) float64 {
	var s float64
	for _, t := range m.Tensors {
		if !t.Decay {
			continue
		}
		for _, p := range m.Params[t.Off : t.Off+t.Size] {
			s += float64(p) * float64(p)
		}
	}
	return math.Sqrt(s)
}

// RunNorms is Run that also returns DecayedNorm of the model after each
// step taken.
func (t *Trainer[F]) RunNorms(n int) ([]float64, error) {
	var norms []float64
	err := t.Run(n, func(Record) { norms = append(norms, DecayedNorm(t.Model)) })
	return norms, err
}

// MustRunNorms is RunNorms for notebook cells: it panics on error.
func (t *Trainer[F]) MustRunNorms(n int) []float64 {
	norms, err := t.RunNorms(n)
	if err != nil {
		panic(err)
	}
	return norms
}

// MustRun is Run without a log, for notebook cells: it panics on error.
func (t *Trainer[F]) MustRun(n int) *Trainer[F] {
	if err := t.Run(n, nil); err != nil {
		panic(err)
	}
	return t
}

// MicroWidth is Micro with hidden size h and an MLP of 2·h: the knob of a
// small scaling experiment (the heads keep their sizes).
func MicroWidth(vocab, h int) *Config {
	c := Micro(vocab)
	c.Hidden, c.Intermediate = h, 2*h
	return c
}

// MustNewTrainer is NewTrainer for notebook cells: it panics on error.
func MustNewTrainer[F Float](m *Model[F], data []int, o Options) *Trainer[F] {
	t, err := NewTrainer(m, data, o)
	if err != nil {
		panic(err)
	}
	return t
}
