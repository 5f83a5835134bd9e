package notebooks

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/llm/train"
)

// widgetsOfChapter13 are the widget kinds chapter 13 must show.
var widgetsOfChapter13 = []string{"llmw-surprise", "llmw-lines", "llmw-quiz"}

// TestChapter13 checks the executed chapter 13: every cell ran, the
// widgets are there, the identities it shows hold (teacher forcing, the
// loss at initialisation, one step lowers the loss, backprop matches a
// finite difference, the training run's loss falls), and on the embedded
// model the values it printed match the same quantities recomputed here,
// the training run included (it is seeded). Like TestChapter5 it reads the
// copy in LLM_EXECUTED_NOTEBOOKS when set, and otherwise runs the notebook
// through the course kernel on the embedded model.
func TestChapter13(t *testing.T) {
	nb := executed(t, "13-training.ipynb")
	checkOutputs(t, nb, 13, widgetsOfChapter13, 400<<10)
	text := textOf(t, nb)

	// Facts that hold on every model.
	for id, wants := range map[string][]string{
		"knobs":      {"Qwen3.5-0.8B: 852,985,920 with its vision tower", "about 205× Qwen3.5-0.8B"},
		"why-log":    {"p(true next token) = 0.5    → cross-entropy −ln p =  0.69 nats", "product 0, sum of logs -921.0"},
		"mean":       {"uniform over Qwen3.5-0.8B's 248,320 tokens: 12.42 nats"},
		"same-pass":  {"Qwen3.5-0.8B: 24 layers, 6 full attention and 18 Gated DeltaNet"},
		"quiz-check": {"the quiz has 3 questions, each with exactly one right answer"},
	} {
		for _, want := range wants {
			if !strings.Contains(text(id), want) {
				t.Errorf("cell %s lacks %q:\n%s", id, want, text(id))
			}
		}
	}

	// The identities, on whatever model ran.
	if d := number(t, text("tf-check"), `differ by at most (\S+) nats`); !(d < 1e-3) {
		t.Errorf("teacher forcing: one pass and per-prefix passes differ by %v", d)
	}
	init := text("init-check")
	if l, v := number(t, init, `loss ([\d.]+) nats`), number(t, init, `; ln \d+ = ([\d.]+)`); !(math.Abs(l-v) < 0.1) {
		t.Errorf("the untrained loss %v is not near ln(vocab) %v", l, v)
	}
	step := text("one-step")
	if before, after := number(t, step, `loss ([\d.]+) →`), number(t, step, `→ ([\d.]+) after one step`); !(after < before) {
		t.Errorf("one step: loss %v → %v", before, after)
	}
	fd := text("fd")
	if g, f := number(t, fd, `backprop (\S+),`), number(t, fd, `2h = (\S+)`); !(math.Abs(g-f) <= 1e-6*(math.Abs(g)+1e-3)) || g == 0 {
		t.Errorf("backprop %v vs finite difference %v", g, f)
	}
	play := text("play")
	first, last := number(t, play, `first step ([\d.]+) nats`), number(t, play, `last ([\d.]+): fell`)
	if chars := train.NewChars(train.MustPreset("gettysburg").Text).Len(); !(math.Abs(first-math.Log(float64(chars))) < 0.2) || !(last < first-1) {
		t.Errorf("training run: first step %v (ln %d = %.3f), last %v: want a start near ln(vocab) and a fall of over 1 nat", first, chars, math.Log(float64(chars)), last)
	}
	checkChapter13Run(t, play)
	curve := llm.MustTinyCurve()
	if want := fmt.Sprintf("step 1: %.3f nats", curve[0].Loss); !strings.Contains(text("recorded"), want) {
		t.Errorf("recorded curve lacks %q:\n%s", want, text("recorded"))
	}
	runs := curve.Runs()
	if len(runs) < 2 || curve[runs[1]].Step != 5601 { // the first run: 5,600 steps (llm/tiny/README.md)
		t.Errorf("the embedded model's log has runs starting at %v, want the second at step 5601", runs)
	}
	for i, r := range runs {
		end := len(curve)
		if i+1 < len(runs) {
			end = runs[i+1]
		}
		var head, tail float64 // the mean loss of the run's first and last 100 steps
		for k := 0; k < 100; k++ {
			head += curve[r+k].Loss / 100
			tail += curve[end-100+k].Loss / 100
		}
		line := fmt.Sprintf(`run %d: from step %d, `, i+1, curve[r].Step)
		if !strings.Contains(text("recorded"), line) {
			t.Errorf("recorded curve lacks %q:\n%s", line, text("recorded"))
			continue
		}
		for _, c := range []struct {
			re   string
			want float64
		}{{line + `.*first 100 steps ([0-9.]+)`, head}, {line + `.*last 100 ([0-9.]+)`, tail}} {
			if got := number(t, text("recorded"), c.re); math.Abs(got-c.want) > 0.006 {
				t.Errorf("%s: printed %v, recomputed %.4f", c.re, got, c.want)
			}
		}
	}
	checkChapter13Dedup(t, text("dedup"))
	if strings.HasPrefix(text("load"), "tiny:") {
		checkChapter13Tiny(t, text)
	}
}

// checkChapter13Run repeats the notebook's seeded training run (the cell's
// preset and options) and compares the samples it printed.
func checkChapter13Run(t *testing.T, out string) {
	t.Helper()
	p := train.MustPreset("gettysburg")
	o := train.Options{Steps: 300, Batch: 4, SeqLen: 32, LR: 3e-3, Warmup: 20, Clip: 1, WeightDecay: 0.1, Seed: 1234}
	play := train.MustPlay(p, o, 50, nil)
	if len(play.Samples) != 7 {
		t.Fatalf("%d samples, want 7", len(play.Samples))
	}
	for _, s := range play.Samples {
		if want := fmt.Sprintf("%-28s %q → %q", s, p.Prompt, s.Text); !strings.Contains(out, want) {
			t.Errorf("the training cell lacks %q:\n%s", want, out)
		}
	}
	c := play.Curve()
	if want := fmt.Sprintf("first step %.3f nats", c[0]); !strings.Contains(out, want) {
		t.Errorf("the training cell lacks %q", want)
	}
}

// checkChapter13Dedup recomputes the n-gram statistics by plain loops.
func checkChapter13Dedup(t *testing.T, out string) {
	t.Helper()
	rhyme := strings.Fields(train.MustPreset("rhyme").Text)
	count := map[string]int{}
	for i := 0; i+3 <= len(rhyme); i++ {
		count[strings.Join(rhyme[i:i+3], " ")]++
	}
	rep := 0
	for _, c := range count {
		if c > 1 {
			rep += c
		}
	}
	if want := fmt.Sprintf("rhyme      share of its word 3-grams that occur more than once: %.2f", float64(rep)/float64(len(rhyme)-2)); !strings.Contains(out, want) {
		t.Errorf("dedup lacks %q:\n%s", want, out)
	}
	// One word changed in a text of n words removes the 5 shingles holding
	// it and adds 5 new ones: J = (n−4−5)/(n−4+5) when no 5-gram repeats.
	words := strings.Fields(strings.ToLower(train.MustPreset("gettysburg").Text))
	seen := map[string]bool{}
	for i := 0; i+5 <= len(words); i++ {
		seen[strings.Join(words[i:i+5], " ")] = true
	}
	n := len(seen)
	if want := fmt.Sprintf("one word changed %.2f", float64(n-5)/float64(n+5)); !strings.Contains(out, want) {
		t.Errorf("dedup lacks %q:\n%s", want, out)
	}
}

// checkChapter13Tiny recomputes on the embedded model what the notebook
// printed for it.
func checkChapter13Tiny(t *testing.T, text func(string) string) {
	t.Helper()
	m, err := llm.LoadTiny()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	sentence := strings.SplitN(train.MustPreset("gettysburg").Text, "\n", 2)[0]
	ids := m.Encode(sentence)
	rows, err := m.LogitsAll(ids)
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for i := 0; i+1 < len(ids); i++ {
		lp := llm.LogSoftmax(rows[i], 1)
		loss := -float64(lp[ids[i+1]])
		sum += loss
		if i < 12 {
			want := fmt.Sprintf("%3d  %-16q %-16q %9.4f  %6.2f", i, m.Piece(ids[i]), m.Piece(ids[i+1]), math.Exp(-loss), loss)
			if !strings.Contains(text("score"), want) {
				t.Errorf("score table lacks %q:\n%s", want, text("score"))
			}
		}
	}
	mean := sum / float64(len(ids)-1)
	if want := fmt.Sprintf("mean loss %.3f nats, perplexity %.1f", mean, math.Exp(mean)); !strings.Contains(text("mean"), want) {
		t.Errorf("mean lacks %q:\n%s", want, text("mean"))
	}
	// Exposure bias: teacher-forced guesses and greedy generation.
	k := len(ids) / 2
	var forced int
	for j := k; j < len(ids); j++ {
		if llm.Argmax(rows[j-1]) == ids[j] {
			forced++
		}
	}
	own := m.MustGenerateIDs(ids[:k], llm.MaxTokens(len(ids)-k)).IDs()
	free := llm.Agree(own, ids[k:])
	if want := fmt.Sprintf("%d of %d fed the truth, %d of %d fed itself", forced, len(ids)-k, free, len(own)); !strings.Contains(text("exposure-check"), want) {
		t.Errorf("exposure bias lacks %q:\n%s", want, text("exposure-check"))
	}
	words := strings.Fields(sentence)
	slices.Reverse(words)
	if want := fmt.Sprintf("perplexity %8.1f", m.MustLoss(strings.Join(words, " ")).Perplexity()); !strings.Contains(text("ppl-check"), want) {
		t.Errorf("perplexity filter lacks %q:\n%s", want, text("ppl-check"))
	}
}
