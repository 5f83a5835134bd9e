package train

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestChars(t *testing.T) {
	c := NewChars("banana, bandana")
	if c.Len() != 6 { // ' ', ',', a, b, d, n
		t.Fatalf("vocabulary of %d characters, want 6", c.Len())
	}
	if c.String() != " ,abdn" {
		t.Errorf("String = %q", c.String())
	}
	ids := c.MustEncode("band")
	if want := []int{3, 2, 5, 4}; !equalInts(ids, want) {
		t.Errorf("Encode(band) = %v, want %v", ids, want)
	}
	if got := c.Decode(ids); got != "band" {
		t.Errorf("Decode = %q", got)
	}
	if got := c.Decode([]int{-1, 99}); got != "\uFFFD\uFFFD" {
		t.Errorf("Decode of bad ids = %q", got)
	}
	if _, err := c.Encode("bandit"); err == nil || !strings.Contains(err.Error(), `'i'`) {
		t.Errorf("Encode of an unknown character: %v", err)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestSample checks greedy sampling against the argmax of Logits over the
// growing context, and that a seed fixes a tempered sample.
func TestSample(t *testing.T) {
	m := NewModel[float64](Micro(12), 3)
	prompt := []int{1, 2, 3}
	got, err := m.Sample(prompt, 5, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	ctx := append([]int(nil), prompt...)
	for i := range 5 {
		all, _ := m.Logits(ctx)
		last := all[len(all)-12:]
		best := 0
		for j := range last {
			if last[j] > last[best] {
				best = j
			}
		}
		if got[i] != best {
			t.Fatalf("greedy token %d = %d, want argmax %d", i, got[i], best)
		}
		ctx = append(ctx, best)
	}
	a := m.MustSample(prompt, 20, 1, 7)
	b := m.MustSample(prompt, 20, 1, 7)
	if !equalInts(a, b) {
		t.Errorf("same seed, different samples: %v %v", a, b)
	}
	if _, err := m.Sample(nil, 1, 0, 1); err == nil {
		t.Error("an empty prompt gave no error")
	}
	if _, err := m.Sample(prompt, 1, -1, 1); err == nil {
		t.Error("a negative temperature gave no error")
	}
}

// TestPick checks the sampling distribution of pick by its frequencies.
func TestPick(t *testing.T) {
	logits := []float64{0, math.Log(3), math.Log(6)} // probabilities 0.1, 0.3, 0.6
	counts := make([]int, 3)
	const n = 10000
	for i := range n {
		counts[pick(logits, 1, (float64(i)+0.5)/n)]++
	}
	for i, want := range []float64{0.1, 0.3, 0.6} {
		if got := float64(counts[i]) / n; math.Abs(got-want) > 1e-3 {
			t.Errorf("token %d drawn %.4f of the time, want %.1f", i, got, want)
		}
	}
	if pick(logits, 0, 0.01) != 2 {
		t.Error("temperature 0 did not take the argmax")
	}
}

func TestPresets(t *testing.T) {
	for _, p := range Presets() {
		c := NewChars(p.Text)
		if _, err := c.Encode(p.Prompt); err != nil {
			t.Errorf("%s: prompt: %v", p.Name, err)
		}
		if len([]rune(p.Text)) < 33 || p.Source == "" {
			t.Errorf("%s: %d characters, source %q", p.Name, len([]rune(p.Text)), p.Source)
		}
	}
	if g := MustPreset("gettysburg"); !strings.HasPrefix(g.Text, "Four score and seven years ago") || !strings.HasSuffix(g.Text, "shall not perish from the earth.\n") {
		t.Errorf("the Gettysburg text is not whole: %q … %q", g.Text[:30], g.Text[len(g.Text)-30:])
	}
}

func TestDedup(t *testing.T) {
	a := "the cat sat on the mat"
	b := "the cat sat on a mat"
	// 2-grams: a = {the cat, cat sat, sat on, on the, the mat}, b = {the cat, cat sat, sat on, on a, a mat}
	if j := Jaccard(a, b, 2); math.Abs(j-3.0/7) > 1e-12 {
		t.Errorf("Jaccard = %g, want 3/7", j)
	}
	if j := Jaccard(a, strings.ToUpper(a), 3); j != 1 {
		t.Errorf("Jaccard of a text and its upper case = %g, want 1", j)
	}
	if j := Jaccard("a b", "c d", 3); j != 0 {
		t.Errorf("Jaccard of texts without 3-grams = %g", j)
	}
	// "x y x y x": 2-grams x y, y x, x y, y x: all four repeated.
	if r := RepeatedShare("x y x y x", 2); r != 1 {
		t.Errorf("RepeatedShare = %g, want 1", r)
	}
	// "a b c a b": a b ×2, b c, c a: 2 of 4 repeated.
	if r := RepeatedShare("a b c a b", 2); r != 0.5 {
		t.Errorf("RepeatedShare = %g, want 0.5", r)
	}
	if len(Shingles("one two three", 2)) != 2 || len(Shingles("one", 2)) != 0 {
		t.Error("wrong shingle counts")
	}
}

// TestPlay checks the playground's samples: one before training, one every
// 20 steps, drawn by the model as it was at that step (replayed here with
// the same seed and settings), and a falling loss.
func TestPlay(t *testing.T) {
	o := Options{Steps: 40, Batch: 2, SeqLen: 32, LR: 1e-2, Warmup: 5, Clip: 1, Seed: 3}
	p := MustPreset("rhyme")
	play := MustPlay(p, o, 20, nil)
	if len(play.Samples) != 3 || play.Samples[0].Step != 0 || play.Samples[1].Step != 20 || play.Samples[2].Step != 40 {
		t.Fatalf("samples at steps %+v", play.Samples)
	}
	fresh := NewModel[float32](Micro(play.Chars.Len()), o.Seed)
	want := play.Chars.Decode(fresh.MustSample(play.Chars.MustEncode(p.Prompt), PlaySampleLen, PlayTemperature, o.Seed))
	if play.Samples[0].Text != want {
		t.Errorf("sample before training %q, the untrained model draws %q", play.Samples[0].Text, want)
	}
	last := play.Chars.Decode(play.Trainer.Model.MustSample(play.Chars.MustEncode(p.Prompt), PlaySampleLen, PlayTemperature, o.Seed))
	if play.Samples[2].Text != last || play.Samples[2].Loss != play.Curve()[39] {
		t.Errorf("last sample %+v, the trained model draws %q", play.Samples[2], last)
	}
	if got := play.Samples[0].String(); got != "untrained" {
		t.Errorf("first sample says %q", got)
	}
	if got, want := play.Samples[1].String(), fmt.Sprintf("after 20 steps (loss %.2f)", play.Curve()[19]); got != want {
		t.Errorf("second sample says %q, want %q", got, want)
	}
	c := play.Curve()
	if len(c) != 40 || !(c[39] < c[0]-1) || math.Abs(c[0]-math.Log(float64(play.Chars.Len()))) > 0.3 {
		t.Errorf("curve from %.3f (ln %d = %.3f) to %.3f", c[0], play.Chars.Len(), math.Log(float64(play.Chars.Len())), c[len(c)-1])
	}
	if _, err := NewPlay(Preset{Name: "bad", Text: strings.Repeat("ab", 40), Prompt: "c"}, o, 0, nil); err == nil {
		t.Error("a prompt outside the text's characters gave no error")
	}
}
