package notebooks

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm"
)

// widgetsOfChapter11 are the widget kinds chapter 11 must show.
var widgetsOfChapter11 = []string{"llmw-ribbon", "llmw-sampling", "llmw-lines", "llmw-recorded", "llmw-quiz"}

// TestChapter11 checks the executed chapter 11: every cell ran, every
// widget is there, the checks the notebook makes (seeded draws replayed,
// speculative output equal to greedy) came out true, and, on the embedded
// model, the printed stories, kept-set sizes, nucleus sizes and the
// verification are recomputed here, by other routes than the notebook's.
func TestChapter11(t *testing.T) {
	nb := executed(t, "11-sampling.ipynb")
	texts, _ := checkOutputs(t, nb, 11, widgetsOfChapter11, 400<<10)
	text := textIn(t, texts)
	for _, c := range [][2]string{
		{"softmax-toy", "logits [5 4.9 1] → probabilities [0.52 0.47 0.01]"},
		{"softmax-toy", "logits [8 4.9 1] → probabilities [0.96 0.04 0.00]"},
		{"spec-check", "speculative output identical to greedy, token for token: true"},
		{"loops-count", `recorded with Qwen3.5-0.8B, greedy: 5 repeated word pairs; "very special" ×4`},
	} {
		if !strings.Contains(text(c[0]), c[1]) {
			t.Errorf("cell %s lacks %q:\n%s", c[0], c[1], text(c[0]))
		}
	}
	// Every seeded story regenerates and every one of its draws replays.
	replays := regexp.MustCompile(`first 20 tokens again: the same: (\w+); draws replayed by hand: (\d+) of (\d+)`).FindAllStringSubmatch(text("stories-run"), -1)
	if len(replays) != 3 {
		t.Fatalf("stories cell: %d replays, want 3:\n%s", len(replays), text("stories-run"))
	}
	for _, r := range replays {
		if r[1] != "true" || r[2] != r[3] || r[3] != "40" {
			t.Errorf("replay: %s", r[0])
		}
	}
	// Passes + accepted drafts = tokens written.
	sp := regexp.MustCompile(`40 tokens in (\d+) passes instead of 40: (\d+) of (\d+) drafted`).FindStringSubmatch(text("spec-check"))
	if sp == nil || atoi(t, sp[1])+atoi(t, sp[2]) != 40 || atoi(t, sp[2]) > atoi(t, sp[3]) {
		t.Errorf("speculative counts: %v\n%s", sp, text("spec-check"))
	}
	// The explorer starts at T = 1 with no filter: it keeps the whole vocabulary.
	kept := regexp.MustCompile(`kept ([\d,]+) of ([\d,]+) tokens`).FindStringSubmatch(text("explorer-show"))
	if kept == nil || kept[1] != kept[2] {
		t.Errorf("explorer footer: %v", kept)
	}
	if d := regexp.MustCompile(`greedy, digits only: "[^"]*" \+ "([^"]*)"`).FindStringSubmatch(text("digits")); d == nil || strings.Trim(d[1], " 0123456789") != "" {
		t.Errorf("digits-only output: %v\n%s", d, text("digits"))
	}
	// The nucleus chart names its series by step, not by row.
	if nc := text("nucleus-curve"); !strings.Contains(nc, "step 1 (greedy: ") || strings.Contains(nc, "row 0") {
		t.Errorf("nucleus chart series are not named by step:\n%s", nc)
	}
	// Top-p keeps one token whenever the leader alone holds p: check every
	// printed (leader share, p, size) of the temperature cell.
	sure := regexp.MustCompile(`T = (\S+): the top token holds (\S+); tokens kept at p = 0\.3, 0\.5, 0\.7, 0\.9: (\d+), (\d+), (\d+), (\d+)`).FindAllStringSubmatch(text("nucleus-sure"), -1)
	if len(sure) != 3 {
		t.Errorf("nucleus-sure: %d temperatures, want 3:\n%s", len(sure), text("nucleus-sure"))
	}
	for _, r := range sure {
		lead, _ := strconv.ParseFloat(r[2], 64)
		for i, p := range []float64{0.3, 0.5, 0.7, 0.9} {
			if n := atoi(t, r[3+i]); (lead >= p+1e-3 && n != 1) || (lead < p-1e-3 && n < 2) {
				t.Errorf("T = %s, leader %v: nucleus at p = %v has %d tokens", r[1], lead, p, n)
			}
		}
	}
	// The yes/no mask says how each answer splits.
	if cm := text("choices-mask"); strings.Count(cm, " token(s) [") != 4 || !strings.Contains(cm, "mass on those first tokens before the mask: ") {
		t.Errorf("choices-mask does not show the answers' tokens:\n%s", cm)
	}
	if strings.HasPrefix(text("load"), "tiny:") {
		if !strings.Contains(text("golden-check"), "the real model is loaded: false") {
			t.Errorf("golden cell on tiny:\n%s", text("golden-check"))
		}
		checkChapter11Tiny(t, text)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Error(err)
	}
	return n
}

// checkChapter11Tiny recomputes on the embedded model what the notebook
// printed.
func checkChapter11Tiny(t *testing.T, text func(string) string) {
	t.Helper()
	m, err := llm.Load("tiny")
	if err != nil {
		t.Fatal(err)
	}
	const forest, story = "Once upon a time, in a forest far away", "Once upon a time, there was a"
	walk, err := m.Generate(forest, llm.MaxTokens(6), llm.StopAt())
	if err != nil {
		t.Fatal(err)
	}
	// The six steps' logits, each from its own forward pass (the notebook
	// took them from one pass over the whole sequence).
	ids := m.Encode(forest)
	var steps [][]float32
	for _, st := range walk.Steps {
		steps = append(steps, m.Logits(ids))
		ids = append(ids, st.ID)
	}
	// Kept-set sizes: the engine's Sampler.Probs, nonzero entries.
	for j, l := range steps {
		row := fmt.Sprintf("%4d  %-12q", j+1, walk.Steps[j].Piece)
		for _, s := range []llm.Sampler{{Temperature: 1, TopK: 50}, {Temperature: 1, TopP: 0.9}, {Temperature: 1, MinP: 0.05}, {Temperature: 0.7, TopP: 0.9}} {
			n := 0
			for _, p := range s.Probs(l) {
				if p > 0 {
					n++
				}
			}
			row += fmt.Sprintf(" %10d", n)
		}
		if !strings.Contains(text("compare-table"), row) {
			t.Errorf("compare table lacks %q:\n%s", row, text("compare-table"))
		}
		// Nucleus sizes: sort the probabilities, count until the sum reaches p.
		p := llm.Softmax(l, 1)
		slices.SortFunc(p, func(a, b float32) int { return -cmpF(a, b) })
		var sizes []int
		for _, want := range []float64{0.5, 0.9, 0.99} {
			var c float64
			n := 0
			for c < want && n < len(p) {
				c += float64(p[n])
				n++
			}
			sizes = append(sizes, n)
		}
		line := fmt.Sprintf("step %d: nucleus at p = 0.5: %d tokens, 0.9: %d, 0.99: %d", j+1, sizes[0], sizes[1], sizes[2])
		if !strings.Contains(text("nucleus-curve"), line) {
			t.Errorf("nucleus cell lacks %q:\n%s", line, text("nucleus-curve"))
		}
	}
	// The three stories, regenerated here.
	var greedy []int
	for _, temp := range []float64{0, 0.7, 1.5} {
		tr, err := m.Generate(story, llm.Sampler{Temperature: temp, Seed: 2024}, llm.MaxTokens(40), llm.StopAt())
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("%s:\n%q\n", tr.Settings.Sampler, tr.Text); !strings.Contains(text("stories-run"), want) {
			t.Errorf("stories lack %q", want)
		}
		if temp == 0 {
			greedy = tr.IDs()
		}
	}
	// One verification: greedy accepts the draft up to its first token
	// that differs from greedy's own.
	draft := m.Encode(" very special kind of animal called a")
	acc := 0
	for acc < len(draft) && draft[acc] == greedy[acc] {
		acc++
	}
	if want := fmt.Sprintf("one pass: %d of %d draft tokens accepted, %d tokens added: %q", acc, len(draft), acc+1, m.Decode(greedy[:acc+1])); !strings.Contains(text("spec-one"), want) {
		t.Errorf("spec-one lacks %q:\n%s", want, text("spec-one"))
	}
}

func cmpF(a, b float32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
