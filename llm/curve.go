package llm

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/how-llms-work/course/llm/tiny"
)

// CurvePoint is one logged training step.
type CurvePoint struct {
	Step     int     // 1-based optimiser step
	Loss     float64 // mean training loss of the step's batch, nats
	LR       float64 // learning rate used
	GradNorm float64 // global gradient norm before clipping
	Tokens   int     // predicted tokens seen so far
}

// ParseLossCSV reads a training log in the layout `llm train` writes
// (header step,loss,lr,grad_norm,tokens; one line per step, steps
// increasing). Errors name the line and the field.
func ParseLossCSV(r io.Reader) (Curve, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 5
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("loss.csv: header: %w", err)
	}
	want := []string{"step", "loss", "lr", "grad_norm", "tokens"}
	for i, h := range head {
		if h != want[i] {
			return nil, fmt.Errorf("loss.csv: header column %d is %q, want %q", i+1, h, want[i])
		}
	}
	var out Curve
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("loss.csv: %w", err)
		}
		var p CurvePoint
		var errs [5]error
		p.Step, errs[0] = strconv.Atoi(rec[0])
		p.Loss, errs[1] = strconv.ParseFloat(rec[1], 64)
		p.LR, errs[2] = strconv.ParseFloat(rec[2], 64)
		p.GradNorm, errs[3] = strconv.ParseFloat(rec[3], 64)
		p.Tokens, errs[4] = strconv.Atoi(rec[4])
		for i, e := range errs {
			if e != nil {
				return nil, fmt.Errorf("loss.csv line %d: %s %q is not a number", line, want[i], rec[i])
			}
		}
		for i, v := range []float64{p.Loss, p.LR, p.GradNorm} {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				return nil, fmt.Errorf("loss.csv line %d: %s %v is not a finite non-negative number", line, want[i+1], v)
			}
		}
		if len(out) > 0 && p.Step <= out[len(out)-1].Step {
			return nil, fmt.Errorf("loss.csv line %d: step %d does not follow step %d", line, p.Step, out[len(out)-1].Step)
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("loss.csv: no steps")
	}
	return out, nil
}

// Curve is a training log, one point per step.
type Curve []CurvePoint

// Losses returns the loss of every step.
func (c Curve) Losses() []float64 {
	out := make([]float64, len(c))
	for i, p := range c {
		out[i] = p.Loss
	}
	return out
}

// TinyCurve returns the loss curve recorded while the embedded model was
// trained (llm/tiny/training/loss.csv).
func TinyCurve() (Curve, error) { return ParseLossCSV(bytes.NewReader(tiny.LossCSV())) }

// MustTinyCurve is TinyCurve for notebook cells.
func MustTinyCurve() Curve {
	c, err := TinyCurve()
	if err != nil {
		panic(err)
	}
	return c
}

// Smooth returns the moving average of v over windows of w values ending
// at each position (shorter at the start): a noisy per-step loss made
// readable.
func Smooth(v []float64, w int) []float64 {
	w = max(w, 1)
	out := make([]float64, len(v))
	var sum float64
	for i, x := range v {
		sum += x
		if i >= w {
			sum -= v[i-w]
		}
		out[i] = sum / float64(min(i+1, w))
	}
	return out
}

// Runs returns the index of the first point of each training run in a log
// that joins several (the embedded model was trained in stages, each a run
// of its own with a fresh warmup): a point starts a run when its learning
// rate is under half the previous point's: the drop from the floor of one
// schedule to the first warmup step of the next (peak ÷ warmup steps). A
// warmup-and-cosine schedule with a floor never halves from one step to the
// next, so the runs of `llm train` are found; a schedule that decays to zero
// would be split in its last steps. The first point always starts a run.
func (c Curve) Runs() []int {
	if len(c) == 0 {
		return nil
	}
	starts := []int{0}
	for i := 1; i < len(c); i++ {
		if c[i].LR < c[i-1].LR/2 {
			starts = append(starts, i)
		}
	}
	return starts
}
