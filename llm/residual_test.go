package llm

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestStackGradients compares StackGradients with the products of the
// layers' transposed Jacobians computed as whole matrices by gonum:
// (W_k … W_L)ᵀ·g and ((I+W_k) … (I+W_L))ᵀ·g.
func TestStackGradients(t *testing.T) {
	const depth, width = 6, 12
	ws := MustRandomStack(depth, width, 0.7, 3)
	plain, resid := StackGradients(ws)
	if len(plain) != depth || len(resid) != depth {
		t.Fatalf("%d and %d norms, want %d", len(plain), len(resid), depth)
	}
	g := mat.NewVecDense(width, nil)
	for i := range width {
		g.SetVec(i, 1/math.Sqrt(width))
	}
	P, R := mat.NewDense(width, width, nil), mat.NewDense(width, width, nil)
	for i := range width {
		P.Set(i, i, 1)
		R.Set(i, i, 1)
	}
	for k := range depth {
		l := depth - 1 - k // layers are passed top down
		W := mat.NewDense(width, width, nil)
		for r := range width {
			W.SetRow(r, ws[l][r])
		}
		IW := mat.NewDense(width, width, nil)
		IW.Add(W, eye(width))
		var p2, r2 mat.Dense
		p2.Mul(P, W) // the forward map from layer l up: W_top·…·W_l
		r2.Mul(R, IW)
		P, R = &p2, &r2
		var gp, gr mat.VecDense
		gp.MulVec(P.T(), g)
		gr.MulVec(R.T(), g)
		if math.Abs(gp.Norm(2)-plain[k]) > 1e-12*max(1, plain[k]) || math.Abs(gr.Norm(2)-resid[k]) > 1e-12*max(1, resid[k]) {
			t.Errorf("after %d layers: %v / %v, gonum %v / %v", k+1, plain[k], resid[k], gp.Norm(2), gr.Norm(2))
		}
	}
}

func eye(n int) *mat.Dense {
	d := mat.NewDense(n, n, nil)
	for i := range n {
		d.Set(i, i, 1)
	}
	return d
}

// TestRandomStack checks the seed, the entries' spread and the errors.
func TestRandomStack(t *testing.T) {
	a, b := MustRandomStack(2, 200, 0.5, 7), MustRandomStack(2, 200, 0.5, 7)
	c := MustRandomStack(2, 200, 0.5, 8)
	if a[1][3][5] != b[1][3][5] || a[1][3][5] == c[1][3][5] {
		t.Error("the same seed should give the same matrices, another seed others")
	}
	var ss float64
	for _, row := range a[0] {
		for _, v := range row {
			ss += v * v
		}
	}
	if sd := math.Sqrt(ss / (200 * 200)); math.Abs(sd-0.5/math.Sqrt(200)) > 0.02*0.5/math.Sqrt(200) {
		t.Errorf("entry spread %v, want %v", sd, 0.5/math.Sqrt(200))
	}
	for _, bad := range [][3]float64{{0, 4, 1}, {4, 0, 1}, {2, 4, -1}, {2, 4, math.NaN()}, {2, 4, math.Inf(1)}, {1 << 10, 1 << 10, 1}} {
		if _, err := RandomStack(int(bad[0]), int(bad[1]), bad[2], 1); err == nil {
			t.Errorf("RandomStack%v: no error", bad)
		}
	}
	if p, r := StackGradients(nil); p != nil || r != nil {
		t.Error("no layers: want no norms")
	}
}
