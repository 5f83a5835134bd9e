package notebooks

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/llm/model"
)

// widgetsOfChapter9 are the widget kinds chapter 9 must show.
var widgetsOfChapter9 = []string{"llmw-ribbon", "llmw-layermap", "llmw-layerstrip", "llmw-lines", "llmw-recorded", "llmw-quiz"}

// TestChapter9 checks the executed chapter 9: every cell ran, every widget
// is there, the by-hand layer equals the engine's, and on the embedded
// model the heatmap's norms and the ablation's KL values are those
// recomputed here from the model itself. Like TestChapter3 it reads the copy
// in LLM_EXECUTED_NOTEBOOKS when set, and otherwise runs the notebook
// through the course kernel on the embedded model (skipping without the
// kernel, failing without it when CI is set).
func TestChapter9(t *testing.T) {
	nb := executed(t, "09-full-block.ipynb")
	checkOutputs(t, nb, 9, widgetsOfChapter9, 400<<10)
	text := textOf(t, nb)

	// Model-independent facts.
	for id, want := range map[string]string{
		"toy":             "= [1.3 -0.1 0.7 0.3]",
		"schedule":        "24 layers: full attention at [3 7 11 15 19 23], 18 Gated DeltaNet",
		"memory-code":     "32768 tokens: DeltaNet layer   0.54 MiB, full layer    64.00 MiB | whole stack: hybrid    393.6 MiB, all 24 full   1536.0 MiB",
		"quiz-check-code": "the quiz has 3 questions",
	} {
		if !strings.Contains(text(id), want) {
			t.Errorf("cell %s lacks %q:\n%s", id, want, text(id))
		}
	}
	// The memory cell's bf16 break-even and its float32-S case (spec §7.9:
	// S 16×128×128×4 = 1 MiB, conv 3×6,144×2 = 36 KiB; 6 × 64 MiB + 18 × 1,060 KiB).
	for _, want := range []string{
		"bf16: a DeltaNet layer keeps 548 KiB at any length, a full layer 2048 B a token: equal at 274 tokens",
		"with S in float32: a DeltaNet layer keeps 1060 KiB; the hybrid stack at 32768 tokens 402.6 MiB",
	} {
		if !strings.Contains(text("memory-layer"), want) {
			t.Errorf("memory-layer lacks %q:\n%s", want, text("memory-layer"))
		}
	}
	// The ablation's ranking starts with the layer of the largest printed KL.
	ab := text("ablate-code")
	best, bestKL := -1, -1.0
	for _, l := range regexp.MustCompile(`(?m)^layer (\d+)\s+(?:Gated DeltaNet|full attention)\s+(\S+) nats`).FindAllStringSubmatch(ab, -1) {
		if v, _ := strconv.ParseFloat(l[2], 64); v > bestKL {
			best, bestKL = atoi(t, l[1]), v
		}
	}
	if !strings.Contains(ab, fmt.Sprintf("layers by KL, largest first: %d (", best)) || !strings.Contains(ab, "higher mean: ") {
		t.Errorf("the ranking does not start with layer %d (KL %v):\n%s", best, bestKL, ab)
	}
	// The layer by hand equals the engine's, step by step and everywhere.
	byHand := text("by-hand")
	diffs := regexp.MustCompile(`largest difference (\S+) \(values up to (\S+)\)`).FindAllStringSubmatch(byHand, -1)
	if len(diffs) != 4 {
		t.Errorf("by-hand: %d steps compared, want 4:\n%s", len(diffs), byHand)
	}
	for _, d := range diffs {
		diff, _ := strconv.ParseFloat(d[1], 64)
		size, _ := strconv.ParseFloat(d[2], 64)
		if !(diff <= 1e-5*max(1, size)) {
			t.Errorf("by-hand step differs from the engine by %v (values up to %v)", diff, size)
		}
	}
	if v := number(t, text("by-hand-all"), `largest difference is (\S+) of`); !(v < 1e-5) {
		t.Errorf("by hand over every layer and position: %v of the output's length", v)
	}
	if v := number(t, text("bus-code"), `all \d+ writes vs the last layer's output: largest difference (\S+)`); !(v < 1e-3) {
		t.Errorf("embedding + writes differs from the output by %v", v)
	}
	// The gradient toy: vanishing without the identity path, kept with it.
	g := text("gradients-code")
	if p, r := number(t, g, `scale 0\.1: .* plain \S+ \S+ (\S+) \|`), number(t, g, `scale 0\.1: .* residual \S+ \S+ (\S+)`); !(p < 1e-10 && r > 0.5 && r < 2) {
		t.Errorf("scale 0.1 after 24 layers: plain %v, residual %v", p, r)
	}
	// Every " bank" pair starts identical.
	if b := text("bank-chart"); !regexp.MustCompile(`embedding\s+1\.000\s+1\.000\s+1\.000`).MatchString(b) {
		t.Errorf("the embedding stage is not cosine 1 for every pair:\n%s", b)
	}
	if strings.HasPrefix(text("load"), "tiny:") {
		checkChapter9Tiny(t, text)
	}
}

// checkChapter9Tiny recomputes, from the embedded model, the heatmap's mean
// norms and every KL of the ablations the notebook printed.
func checkChapter9Tiny(t *testing.T, text func(string) string) {
	t.Helper()
	m, err := llm.LoadTiny()
	if err != nil {
		t.Fatal(err)
	}
	const prompt = "A transformer stacks the same block many times."
	ids := m.Encode(prompt)
	// The heatmap's text form: the mean over positions of each point's L2.
	c := &model.Capture{}
	if _, err := m.Net.ForwardCapture(m.Net.NewState(), ids, c); err != nil {
		t.Fatal(err)
	}
	l2 := func(v []float32) float64 {
		var s float64
		for _, x := range v {
			s += float64(x) * float64(x)
		}
		return math.Sqrt(s)
	}
	heat := text("layer-map")
	for i, lc := range c.Layers {
		in := c.Embedding
		if i > 0 {
			in = c.Layers[i-1].Residual
		}
		var cells []string
		for _, rows := range [][][]float32{in, lc.InputNorm, lc.MixerOut, lc.AfterMixer, lc.PostNorm, lc.MLPOut, lc.Residual} {
			var s float64
			for _, r := range rows {
				s += l2(r)
			}
			cells = append(cells, fmt.Sprintf("%.2f", s/float64(len(rows))))
		}
		want := fmt.Sprintf("layer %d · ", i)
		line := ""
		for _, l := range strings.Split(heat, "\n") {
			if strings.HasPrefix(l, want) {
				line = l
			}
		}
		if got := strings.Fields(line); len(got) < 7 || strings.Join(got[len(got)-7:], " ") != strings.Join(cells, " ") {
			t.Errorf("heatmap layer %d: %q, want the norms %v", i, line, cells)
		}
	}
	// The ablations: KL(full ‖ layer i skipped), from probabilities here.
	kl := func(ids []int, skip int) float64 {
		logits := func(skip map[int]bool) []float64 {
			all, err := m.Net.ForwardCapture(m.Net.NewState(), ids, &model.Capture{Skip: skip})
			if err != nil {
				t.Fatal(err)
			}
			v := m.Vocab()
			out := make([]float64, v)
			for j, x := range all[len(all)-v:] {
				out[j] = float64(x)
			}
			return out
		}
		prob := func(z []float64) []float64 {
			hi := math.Inf(-1)
			for _, x := range z {
				hi = max(hi, x)
			}
			var s float64
			p := make([]float64, len(z))
			for j, x := range z {
				p[j] = math.Exp(x - hi)
				s += p[j]
			}
			for j := range p {
				p[j] /= s
			}
			return p
		}
		p, q := prob(logits(nil)), prob(logits(map[int]bool{skip: true}))
		var d float64
		for j := range p {
			if p[j] > 0 {
				d += p[j] * math.Log(p[j]/q[j])
			}
		}
		return d
	}
	ab := text("ablate-code")
	for i := range m.Config().Layers {
		want := fmt.Sprintf("%.4f", kl(ids, i))
		if !regexp.MustCompile(fmt.Sprintf(`(?m)^layer %d\s+(Gated DeltaNet|full attention)\s+%s nats`, i, regexp.QuoteMeta(want))).MatchString(ab) {
			t.Errorf("ablation lacks layer %d with KL %s:\n%s", i, want, ab)
		}
	}
}
