package llm

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// bruteKept is the textbook sampler over the full vocabulary, written
// independently of Kept: sort everything, softmax at T, keep the top k,
// renormalise, keep while the cumulative sum has not reached p,
// renormalise, drop what is below min-p times the best, renormalise.
func bruteKept(logits []float32, s Sampler) map[int]float64 {
	type tp struct {
		id int
		p  float64
	}
	var z []float64
	for _, v := range logits {
		z = append(z, float64(v))
	}
	hi := slices.Max(z)
	var all []tp
	var sum float64
	for i, v := range z {
		e := math.Exp((v - hi) / s.Temperature)
		all = append(all, tp{i, e})
		sum += e
	}
	sort.SliceStable(all, func(a, b int) bool { return all[a].p > all[b].p })
	norm := func(xs []tp) {
		var s float64
		for _, x := range xs {
			s += x.p
		}
		for i := range xs {
			xs[i].p /= s
		}
	}
	norm(all)
	if s.TopK > 0 && s.TopK < len(all) {
		all = all[:s.TopK]
		norm(all)
	}
	if s.TopP > 0 && s.TopP < 1 {
		var c float64
		for i, x := range all {
			c += x.p
			if c >= s.TopP {
				all = all[:i+1]
				break
			}
		}
		norm(all)
	}
	if s.MinP > 0 {
		best := all[0].p
		var keep []tp
		for _, x := range all {
			if x.p >= s.MinP*best {
				keep = append(keep, x)
			}
		}
		all = keep
		norm(all)
	}
	out := map[int]float64{}
	for _, x := range all {
		out[x.id] = x.p
	}
	return out
}

func randomLogits(r *rand.Rand, n int, spread float64) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(r.NormFloat64() * spread)
	}
	return out
}

func TestKeptMatchesBruteForceAndSampler(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	samplers := []Sampler{
		{Temperature: 1},
		{Temperature: 0.7, TopP: 0.9},
		{Temperature: 1.5, TopK: 40},
		{Temperature: 1, MinP: 0.05},
		{Temperature: 0.5, TopK: 100, TopP: 0.8, MinP: 0.02},
		{Temperature: 2, TopP: 0.3},
	}
	for trial := range 20 {
		logits := randomLogits(r, 2000, 1+float64(trial%4))
		for _, s := range samplers {
			kept := s.Kept(logits)
			want := bruteKept(logits, s)
			if len(kept) != len(want) {
				t.Fatalf("trial %d, %v: kept %d tokens, brute force %d", trial, s, len(kept), len(want))
			}
			var sum float64
			for i, k := range kept {
				if i > 0 && k.Value > kept[i-1].Value {
					t.Errorf("%v: kept set not sorted at %d", s, i)
				}
				if math.Abs(float64(k.Value)-want[k.ID]) > 1e-5 {
					t.Errorf("%v: token %d p = %g, brute force %g", s, k.ID, k.Value, want[k.ID])
				}
				sum += float64(k.Value)
			}
			if math.Abs(sum-1) > 1e-5 {
				t.Errorf("%v: kept probabilities sum to %g", s, sum)
			}
			// The engine's own sampler draws from the same set.
			probs := s.Probs(logits)
			nonzero := 0
			for id, p := range probs {
				if p > 0 {
					nonzero++
					if math.Abs(float64(p)-want[id]) > 1e-5 {
						t.Errorf("%v: Sampler.Probs[%d] = %g, brute force %g", s, id, p, want[id])
					}
				}
			}
			if nonzero != len(want) {
				t.Errorf("%v: Sampler.Probs keeps %d, brute force %d", s, nonzero, len(want))
			}
		}
	}
	if k := (Sampler{}).Kept([]float32{1, 3, 2}); len(k) != 1 || k[0].ID != 1 || k[0].Value != 1 {
		t.Errorf("greedy Kept = %v, want token 1 alone", k)
	}
}

func TestCutMatchesKept(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	logits := randomLogits(r, 500, 2)
	rk := SortLogits(logits)
	for _, s := range []Sampler{{Temperature: 1, TopP: 0.5}, {Temperature: 0.3, MinP: 0.1}, {Temperature: 1.2, TopK: 7}} {
		n, mass := rk.Cut(s)
		want := bruteKept(logits, s)
		if n != len(want) {
			t.Errorf("%v: Cut keeps %d, brute force %d", s, n, len(want))
		}
		p := Softmax(logits, s.Temperature)
		var wm float64
		for id := range want {
			wm += float64(p[id])
		}
		if math.Abs(mass-wm) > 1e-5 {
			t.Errorf("%v: Cut mass %g, want %g", s, mass, wm)
		}
	}
}

func TestEntropiesAndNucleus(t *testing.T) {
	// Four equal logits: entropy 2 bits at any T > 0, nucleus ⌈4p⌉.
	flat := []float32{1, 1, 1, 1}
	for _, h := range Entropies(flat, []float64{0.5, 1, 3}) {
		if math.Abs(h-2) > 1e-9 {
			t.Errorf("entropy of 4 equal logits = %g bits, want 2", h)
		}
	}
	if got := NucleusSizes(flat, 1, []float64{0.1, 0.25, 0.3, 0.6, 1}); !slices.Equal(got, []int{1, 1, 2, 3, 4}) {
		t.Errorf("nucleus sizes %v, want [1 1 2 3 4]", got)
	}
	// Entropy grows with T on real-looking logits, and is 0 at T = 0.
	r := rand.New(rand.NewPCG(5, 6))
	logits := randomLogits(r, 1000, 3)
	hs := Entropies(logits, []float64{0, 0.25, 0.5, 1, 2, 4})
	if hs[0] != 0 {
		t.Errorf("entropy at T = 0: %g, want 0", hs[0])
	}
	for i := 1; i < len(hs); i++ {
		if hs[i] <= hs[i-1] || hs[i] > math.Log2(1000) {
			t.Errorf("entropies %v: want increasing, below log2(1000)", hs)
		}
	}
	// Against Entropy of the plain softmax.
	if want := Entropy(Softmax(logits, 1)) / math.Ln2; math.Abs(hs[3]-want) > 1e-4 {
		t.Errorf("entropy at T = 1: %g, Softmax+Entropy %g", hs[3], want)
	}
}

func TestRepeats(t *testing.T) {
	words := []string{"a", "very", "special", "b", "very", "special", "c", "very", "special"}
	reps := Repeats(words, 2)
	if len(reps) != 1 || !slices.Equal(reps[0].Gram, []string{"very", "special"}) || reps[0].Count != 3 ||
		!slices.Equal(reps[0].At, []int{1, 4, 7}) {
		t.Errorf("Repeats = %+v, want \"very special\" ×3 at 1, 4, 7", reps)
	}
	if reps := Repeats([]int{1, 1, 1}, 2); len(reps) != 1 || reps[0].Count != 2 {
		t.Errorf("overlapping repeats = %+v, want [1 1] ×2", reps)
	}
	if Repeats([]int{1, 2, 3}, 2) != nil || Repeats([]int{1}, 2) != nil || Repeats([]int{1, 1}, 0) != nil {
		t.Error("Repeats found something in a sequence without repeats")
	}
}

func TestLookupDraft(t *testing.T) {
	seq := []int{5, 6, 7, 8, 9, 5, 6, 1, 5, 6}
	if got := LookupDraft(seq, 2, 3); !slices.Equal(got, []int{1, 5, 6}) {
		t.Errorf("LookupDraft = %v, want the tokens after the latest earlier 5 6: [1 5 6]", got)
	}
	if got := LookupDraft(seq, 2, 10); !slices.Equal(got, []int{1, 5, 6}) {
		t.Errorf("LookupDraft past the end = %v", got)
	}
	if got := LookupDraft([]int{1, 2, 3}, 2, 3); got != nil {
		t.Errorf("LookupDraft with no earlier match = %v, want nil", got)
	}
}

// TestSpeculateEqualsGreedy: draft-and-verify writes exactly plain greedy
// decoding's tokens, in fewer passes when drafts are accepted.
func TestSpeculateEqualsGreedy(t *testing.T) {
	m := tinyA(t)
	for _, k := range []int{0, 1, 4} {
		sp, err := m.Speculate(greedyPrompt, 16, k)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(sp.IDs, greedyIDs) {
			t.Errorf("k = %d: speculative %v, greedy %v", k, sp.IDs, greedyIDs)
		}
		if got := sp.Passes() + sp.Accepted; got != 16 {
			t.Errorf("k = %d: %d passes + %d accepted = %d, want 16 tokens", k, sp.Passes(), sp.Accepted, got)
		}
		if k == 0 && sp.Passes() != 16 {
			t.Errorf("k = 0: %d passes, want one per token", sp.Passes())
		}
	}
	// A draft that is greedy's own continuation is accepted whole; a wrong
	// one is cut at the first wrong token and corrected.
	v, err := m.Verify(greedyPrompt, greedyIDs[:5])
	if err != nil {
		t.Fatal(err)
	}
	if v.Accepted != 5 || !slices.Equal(v.Tokens(), greedyIDs[:6]) {
		t.Errorf("verifying greedy's own tokens: accepted %d, tokens %v", v.Accepted, v.Tokens())
	}
	bad := slices.Clone(greedyIDs[:5])
	bad[2] = (bad[2] + 1) % m.Vocab()
	if v, _ = m.Verify(greedyPrompt, bad); v.Accepted != 2 || !slices.Equal(v.Tokens(), greedyIDs[:3]) {
		t.Errorf("verifying a draft wrong at 2: accepted %d, tokens %v", v.Accepted, v.Tokens())
	}
	if _, err := m.Verify(nil, nil); err == nil {
		t.Error("Verify with an empty prefix: no error")
	}
}

func TestMaskAndGenerateMasked(t *testing.T) {
	m := tinyA(t)
	logits := m.Logits(greedyPrompt)
	allowed := make([]bool, len(logits))
	for i := 0; i < len(allowed); i += 3 {
		allowed[i] = true
	}
	masked, err := Mask(logits, allowed)
	if err != nil {
		t.Fatal(err)
	}
	p := Softmax(masked, 1)
	for i, v := range p {
		if !allowed[i] && v != 0 {
			t.Fatalf("masked token %d has p = %g", i, v)
		}
	}
	if math.Abs(Sum(p)-1) > 1e-5 {
		t.Errorf("masked probabilities sum to %g", Sum(p))
	}
	ids, err := m.GenerateMasked(m.Decode(greedyPrompt), 5, allowed)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if !allowed[id] {
			t.Errorf("GenerateMasked chose forbidden token %d", id)
		}
	}
	if _, err := Mask(logits, allowed[:3]); err == nil {
		t.Error("Mask with the wrong length: no error")
	}
	if _, err := Mask(logits, make([]bool, len(logits))); err == nil {
		t.Error("Mask allowing nothing: no error")
	}
}

func TestRedraw(t *testing.T) {
	m := tinyA(t)
	for _, s := range []Sampler{{}, {Temperature: 0.8, Seed: 1}, {Temperature: 1.5, TopP: 0.9, Seed: 7}} {
		tr, err := m.GenerateIDs(greedyPrompt, s, MaxTokens(12), StopAt())
		if err != nil {
			t.Fatal(err)
		}
		if n, err := m.Redraw(tr); err != nil || n != 12 {
			t.Errorf("%v: Redraw = %d, %v; want all 12 steps", s, n, err)
		}
	}
	rec, err := m.GenerateIDs(greedyPrompt, Sampler{Temperature: 1.2, Seed: 3}, MaxTokens(12), StopAt(), Recompute())
	if err != nil {
		t.Fatal(err)
	}
	if n, err := m.Redraw(rec); err != nil || n != 12 {
		t.Errorf("a trace made with Recompute: Redraw = %d, %v; want all 12 steps", n, err)
	}
	// A forced token is not what greedy draws: that step does not redraw.
	forced := (greedyIDs[0] + 1) % m.Vocab()
	tr, err := m.GenerateIDs(greedyPrompt, MaxTokens(4), StopAt(), Force(0, forced))
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := m.Redraw(tr); n != 3 {
		t.Errorf("trace with one forced step: Redraw = %d, want 3", n)
	}
	if _, err := m.Redraw(nil); err == nil {
		t.Error("Redraw(nil): no error")
	}
}
