package llm

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// TestLossFixture checks the per-position losses of one pass against the
// fixture grad-tiny-a's, which an independent float64 implementation
// (PyTorch) computed on the same random checkpoint tiny-a and the same 45
// token ids.
func TestLossFixture(t *testing.T) {
	data, err := os.ReadFile("train/testdata/grad-tiny-a/index.json")
	if err != nil {
		t.Fatal(err)
	}
	var idx struct {
		Sequences []struct {
			ID       string    `json:"id"`
			TokenIDs []int     `json:"token_ids"`
			Loss     float64   `json:"loss"`
			PerPos   []float64 `json:"per_position_nll"`
		} `json:"sequences"`
	}
	if err := json.Unmarshal(data, &idx); err != nil {
		t.Fatal(err)
	}
	m, err := LoadDir("testdata/tiny-a")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, s := range idx.Sequences {
		l, err := m.LossIDs(s.TokenIDs)
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Tokens) != len(s.PerPos) {
			t.Fatalf("%s: %d losses, fixture has %d", s.ID, len(l.Tokens), len(s.PerPos))
		}
		if d := l.MaxDiff(s.PerPos); !(d < 2e-3) {
			t.Errorf("%s: per-position losses differ from the fixture's by up to %g", s.ID, d)
		}
		if d := math.Abs(l.Mean() - s.Loss); !(d < 5e-4) {
			t.Errorf("%s: mean loss %.6f, fixture %.6f", s.ID, l.Mean(), s.Loss)
		}
	}
}

// TestLossFields recomputes every field of a TokenLoss from the logits of
// one-prefix forward passes with LogSoftmax and plain loops.
func TestLossFields(t *testing.T) {
	m := tinyForLoss(t)
	text := "The jury said it did find that the city was in need of money."
	l, err := m.Loss(text)
	if err != nil {
		t.Fatal(err)
	}
	ids := m.Encode(text)
	if len(l.Tokens) != len(ids)-1 || len(l.Pieces) != len(ids) {
		t.Fatalf("%d losses and %d pieces for %d tokens", len(l.Tokens), len(l.Pieces), len(ids))
	}
	var sum float64
	correct := 0
	for i, tl := range l.Tokens {
		logits := m.Logits(ids[:i+1])
		lp := LogSoftmax(logits, 1)
		want := -float64(lp[ids[i+1]])
		if math.Abs(tl.Loss-want) > 2e-3 || math.Abs(tl.Prob-math.Exp(-want)) > 1e-3 {
			t.Errorf("position %d: loss %.5f prob %.5f, want %.5f %.5f", i, tl.Loss, tl.Prob, want, math.Exp(-want))
		}
		best := 0
		for j := range lp {
			if lp[j] > lp[best] {
				best = j
			}
		}
		if tl.Guess != best || math.Abs(tl.GuessProb-math.Exp(float64(lp[best]))) > 1e-3 || tl.GuessPiece != m.Piece(best) {
			t.Errorf("position %d: guess %d (%q, %.4f), want %d (%.4f)", i, tl.Guess, tl.GuessPiece, tl.GuessProb, best, math.Exp(float64(lp[best])))
		}
		rank := 1
		for _, x := range lp {
			if x > lp[ids[i+1]] {
				rank++
			}
		}
		if d := tl.Rank - rank; d < -1 || d > 1 { // float32 near-ties may swap
			t.Errorf("position %d: rank %d, want %d", i, tl.Rank, rank)
		}
		if tl.Pos != i || tl.Input != ids[i] || tl.Target != ids[i+1] || tl.TargetPiece != m.Piece(ids[i+1]) {
			t.Errorf("position %d: %+v", i, tl)
		}
		if tl.Rank == 1 {
			correct++
		}
		sum += want
	}
	n := float64(len(ids) - 1)
	if math.Abs(l.Mean()-sum/n) > 1e-3 || math.Abs(l.Perplexity()-math.Exp(sum/n)) > 1e-3*math.Exp(sum/n) {
		t.Errorf("mean %.5f perplexity %.3f, want %.5f %.3f", l.Mean(), l.Perplexity(), sum/n, math.Exp(sum/n))
	}
	bytes := len(text) - len(m.Decode(ids[:1]))
	if l.Bytes != bytes || math.Abs(l.BitsPerByte()-sum/math.Ln2/float64(bytes)) > 1e-3 {
		t.Errorf("%d bytes, %.4f bits/byte; want %d, %.4f", l.Bytes, l.BitsPerByte(), bytes, sum/math.Ln2/float64(bytes))
	}
	if math.Abs(l.Accuracy()-float64(correct)/n) > 1e-12 {
		t.Errorf("accuracy %.3f, want %.3f", l.Accuracy(), float64(correct)/n)
	}
	w := l.Worst(3)
	if len(w) != 3 || w[0].Loss < w[1].Loss || w[1].Loss < w[2].Loss {
		t.Errorf("worst 3 not in descending order: %+v", w)
	}
	for _, tl := range l.Tokens {
		if tl.Loss > w[0].Loss {
			t.Errorf("position %d has loss %.3f above the worst %.3f", tl.Pos, tl.Loss, w[0].Loss)
		}
	}
}

// TestTeacherForcing: one pass over the whole text gives the losses of one
// pass per prefix (the causal mask), up to float32 rounding.
func TestTeacherForcing(t *testing.T) {
	m := tinyForLoss(t)
	ids := m.Encode("Four score and seven years ago our fathers brought forth a new nation.")
	l, err := m.LossIDs(ids)
	if err != nil {
		t.Fatal(err)
	}
	slow, err := m.PrefixLosses(ids)
	if err != nil {
		t.Fatal(err)
	}
	if d := l.MaxDiff(slow); !(d < 1e-3) {
		t.Errorf("one pass and one pass per prefix differ by %g", d)
	}
	if d := l.MaxDiff(slow[1:]); !math.IsNaN(d) {
		t.Errorf("MaxDiff of a shorter list = %g, want NaN", d)
	}
}

func TestLossErrors(t *testing.T) {
	m := tinyForLoss(t)
	if _, err := m.Loss("a"); err == nil {
		t.Error("a one-token text gave no error")
	}
	if _, err := m.LossIDs([]int{1, m.Vocab()}); err == nil {
		t.Error("an id outside the vocabulary gave no error")
	}
	if _, err := m.PrefixLosses([]int{1}); err == nil {
		t.Error("PrefixLosses of one token gave no error")
	}
	if _, err := NextTokenLoss([]float32{1, 2}, 2); err == nil {
		t.Error("a target outside the logits gave no error")
	}
	if l, _ := NextTokenLoss([]float64{0, 0, 0, 0}, 3); math.Abs(l-math.Log(4)) > 1e-12 {
		t.Errorf("uniform logits over 4: loss %g, want ln 4", l)
	}
}

func tinyForLoss(t *testing.T) *Model {
	t.Helper()
	m, err := LoadTiny()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func TestAgreeGuessesCommas(t *testing.T) {
	if n := Agree([]int{1, 2, 3, 4}, []int{1, 0, 3}); n != 2 {
		t.Errorf("Agree = %d, want 2", n)
	}
	m := tinyForLoss(t)
	l := m.MustLossIDs(m.Encode("The cat sat on the mat."))
	g := l.Guesses()
	for i, tl := range l.Tokens {
		if g[i] != Argmax(m.Logits(l.IDs[:i+1])) || g[i] != tl.Guess {
			t.Errorf("guess %d = %d, want the argmax of the prefix's logits", i, g[i])
		}
	}
	tr := m.MustGenerateIDs(l.IDs[:3], MaxTokens(4))
	if Agree(tr.IDs(), tr.IDs()) != len(tr.Steps) || len(tr.Steps) == 0 {
		t.Errorf("generated %d steps", len(tr.Steps))
	}
	if c := Commas(852985920); c != "852,985,920" {
		t.Errorf("Commas = %q", c)
	}
}
