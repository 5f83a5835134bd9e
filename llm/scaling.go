package llm

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"

	"github.com/how-llms-work/course/llm/train"
)

// Schedule is the trainer's learning-rate schedule: linear warmup to Peak,
// then cosine decay to Min at step Total (see train.Schedule).
type Schedule = train.Schedule

// TokensPerParam is the compute-optimal ratio the Chinchilla paper
// (Hoffmann et al., 2022) found: about 20 training tokens per parameter.
const TokensPerParam = 20

// TrainFLOPs is the usual estimate of a training run's compute: 6 floating
// point operations per parameter per token (2 for the forward pass, 4 for
// the backward pass).
func TrainFLOPs(params, tokens float64) float64 { return 6 * params * tokens }

// ChinchillaTokens is the compute-optimal number of training tokens for a
// model of params parameters, at TokensPerParam.
func ChinchillaTokens(params float64) float64 { return TokensPerParam * params }

// PowerLaw is L(x) = A · x^(−Alpha).
type PowerLaw struct {
	A, Alpha float64
}

// At evaluates the law at x.
func (p PowerLaw) At(x float64) float64 { return p.A * math.Pow(x, -p.Alpha) }

func (p PowerLaw) String() string { return fmt.Sprintf("L(N) = %.4g · N^−%.4f", p.A, p.Alpha) }

// FitPowerLaw fits y = A·x^(−α) by least squares on the logs (a straight
// line log y = log A − α·log x). It needs at least two points with distinct
// positive x and positive y.
func FitPowerLaw(x, y []float64) (PowerLaw, error) {
	if len(x) != len(y) {
		return PowerLaw{}, fmt.Errorf("FitPowerLaw: %d x values and %d y values", len(x), len(y))
	}
	lx, ly := make([]float64, len(x)), make([]float64, len(y))
	for i := range x {
		if !(x[i] > 0) || !(y[i] > 0) || math.IsInf(x[i], 0) || math.IsInf(y[i], 0) {
			return PowerLaw{}, fmt.Errorf("FitPowerLaw: point %d is (%v, %v): both must be positive and finite", i, x[i], y[i])
		}
		lx[i], ly[i] = math.Log(x[i]), math.Log(y[i])
	}
	if len(slices.Compact(slices.Sorted(slices.Values(lx)))) < 2 {
		return PowerLaw{}, fmt.Errorf("FitPowerLaw: need at least two distinct x values, got %v", x)
	}
	b, slope := stat.LinearRegression(lx, ly, nil, false)
	return PowerLaw{A: math.Exp(b), Alpha: -slope}, nil
}

// MustFitPowerLaw is FitPowerLaw for notebook cells: it panics on error.
func MustFitPowerLaw(x, y []float64) PowerLaw {
	p, err := FitPowerLaw(x, y)
	if err != nil {
		panic(err)
	}
	return p
}
