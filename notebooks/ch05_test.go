package notebooks

import (
	"fmt"
	"html"
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/how-llms-work/course/ci/nbformat"
	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/widgets"
)

// widgetsOfChapter5 are the widget kinds chapter 5 must show.
var widgetsOfChapter5 = []string{"llmw-lanes", "llmw-grid", "llmw-hist", "llmw-headmaps", "llmw-kvcalc", "llmw-quiz"}

// chapter5Prompt is the prompt the notebook's cells run (its const prompt).
const chapter5Prompt = "The cat sat on the mat because the cat was tired"

// TestChapter5 checks the executed chapter 5: every cell ran, every widget
// is there, the identities it shows hold, and on the embedded model the
// values it printed match the same quantities recomputed here by plain
// loops over the captured pass and the weights. Like TestChapter3 it reads
// the copy in LLM_EXECUTED_NOTEBOOKS when set, and otherwise runs the
// notebook through the course kernel on the embedded model.
func TestChapter5(t *testing.T) {
	nb := executed(t, "05-multi-head-gqa.ipynb")
	checkOutputs(t, nb, 5, widgetsOfChapter5, 400<<10)
	text := textOf(t, nb)

	// Facts of the published config, the same on every model.
	for id, wants := range map[string][]string{
		"shapes-qwen": {"layers.3.self_attn.q_proj.weight   [4096 1024]", "k_proj.weight   [512 1024]", "o_proj.weight   [1024 2048]",
			"8 query heads, 2 KV heads, head_dim 256 (hidden 1024 ÷ 8 heads would give 128); √head_dim = 16"},
		"per-head-params": {"hidden 1024, head_dim 256: one path's two blocks    524288 numbers, a full hidden × hidden matrix   1048576 (0.50×), rank ≤ 256 of 1024"},
		"kv-calc":         {"Qwen3.5-0.8B: MHA would cache 4× as much as its GQA", "32,768      1.5 GiB          384.0 MiB    192.0 MiB"},
		"kv-hybrid": {"one full-attention layer: 64.0 MiB (2048 bytes a token)", "if all 24 layers were GQA: 1.5 GiB; if all were MHA: 6.0 GiB",
			"Qwen3.5's hybrid: 6 × 64.0 MiB + 18 DeltaNet states × ", "= " + widgets.ByteSize(llm.StateSizeOf(llm.Qwen35Config(), 2).Size(32768)) + "\n"},
		"quiz-check": {"the quiz has 3 questions, each with exactly one right answer"},
	} {
		for _, want := range wants {
			if !strings.Contains(text(id), want) {
				t.Errorf("cell %s lacks %q:\n%s", id, want, text(id))
			}
		}
	}

	// The identities, on whatever model ran.
	concat := text("concat-sum")
	sums := regexp.MustCompile(`‖Σ heads − concat‖ ≤ (\S+), ‖concat − engine‖ ≤ (\S+) \(outputs up to ‖(\S+)‖\)`).FindAllStringSubmatch(concat, -1)
	if len(sums) == 0 {
		t.Errorf("no concat ≡ sum lines:\n%s", concat)
	}
	for _, s := range sums {
		var sum, eng, size float64
		fmt.Sscan(s[1], &sum)
		fmt.Sscan(s[2], &eng)
		fmt.Sscan(s[3], &size)
		if !(sum <= 1e-5*(1+size) && eng <= 1e-3*(1+size) && size > 0) {
			t.Errorf("concat vs Σ heads %v, vs the engine %v, for outputs of norm %v", sum, eng, size)
		}
	}
	if kv := text("kv-check"); !strings.Contains(kv, "equal true") {
		t.Errorf("the KV formula does not match the engine's state:\n%s", kv)
	}
	// Group-mates do not attend identically.
	if d := number(t, text("js-matrix"), `group-mates ([\d.]+)`); !(d > 0.01 && d <= 1) {
		t.Errorf("group-mates' mean distance %v, want in (0.01, 1]", d)
	}

	// No NaN where a model has one KV head, and every heading has its title.
	for _, id := range []string{"js-matrix", "your-maps"} {
		if strings.Contains(text(id), "NaN") {
			t.Errorf("cell %s prints NaN:\n%s", id, text(id))
		}
	}
	checkGridTitles(t, nb, "head-norms", "gate-grid", "js-matrix", "ablation-grid")
	// The group's strongest single head is read from the grid's own row.
	abl := text("ablation-grid")
	for _, s := range regexp.MustCompile(`layer +(\d+), KV group (\d+) silenced: KL (\S+); its strongest head alone \(Q(\d+)\) (\S+);`).FindAllStringSubmatch(abl, -1) {
		var layer, head int
		var one float64
		fmt.Sscan(s[1], &layer)
		fmt.Sscan(s[4], &head)
		fmt.Sscan(s[5], &one)
		row := regexp.MustCompile(fmt.Sprintf(`(?m)^layer %d((?:\s+[\d.]+)+)\s*$`, layer)).FindStringSubmatch(abl)
		if row == nil {
			t.Errorf("no grid row for layer %d:\n%s", layer, abl)
			continue
		}
		if f := strings.Fields(row[1]); head >= len(f) || f[head] != s[5] {
			t.Errorf("layer %d: strongest head Q%d %v, the grid's row %v", layer, head, one, f)
		}
	}
	if !strings.Contains(abl, "its strongest head alone") {
		t.Errorf("no group lines:\n%s", abl)
	}

	load := text("load")
	switch {
	case strings.HasPrefix(load, "tiny:"):
		checkChapter5Tiny(t, text)
	case strings.Contains(load, "this is the real Qwen3.5-0.8B: true"):
		if real := text("real-check"); !strings.Contains(real, "heads 8, KV heads 2, head_dim 256, q_proj [4096 1024], KV bytes per token per layer (bf16) 2048") {
			t.Errorf("the real model's check did not run:\n%s", real)
		}
	}
}

// checkChapter5Tiny recomputes, with plain loops over a capture of the
// embedded model, the values chapter 5 printed for it.
func checkChapter5Tiny(t *testing.T, text func(string) string) {
	t.Helper()
	m, err := llm.LoadTiny()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	cfg := m.Config()
	full := cfg.FullAttentionLayers()
	last := full[len(full)-1]
	p := m.MustRun(chapter5Prompt)
	lc := p.Capture.Layers[last]
	H, D, Hq := cfg.Hidden, cfg.HeadDim, cfg.Heads

	lanes := make([]int, Hq)
	for h := range lanes {
		lanes[h] = h * cfg.KVHeads / Hq
	}
	if want := fmt.Sprintf("KV head read by each query head: %v", lanes); !strings.Contains(text("lane-map"), want) {
		t.Errorf("lane map lacks %q:\n%s", want, text("lane-map"))
	}
	if want := fmt.Sprintf("q_proj rows: %d = %d heads × (%d query + %[3]d gate)", 2*Hq*D, Hq, D); !strings.Contains(text("shapes"), want) {
		t.Errorf("shapes lack %q:\n%s", want, text("shapes"))
	}

	// Head 0's mean write norm in the last layer: W_O[:, 0:D] · (gate ⊙ out).
	wo := m.Net.MustWeight(fmt.Sprintf("layers.%d.self_attn.o_proj.weight", last)).Float32()
	var norm0 float64
	for tok := range p.IDs {
		var ss float64
		for r := range H {
			var s float64
			for c := range D {
				s += float64(wo[r*Hq*D+c]) * float64(lc.Gate[tok][c]) * float64(lc.HeadOut[tok][c])
			}
			ss += s * s
		}
		norm0 += math.Sqrt(ss) / float64(len(p.IDs))
	}
	if got := number(t, text("head-norms"), fmt.Sprintf(`layer %d\s+(\S+)`, last)); math.Abs(got-norm0) > 0.006 {
		t.Errorf("head 0 of layer %d writes %v on average, recomputed %v:\n%s", last, got, norm0, text("head-norms"))
	}

	// Head 0's mean gate and its share below 0.1 in the last layer.
	var mean float64
	var closed int
	for _, row := range lc.Gate {
		for _, g := range row[:D] {
			mean += float64(g) / float64(len(lc.Gate)*D)
			if g < 0.1 {
				closed++
			}
		}
	}
	if want := fmt.Sprintf("Q0: mean gate %.3f   values < 0.1: %5.1f%%", mean, 100*float64(closed)/float64(len(lc.Gate)*D)); !strings.Contains(text("gate-stats"), want) {
		t.Errorf("gate stats lack %q:\n%s", want, text("gate-stats"))
	}

	// The group-mates' mean Jensen–Shannon distance, over the full layers.
	js := func(a, b []float32) float64 {
		var s float64
		for i := range a {
			x, y := float64(a[i]), float64(b[i])
			mid := (x + y) / 2
			if x > 0 {
				s += x / 2 * math.Log2(x/mid)
			}
			if y > 0 {
				s += y / 2 * math.Log2(y/mid)
			}
		}
		return math.Sqrt(max(s, 0))
	}
	var within float64
	var pairs int
	for a := range Hq {
		for b := a + 1; b < Hq; b++ {
			if lanes[a] != lanes[b] {
				continue
			}
			var d float64
			for _, l := range full {
				for tok := 1; tok < len(p.IDs); tok++ {
					d += js(p.Capture.Layers[l].Attention[a][tok], p.Capture.Layers[l].Attention[b][tok])
				}
			}
			within += d / float64(len(full)*(len(p.IDs)-1))
			pairs++
		}
	}
	if got := number(t, text("js-matrix"), `group-mates ([\d.]+)`); math.Abs(got-within/float64(pairs)) > 0.0006 {
		t.Errorf("group-mates' distance printed %v, recomputed %v", got, within/float64(pairs))
	}

	// The cache the state holds: 2 × full layers × KV heads × head_dim × 4 bytes × tokens.
	n := len(p.IDs)
	if want := fmt.Sprintf("after %d tokens the state holds %d bytes", n, 2*len(full)*cfg.KVHeads*D*4*n); !strings.Contains(text("kv-check"), want) {
		t.Errorf("kv check lacks %q:\n%s", want, text("kv-check"))
	}

	// Silencing head 0 of the last layer: KL(p‖q) from the two models' logits.
	ab, err := m.WithoutHeads(last, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer ab.Close()
	ids := m.Encode(chapter5Prompt)
	pw, pa := llm.LogSoftmax(m.Logits(ids), 1), llm.LogSoftmax(ab.Logits(ids), 1)
	var kl float64
	for i := range pw {
		kl += math.Exp(float64(pw[i])) * float64(pw[i]-pa[i])
	}
	row := regexp.MustCompile(fmt.Sprintf(`layer %d\s+(\S+)`, last)).FindStringSubmatch(text("ablation-grid"))
	var got float64
	if row == nil {
		t.Fatalf("no ablation row for layer %d:\n%s", last, text("ablation-grid"))
	}
	fmt.Sscan(row[1], &got)
	if math.Abs(got-kl) > 0.00006+1e-3*kl || kl <= 0 {
		t.Errorf("KL without head 0 of layer %d: printed %v, recomputed %v", last, got, kl)
	}
}

// checkGridTitles checks that every heat grid the cells ids showed has its
// title as its heading: the h4 of its HTML reads as the first line of its
// plain-text form.
func checkGridTitles(t *testing.T, nb *nbformat.Notebook, ids ...string) {
	t.Helper()
	h4 := regexp.MustCompile(`(?s)<h4>(.*?)</h4>`)
	for _, id := range ids {
		grids := 0
		for _, c := range nb.Cells {
			if c.ID != id {
				continue
			}
			for _, o := range c.Outputs {
				h, _ := o.Data["text/html"].(string)
				plain, _ := o.Data["text/plain"].(string)
				if !strings.Contains(h, `class="llmw llmw-grid"`) {
					continue
				}
				grids++
				title, _, _ := strings.Cut(plain, "\n")
				m := h4.FindStringSubmatch(h)
				if m == nil || html.UnescapeString(m[1]) != title || title == "" {
					t.Errorf("cell %s: a grid titled %q has the heading %q", id, title, m)
				}
			}
		}
		if grids == 0 {
			t.Errorf("cell %s shows no grid", id)
		}
	}
}
