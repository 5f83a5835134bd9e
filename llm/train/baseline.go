package train

import (
	"fmt"
	"math"

	"github.com/how-llms-work/course/llm/model"
)

// Baselines are the n-gram losses a trained model should beat, computed on
// the same predicted positions as MeanLoss (token t+1 of each sequence
// given what precedes it).
type Baselines struct {
	Unigram float64 `json:"unigram"` // add-one smoothed token frequencies of the training stream
	Bigram  float64 `json:"bigram"`  // bigram counts interpolated with the unigram, λ chosen on the evaluated text
	Lambda  float64 `json:"lambda"`  // the bigram weight λ that gave the lowest loss
}

// NGramBaselines fits unigram and bigram models on the training stream and
// returns their mean next-token loss (nats) over the positions of seqs. The
// bigram is P(b|a) = λ·count(a,b)/count(a) + (1−λ)·P_unigram(b), with the
// best λ of a grid picked on seqs themselves, which flatters the baseline.
func NGramBaselines(trainIDs []int, seqs [][]int, vocab int) (Baselines, error) {
	if len(trainIDs) < 2 {
		return Baselines{}, fmt.Errorf("baselines: %d training tokens", len(trainIDs))
	}
	uni := make([]float64, vocab)
	for _, id := range trainIDs {
		if id < 0 || id >= vocab {
			return Baselines{}, fmt.Errorf("baselines: token %d outside the vocabulary", id)
		}
		uni[id]++
	}
	total := float64(len(trainIDs) + vocab)
	for i := range uni {
		uni[i] = (uni[i] + 1) / total
	}
	big := map[[2]int]float64{}
	from := make([]float64, vocab)
	for i := 0; i+1 < len(trainIDs); i++ {
		big[[2]int{trainIDs[i], trainIDs[i+1]}]++
		from[trainIDs[i]]++
	}
	var b Baselines
	n := 0
	for _, s := range seqs {
		for t := 0; t+1 < len(s); t++ {
			if s[t+1] < 0 || s[t+1] >= vocab || s[t] < 0 || s[t] >= vocab {
				return Baselines{}, fmt.Errorf("baselines: token outside the vocabulary")
			}
			b.Unigram -= math.Log(uni[s[t+1]])
			n++
		}
	}
	if n == 0 {
		return Baselines{}, fmt.Errorf("baselines: no position to predict")
	}
	b.Unigram /= float64(n)
	b.Bigram = math.Inf(1)
	for _, lam := range []float64{0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95} {
		var sum float64
		for _, s := range seqs {
			for t := 0; t+1 < len(s); t++ {
				p := (1 - lam) * uni[s[t+1]]
				if c := from[s[t]]; c > 0 {
					p += lam * big[[2]int{s[t], s[t+1]}] / c
				}
				sum -= math.Log(p)
			}
		}
		if l := sum / float64(n); l < b.Bigram {
			b.Bigram, b.Lambda = l, lam
		}
	}
	return b, nil
}

// FlopsPerToken estimates the floating-point operations of one training
// token (forward and backward) for sequences of length T: 6 per weight of
// every matrix product (the tied head included, the embedding lookup not),
// plus the attention scores and mixing (causal, T/2 keys on average) and
// the DeltaNet recurrence, each ×3 for forward + backward.
func FlopsPerToken(c *Config, T int) float64 {
	var matmul, other float64
	for _, t := range Layout(c) {
		if len(t.Shape) == 2 && t.Role != model.RoleEmbed {
			matmul += float64(t.Size)
		}
	}
	matmul += float64(c.Vocab * c.Hidden)
	for l := 0; l < c.Layers; l++ {
		if c.IsFullAttention(l) {
			other += 3 * 2 * 2 * float64(c.Heads*c.HeadDim) * float64(T) / 2
		} else {
			other += 3 * 4 * 2 * float64(c.LinearValueHeads*c.LinearKeyDim*c.LinearValueDim)
		}
	}
	return 6*matmul + other
}
