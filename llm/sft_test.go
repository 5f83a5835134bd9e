package llm

import (
	"math"
	"slices"
	"testing"

	"github.com/how-llms-work/course/llm/tokenizer"
)

// sftPairs are templated questions with short answers closed by <|im_end|>.
func sftPairs(m *Model) [][2]string {
	q := func(s string) string {
		return m.Tok.Chat([]tokenizer.Message{{Role: "user", Content: s}}, tokenizer.ChatOptions{GenerationPrompt: true})
	}
	return [][2]string{
		{q("What is 2 + 2?"), "Four.<|im_end|>"},
		{q("What colour is the sky?"), "Blue.<|im_end|>"},
	}
}

// TestSFT checks the first masked loss of the trainer against the inference
// engine's AnswerLoss (two independent implementations), then that a few
// steps bring the loss down and teach the model to answer and stop.
func TestSFT(t *testing.T) {
	m := MustLoad("tiny")
	pairs := sftPairs(m)
	before := m.Logits(m.Encode(pairs[0][0]))
	s := m.MustSFT(pairs)
	var want float64
	n := 0
	for _, p := range pairs {
		tl := m.MustAnswerLoss(p[0], p[1])
		want += tl.Masked() * float64(tl.Counted())
		n += tl.Counted()
	}
	want /= float64(n)
	first, err := s.Step(1e-3)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(first-want) > 1e-3 {
		t.Errorf("first SFT loss %v, AnswerLoss gives %v", first, want)
	}
	for range 14 {
		s.MustStep(1e-3)
	}
	last := s.Losses[len(s.Losses)-1]
	if len(s.Losses) != 15 || !(last < first/2) {
		t.Errorf("losses %v: want 15, the last under half the first", s.Losses)
	}
	for _, p := range pairs {
		if got := s.Reply(p[0], 10); got != p[1] {
			t.Errorf("after SFT, reply to %q = %q, want %q", p[0], got, p[1])
		}
	}
	if after := m.Logits(m.Encode(pairs[0][0])); !slices.Equal(after, before) {
		t.Error("fine-tuning the copy changed the original model's logits")
	}
	if _, err := m.NewSFT(nil); err == nil {
		t.Error("no examples: no error")
	}
}
