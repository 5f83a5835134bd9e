package llm

import (
	"container/heap"
	"math"
)

// Float is the element type of the vectors the softmax family takes:
// float32, as the model computes logits, or float64, as a person types a
// toy example. Either way the arithmetic is done in float64.
type Float interface{ ~float32 | ~float64 }

// Softmax turns logits into probabilities: exp(logit/temperature), divided
// by their sum. It subtracts the largest logit first, so large logits do not
// overflow. Temperature 1 is the model's own distribution, below 1 sharpens
// it, above 1 flattens it, and 0 puts all probability on the largest logit
// (the lowest id among equal ones). A negative or NaN temperature gives NaN
// probabilities.
func Softmax[F Float](logits []F, temperature float64) []F {
	p := make([]F, len(logits))
	softmaxInto(p, logits, temperature)
	return p
}

func softmaxInto[F Float](p, logits []F, temperature float64) {
	if len(logits) == 0 {
		return
	}
	if !(temperature >= 0) {
		fill(p, F(math.NaN()))
		return
	}
	hi, max := argmax(logits)
	if temperature == 0 || math.IsInf(float64(max), 1) {
		fill(p, 0)
		if math.IsNaN(float64(max)) {
			fill(p, F(math.NaN()))
			return
		}
		p[hi] = 1
		return
	}
	if math.IsInf(float64(max), -1) || math.IsNaN(float64(max)) {
		fill(p, F(math.NaN()))
		return
	}
	inv := 1 / temperature
	var sum float64
	for i, x := range logits {
		e := math.Exp((float64(x) - float64(max)) * inv)
		p[i] = F(e)
		sum += e
	}
	scale := F(1 / sum)
	for i := range p {
		p[i] *= scale
	}
}

// LogSoftmax returns log(Softmax(logits, temperature)) computed without
// taking the log of tiny probabilities: (logit - max)/T - log Σ exp((logit -
// max)/T). Temperature 0 gives 0 for the largest logit and -Inf elsewhere.
func LogSoftmax[F Float](logits []F, temperature float64) []F {
	out := make([]F, len(logits))
	if len(logits) == 0 {
		return out
	}
	if !(temperature >= 0) {
		fill(out, F(math.NaN()))
		return out
	}
	hi, max := argmax(logits)
	if temperature == 0 || math.IsInf(float64(max), 1) {
		fill(out, F(math.Inf(-1)))
		out[hi] = 0
		return out
	}
	if math.IsInf(float64(max), -1) || math.IsNaN(float64(max)) {
		fill(out, F(math.NaN()))
		return out
	}
	lse := logSumExp(logits, float64(max), 1/temperature)
	for i, x := range logits {
		out[i] = F((float64(x)-float64(max))/temperature - lse)
	}
	return out
}

// logSumExp returns log Σ exp((x - max)·inv).
func logSumExp[F Float](logits []F, max, inv float64) float64 {
	var sum float64
	for _, x := range logits {
		sum += math.Exp((float64(x) - max) * inv)
	}
	return math.Log(sum)
}

// logNormalizer returns log Σ exp(logits), the number whose difference
// from a logit is that token's log-probability at temperature 1.
func logNormalizer[F Float](logits []F) float64 {
	_, hi := argmax(logits)
	return float64(hi) + logSumExp(logits, float64(hi), 1)
}

// Entropy returns the entropy −Σ p·ln p of a probability distribution, in
// nats (divide by math.Ln2 for bits). Zero probabilities contribute nothing.
// A one-hot distribution has entropy 0; a uniform one over n entries ln n.
func Entropy[F Float](p []F) float64 {
	var h float64
	for _, x := range p {
		if x > 0 {
			h -= float64(x) * math.Log(float64(x))
		}
	}
	return h
}

// Sum returns the sum of x, added up in float64: Sum(Softmax(logits, 1))
// is 1 up to rounding.
func Sum[F Float](x []F) float64 {
	var s float64
	for _, v := range x {
		s += float64(v)
	}
	return s
}

// Argmax returns the index of the largest value (the lowest index among
// equal ones), or -1 for an empty slice. NaN values are skipped.
func Argmax[F Float](x []F) int {
	if len(x) == 0 {
		return -1
	}
	i, _ := argmax(x)
	return i
}

// argmax returns the index and value of the largest non-NaN entry (index 0
// and NaN if all are NaN).
func argmax[F Float](x []F) (int, F) {
	best, bv := 0, F(math.NaN())
	for i, v := range x {
		if v > bv || (bv != bv && v == v) {
			best, bv = i, v
		}
	}
	return best, bv
}

func fill[F Float](p []F, v F) {
	for i := range p {
		p[i] = v
	}
}

// Ranked is one entry of a TopK list: a token id and its value (a logit or
// a probability, whichever was ranked).
type Ranked struct {
	ID    int     `json:"id"`
	Value float32 `json:"value"`
}

// TopK returns the k largest values of x with their indices, largest first;
// equal values are ordered by index. NaN values are never ranked. k larger
// than len(x) returns every entry; k ≤ 0 returns none.
func TopK(x []float32, k int) []Ranked {
	if k <= 0 {
		return nil
	}
	h := make(minHeap, 0, min(k, len(x)))
	for i, v := range x {
		if v != v {
			continue
		}
		r := Ranked{i, v}
		if len(h) < k {
			heap.Push(&h, r)
		} else if better(r, h[0]) {
			h[0] = r
			heap.Fix(&h, 0)
		}
	}
	out := make([]Ranked, len(h))
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = heap.Pop(&h).(Ranked)
	}
	return out
}

// better reports whether a ranks above b: larger value, then lower id.
func better(a, b Ranked) bool {
	return a.Value > b.Value || (a.Value == b.Value && a.ID < b.ID)
}

// minHeap keeps the worst of the current top k at its root.
type minHeap []Ranked

func (h minHeap) Len() int           { return len(h) }
func (h minHeap) Less(i, j int) bool { return better(h[j], h[i]) }
func (h minHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *minHeap) Push(x any)        { *h = append(*h, x.(Ranked)) }
func (h *minHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// TopCandidates returns the k highest logits as candidates, best first
// (equal logits by lower id): each with its id, its piece (from piece; nil
// leaves Piece empty), its logit and its probability under the whole
// distribution (softmax at temperature 1 over every logit, not just the k).
// It is the one place the course ranks next tokens: Model.Top, Run,
// Generate and the widgets all call it.
func TopCandidates(logits []float32, k int, piece func(id int) string) []Candidate {
	top := TopK(logits, k)
	lse := logNormalizer(logits)
	out := make([]Candidate, len(top))
	for i, r := range top {
		out[i] = Candidate{ID: r.ID, Logit: r.Value, Prob: float32(math.Exp(float64(r.Value) - lse))}
		if piece != nil {
			out[i].Piece = piece(r.ID)
		}
	}
	return out
}
