package llm

import (
	"math"
	"math/rand/v2"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestSoftmaxValues(t *testing.T) {
	// exp(1), exp(2), exp(3) over their sum.
	p := Softmax([]float32{1, 2, 3}, 1)
	want := []float64{0.09003057, 0.24472847, 0.66524096}
	for i := range want {
		if !near(float64(p[i]), want[i], 1e-6) {
			t.Errorf("p[%d] = %v, want %v", i, p[i], want[i])
		}
	}
	// Temperature 2 equals softmax of halved logits.
	p2 := Softmax([]float32{1, 2, 3}, 2)
	q := Softmax([]float32{0.5, 1, 1.5}, 1)
	for i := range p2 {
		if !near(float64(p2[i]), float64(q[i]), 1e-7) {
			t.Errorf("T=2: p[%d] = %v, want %v", i, p2[i], q[i])
		}
	}
	// Huge logits do not overflow.
	big := Softmax([]float32{1000, 1000, -1000}, 1)
	if big[0] != 0.5 || big[1] != 0.5 || big[2] != 0 {
		t.Errorf("Softmax of large logits = %v, want [0.5 0.5 0]", big)
	}
	// Temperature 0 is argmax, lowest id among ties.
	z := Softmax([]float32{1, 5, 5, 2}, 0)
	if z[0] != 0 || z[1] != 1 || z[2] != 0 || z[3] != 0 {
		t.Errorf("T=0 = %v, want one-hot at 1", z)
	}
	// Masked entries get probability 0.
	m := Softmax([]float32{float32(math.Inf(-1)), 0, 0}, 1)
	if m[0] != 0 || m[1] != 0.5 {
		t.Errorf("masked = %v", m)
	}
	if n := Softmax([]float32{1, 2}, -1); !math.IsNaN(float64(n[0])) {
		t.Errorf("negative temperature gave %v, want NaN", n)
	}
	if len(Softmax([]float32(nil), 1)) != 0 {
		t.Error("Softmax(nil) not empty")
	}
}

func TestLogSoftmaxMatchesLogOfSoftmax(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	logits := make([]float32, 1000)
	for i := range logits {
		logits[i] = float32(r.NormFloat64() * 5)
	}
	for _, temp := range []float64{0.3, 1, 2.5} {
		p := Softmax(logits, temp)
		lp := LogSoftmax(logits, temp)
		var sum float64
		for i := range p {
			sum += float64(p[i])
			if p[i] > 1e-30 && !near(float64(lp[i]), math.Log(float64(p[i])), 1e-4) {
				t.Fatalf("T=%v: logp[%d] = %v, log p = %v", temp, i, lp[i], math.Log(float64(p[i])))
			}
		}
		if !near(sum, 1, 1e-5) {
			t.Errorf("T=%v: probabilities sum to %v", temp, sum)
		}
	}
	// Far below the float32 range of probabilities, log-softmax stays exact.
	lp := LogSoftmax([]float32{0, -200}, 1)
	if !near(float64(lp[1]), -200, 1e-4) {
		t.Errorf("LogSoftmax tail = %v, want -200", lp[1])
	}
	z := LogSoftmax([]float32{3, 1}, 0)
	if z[0] != 0 || !math.IsInf(float64(z[1]), -1) {
		t.Errorf("LogSoftmax T=0 = %v", z)
	}
}

func TestEntropy(t *testing.T) {
	if h := Entropy([]float32{0, 1, 0}); h != 0 {
		t.Errorf("one-hot entropy = %v", h)
	}
	if h := Entropy([]float32{0.25, 0.25, 0.25, 0.25}); !near(h, math.Log(4), 1e-9) {
		t.Errorf("uniform entropy = %v, want ln 4", h)
	}
	// Entropy falls as temperature falls.
	logits := []float32{2, 1, 0.5, -1}
	hot, cold := Entropy(Softmax(logits, 2)), Entropy(Softmax(logits, 0.5))
	if !(hot > cold) {
		t.Errorf("entropy at T=2 (%v) not above T=0.5 (%v)", hot, cold)
	}
}

func TestTopK(t *testing.T) {
	x := []float32{0.1, 0.5, float32(math.NaN()), 0.2, 0.5, 0.05}
	got := TopK(x, 3)
	want := []Ranked{{1, 0.5}, {4, 0.5}, {3, 0.2}}
	if len(got) != len(want) {
		t.Fatalf("TopK = %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("TopK[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	if n := len(TopK(x, 100)); n != 5 {
		t.Errorf("TopK(x, 100) has %d entries, want the 5 non-NaN", n)
	}
	if TopK(x, 0) != nil {
		t.Error("TopK(x, 0) not empty")
	}
	if Argmax([]float32{float32(math.NaN()), 1, 3, 3}) != 2 {
		t.Error("Argmax skips NaN and takes the lowest index")
	}
}

func vocabLogits(n int) []float32 {
	r := rand.New(rand.NewPCG(7, 7))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64() * 3)
	}
	return x
}

func BenchmarkSoftmax248k(b *testing.B) {
	x := vocabLogits(248320)
	p := make([]float32, len(x))
	b.SetBytes(int64(4 * len(x)))
	for b.Loop() {
		softmaxInto(p, x, 0.8)
	}
}

func BenchmarkTopK248k(b *testing.B) {
	x := vocabLogits(248320)
	for b.Loop() {
		TopK(x, 20)
	}
}

// TestTopCandidates checks the one ranking of next tokens against a
// computation from the definition: sort every id by logit, and take each
// probability as exp(z) / Σ exp over the whole vocabulary in float64.
func TestTopCandidates(t *testing.T) {
	logits := []float32{0.5, 3, -1, 3, 2.5, 40, -7}
	piece := func(id int) string { return string(rune('a' + id)) }
	got := TopCandidates(logits, 4, piece)
	var sum float64
	for _, z := range logits {
		sum += math.Exp(float64(z))
	}
	wantIDs := []int{5, 1, 3, 4} // 40, then the tie 3 = 3 by lower id, then 2.5
	if len(got) != len(wantIDs) {
		t.Fatalf("got %d candidates, want %d", len(got), len(wantIDs))
	}
	for i, c := range got {
		id := wantIDs[i]
		want := math.Exp(float64(logits[id])) / sum
		if c.ID != id || c.Piece != piece(id) || c.Logit != logits[id] || math.Abs(float64(c.Prob)-want) > 1e-6*max(want, 1e-30) {
			t.Errorf("candidate %d = %+v, want id %d piece %q logit %v prob %g", i, c, id, piece(id), logits[id], want)
		}
	}
	if c := TopCandidates(logits, 1, nil); c[0].Piece != "" || c[0].ID != 5 {
		t.Errorf("nil piece: %+v", c)
	}
	if c := TopCandidates(logits, 0, piece); c == nil || len(c) != 0 {
		t.Errorf("k = 0: %#v, want an empty (non-nil) list", c)
	}
	if c := TopCandidates(logits, 100, piece); len(c) != len(logits) {
		t.Errorf("k > vocabulary: %d candidates", len(c))
	}
}

// TestSoftmaxFloat64 checks that the float64 instantiation (toy examples
// typed by hand) agrees with the float32 one (the model's logits) and with
// the formula.
func TestSoftmaxFloat64(t *testing.T) {
	z64 := []float64{2.4, 1.6, 0.7, -0.3, -1.1}
	z32 := []float32{2.4, 1.6, 0.7, -0.3, -1.1}
	for _, temp := range []float64{0.25, 0.5, 1, 2} {
		p64, p32 := Softmax(z64, temp), Softmax(z32, temp)
		var sum float64
		for _, z := range z64 {
			sum += math.Exp(z / temp)
		}
		for i, z := range z64 {
			want := math.Exp(z/temp) / sum
			if math.Abs(p64[i]-want) > 1e-12 || math.Abs(float64(p32[i])-want) > 1e-6 {
				t.Errorf("T=%g token %d: float64 %g, float32 %g, formula %g", temp, i, p64[i], p32[i], want)
			}
		}
		if s := Sum(p64); math.Abs(s-1) > 1e-12 {
			t.Errorf("T=%g: Sum = %g", temp, s)
		}
		l64 := LogSoftmax(z64, temp)
		if math.Abs(l64[0]-math.Log(p64[0])) > 1e-12 {
			t.Errorf("T=%g: LogSoftmax %g, log Softmax %g", temp, l64[0], math.Log(p64[0]))
		}
	}
	if Argmax(z64) != 0 || Argmax([]float64{}) != -1 {
		t.Errorf("Argmax(float64) = %d", Argmax(z64))
	}
	if h := Entropy([]float64{0.5, 0.5}); math.Abs(h-math.Ln2) > 1e-15 {
		t.Errorf("Entropy = %g, want ln 2", h)
	}
}
