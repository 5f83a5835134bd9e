package llm

import (
	"container/heap"
	"math"
)

// Softmax turns logits into probabilities: exp(logit/temperature), divided
// by their sum. It subtracts the largest logit first, so large logits do not
// overflow. Temperature 1 is the model's own distribution, below 1 sharpens
// it, above 1 flattens it, and 0 puts all probability on the largest logit
// (the lowest id among equal ones). A negative or NaN temperature gives NaN
// probabilities.
func Softmax(logits []float32, temperature float64) []float32 {
	p := make([]float32, len(logits))
	softmaxInto(p, logits, temperature)
	return p
}

func softmaxInto(p, logits []float32, temperature float64) {
	if len(logits) == 0 {
		return
	}
	if !(temperature >= 0) {
		fill(p, float32(math.NaN()))
		return
	}
	hi, max := argmax(logits)
	if temperature == 0 || math.IsInf(float64(max), 1) {
		fill(p, 0)
		if math.IsNaN(float64(max)) {
			fill(p, float32(math.NaN()))
			return
		}
		p[hi] = 1
		return
	}
	if math.IsInf(float64(max), -1) || math.IsNaN(float64(max)) {
		fill(p, float32(math.NaN()))
		return
	}
	inv := 1 / temperature
	var sum float64
	for i, x := range logits {
		e := math.Exp((float64(x) - float64(max)) * inv)
		p[i] = float32(e)
		sum += e
	}
	scale := float32(1 / sum)
	for i := range p {
		p[i] *= scale
	}
}

// LogSoftmax returns log(Softmax(logits, temperature)) computed without
// taking the log of tiny probabilities: (logit - max)/T - log Σ exp((logit -
// max)/T). Temperature 0 gives 0 for the largest logit and -Inf elsewhere.
func LogSoftmax(logits []float32, temperature float64) []float32 {
	out := make([]float32, len(logits))
	if len(logits) == 0 {
		return out
	}
	if !(temperature >= 0) {
		fill(out, float32(math.NaN()))
		return out
	}
	hi, max := argmax(logits)
	if temperature == 0 || math.IsInf(float64(max), 1) {
		fill(out, float32(math.Inf(-1)))
		out[hi] = 0
		return out
	}
	if math.IsInf(float64(max), -1) || math.IsNaN(float64(max)) {
		fill(out, float32(math.NaN()))
		return out
	}
	lse := logSumExp(logits, float64(max), 1/temperature)
	for i, x := range logits {
		out[i] = float32((float64(x)-float64(max))/temperature - lse)
	}
	return out
}

// logSumExp returns log Σ exp((x - max)·inv).
func logSumExp(logits []float32, max, inv float64) float64 {
	var sum float64
	for _, x := range logits {
		sum += math.Exp((float64(x) - max) * inv)
	}
	return math.Log(sum)
}

// Entropy returns the entropy −Σ p·ln p of a probability distribution, in
// nats (divide by math.Ln2 for bits). Zero probabilities contribute nothing.
// A one-hot distribution has entropy 0; a uniform one over n entries ln n.
func Entropy(p []float32) float64 {
	var h float64
	for _, x := range p {
		if x > 0 {
			h -= float64(x) * math.Log(float64(x))
		}
	}
	return h
}

// Argmax returns the index of the largest value (the lowest index among
// equal ones), or -1 for an empty slice. NaN values are skipped.
func Argmax(x []float32) int {
	if len(x) == 0 {
		return -1
	}
	i, _ := argmax(x)
	return i
}

// argmax returns the index and value of the largest non-NaN entry (index 0
// and NaN if all are NaN).
func argmax(x []float32) (int, float32) {
	best, bv := 0, float32(math.NaN())
	for i, v := range x {
		if v > bv || (bv != bv && v == v) {
			best, bv = i, v
		}
	}
	return best, bv
}

func fill(p []float32, v float32) {
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
