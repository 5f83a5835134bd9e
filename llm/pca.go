package llm

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// PCA is a principal component analysis of a set of vectors (computed by
// gonum's stat.PC, an SVD of the centred data): the directions along which
// the vectors spread the most, and how much of their spread each direction
// holds. It is how a picture of 1,024-dimensional vectors gets drawn in two.
type PCA struct {
	Mean       []float64   // the mean vector, subtracted before projecting
	Components [][]float64 // the kept directions, unit vectors, most variance first
	Variance   []float64   // the variance of the data along each kept direction
	Total      float64     // the total variance (the sum over every direction)
	// Coords are the input vectors projected on the kept directions:
	// Coords[i][c] = (v_i − Mean)·Components[c].
	Coords [][]float64
}

// FitPCA computes the first k principal components of rows (n vectors of
// the same length, n ≥ 2). Each component's sign is fixed so that its
// largest coordinate (by magnitude) is positive, so the same data always
// gives the same picture.
func FitPCA(rows [][]float32, k int) (*PCA, error) {
	n := len(rows)
	if n < 2 {
		return nil, fmt.Errorf("llm: PCA of %d vectors: want at least 2", n)
	}
	d := len(rows[0])
	if k < 1 || k > min(n, d) {
		return nil, fmt.Errorf("llm: PCA of %d vectors of %d values: k = %d, want 1 to %d", n, d, k, min(n, d))
	}
	data := mat.NewDense(n, d, nil)
	for i, r := range rows {
		if len(r) != d {
			return nil, fmt.Errorf("llm: PCA: vector %d has %d values, vector 0 has %d", i, len(r), d)
		}
		for j, x := range r {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return nil, fmt.Errorf("llm: PCA: vector %d value %d is %v", i, j, x)
			}
			data.Set(i, j, float64(x))
		}
	}
	var pc stat.PC
	if !pc.PrincipalComponents(data, nil) {
		return nil, fmt.Errorf("llm: PCA of %d vectors of %d values: the SVD did not converge", n, d)
	}
	var vecs mat.Dense
	pc.VectorsTo(&vecs)
	vars := pc.VarsTo(nil)
	p := &PCA{Mean: make([]float64, d), Variance: vars[:k:k]}
	for _, v := range vars {
		p.Total += v
	}
	for j := range d {
		p.Mean[j] = stat.Mean(mat.Col(nil, j, data), nil)
	}
	for c := range k {
		v := mat.Col(nil, c, &vecs)
		big := 0
		for j := range v {
			if math.Abs(v[j]) > math.Abs(v[big]) {
				big = j
			}
		}
		if v[big] < 0 {
			for j := range v {
				v[j] = -v[j]
			}
		}
		p.Components = append(p.Components, v)
	}
	for _, r := range rows {
		p.Coords = append(p.Coords, p.Project(r))
	}
	return p, nil
}

// MustPCA is FitPCA for notebook cells: it panics with its error.
func MustPCA(rows [][]float32, k int) *PCA {
	p, err := FitPCA(rows, k)
	if err != nil {
		panic(err)
	}
	return p
}

// Project returns v's coordinates on the kept components, (v − Mean)·c.
// v must have the length of the analysed vectors (it panics otherwise).
func (p *PCA) Project(v []float32) []float64 {
	if len(v) != len(p.Mean) {
		panic(fmt.Sprintf("llm: PCA.Project of %d values, the analysis has %d", len(v), len(p.Mean)))
	}
	out := make([]float64, len(p.Components))
	for c, comp := range p.Components {
		var s float64
		for j, x := range v {
			s += (float64(x) - p.Mean[j]) * comp[j]
		}
		out[c] = s
	}
	return out
}

// Explained returns the share of the total variance each kept component
// holds, in [0, 1].
func (p *PCA) Explained() []float64 {
	out := make([]float64, len(p.Variance))
	for i, v := range p.Variance {
		if p.Total > 0 {
			out[i] = v / p.Total
		}
	}
	return out
}
