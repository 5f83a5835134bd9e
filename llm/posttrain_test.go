package llm

import (
	"math"
	"testing"

	"github.com/how-llms-work/course/llm/tokenizer"
)

// nll is −ln softmax(logits)[id] in float64, the long way.
func nll(logits []float32, id int) float64 {
	var z float64
	for _, l := range logits {
		z += math.Exp(float64(l))
	}
	return math.Log(z) - float64(logits[id])
}

// TestAnswerLoss checks the per-token losses against one fresh forward pass
// per prefix, and the masked mean against the mean over the answer alone.
func TestAnswerLoss(t *testing.T) {
	m := MustLoad("tiny")
	prompt := m.Tok.Chat([]tokenizer.Message{{Role: "user", Content: "What is two and two?"}}, tokenizer.ChatOptions{GenerationPrompt: true})
	answer := "Four.<|im_end|>"
	tl := m.MustAnswerLoss(prompt, answer)
	p, a := m.Encode(prompt), m.Encode(answer)
	if len(tl.IDs) != len(p)+len(a) || tl.Counted() != len(a) {
		t.Fatalf("%d ids, %d counted; want %d and %d", len(tl.IDs), tl.Counted(), len(p)+len(a), len(a))
	}
	if last := tl.IDs[len(tl.IDs)-1]; m.Piece(last) != "<|im_end|>" {
		t.Errorf("the answer ends with %q, want <|im_end|> as one token", m.Piece(last))
	}
	var sumAnswer, sumAll float64
	for i := 1; i < len(tl.IDs); i++ {
		want := nll(m.Logits(tl.IDs[:i]), tl.IDs[i])
		if math.Abs(tl.Loss[i]-want) > 1e-3 {
			t.Errorf("token %d: loss %v, want %v", i, tl.Loss[i], want)
		}
		if tl.Mask[i] != (i >= len(p)) {
			t.Errorf("token %d: mask %v", i, tl.Mask[i])
		}
		sumAll += want
		if i >= len(p) {
			sumAnswer += want
		}
	}
	if got, want := tl.Masked(), sumAnswer/float64(len(a)); math.Abs(got-want) > 1e-3 {
		t.Errorf("masked mean %v, want %v", got, want)
	}
	if got, want := tl.Unmasked(), sumAll/float64(len(tl.IDs)-1); math.Abs(got-want) > 1e-3 {
		t.Errorf("unmasked mean %v, want %v", got, want)
	}
	if got := tl.LogProb(); math.Abs(got+sumAnswer) > 1e-3 {
		t.Errorf("log-prob %v, want %v", got, -sumAnswer)
	}
	if _, err := m.AnswerLoss(prompt, ""); err == nil {
		t.Error("an empty answer gave no error")
	}
}

func TestDPOLoss(t *testing.T) {
	// Untuned, the model is its own reference: the loss is ln 2.
	if got := DPOLoss(-5, -9, -5, -9, 0.1); math.Abs(got-math.Ln2) > 1e-12 {
		t.Errorf("at the start: %v, want ln 2", got)
	}
	for _, c := range [][5]float64{{-3, -8, -5, -7, 0.1}, {-30, -2, -1, -40, 1}, {2000, -2000, 0, 0, 1}, {-2000, 2000, 0, 0, 1}} {
		z := c[4] * ((c[0] - c[2]) - (c[1] - c[3]))
		want := -math.Log(1 / (1 + math.Exp(-z)))
		if math.IsInf(want, 1) {
			want = -z // −ln σ(z) → −z for z ≪ 0
		}
		if got := DPOLoss(c[0], c[1], c[2], c[3], c[4]); math.Abs(got-want) > 1e-9*max(1, math.Abs(want)) {
			t.Errorf("DPOLoss%v = %v, want %v", c, got, want)
		}
	}
	if s := Sigmoid(0); s != 0.5 {
		t.Errorf("σ(0) = %v", s)
	}
}

func TestDistillLoss(t *testing.T) {
	teacher := []float32{2, 1, 0.5, -1}
	student := []float32{1, 1.5, 0, -2}
	if got := DistillLoss(teacher, teacher, 3); math.Abs(got) > 1e-9 {
		t.Errorf("a student equal to the teacher: %v, want 0", got)
	}
	for _, T := range []float64{1, 2, 4} {
		p, q := make([]float64, 4), make([]float64, 4)
		var zp, zq float64
		for i := range p {
			p[i], q[i] = math.Exp(float64(teacher[i])/T), math.Exp(float64(student[i])/T)
			zp, zq = zp+p[i], zq+q[i]
		}
		var want float64
		for i := range p {
			want += p[i] / zp * math.Log(p[i]/zp/(q[i]/zq))
		}
		want *= T * T
		if got := DistillLoss(teacher, student, T); math.Abs(got-want) > 1e-5 {
			t.Errorf("T=%v: %v, want %v", T, got, want)
		}
	}
}
