package widgets

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm"
)

// TestSamplingMatchesSampler checks every slider position of the explorer
// against llm.Sampler.Probs, the engine's own sampler over the full
// distribution: the kept count and the listed rows' probabilities.
func TestSamplingMatchesSampler(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	logits := make([]float32, 3000)
	for i := range logits {
		logits[i] = float32(r.NormFloat64()) // spread small enough that no float32 probability underflows at T = 0.1
	}
	s := Sampling{Logits: logits, Rows: 10}
	d, err := s.compute()
	if err != nil {
		t.Fatal(err)
	}
	rk := llm.SortLogits(logits)
	f := 0
	for _, temp := range samplingT {
		for _, k := range samplingK {
			for _, p := range samplingP {
				for _, mp := range samplingMinP {
					sm := llm.Sampler{Temperature: temp, TopK: k, TopP: p, MinP: mp}
					probs := sm.Probs(logits)
					n := 0
					for _, v := range probs {
						if v > 0 {
							n++
						}
					}
					if d.N[f] != n {
						t.Errorf("%v: explorer keeps %d, Sampler.Probs %d", sm, d.N[f], n)
					}
					s.Temperature, s.TopK, s.TopP, s.MinP = temp, k, p, mp
					if _, _, _, _, at := s.at(d); at != f {
						t.Fatalf("%v: grid index %d, want %d", sm, at, f)
					}
					if f%97 == 0 {
						_, rows := s.kept(d)
						for i, v := range rows {
							if math.Abs(v-float64(probs[rk.IDs[i]])) > 1e-4 {
								t.Errorf("%v: row %d p sampled %g, Sampler.Probs %g", sm, i, v, probs[rk.IDs[i]])
							}
						}
					}
					f++
				}
			}
		}
	}
	s = Sampling{Title: "test", Logits: logits, Piece: func(id int) string { return fmt.Sprint("tok", id) }, Temperature: 0.7, TopP: 0.9}
	h, err := s.HTML()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"llmw-sampling", "min-p", "kept ", "of 3,000 tokens", "tok" + fmt.Sprint(rk.IDs[0])} {
		if !strings.Contains(h, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if strings.Contains(h, "http") {
		t.Error("HTML refers to the network")
	}
	txt, err := s.Text()
	if err != nil || !strings.Contains(txt, "T = 0.7, top-k off, top-p 0.90") {
		t.Errorf("Text: %v\n%s", err, txt)
	}
	for _, bad := range [][]float32{nil, {1, float32(math.NaN())}, {float32(math.Inf(-1))}} {
		if _, err := (Sampling{Logits: bad}).HTML(); err == nil {
			t.Errorf("logits %v: no error", bad)
		}
	}
}

func ExampleSampling() {
	logits := []float32{5.0, 4.9, 1.0, 0.5, -1}
	s := Sampling{Logits: logits, Piece: func(id int) string { return []string{"cat", "dog", "car", "sun", "the"}[id] }, Temperature: 1, TopP: 0.9}
	n, rows, _ := s.Kept()
	fmt.Printf("kept %d tokens; p sampled: %.4f\n", n, rows)
	// Output:
	// kept 2 tokens; p sampled: [0.5250 0.4750 0.0000 0.0000 0.0000]
}

func TestCurves(t *testing.T) {
	rows := [][]float32{{1, 1, 1, 1}, {5, 4.9, 1, 0.5}}
	e := EntropyCurves("e", rows, []string{"flat"})
	if len(e.X) != 41 || e.X[20] != "1.00" || e.Series[1].Name != "row 1" {
		t.Errorf("EntropyCurves axes: %v, series %q", e.X, e.Series[1].Name)
	}
	// Four equal logits: 2 bits at every T > 0, 0 at T = 0.
	if e.Series[0].Values[0] != 0 || math.Abs(e.Series[0].Values[20]-2) > 1e-9 {
		t.Errorf("flat entropies %v", e.Series[0].Values)
	}
	n := NucleusCurves("n", rows, nil)
	if len(n.X) != 20 || n.X[19] != "0.99" || n.X[17] != "0.90" {
		t.Errorf("NucleusCurves x = %v", n.X)
	}
	// Four equal tokens: p = 0.5 keeps 2 (log10 2), p = 0.99 keeps 4.
	if v := n.Series[0].Values; math.Abs(v[9]-math.Log10(2)) > 1e-12 || math.Abs(v[19]-math.Log10(4)) > 1e-12 {
		t.Errorf("flat nucleus %v", v)
	}
	for _, c := range []LineChart{e, n} {
		if _, err := c.HTML(); err != nil {
			t.Error(err)
		}
	}
}
