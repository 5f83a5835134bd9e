package llm

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// Point is one example (x, y) for FitLine.
type Point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// FitStep is the line y = A·x + B after Step steps of gradient descent and
// its mean squared error Loss over the points.
type FitStep struct {
	Step int     `json:"step"`
	A    float64 `json:"a"`
	B    float64 `json:"b"`
	Loss float64 `json:"loss"`
}

// FitLine fits y = a·x + b to points by gradient descent on the mean
// squared error, the "two knobs" of chapter 1. It starts from a = b = 0 and
// returns steps+1 entries: the start and the line after every step.
//
// Each step moves both knobs against the gradient of the loss
// L = mean((a·x + b − y)²):
//
//	a -= learningRate · mean(2·(a·x + b − y)·x)
//	b -= learningRate · mean(2·(a·x + b − y))
//
// If the learning rate is too large the loss grows without bound; FitLine
// then stops and returns the trajectory so far with an error saying so.
func FitLine(points []Point, learningRate float64, steps int) ([]FitStep, error) {
	switch {
	case len(points) == 0:
		return nil, errors.New("FitLine: no points to fit: pass at least two, e.g. from NoisyLine")
	case !(learningRate > 0) || math.IsInf(learningRate, 1):
		return nil, fmt.Errorf("FitLine: learning rate %v must be a positive number, e.g. 0.1", learningRate)
	case steps < 0:
		return nil, fmt.Errorf("FitLine: steps %d is negative", steps)
	}
	for i, p := range points {
		if math.IsNaN(p.X) || math.IsNaN(p.Y) || math.IsInf(p.X, 0) || math.IsInf(p.Y, 0) {
			return nil, fmt.Errorf("FitLine: point %d is (%v, %v): every coordinate must be a finite number", i, p.X, p.Y)
		}
	}
	n := float64(len(points))
	loss := func(a, b float64) (l, ga, gb float64) {
		for _, p := range points {
			r := a*p.X + b - p.Y
			l += r * r
			ga += 2 * r * p.X
			gb += 2 * r
		}
		return l / n, ga / n, gb / n
	}
	var a, b float64
	out := make([]FitStep, 0, steps+1)
	for s := 0; ; s++ {
		l, ga, gb := loss(a, b)
		if math.IsNaN(l) || math.IsInf(l, 0) {
			return out, fmt.Errorf("FitLine: the loss overflowed at step %d: learning rate %v is too large for these points, try a smaller one", s, learningRate)
		}
		out = append(out, FitStep{Step: s, A: a, B: b, Loss: l})
		if s == steps {
			return out, nil
		}
		a -= learningRate * ga
		b -= learningRate * gb
	}
}

// MustFitLine is FitLine for notebook cells: it panics with FitLine's error.
func MustFitLine(points []Point, learningRate float64, steps int) []FitStep {
	s, err := FitLine(points, learningRate, steps)
	if err != nil {
		panic(err)
	}
	return s
}

// MSE returns the mean squared error mean((a·x + b − y)²) of the line
// y = a·x + b on points: the loss FitLine descends (NaN when there are no
// points).
func MSE(points []Point, a, b float64) float64 {
	s := 0.0
	for _, p := range points {
		r := a*p.X + b - p.Y
		s += r * r
	}
	return s / float64(len(points))
}

// LeastSquares returns the slope and intercept with the smallest mean
// squared error on points, in closed form: the line gradient descent
// converges to. With all x equal it returns a = 0 and b = mean(y).
func LeastSquares(points []Point) (a, b float64) {
	n := float64(len(points))
	var mx, my float64
	for _, p := range points {
		mx += p.X / n
		my += p.Y / n
	}
	var sxy, sxx float64
	for _, p := range points {
		sxy += (p.X - mx) * (p.Y - my)
		sxx += (p.X - mx) * (p.X - mx)
	}
	if sxx == 0 {
		return 0, my
	}
	a = sxy / sxx
	return a, my - a*mx
}

// NoisyLine returns n points scattered around y = a·x + b: x evenly spread
// over [0, 1], y with Gaussian noise of standard deviation noise added. The
// same seed gives the same points on every machine.
func NoisyLine(n int, a, b, noise float64, seed uint64) []Point {
	var key [32]byte
	copy(key[:], "llm.NoisyLine/v1")
	binary.LittleEndian.PutUint64(key[24:], seed)
	r := rand.New(rand.NewChaCha8(key))
	pts := make([]Point, max(n, 0))
	for i := range pts {
		x := 0.0
		if n > 1 {
			x = float64(i) / float64(n-1)
		}
		pts[i] = Point{X: x, Y: a*x + b + noise*r.NormFloat64()}
	}
	return pts
}
