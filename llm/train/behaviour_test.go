package train

import (
	"math"
	"testing"
)

func TestInitialLossIsLnVocab(t *testing.T) {
	c := Micro(256)
	m := NewModel[float32](c, 1)
	seq := make([]int, 100)
	for i := range seq {
		seq[i] = (i * 37) % 256
	}
	l, err := MeanLoss(m, [][]int{seq})
	if err != nil {
		t.Fatal(err)
	}
	if want := math.Log(256); math.Abs(l-want) > 0.05 {
		t.Errorf("initial loss %.4f, want ≈ ln(256) = %.4f", l, want)
	}
}

func TestOverfitTwoSentences(t *testing.T) {
	c := Micro(40)
	m := NewModel[float32](c, 1)
	a := []int{1, 5, 9, 12, 3, 7, 22, 31, 4, 8, 15, 2}
	b := []int{6, 17, 9, 25, 11, 33, 3, 14, 27, 19, 2}
	tr, err := NewTrainer(m, append(append([]int{}, a...), b...), Options{Steps: 150, Batch: 1, SeqLen: 2, LR: 1e-2, Warmup: 10})
	if err != nil {
		t.Fatal(err)
	}
	g := make([]float32, len(m.Params))
	var loss float64
	for step := 0; step < 150; step++ {
		loss, err = m.Grad(g, [][]int{a, b})
		if err != nil {
			t.Fatal(err)
		}
		ClipGlobalNorm(g, 1)
		tr.Opt.Step(m.Params, g, tr.Schedule().LR(step))
	}
	final, _ := MeanLoss(m, [][]int{a, b})
	if final >= 0.05 {
		t.Errorf("after 150 steps on two sentences: loss %.4f (last batch %.4f), want < 0.05", final, loss)
	}
}

// TestCausal checks that changing token t+1 leaves the losses of positions
// ≤ t unchanged (position t's loss itself changes: its target changed).
func TestCausal(t *testing.T) {
	c := testConfig()
	m := randomModel[float64](c, 3)
	a := []int{3, 1, 4, 1, 5, 9, 2, 6, 5, 3}
	b := append([]int{}, a...)
	const pos = 5
	b[pos+1] = 7
	la, _ := m.Losses([][]int{a})
	lb, _ := m.Losses([][]int{b})
	for i := 0; i < pos; i++ {
		if la[0][i] != lb[0][i] {
			t.Errorf("position %d: loss %v became %v after changing token %d", i, la[0][i], lb[0][i], pos+1)
		}
	}
	if la[0][pos] == lb[0][pos] {
		t.Errorf("position %d: loss did not change when its target changed", pos)
	}
	if la[0][pos+1] == lb[0][pos+1] {
		t.Errorf("position %d: loss did not change when its input changed", pos+1)
	}
}

func TestScheduleShape(t *testing.T) {
	s := Schedule{Peak: 1, Min: 0.1, Warmup: 10, Total: 110}
	for _, tc := range []struct {
		step int
		want float64
	}{{0, 0.1}, {4, 0.5}, {9, 1}, {10, 1}, {60, 0.55}, {110, 0.1}, {500, 0.1}} {
		if got := s.LR(tc.step); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("LR(%d) = %v, want %v", tc.step, got, tc.want)
		}
	}
}

func TestClipGlobalNorm(t *testing.T) {
	g := []float64{3, 4}
	if n := ClipGlobalNorm(g, 1); n != 5 {
		t.Errorf("pre-clip norm %v, want 5", n)
	}
	if math.Abs(GlobalNorm(g)-1) > 1e-15 || math.Abs(g[0]-0.6) > 1e-15 {
		t.Errorf("clipped gradient %v, want [0.6 0.8]", g)
	}
	g = []float64{3, 4}
	ClipGlobalNorm(g, 0)
	if g[0] != 3 {
		t.Errorf("clip 0 changed the gradient: %v", g)
	}
}
