package notebooks

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/llm/tokenizer"
)

// TestChapter15 checks the executed chapter 15: every cell ran, its widgets
// are there, the model-independent facts hold, and on the embedded model
// the losses and log-probabilities it printed are recomputed here, one
// forward pass per prefix. Like TestChapter3 it reads the copy in
// LLM_EXECUTED_NOTEBOOKS when set, and otherwise runs the notebook.
func TestChapter15(t *testing.T) {
	nb := executed(t, "15-post-training.ipynb")
	checkOutputs(t, nb, 15, []string{"llmw-chips", "llmw-quiz"}, 0)
	text := textOf(t, nb)
	for id, want := range map[string]string{
		"template":     `<|im_start|>user\nWhat is 2 + 2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n"`,
		"genprompt":    `thinking false: ends with "<|im_start|>assistant\n`,
		"stop":         `4 tokens generated; the last is "<|im_end|>"`,
		"dpo":          "DPO loss before tuning (model = reference): 0.6931 = ln 2 = 0.6931",
		"toolcall":     "parsed back: get_weather(city=\"Paris\"), equal: true",
		"toolcall-bad": "broken call: llm: tool call: parameter city has no closing </parameter>",
	} {
		if !strings.Contains(text(id), want) {
			t.Errorf("cell %s lacks %q:\n%s", id, want, text(id))
		}
	}
	if s := text("stop"); !strings.Contains(s, "forced: true); stop: eos") {
		t.Errorf("generation did not stop at the forced <|im_end|>:\n%s", s)
	}
	if s := text("distill"); strings.Count(s, "(student = teacher: 0.0000)") != 3 {
		t.Errorf("the distillation loss of a student equal to its teacher is not 0:\n%s", s)
	}
	// The masked mean equals the mean over the answer, computed the slow way in the notebook.
	check := text("sft-check")
	byHand, masked := number(t, check, `tokens: ([-\d.]+);`), number(t, check, `masked mean: ([-\d.]+)`)
	if math.Abs(byHand-masked) > 2e-4 {
		t.Errorf("by hand %v vs masked mean %v", byHand, masked)
	}
	dpo := text("dpo")
	c, r := number(t, dpo, `ln p\(chosen\) = ([-\d.]+)`), number(t, dpo, `ln p\(rejected\) = ([-\d.]+)`)
	if margin := number(t, dpo, `margin = ([-\d.]+)`); math.Abs(margin-(c-r)) > 2e-3 {
		t.Errorf("margin %v, want %v − %v", margin, c, r)
	}
	if sft := text("sft-train"); strings.Contains(text("sft-data"), "ready to train") {
		first, last := number(t, sft, `masked loss: ([\d.]+) at step 1`), number(t, sft, `, ([\d.]+) at step 30`)
		if !(last < first/4) {
			t.Errorf("SFT: masked loss %v at step 1, %v at step 30: want it to fall", first, last)
		}
		for _, want := range []string{`after: "Four.<|im_end|>"`, `after: "Blue.<|im_end|>"`} {
			if !strings.Contains(sft, want) {
				t.Errorf("after SFT the model does not answer %s:\n%s", want, sft)
			}
		}
	}
	// Softer targets move probability from the top five to the rest: the
	// mass outside the top five rises with the temperature on any model.
	var rest []float64
	for _, m := range regexp.MustCompile(`outside the top 5 ([\d.]+)`).FindAllStringSubmatch(text("soft"), -1) {
		v, _ := strconv.ParseFloat(m[1], 64)
		rest = append(rest, v)
	}
	if len(rest) != 3 || !(rest[0] <= rest[1] && rest[1] <= rest[2]) {
		t.Errorf("mass outside the top 5 at T = 1, 2, 4: %v, want three values, none lower than the one before:\n%s", rest, text("soft"))
	}
	if strings.HasPrefix(text("load"), "tiny:") {
		checkChapter15Tiny(t, text)
	}
}

// checkChapter15Tiny recomputes, on the embedded model, the SFT loss and the
// preference log-probabilities the notebook printed, one fresh forward pass
// per answer token, and the first token of the templated reply.
func checkChapter15Tiny(t *testing.T, text func(string) string) {
	t.Helper()
	m, err := llm.Load("tiny")
	if err != nil {
		t.Fatal(err)
	}
	asked := m.Tok.Chat([]tokenizer.Message{{Role: "user", Content: "What is 2 + 2?"}}, tokenizer.ChatOptions{GenerationPrompt: true})
	// logProb is ln p(answer | asked), summed token by token, by hand.
	logProb := func(answer string) (float64, int) {
		p, a := m.Encode(asked), m.Encode(answer)
		ids := append(append([]int{}, p...), a...)
		var s float64
		for i := len(p); i < len(ids); i++ {
			logits := m.Logits(ids[:i])
			var z float64
			for _, l := range logits {
				z += math.Exp(float64(l))
			}
			s += float64(logits[ids[i]]) - math.Log(z)
		}
		return s, len(a)
	}
	lp, n := logProb("Two plus two is four.<|im_end|>")
	if got := number(t, text("sft-mask"), `SFT loss \(answer tokens only\): ([-\d.]+)`); math.Abs(got+lp/float64(n)) > 1e-3 {
		t.Errorf("SFT loss %v, want %v", got, -lp/float64(n))
	}
	if got := number(t, text("sft-mask"), `, (\d+) counted`); int(got) != n {
		t.Errorf("%v tokens counted, want %d", got, n)
	}
	lr, _ := logProb("Two plus two is five.<|im_end|>")
	dpo := text("dpo")
	if c := number(t, dpo, `ln p\(chosen\) = ([-\d.]+)`); math.Abs(c-lp) > 2e-3*max(1, math.Abs(lp)/100) {
		t.Errorf("ln p(chosen) %v, want %v", c, lp)
	}
	if r := number(t, dpo, `ln p\(rejected\) = ([-\d.]+)`); math.Abs(r-lr) > 2e-3*max(1, math.Abs(lr)/100) {
		t.Errorf("ln p(rejected) %v, want %v", r, lr)
	}
	// The fine-tuning run, again: same examples, same steps, same replies.
	q := func(s string) string {
		return m.Tok.Chat([]tokenizer.Message{{Role: "user", Content: s}}, tokenizer.ChatOptions{GenerationPrompt: true})
	}
	sft := m.MustSFT([][2]string{{q("What is 2 + 2?"), "Four.<|im_end|>"}, {q("What colour is the sky?"), "Blue.<|im_end|>"},
		{q("Name a large animal."), "An elephant.<|im_end|>"}, {q("What do cows drink?"), "Water.<|im_end|>"}})
	if before := fmt.Sprintf("before: %q\n", sft.Reply(q("What is 2 + 2?"), 10)); !strings.Contains(text("sft-before"), before) {
		t.Errorf("sft-before lacks %q:\n%s", before, text("sft-before"))
	}
	for range 30 {
		sft.MustStep(1e-3)
	}
	if want := fmt.Sprintf("the role name \"assistant\" is %d token(s) here", len(m.Encode("assistant"))); !strings.Contains(text("specials"), want) {
		t.Errorf("specials lacks %q:\n%s", want, text("specials"))
	}
	reply := sft.Reply(q("What is 3 + 3?"), 10)
	trained := reply == "Four.<|im_end|>" || reply == "Blue.<|im_end|>" || reply == "An elephant.<|im_end|>" || reply == "Water.<|im_end|>"
	if after := fmt.Sprintf("after: %q; one of the four trained answers: %v\n", reply, trained); !strings.Contains(text("sft-train"), after) {
		t.Errorf("sft-train lacks %q:\n%s", after, text("sft-train"))
	}
	if !trained { // the chapter says so of the embedded model
		t.Errorf("after SFT the embedded model answers 3 + 3 with %q, none of the trained answers, as chapter 15 says it does", reply)
	}
	first := llm.Argmax(m.Logits(m.Encode(asked)))
	if s := text("templated"); !strings.Contains(s, "chose "+strconv.Quote(m.Piece(first))) {
		t.Errorf("the templated reply's first token is not the greedy %q:\n%s", m.Piece(first), s)
	}
}
