package notebooks

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm"
)

// widgetsOfChapter12 are the widget kinds chapter 12 must show.
var widgetsOfChapter12 = []string{"llmw-ribbon", "llmw-lines", "llmw-kvcalc", "llmw-matrix", "llmw-grid", "llmw-quiz"}

// chapter12Prompt is the prompt the notebook's cells run (its const prompt).
const chapter12Prompt = "The cat sat on the mat. It was warm, so the cat fell asleep and dreamed of fish"

// TestChapter12 checks the executed chapter 12: every cell ran, every
// widget is there, the published config's sizes are the recorded ones, the
// identities it shows hold on whatever model ran, and on the embedded model
// its sizes, gates and needle ranks match values recomputed here.
func TestChapter12(t *testing.T) {
	nb := executed(t, "12-kv-cache.ipynb")
	texts, _ := checkOutputs(t, nb, 12, widgetsOfChapter12, 600<<10)
	text := textIn(t, texts)

	// Qwen3.5-0.8B's published config: chapter-guide's computed check.
	for id, wants := range map[string][]string{
		"hybrid-table": {"one DeltaNet layer: recurrent 512.0 KiB + conv 36.0 KiB, at any length",
			"    1024     21.6 MiB     48.0 MiB    192.0 MiB      8.9×",
			"   32768    393.6 MiB      1.5 GiB      6.0 GiB     15.6×",
			"    4096     57.6 MiB    192.0 MiB    768.0 MiB     13.3×",
			"   16384    201.6 MiB    768.0 MiB      3.0 GiB     15.2×",
			"  262144      3.0 GiB     12.0 GiB     48.0 GiB     15.9×",
			// 12 GiB, 48 GiB and 3.0 GiB against 2 × 752,393,024 bytes of weights.
			"Qwen3.5-0.8B weights in bf16, for scale: 1.4 GiB; at 262144 tokens GQA-24 holds 8.6× that, MHA-24 34.3×, the hybrid 2.1×"},
		// S in float32 (spec §7.9): 1 MiB + 36 KiB a layer; 6 × 64 MiB + 18 × 1,060 KiB at 32k.
		"hybrid-fp32": {"S in float32: one DeltaNet layer 1.0 MiB, the 18 together 18.6 MiB",
			"   32768 tokens: hybrid 402.6 MiB, MHA-24 ÷ hybrid 15.3×"},
		// 6 layers × 2 × 2 KV heads × 256 dims × 2 bytes.
		"prefix":     {"a kept prefix costs Qwen3.5-0.8B 12288 bytes a token in its attention layers (bf16; 24576 in float32)"},
		"quiz-check": {"the quiz has 3 questions, each with exactly one right answer"},
	} {
		for _, want := range wants {
			if !strings.Contains(text(id), want) {
				t.Errorf("cell %s lacks %q:\n%s", id, want, text(id))
			}
		}
	}

	// Identities, on any model.
	if d := number(t, text("decode-check"), `recomputed logits over \d+ steps: (\S+)`); !(d <= 1e-3) {
		t.Errorf("cached vs recomputed logits differ by %v", d)
	}
	if d := number(t, text("prefix"), `largest difference (\S+)`); !(d <= 1e-3) {
		t.Errorf("reused vs fresh prefix logits differ by %v", d)
	}
	if th := text("throughput"); strings.Count(th, "tokens/s") != 2 || !strings.Contains(th, "× the prefill's cost per token") {
		t.Errorf("the throughput cell did not measure both speeds:\n%s", th)
	}
	if f := text("formula-check"); strings.Count(f, "equal true") != 2 {
		t.Errorf("the formulas do not match the engine's state:\n%s", f)
	}
	if s := regexp.MustCompile(`(\d+) bytes in all; the engine's State.Bytes says (\d+)`).FindStringSubmatch(text("state-tensors")); s == nil || s[1] != s[2] {
		t.Errorf("state tensors do not add up to State.Bytes: %v\n%s", s, text("state-tensors"))
	}
	hand := text("delta-by-hand")
	if d, moved := number(t, hand, `largest difference (\S+)`), number(t, hand, `moved S by up to (\S+)\)`); !(d <= 1e-4 && moved > 1e-3) {
		t.Errorf("delta rule by hand vs engine %v, for a step of %v", d, moved)
	}
	if rel := number(t, text("roundtrip"), `bf16\s+2.000 bytes a number: relative error (\S+),`); !(rel > 0 && rel < 1.0/256) {
		t.Errorf("bf16 round trip relative error %v", rel)
	}

	load := text("load")
	switch {
	case strings.HasPrefix(load, "tiny:"):
		checkChapter12Tiny(t, text)
	case strings.Contains(load, "this is the real Qwen3.5-0.8B: true"):
		if !strings.Contains(text("real-check"), "DeltaNet layers 18, recurrent state [16 128 128] = 512.0 KiB in bf16, KV bytes per token per full layer (bf16) 2048") {
			t.Errorf("the real model's check did not run:\n%s", text("real-check"))
		}
	}
}

// checkChapter12Tiny recomputes, from the embedded model's config, weights
// and tokenizer, values chapter 12 printed for it.
func checkChapter12Tiny(t *testing.T, text func(string) string) {
	t.Helper()
	m, err := llm.LoadTiny()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	cfg := m.Config()
	n := len(m.Encode(chapter12Prompt))

	// The state's bytes by hand: keys and values of the full layers, conv
	// and recurrent state of the others, float32.
	full := len(cfg.FullAttentionLayers())
	want := 4 * (2*full*cfg.KVHeads*cfg.HeadDim*n + (cfg.Layers-full)*(cfg.LinearValueHeads*cfg.LinearKeyDim*cfg.LinearValueDim+(cfg.ConvKernel-1)*cfg.ConvDim()))
	if s := fmt.Sprintf("%d tokens: %d bytes in all", n, want); !strings.Contains(text("state-tensors"), s) {
		t.Errorf("state tensors lack %q:\n%s", s, text("state-tensors"))
	}

	// β of head 0 at the last token, first DeltaNet layer: σ(in_proj_b · x).
	p := m.MustRun(chapter12Prompt)
	l := llm.DeltaNetLayers(cfg)[0]
	wb := m.Net.MustWeight(fmt.Sprintf("layers.%d.linear_attn.in_proj_b.weight", l)).Float32()
	var z float64
	for i, x := range p.Capture.Layers[l].InputNorm[n-1] {
		z += float64(wb[i]) * float64(x)
	}
	beta := 1 / (1 + math.Exp(-z))
	if got := number(t, text("delta-by-hand"), `head 0: β = (\S+),`); math.Abs(got-beta) > 0.0015 {
		t.Errorf("β printed %v, recomputed %v", got, beta)
	}

	// The needle at depth 50%: the answer's rank from an independent pass.
	fact, q, fill, ans := m.Encode(" The secret word is apple."), m.Encode(" The secret word is"), m.Encode(" The sun was warm and the birds sang in the trees."), m.Encode(" apple")
	tokens := min(cfg.MaxPositions-40, 500)
	var hay []int
	for len(hay) < tokens {
		hay = append(hay, fill...)
	}
	hay = hay[:tokens]
	at := int(math.Round(0.5*float64(tokens)/float64(len(fill)))) * len(fill)
	logits := m.Logits(slices.Concat(hay[:at], fact, hay[at:], q))
	rank := 0
	for _, x := range logits {
		if x > logits[ans[0]] {
			rank++
		}
	}
	if s := fmt.Sprintf("depth  50%% (fact at tokens %d–%d of %d): answer rank %d,", at, at+len(fact)-1, tokens+len(fact)+len(q), rank); !strings.Contains(text("needle"), s) {
		t.Errorf("needle lacks %q:\n%s", s, text("needle"))
	}
	// Without the fact: the rank from a pass over the haystack and question alone.
	base := m.Logits(slices.Concat(hay, q))
	baseRank := 0
	for _, x := range base {
		if x > base[ans[0]] {
			baseRank++
		}
	}
	if s := fmt.Sprintf("(without the fact: rank %d, p = ", baseRank); strings.Count(text("needle"), s) != strings.Count(text("needle"), "answer rank") {
		t.Errorf("needle: want %q at every depth:\n%s", s, text("needle"))
	}
}
