package llm

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Why residual connections help training (chapter 9), on a toy: a stack of
// random linear layers, through which a gradient is sent backwards with and
// without the identity path of a residual connection.

// RandomStack returns depth random square matrices of size width, with
// independent normal entries of standard deviation scale/√width (so that
// one matrix multiplies a vector's length by about scale). The same seed
// gives the same matrices.
func RandomStack(depth, width int, scale float64, seed uint64) ([][][]float64, error) {
	if depth < 1 || width < 1 || depth*width*width > 1<<24 {
		return nil, fmt.Errorf("llm: RandomStack: depth %d × width %d²: want depth, width ≥ 1 and at most 16M numbers", depth, width)
	}
	if !(scale >= 0) || math.IsInf(scale, 0) {
		return nil, fmt.Errorf("llm: RandomStack: scale %v: want a finite number ≥ 0", scale)
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	sd := scale / math.Sqrt(float64(width))
	ws := make([][][]float64, depth)
	for l := range ws {
		ws[l] = make([][]float64, width)
		for r := range ws[l] {
			ws[l][r] = make([]float64, width)
			for c := range ws[l][r] {
				ws[l][r][c] = sd * rng.NormFloat64()
			}
		}
	}
	return ws, nil
}

// MustRandomStack is RandomStack for notebook cells: it panics on error.
func MustRandomStack(depth, width int, scale float64, seed uint64) [][][]float64 {
	ws, err := RandomStack(depth, width, scale, seed)
	if err != nil {
		panic(err)
	}
	return ws
}

// StackGradients sends a unit gradient back from the top of a stack of
// linear layers ws (ws[0] first in the forward direction) and returns its
// length after passing each layer, top down: plain[k] after k+1 layers of
// h ↦ W·h, residual[k] after k+1 layers of h ↦ h + W·h. The backward step
// is g ↦ Wᵀg for a plain layer and g ↦ g + Wᵀg for a residual one: the
// identity path hands the gradient down unchanged, whatever W does.
func StackGradients(ws [][][]float64) (plain, residual []float64) {
	if len(ws) == 0 {
		return nil, nil
	}
	w := len(ws[0])
	g0 := make([]float64, w)
	for i := range g0 {
		g0[i] = 1 / math.Sqrt(float64(w))
	}
	gp, gr := append([]float64(nil), g0...), append([]float64(nil), g0...)
	for l := len(ws) - 1; l >= 0; l-- {
		gp = transposeTimes(ws[l], gp)
		wr := transposeTimes(ws[l], gr)
		for i := range gr {
			gr[i] += wr[i]
		}
		plain, residual = append(plain, norm64(gp)), append(residual, norm64(gr))
	}
	return plain, residual
}

// transposeTimes returns Wᵀg.
func transposeTimes(W [][]float64, g []float64) []float64 {
	out := make([]float64, len(W[0]))
	for r, row := range W {
		for c, v := range row {
			out[c] += v * g[r]
		}
	}
	return out
}

func norm64(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}
