package llm

import (
	"math"
	"strings"
	"testing"
)

func TestFitLineConverges(t *testing.T) {
	pts := NoisyLine(50, 2, -1, 0.1, 7)
	traj, err := FitLine(pts, 0.5, 2000)
	if err != nil {
		t.Fatal(err)
	}
	if len(traj) != 2001 || traj[0] != (FitStep{Step: 0, Loss: traj[0].Loss}) {
		t.Fatalf("trajectory starts %+v, has %d entries", traj[0], len(traj))
	}
	// The least-squares solution in closed form.
	var sx, sy, sxx, sxy float64
	for _, p := range pts {
		sx += p.X
		sy += p.Y
		sxx += p.X * p.X
		sxy += p.X * p.Y
	}
	n := float64(len(pts))
	a := (n*sxy - sx*sy) / (n*sxx - sx*sx)
	b := (sy - a*sx) / n
	last := traj[len(traj)-1]
	if !near(last.A, a, 1e-6) || !near(last.B, b, 1e-6) {
		t.Errorf("fit a=%v b=%v, least squares a=%v b=%v", last.A, last.B, a, b)
	}
	if !near(a, 2, 0.2) || !near(b, -1, 0.1) {
		t.Errorf("noisy points far from the line: a=%v b=%v", a, b)
	}
	for i := 1; i < len(traj); i++ {
		if traj[i].Loss > traj[i-1].Loss+1e-12 {
			t.Fatalf("loss rose at step %d: %v -> %v", i, traj[i-1].Loss, traj[i].Loss)
		}
	}
}

func TestFitLineFirstStepByHand(t *testing.T) {
	// Points (0,1) and (1,3): at a=b=0 residuals are -1 and -3,
	// dL/da = mean(2·r·x) = -3, dL/db = mean(2·r) = -4, loss = 5.
	traj, err := FitLine([]Point{{0, 1}, {1, 3}}, 0.1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if traj[0].Loss != 5 || !near(traj[1].A, 0.3, 1e-12) || !near(traj[1].B, 0.4, 1e-12) {
		t.Errorf("trajectory = %+v", traj)
	}
}

func TestFitLineDivergesAndBadInput(t *testing.T) {
	traj, err := FitLine(NoisyLine(10, 3, 0, 0, 1), 50, 1000)
	if err == nil || !strings.Contains(err.Error(), "too large") || len(traj) == 0 {
		t.Errorf("diverging fit: err = %v, %d steps", err, len(traj))
	}
	for _, bad := range []func() error{
		func() error { _, err := FitLine(nil, 0.1, 10); return err },
		func() error { _, err := FitLine([]Point{{0, 1}}, 0, 10); return err },
		func() error { _, err := FitLine([]Point{{0, 1}}, 0.1, -1); return err },
		func() error { _, err := FitLine([]Point{{math.NaN(), 1}}, 0.1, 1); return err },
	} {
		if bad() == nil {
			t.Error("bad input accepted")
		}
	}
}

func TestNoisyLineSeeded(t *testing.T) {
	a, b := NoisyLine(5, 1, 0, 0.5, 3), NoisyLine(5, 1, 0, 0.5, 3)
	c := NoisyLine(5, 1, 0, 0.5, 4)
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("same seed, different points")
		}
	}
	if a[1] == c[1] {
		t.Error("different seeds, same points")
	}
	if a[0].X != 0 || a[4].X != 1 {
		t.Errorf("x not spread over [0,1]: %v", a)
	}
	if z := NoisyLine(3, 2, 1, 0, 9); z[2].Y != 3 {
		t.Errorf("noise 0 gives points on the line, got %v", z)
	}
}

func TestLeastSquaresAndMSE(t *testing.T) {
	exact := []Point{{X: 0, Y: 1}, {X: 1, Y: 3}, {X: 2, Y: 5}}
	if a, b := LeastSquares(exact); math.Abs(a-2) > 1e-12 || math.Abs(b-1) > 1e-12 {
		t.Errorf("LeastSquares(y = 2x + 1) = %v, %v", a, b)
	}
	if l := MSE(exact, 2, 1); l != 0 {
		t.Errorf("MSE on the exact line = %v, want 0", l)
	}
	if l := MSE(exact, 2, 0); l != 1 {
		t.Errorf("MSE one unit off = %v, want 1", l)
	}
	if a, b := LeastSquares([]Point{{X: 1, Y: 2}, {X: 1, Y: 4}}); a != 0 || b != 3 {
		t.Errorf("LeastSquares with equal x = %v, %v, want 0, 3", a, b)
	}
	// Gradient descent converges to the closed form, and every FitStep's
	// Loss is MSE of its line.
	pts := NoisyLine(40, 2, 0.5, 0.3, 7)
	steps, err := FitLine(pts, 0.5, 2000)
	if err != nil {
		t.Fatal(err)
	}
	a, b := LeastSquares(pts)
	last := steps[len(steps)-1]
	if math.Abs(last.A-a) > 1e-6 || math.Abs(last.B-b) > 1e-6 {
		t.Errorf("descent ended at %v, %v; least squares %v, %v", last.A, last.B, a, b)
	}
	for _, s := range steps[:5] {
		if math.Abs(s.Loss-MSE(pts, s.A, s.B)) > 1e-12 {
			t.Errorf("step %d: Loss %v, MSE %v", s.Step, s.Loss, MSE(pts, s.A, s.B))
		}
	}
}
