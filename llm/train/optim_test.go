package train

import (
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm/model"
)

// TestWeightDecayOnlyOnMatrices: with a zero gradient, an AdamW step moves
// only the decayed tensors (matrices, embedding, conv), by exactly lr·λ·p.
func TestWeightDecayOnlyOnMatrices(t *testing.T) {
	m := randomModel[float64](testConfig(), 4)
	before := append([]float64(nil), m.Params...)
	opt := NewAdamW(m, AdamWConfig{WeightDecay: 0.5})
	opt.Step(m.Params, make([]float64, len(m.Params)), 0.1)
	for _, ts := range m.Tensors {
		name := strings.TrimPrefix(ts.Name, model.TextPrefix)
		norm := strings.HasSuffix(name, "norm.weight") || strings.HasSuffix(name, "A_log") || strings.HasSuffix(name, "dt_bias")
		if ts.Decay == norm {
			t.Errorf("%s: Decay = %v", name, ts.Decay)
		}
		for i := ts.Off; i < ts.Off+ts.Size; i++ {
			want := before[i]
			if ts.Decay {
				want = before[i] * (1 - 0.1*0.5)
			}
			if d := m.Params[i] - want; d > 1e-15 || d < -1e-15 {
				t.Fatalf("%s[%d]: %v, want %v", name, i-ts.Off, m.Params[i], want)
			}
		}
	}
}

// TestSameSeedSameCurve: the loss curve is a function of the seed.
func TestSameSeedSameCurve(t *testing.T) {
	data := make([]int, 400)
	for i := range data {
		data[i] = (i*31 + i/7) % 40
	}
	curve := func(seed uint64) []float64 {
		tr := MustMicro(data, 40, Options{Steps: 5, Batch: 3, SeqLen: 20, LR: 5e-3, Warmup: 2, Clip: 1, WeightDecay: 0.1, Seed: seed})
		if err := tr.Run(5, nil); err != nil {
			t.Fatal(err)
		}
		return tr.Curve()
	}
	a, b, c := curve(1), curve(1), curve(2)
	for i := range a {
		if a[i] != b[i] {
			t.Errorf("step %d: same seed gives %v and %v", i+1, a[i], b[i])
		}
	}
	if a[len(a)-1] == c[len(c)-1] {
		t.Errorf("seeds 1 and 2 give the same final loss %v", a[len(a)-1])
	}
}
