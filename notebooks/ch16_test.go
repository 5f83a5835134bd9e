package notebooks

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm"
)

// widgetsOfChapter16 are the widget kinds chapter 16 must show.
var widgetsOfChapter16 = []string{"llmw-ribbon", "llmw-poster", "llmw-journey", "llmw-recorded", "llmw-probbars", "llmw-quiz"}

// TestChapter16 checks the executed chapter 16: every widget shown, the
// published budget (852,985,920 text + vision, the parts summing to the
// stored total), the stepper's bookkeeping (input + mixer + MLP = output;
// the last stage equal to the model's logits), the published cache and
// state sizes computed here by hand, the Q8 bytes and error in range,
// greedy repeating itself, the multiple-choice picks consistent with their
// scores; and, where the embedded model ran, the loaded model's budget,
// top token, state and perplexity recomputed here from its checkpoint.
func TestChapter16(t *testing.T) {
	nb := executed(t, "16-whole-model.ipynb")
	texts, _ := checkOutputs(t, nb, 16, widgetsOfChapter16, 400<<10)
	text := textIn(t, texts)
	// The published map and budget.
	for _, want := range []string{"LLLFLLLFLLLFLLLFLLLFLLLF", "counting from 1: [4 8 12 16 20 24]"} {
		if !strings.Contains(text("schedule"), want) {
			t.Errorf("schedule lacks %q", want)
		}
	}
	p := llm.Qwen35Config().Params()
	sums := regexp.MustCompile(`sum (\S+) = stored (\S+): (\w+); text (\S+), text\+vision (\S+)`).FindAllStringSubmatch(text("budget"), -1)
	if len(sums) != 2 {
		t.Fatalf("budget: %d sums:\n%s", len(sums), text("budget"))
	}
	if s := sums[0]; s[3] != "true" || s[4] != "752,393,024" || s[5] != "852,985,920" || s[1] != commas16(p.Stored) {
		t.Errorf("published budget: %q", s[0])
	}
	if sums[1][3] != "true" {
		t.Errorf("loaded budget: %q", sums[1][0])
	}
	// The stepper.
	if v := number(t, text("layers"), `every layer, within (\S+)`); !(v <= 1e-4) {
		t.Errorf("layers: input + mixer + MLP differs from the output by %v", v)
	}
	if v := number(t, text("head"), `largest difference (\S+)`); !(v <= 1e-4) {
		t.Errorf("head: the last stage differs from the logits by %v", v)
	}
	lens := regexp.MustCompile(`lens reads (".*")`).FindAllStringSubmatch(text("layers"), -1)
	greedy := regexp.MustCompile(`greedy picks (".*")`).FindStringSubmatch(text("head"))
	if len(lens) == 0 || greedy == nil || lens[len(lens)-1][1] != greedy[1] {
		t.Errorf("the lens at the last layer should read the greedy pick:\n%s\n%s", text("layers"), text("head"))
	}
	// Memory: Qwen3.5-0.8B's cache and states, by hand.
	kv1k := 2.0 * 6 * 2 * 256 * 2 * 1024 // K and V × 6 layers × 2 KV heads × 256 × bf16 × tokens
	rec := 18.0 * 16 * 128 * 128 * 4     // 18 DeltaNet layers × 16 heads × 128 × 128 × f32
	for _, want := range []string{fmt.Sprintf("1024 tokens: KV cache (bf16) %6.1f MiB; DeltaNet recurrent states (f32) %.1f MiB", kv1k/(1<<20), rec/(1<<20)),
		fmt.Sprintf("262144 tokens: KV cache (bf16) %6.1f MiB", kv1k*256/(1<<20))} {
		if !strings.Contains(text("memory-published"), want) {
			t.Errorf("memory-published lacks %q:\n%s", want, text("memory-published"))
		}
	}
	st := regexp.MustCompile(`state after (\d+) tokens: (\S+) bytes = KV cache (\S+) \+ DeltaNet states (\S+)`).FindStringSubmatch(text("memory"))
	if st == nil || count16(t, st[2]) != count16(t, st[3])+count16(t, st[4]) {
		t.Errorf("memory: %q", st)
	}
	if v := number(t, text("speed"), `: (\S+) tokens/s`); !(v > 0) {
		t.Errorf("speed: %v tokens/s", v)
	}
	// Edge: Q8 reads fewer bytes, at a small cost.
	if v := number(t, text("q8"), `bytes \((\S+)×\)`); !(v > 1.3 && v <= 1.78) {
		t.Errorf("q8: ratio %v", v)
	}
	if v := number(t, text("q8"), `KL\(bf16 ‖ Q8\) (\S+) nats`); !(v >= 0 && v < 0.05) {
		t.Errorf("q8: KL %v", v)
	}
	// Where it goes wrong.
	for _, e := range regexp.MustCompile(`entropy (\S+) nats \(uniform would be (\S+)\)`).FindAllStringSubmatch(text("hallucinate"), -1) {
		if v := floats(t, e[1:]); !(v[0] > 0 && v[0] <= v[1]) {
			t.Errorf("hallucinate: %q", e[0])
		}
	}
	if g := lines(text("seeds"), "greedy:"); len(g) != 2 || g[0] != g[1] {
		t.Errorf("seeds: greedy differs: %q", g)
	}
	// Evaluation: each pick is the option with the highest score.
	mc := regexp.MustCompile(`("[^"]*") (-?\d+\.\d+)`)
	for _, l := range lines(text("mc"), "picks") {
		best, top := "", math.Inf(-1)
		for _, s := range mc.FindAllStringSubmatch(strings.Split(l, "→")[0], -1) {
			if v := floats(t, s[2:3])[0]; v > top {
				best, top = s[1], v
			}
		}
		if !strings.Contains(l, "picks "+best) {
			t.Errorf("mc: %q does not pick its best option %s", l, best)
		}
	}
	if q := text("answers"); !strings.Contains(q, "3 questions, each with exactly one right answer") {
		t.Errorf("answers: %q", q)
	}
	if strings.Contains(text("load"), "tiny:") {
		checkChapter16Tiny(t, text)
	}
}

// checkChapter16Tiny recomputes, from the embedded checkpoint, what the
// notebook printed about it.
func checkChapter16Tiny(t *testing.T, text func(string) string) {
	t.Helper()
	m, err := llm.LoadTiny()
	if err != nil {
		t.Fatal(err)
	}
	var stored int64 // every tensor in the checkpoint file
	for _, n := range m.Net.WeightNames() {
		w := m.Net.MustWeight(n)
		k := int64(1)
		for _, d := range w.Shape {
			k *= int64(d)
		}
		stored += k
	}
	if want := "sum " + commas16(stored) + " = stored"; !strings.Contains(text("budget"), want) {
		t.Errorf("budget lacks %q (the checkpoint's own count)", want)
	}
	logits := m.Logits(m.Encode("The cat sat on the"))
	if want := "greedy picks " + fmt.Sprintf("%q", m.Piece(argmax32(logits))); !strings.Contains(text("head"), want) {
		t.Errorf("head lacks %q:\n%s", want, text("head"))
	}
	ids := m.Encode("The cat sat on the mat and looked at the door.")
	full := len(m.Config().FullAttentionLayers())                           // only they keep a KV cache
	kv := full * len(ids) * 2 * m.Config().KVHeads * m.Config().HeadDim * 4 // keys and values, float32
	if want := "KV cache " + commas16(int64(kv)) + " +"; !strings.Contains(text("memory"), want) {
		t.Errorf("memory lacks %q", want)
	}
	ptext := "The old dog slept by the fire while the rain fell on the roof. In the morning the children ran down to the river to see how high the water had risen."
	pids := m.Encode(ptext)
	var ce float64
	for i := 1; i < len(pids); i++ {
		p := llm.Softmax(m.Logits(pids[:i]), 1)
		ce -= math.Log(float64(p[pids[i]]))
	}
	ce /= float64(len(pids) - 1)
	if v := number(t, text("perplexity"), `perplexity (\S+)`); math.Abs(v-math.Exp(ce)) > 0.06+1e-3*v {
		t.Errorf("perplexity %v, recomputed %v", v, math.Exp(ce))
	}
}

func argmax32(x []float32) int {
	b := 0
	for i, v := range x {
		if v > x[b] {
			b = i
		}
	}
	return b
}

// commas16 writes n with thousands separators, as the notebook prints.
func commas16(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// count16 parses a number written with thousands separators.
func count16(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(strings.ReplaceAll(s, ",", ""), 10, 64)
	if err != nil {
		t.Errorf("%q: %v", s, err)
	}
	return n
}
