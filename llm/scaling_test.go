package llm

import (
	"math"
	"testing"
)

// The fit recovers a law the points were made from, and on noisy points
// it matches the closed-form least-squares line on the logs.
func TestFitPowerLaw(t *testing.T) {
	x := []float64{1e3, 4e3, 1.6e4, 6.4e4}
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = 12 * math.Pow(v, -0.3)
	}
	p, err := FitPowerLaw(x, y)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(p.A-12) > 1e-9 || math.Abs(p.Alpha-0.3) > 1e-12 {
		t.Errorf("fit %v, want A 12, alpha 0.3", p)
	}
	y = []float64{3.1, 2.5, 2.2, 1.7}
	p = MustFitPowerLaw(x, y)
	// slope = Σ(u−ū)(v−v̄) / Σ(u−ū)² on u = ln x, v = ln y
	var mu, mv float64
	for i := range x {
		mu += math.Log(x[i]) / 4
		mv += math.Log(y[i]) / 4
	}
	var sxy, sxx float64
	for i := range x {
		du, dv := math.Log(x[i])-mu, math.Log(y[i])-mv
		sxy += du * dv
		sxx += du * du
	}
	slope := sxy / sxx
	if math.Abs(p.Alpha+slope) > 1e-12 || math.Abs(math.Log(p.A)-(mv-slope*mu)) > 1e-12 {
		t.Errorf("fit %v, closed form alpha %g, ln A %g", p, -slope, mv-slope*mu)
	}
	if math.Abs(p.At(1e3)-p.A*math.Pow(1e3, -p.Alpha)) > 1e-12 {
		t.Error("At disagrees with the formula")
	}
	for _, bad := range [][2][]float64{
		{{1, 2}, {1}}, {{1, 1}, {2, 3}}, {{0, 2}, {1, 1}}, {{1, 2}, {-1, 1}}, {{1, math.NaN()}, {1, 1}},
	} {
		if _, err := FitPowerLaw(bad[0], bad[1]); err == nil {
			t.Errorf("FitPowerLaw(%v, %v): no error", bad[0], bad[1])
		}
	}
}

func TestComputeRules(t *testing.T) {
	// Chinchilla: 70B parameters, 1.4T tokens, 20 per parameter.
	if got := ChinchillaTokens(70e9); got != 1.4e12 {
		t.Errorf("ChinchillaTokens(70e9) = %g", got)
	}
	if got := TrainFLOPs(70e9, 1.4e12); math.Abs(got-5.88e23) > 1e9 {
		t.Errorf("TrainFLOPs(70e9, 1.4e12) = %g, want 5.88e23", got)
	}
}
