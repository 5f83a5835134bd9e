package notebooks

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm"
)

// widgetsOfChapter4 are the widget kinds chapter 4 must show.
var widgetsOfChapter4 = []string{"llmw-attn", "llmw-census", "llmw-lines", "llmw-quiz"}

// TestChapter4 checks the executed chapter 4: every cell ran, every widget
// is there, the checks it prints passed, and where the embedded model ran
// the numbers it printed are recomputed here from a pass of that model
// (weights from q and k in float64, the census rows, the next-token
// probabilities). Like TestChapter3 it reads the copy in
// LLM_EXECUTED_NOTEBOOKS when set, and otherwise runs the notebook through
// the course kernel on the embedded model.
func TestChapter4(t *testing.T) {
	nb := executed(t, "04-self-attention.ipynb")
	checkOutputs(t, nb, 4, widgetsOfChapter4, 400<<10)
	text := textOf(t, nb)

	// The engine agrees with the hand computation, and the checks held.
	for id, re := range map[string]string{
		"by-hand-weights": `largest difference (\S+)\)`,
		"by-hand-output":  `largest difference over all \d+ numbers: (\S+)`,
		"checks-code":     `every row sums to 1 within (\S+);`,
		"online-code":     `largest difference from the engine's output (\S+)`,
	} {
		if v := number(t, text(id), re); !(v <= 1e-5) {
			t.Errorf("cell %s: difference %v, want float32 rounding:\n%s", id, v, text(id))
		}
	}
	checks := text("checks-code")
	if !strings.Contains(checks, "no weight on a later key: true") || number(t, checks, `change by at most (\S+)`) > 1e-5 {
		t.Errorf("the causal checks failed:\n%s", checks)
	}
	if g := text("gqa-code"); !strings.Contains(g, "same keys: true, same values: true") {
		t.Errorf("grouped heads do not share keys and values:\n%s", g)
	}
	if o := text("online-code"); !strings.Contains(o, "e^89 in float32: +Inf") {
		t.Errorf("online-code:\n%s", o)
	}
	if q := text("quiz-check-code"); !strings.Contains(q, "the quiz has 3 questions, each with exactly one right answer") {
		t.Errorf("quiz check:\n%s", q)
	}
	// The census tally: the kinds counted under the table, row by row of it.
	census := text("census-code")
	tally := regexp.MustCompile(`(\d+) heads: previous token (\d+), first token (\d+), self (\d+), broad (\d+), mixed (\d+)`).FindStringSubmatch(census)
	if tally == nil {
		t.Errorf("census-code prints no tally of the kinds:\n%s", census)
	} else {
		var rows []string
		for _, r := range regexp.MustCompile(`(?m)^\d+·\d+\s+(previous token|first token|self|broad|mixed)\s`).FindAllStringSubmatch(census, -1) {
			rows = append(rows, r[1])
		}
		for i, kind := range []string{"previous token", "first token", "self", "broad", "mixed"} {
			want := 0
			for _, r := range rows {
				if r == kind {
					want++
				}
			}
			if got := tally[i+2]; got != fmt.Sprint(want) {
				t.Errorf("census tally: %s %s, the table has %d", kind, got, want)
			}
		}
		if tally[1] != fmt.Sprint(len(rows)) {
			t.Errorf("census tally of %s heads, the table has %d", tally[1], len(rows))
		}
	}
	// Qwen3.5-0.8B's layer map and score memory, from its published config.
	if l := text("layer-map"); !strings.Contains(l, "24 layers: 6 full attention at [3 7 11 15 19 23], 18 Gated DeltaNet") {
		t.Errorf("layer map:\n%s", l)
	}
	for _, n := range []int64{4096, 32768, 262144} {
		per := n * n * 8 * 2
		want := fmt.Sprintf("8 heads, %6d tokens: %8.2f GB per layer, %8.2f GB for its 6 full-attention layers", n, float64(per)/1e9, float64(6*per)/1e9)
		if !strings.Contains(text("memory-code"), want) {
			t.Errorf("memory-code lacks %q:\n%s", want, text("memory-code"))
		}
	}
	// √d: raw scores spread like √d; unscaled the softmax collapses, scaled it stays put.
	sweep := text("scale-sweep")
	for _, d := range []int{4, 16, 64, 256, 1024} {
		got := number(t, sweep, fmt.Sprintf(`d %4d: q·k spreads\s+(\S+)`, d))
		if math.Abs(got-math.Sqrt(float64(d))) > 0.1*math.Sqrt(float64(d)) {
			t.Errorf("d %d: scores spread %v, want about √d", d, got)
		}
	}
	if raw, scaled := number(t, sweep, `d = 1024\s+(\S+)`), number(t, sweep, `d = 1024\s+\S+\s+(\S+)`); raw < 0.9 || scaled > 0.5 {
		t.Errorf("d 1024: largest weight raw %v, scaled %v", raw, scaled)
	}
	for _, line := range strings.Split(strings.TrimSpace(text("scale-real")), "\n") {
		var l, h int
		var rawMax, scMax, rawH, scH float64
		if _, err := fmt.Sscanf(line, "layer %d head %d: largest weight raw %f, scaled %f; entropy raw %f, scaled %f bits", &l, &h, &rawMax, &scMax, &rawH, &scH); err != nil {
			t.Errorf("scale-real: %q: %v", line, err)
		} else if scMax > rawMax+1e-9 || scH < rawH-1e-9 {
			t.Errorf("scale-real: %q: scaling sharpened the softmax", line)
		}
	}

	load := text("load")
	if strings.HasPrefix(load, "tiny:") {
		checkChapter4Tiny(t, text)
	}
}

// checkChapter4Tiny recomputes what the cells printed on the embedded model.
func checkChapter4Tiny(t *testing.T, text func(string) string) {
	t.Helper()
	m, err := llm.LoadTiny()
	if err != nil {
		t.Fatal(err)
	}
	c := m.Config()
	full := c.FullAttentionLayers()
	if l := text("layer-map"); !strings.Contains(l, fmt.Sprintf("%2d layers: %d full attention at %v, %d Gated DeltaNet", c.Layers, len(full), full, c.Layers-len(full))) {
		t.Errorf("layer map of the loaded model:\n%s", l)
	}
	// The weights of query 2, head 0 of the first full layer, from q and k in float64.
	p := m.MustRun("The cat sat on the")
	lc := p.Capture.Layers[full[0]]
	D := c.HeadDim
	var sc []float64
	var z float64
	for j := range 3 {
		var dot float64
		for d := range D {
			dot += float64(lc.Query[2][d]) * float64(lc.Key[j][d]) // head 0 reads KV head 0
		}
		sc = append(sc, math.Exp(dot/math.Sqrt(float64(D))))
		z += sc[j]
	}
	want := fmt.Sprintf("softmax:    [%.4f %.4f %.4f 0.0000 0.0000]", sc[0]/z, sc[1]/z, sc[2]/z)
	if w := text("by-hand-weights"); !strings.Contains(w, want) || strings.Count(w, "-Inf") != len(p.IDs)-3 {
		t.Errorf("by-hand-weights lacks %q or the masked keys:\n%s", want, w)
	}
	// The attention maps' text form: every head's largest weight at the last query.
	maps := text("attention-maps")
	last := len(p.IDs) - 1
	for _, l := range full {
		for h, rows := range p.Capture.Layers[l].Attention {
			top := llm.Argmax(rows[last])
			want := fmt.Sprintf(`layer %d head %d\s+\S+\(%d\) %.3f`, l, h, top, rows[last][top])
			if !regexp.MustCompile(want).MatchString(maps) {
				t.Errorf("attention maps lack %s:\n%s", want, maps)
			}
		}
	}
	// The last query's favourite key, counted over the heads.
	favourite := map[string]int{}
	for _, l := range full {
		for _, rows := range p.Capture.Layers[l].Attention {
			favourite[strings.ReplaceAll(p.Pieces[llm.Argmax(rows[last])], " ", "·")]++
		}
	}
	if want := fmt.Sprintf("the last query's favourite key, in how many heads: %v", favourite); !strings.Contains(maps, want) {
		t.Errorf("attention maps lack %q:\n%s", want, maps)
	}
	// The census: every head's mean weight on the previous and the first
	// key, over the rows t ≥ 2 of the four prompts, averaged here.
	var passes []*llm.Pass
	for _, prompt := range []string{"The cat sat on the mat and the dog sat on the rug.", "Once upon a time there was a king who had three sons.",
		"It was a cold morning, and the river was still frozen.", "She opened the letter, read it twice, and put it back in the drawer."} {
		passes = append(passes, m.MustRun(prompt))
	}
	census := text("census-code")
	if n := len(regexp.MustCompile(`(?m)^\d+·\d+ `).FindAllString(census, -1)); n != len(full)*c.Heads {
		t.Errorf("census has %d heads, want %d:\n%s", n, len(full)*c.Heads, census)
	}
	for _, l := range full {
		for h := range c.Heads {
			var prev, first, rows float64
			for _, p := range passes {
				for tq, row := range p.Capture.Layers[l].Attention[h] {
					if tq >= 2 {
						prev, first, rows = prev+float64(row[tq-1]), first+float64(row[0]), rows+1
					}
				}
			}
			want := fmt.Sprintf(`(?m)^%d·%d\s+.+?\s+%.3f\s+%.3f\s`, l, h, prev/rows, first/rows)
			if !regexp.MustCompile(want).MatchString(census) {
				t.Errorf("census lacks %s:\n%s", want, census)
			}
		}
	}
	// Next-token probabilities over the whole vocabulary after the " bank" prompts.
	bank := text("bank-code")
	for _, prompt := range []string{"My rent is paid straight from the bank", "The aircraft rolled into a 30-degree bank", "They had a picnic on the river bank"} {
		top := m.MustRun(prompt).Top[0]
		want := fmt.Sprintf("%q\n  tiny:%s%q %s (%.3g)", prompt, strings.Repeat(" ", 26), top.Piece, `\S+`, top.Prob)
		want = regexp.QuoteMeta(want)
		want = strings.Replace(want, regexp.QuoteMeta(`\S+`), `\S+`, 1)
		if !regexp.MustCompile(want).MatchString(bank) {
			t.Errorf("bank-code lacks the top token %q with probability %.3g after %q:\n%s", top.Piece, top.Prob, prompt, bank)
		}
	}
}
