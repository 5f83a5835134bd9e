package train

import (
	"encoding/json"
	"fmt"
	"github.com/how-llms-work/course/llm/atomicfile"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/how-llms-work/course/llm/safetensors"
)

// Options configures a training run. The zero value of a switch turns it
// off: Warmup 0 starts at the peak rate, Clip 0 never clips, WeightDecay 0
// is plain Adam.
type Options struct {
	Steps       int     `json:"steps"`        // optimiser steps of the whole run (the cosine ends here)
	Batch       int     `json:"batch"`        // sequences per step
	SeqLen      int     `json:"seq_len"`      // tokens per sequence (SeqLen−1 predictions each)
	LR          float64 `json:"lr"`           // peak learning rate
	MinLR       float64 `json:"min_lr"`       // learning rate at the end of the cosine decay
	Warmup      int     `json:"warmup"`       // linear warmup steps
	Clip        float64 `json:"clip"`         // global gradient-norm limit
	WeightDecay float64 `json:"weight_decay"` // decoupled AdamW weight decay (matrices and embeddings)
	Seed        uint64  `json:"seed"`         // data order and dropout masks (the model has its own init seed)
	// Dropout is the probability of zeroing each element of every block's
	// mixer and MLP output before it joins the residual stream, in
	// training steps only (0: none; the survivors are scaled by 1/(1−p)).
	Dropout float64 `json:"dropout,omitempty"`
	// SpikeStep (1-based), if above 0, multiplies that step's gradient by
	// SpikeScale before it is measured and clipped: a stand-in for one freak
	// batch, to show what clipping does with it.
	SpikeStep  int     `json:"spike_step,omitempty"`
	SpikeScale float64 `json:"spike_scale,omitempty"`
}

// Record is one logged step.
type Record struct {
	Step     int     `json:"step"`      // 1-based step number
	Loss     float64 `json:"loss"`      // mean training loss of the batch, nats
	LR       float64 `json:"lr"`        // learning rate used
	GradNorm float64 `json:"grad_norm"` // global gradient norm before clipping
	Tokens   int     `json:"tokens"`    // predicted tokens so far
	Seconds  float64 `json:"seconds"`   // wall time of this step
}

// Trainer runs AdamW on a model over a token stream.
type Trainer[F Float] struct {
	Model   *Model[F]
	Opt     *AdamW[F]
	Opts    Options
	Data    []int    // training token stream
	History []Record // one record per step taken
	grad    []F
}

// NewTrainer checks the options against the data and returns a trainer at
// step 0.
func NewTrainer[F Float](m *Model[F], data []int, o Options) (*Trainer[F], error) {
	if o.Steps <= 0 || o.Batch <= 0 || o.SeqLen < 2 {
		return nil, fmt.Errorf("train: need steps > 0, batch > 0, seq_len ≥ 2 (got %d, %d, %d)", o.Steps, o.Batch, o.SeqLen)
	}
	if len(data) < o.SeqLen+1 {
		return nil, fmt.Errorf("train: %d training tokens, need more than seq_len %d", len(data), o.SeqLen)
	}
	if o.SeqLen > m.Cfg.MaxPositions {
		return nil, fmt.Errorf("train: seq_len %d exceeds max_position_embeddings %d", o.SeqLen, m.Cfg.MaxPositions)
	}
	if !(o.LR > 0) || o.MinLR < 0 || o.Clip < 0 || o.WeightDecay < 0 || o.Warmup < 0 {
		return nil, fmt.Errorf("train: need lr > 0 and non-negative min_lr, clip, weight_decay, warmup")
	}
	if o.SpikeStep < 0 || (o.SpikeStep > 0 && !(o.SpikeScale > 0)) {
		return nil, fmt.Errorf("train: spike step %d with scale %v: want step ≥ 0, and scale > 0 when step > 0", o.SpikeStep, o.SpikeScale)
	}
	if !(o.Dropout >= 0 && o.Dropout < 1) {
		return nil, fmt.Errorf("train: dropout %v: want 0 ≤ dropout < 1", o.Dropout)
	}
	if err := checkIDs(m.Cfg, data); err != nil {
		return nil, fmt.Errorf("train: training data: %w", err)
	}
	return &Trainer[F]{
		Model: m, Opts: o, Data: data,
		Opt:  NewAdamW(m, AdamWConfig{WeightDecay: o.WeightDecay}),
		grad: make([]F, len(m.Params)),
	}, nil
}

// Schedule returns the learning-rate schedule of the run.
func (t *Trainer[F]) Schedule() Schedule {
	return Schedule{Peak: t.Opts.LR, Min: t.Opts.MinLR, Warmup: t.Opts.Warmup, Total: t.Opts.Steps}
}

// Batch returns the sequences of step (0-based): random windows of the
// stream drawn from a generator seeded by (Seed, step), so a resumed run
// sees the same data as an uninterrupted one.
func (t *Trainer[F]) Batch(step int) [][]int {
	rng := rand.New(rand.NewPCG(t.Opts.Seed, uint64(step)))
	seqs := make([][]int, t.Opts.Batch)
	for i := range seqs {
		s := rng.IntN(len(t.Data) - t.Opts.SeqLen + 1)
		seqs[i] = t.Data[s : s+t.Opts.SeqLen]
	}
	return seqs
}

// Step takes one optimiser step and returns its record.
func (t *Trainer[F]) Step() (Record, error) {
	step := len(t.History)
	start := time.Now()
	// The masks of step come from (Seed, step), like its batch, so a resumed
	// run drops the same elements as an uninterrupted one.
	loss, err := t.Model.grad(t.grad, t.Batch(step), t.Opts.Dropout, rand.NewPCG(^t.Opts.Seed, uint64(step)).Uint64())
	if err != nil {
		return Record{}, err
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return Record{}, fmt.Errorf("train: step %d: loss is %v", step+1, loss)
	}
	if step+1 == t.Opts.SpikeStep {
		for i := range t.grad {
			t.grad[i] *= F(t.Opts.SpikeScale)
		}
	}
	norm := ClipGlobalNorm(t.grad, t.Opts.Clip)
	lr := t.Schedule().LR(step)
	t.Opt.Step(t.Model.Params, t.grad, lr)
	r := Record{Step: step + 1, Loss: loss, LR: lr, GradNorm: norm, Seconds: time.Since(start).Seconds()}
	r.Tokens = t.Opts.Batch * (t.Opts.SeqLen - 1)
	if step > 0 {
		r.Tokens += t.History[step-1].Tokens
	}
	t.History = append(t.History, r)
	return r, nil
}

// Run takes steps until n more are done or the run's Steps are reached,
// calling log (if not nil) after each.
func (t *Trainer[F]) Run(n int, log func(Record)) error {
	for i := 0; i < n && len(t.History) < t.Opts.Steps; i++ {
		r, err := t.Step()
		if err != nil {
			return err
		}
		if log != nil {
			log(r)
		}
	}
	return nil
}

// Curve returns the training loss of every step taken, for a plot.
func (t *Trainer[F]) Curve() []float64 {
	out := make([]float64, len(t.History))
	for i, r := range t.History {
		out[i] = r.Loss
	}
	return out
}

// Windows cuts a token stream into consecutive non-overlapping sequences of
// n tokens (the last partial one is dropped), at most limit of them (all if
// limit ≤ 0).
func Windows(ids []int, n, limit int) [][]int {
	var out [][]int
	if n <= 0 {
		return nil
	}
	for s := 0; s+n <= len(ids) && (limit <= 0 || len(out) < limit); s += n {
		out = append(out, ids[s:s+n])
	}
	return out
}

// MeanLoss is the token-weighted mean next-token loss of m over seqs.
func MeanLoss[F Float](m *Model[F], seqs [][]int) (float64, error) {
	ls, err := m.Losses(seqs)
	if err != nil {
		return 0, err
	}
	var sum float64
	n := 0
	for _, l := range ls {
		for _, v := range l {
			sum += v
			n++
		}
	}
	if n == 0 {
		return 0, fmt.Errorf("no position to predict")
	}
	return sum / float64(n), nil
}

// trainState is the JSON part of a checkpoint.
type trainState struct {
	Options   Options  `json:"options"`
	AdamSteps int      `json:"adam_steps"`
	History   []Record `json:"history"`
}

// SaveCheckpoint writes everything needed to resume into dir:
// config.json and model.safetensors (F32 master weights, loadable by the
// engine), optimizer.safetensors (AdamW moments, "adam.m."/"adam.v." +
// tensor name) and train.json (options and the loss history).
func (t *Trainer[F]) SaveCheckpoint(dir string) error {
	step := strconv.Itoa(len(t.History))
	if err := t.Model.Save(dir, safetensors.F32, map[string]string{"step": step}); err != nil {
		return err
	}
	err := t.Model.writeFlat(filepath.Join(dir, "optimizer.safetensors"), []string{"adam.m.", "adam.v."},
		[][]F{t.Opt.M, t.Opt.V}, safetensors.F32, map[string]string{"step": step})
	if err != nil {
		return err
	}
	js, err := json.MarshalIndent(trainState{t.Opts, t.Opt.Steps, t.History}, "", " ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, "train.json"), append(js, '\n'), 0o644)
}

// Resume loads a checkpoint written by SaveCheckpoint and continues on data.
// steps > 0 replaces the run's total step count (to extend a run).
func Resume[F Float](dir string, data []int, steps int) (*Trainer[F], error) {
	m, err := Load[F](dir)
	if err != nil {
		return nil, err
	}
	js, err := os.ReadFile(filepath.Join(dir, "train.json"))
	if err != nil {
		return nil, err
	}
	var st trainState
	if err := json.Unmarshal(js, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "train.json"), err)
	}
	if steps > 0 {
		st.Options.Steps = steps
	}
	t, err := NewTrainer(m, data, st.Options)
	if err != nil {
		return nil, err
	}
	if _, err := m.readFlat(filepath.Join(dir, "optimizer.safetensors"), t.Opt.M, "adam.m."); err != nil {
		return nil, err
	}
	if _, err := m.readFlat(filepath.Join(dir, "optimizer.safetensors"), t.Opt.V, "adam.v."); err != nil {
		return nil, err
	}
	t.Opt.Steps = st.AdamSteps
	t.History = st.History
	return t, nil
}
