package llm

import (
	"fmt"
	"math"
	"strings"
)

// MaskedLoss is the next-token loss of a prompt followed by an answer, token
// by token, with the mask that supervised fine-tuning (SFT) applies: only
// the answer's tokens count, the prompt's are there to be read.
type MaskedLoss struct {
	IDs    []int
	Pieces []string
	// Loss[i] = −ln p(IDs[i] | IDs[:i]) in nats; Loss[0] is 0, since nothing
	// comes before the first token to predict it.
	Loss []float64
	// Mask[i] is true for the answer's tokens: those counted by SFT.
	Mask []bool
}

// AnswerLoss runs the model over prompt followed by answer (each encoded on
// its own, then joined, as SFT trainers do) and returns the loss of every
// token with the answer's tokens marked. Both texts must give tokens.
func (m *Model) AnswerLoss(prompt, answer string) (*MaskedLoss, error) {
	p, a := m.Encode(prompt), m.Encode(answer)
	if len(p) == 0 || len(a) == 0 {
		return nil, fmt.Errorf("llm: AnswerLoss: the prompt has %d tokens and the answer %d: both need at least one", len(p), len(a))
	}
	ids := append(append([]int{}, p...), a...)
	rows, err := m.LogitsAll(ids)
	if err != nil {
		return nil, fmt.Errorf("llm: AnswerLoss: %w", err)
	}
	tl := &MaskedLoss{IDs: ids, Pieces: m.Pieces(ids), Loss: make([]float64, len(ids)), Mask: make([]bool, len(ids))}
	for i := 1; i < len(ids); i++ {
		tl.Loss[i] = -float64(LogSoftmax(rows[i-1], 1)[ids[i]])
		tl.Mask[i] = i >= len(p)
	}
	return tl, nil
}

// MustAnswerLoss is AnswerLoss for notebook cells: it panics with its error.
func (m *Model) MustAnswerLoss(prompt, answer string) *MaskedLoss {
	tl, err := m.AnswerLoss(prompt, answer)
	if err != nil {
		panic(err)
	}
	return tl
}

// Counted returns the number of tokens the mask counts.
func (tl *MaskedLoss) Counted() int {
	n := 0
	for _, on := range tl.Mask {
		if on {
			n++
		}
	}
	return n
}

// Masked returns the SFT loss: the mean loss over the counted tokens.
func (tl *MaskedLoss) Masked() float64 {
	var s float64
	for i, on := range tl.Mask {
		if on {
			s += tl.Loss[i]
		}
	}
	return s / float64(max(tl.Counted(), 1))
}

// Unmasked returns the pretraining loss of the same text: the mean over
// every predicted token (all but the first).
func (tl *MaskedLoss) Unmasked() float64 {
	var s float64
	for _, l := range tl.Loss[1:] {
		s += l
	}
	return s / float64(max(len(tl.Loss)-1, 1))
}

// LogProb returns ln p(answer | prompt): the sum of the answer's token
// log-probabilities, the quantity preference tuning compares.
func (tl *MaskedLoss) LogProb() float64 {
	var s float64
	for i, on := range tl.Mask {
		if on {
			s -= tl.Loss[i]
		}
	}
	return s
}

// String lists the tokens with their losses, the masked ones in brackets.
func (tl *MaskedLoss) String() string {
	var b strings.Builder
	for i, id := range tl.IDs {
		if i == 0 {
			fmt.Fprintf(&b, "%6d  %-16q  (first token: nothing predicts it)\n", id, tl.Pieces[i])
			continue
		}
		if tl.Mask[i] {
			fmt.Fprintf(&b, "%6d  %-16q  %6.3f  counted\n", id, tl.Pieces[i], tl.Loss[i])
		} else {
			fmt.Fprintf(&b, "%6d  %-16q  (%.3f) masked\n", id, tl.Pieces[i], tl.Loss[i])
		}
	}
	return b.String()
}

// DPOLoss is the loss of direct preference optimisation for one pair:
// −ln σ(β·[(chosen − refChosen) − (rejected − refRejected)]), where each
// argument is a sequence log-probability ln p(answer | prompt), under the
// model being tuned (chosen, rejected) and under a frozen copy of it taken
// before tuning (refChosen, refRejected). β sets how far the model may move
// from the copy; 0.1 is common.
func DPOLoss(chosen, rejected, refChosen, refRejected, beta float64) float64 {
	z := beta * ((chosen - refChosen) - (rejected - refRejected))
	// −ln σ(z) = ln(1 + e^−z), computed without overflow.
	if z < 0 {
		return -z + math.Log1p(math.Exp(z))
	}
	return math.Log1p(math.Exp(-z))
}

// DistillLoss is Hinton's soft-target loss for one position:
// T²·KL(softmax(teacher/T) ‖ softmax(student/T)) in nats. The T² keeps its
// gradients the same size whatever the temperature T (> 0).
func DistillLoss(teacher, student []float32, T float64) float64 {
	return T * T * KLDivergence(Softmax(teacher, T), Softmax(student, T))
}
