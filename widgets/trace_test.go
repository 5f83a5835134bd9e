package widgets_test

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/widgets"
)

// TestTraceViewSampled checks the two probabilities a sampled trace shows:
// the model's own (temperature 1) and the one the token was drawn with,
// recomputed here with Sampler.Probs on a fresh forward pass over the same
// tokens (the generation loop uses its cache instead).
func TestTraceViewSampled(t *testing.T) {
	m, err := llm.LoadTiny()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s := llm.Sampler{Temperature: 0.7, Seed: 42}
	tr, err := m.Generate("Once upon a time", s, llm.MaxTokens(12))
	if err != nil {
		t.Fatal(err)
	}
	text, err := widgets.FromTrace(tr).Text()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "each candidate: p at T = 1 → p as sampled\n") {
		t.Errorf("no legend for the two probabilities:\n%s", text)
	}
	exact := regexp.MustCompile(`^step (\d+): sampled \S+ \(p = (\S+) at T = 1, (\S+) as sampled\) from`)
	bound := regexp.MustCompile(`^step (\d+): sampled \S+ \(p = (\S+) at T = 1; not in the top (\d+), so at most (\S+) as sampled\) from`)
	ids := append([]int(nil), tr.PromptIDs...)
	lines := strings.Split(text, "\n")
	var seen, outside int
	for i, st := range tr.Steps {
		logits := m.Logits(ids)
		p1 := float64(llm.Softmax(logits, 1)[st.ID])
		ps := float64(s.Probs(logits)[st.ID])
		ids = append(ids, st.ID)
		line := ""
		for _, l := range lines {
			if strings.HasPrefix(l, fmt.Sprintf("step %d: ", i+1)) {
				line = l
			}
		}
		near := func(what, printed string, want float64) {
			t.Helper()
			v, err := strconv.ParseFloat(printed, 64)
			if err != nil || math.Abs(v-want) > max(6e-4, 0.01*want) { // printed to 3 decimals, or 3 digits
				t.Errorf("step %d: %s printed %s, recomputed %.4g:\n%s", i+1, what, printed, want, line)
			}
		}
		if g := exact.FindStringSubmatch(line); g != nil {
			near("p at T = 1", g[2], p1)
			near("p as sampled", g[3], ps)
			seen++
		} else if g := bound.FindStringSubmatch(line); g != nil {
			near("p at T = 1", g[2], p1)
			if v, _ := strconv.ParseFloat(g[4], 64); ps > v+5e-4 {
				t.Errorf("step %d: sampled with p = %.4g, above the bound %s printed", i+1, ps, g[4])
			}
			outside++
		} else {
			t.Errorf("step %d: no probabilities in %q", i+1, line)
		}
	}
	// The trace records every chosen token's sampling probability
	// (llm.Step.PSamp), so no caption falls back to the bound, even for a
	// token drawn from outside the candidates.
	if seen != len(tr.Steps) || outside != 0 {
		t.Errorf("%d of %d steps showed their exact sampling probability, %d a bound:\n%s", seen, len(tr.Steps), outside, text)
	}

	// Greedy: the sampler takes the top token for certain; said so, not "p as sampled".
	g, err := m.Generate("The cat sat on the", llm.Greedy(), llm.MaxTokens(3))
	if err != nil {
		t.Fatal(err)
	}
	gt, err := widgets.FromTrace(g).Text()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(gt, "at T = 1; greedy takes the top token") != 3 || strings.Contains(gt, "as sampled") {
		t.Errorf("greedy trace:\n%s", gt)
	}
	// A branch imposes its token at one step: that step says so.
	br, err := g.Branch(1, g.Steps[1].Candidates[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	bv := widgets.FromTrace(br)
	for i, st := range bv.Steps {
		if st.Forced != (i == 1) {
			t.Errorf("branch step %d: Forced = %v", i, st.Forced)
		}
	}
	if bt, _ := bv.Text(); strings.Count(bt, "imposed, not drawn") != 1 {
		t.Errorf("branch trace:\n%s", bt)
	}
}

// A view with PSamp set by hand: both columns, in the text and the HTML.
func TestTraceViewTwoProbabilities(t *testing.T) {
	c := func(id int, p string, pr, ps float32) widgets.Candidate {
		return widgets.Candidate{ID: id, Piece: p, Prob: pr, PSamp: ps}
	}
	tv := widgets.TraceView{Prompt: []string{"The", " cat"}, Steps: []widgets.TraceStep{
		{Candidates: []widgets.Candidate{c(1, " sat", 0.4, 0.6), c(2, " ran", 0.2, 0.25)}, Chosen: c(2, " ran", 0.2, 0)},
		{Candidates: []widgets.Candidate{c(3, ".", 0.5, 0.7), c(4, ",", 0.1, 0.05)}, Chosen: c(9, " up", 0.01, 0)},
	}}
	text, err := tv.Text()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"step 1: sampled ·ran (p = 0.200 at T = 1, 0.250 as sampled) from ·sat 0.400→0.600 ·ran 0.200→0.250",
		"step 2: sampled ·up (p = 0.010 at T = 1; not in the top 2, so at most 0.050 as sampled) from",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	h, err := tv.HTML()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h, "<th>p as sampled</th>") || !strings.Contains(h, `<td class="ps">0.600</td>`) {
		t.Errorf("HTML lacks the sampled column")
	}
	// A token imposed by Force or Branch is captioned as such, whatever the
	// sampler would have given it.
	tv.Steps[1].Forced = true
	if text, _ := tv.Text(); !strings.Contains(text, "step 2: forced ·up (p = 0.010 at T = 1; imposed, not drawn) from") {
		t.Errorf("forced step:\n%s", text)
	}
	if h, _ := tv.HTML(); !strings.Contains(h, `; forced <span class="tok">·up</span>`) {
		t.Errorf("HTML does not say the step was forced")
	}
	tv.Steps[0].Candidates[0].PSamp = 1.5
	if _, err := tv.Text(); err == nil {
		t.Error("a sampling probability of 1.5 was accepted")
	}
}
