package llm

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Sampler chooses the next token from logits. The zero value is greedy:
// it always takes the most likely token. With a temperature above 0 it
// draws at random from the model's distribution, reshaped in this order:
//
//  1. temperature: probabilities ∝ exp(logit / Temperature);
//  2. top-k: keep only the TopK most likely tokens (0 keeps all);
//  3. top-p: keep the most likely tokens until their probability, after
//     renormalising, reaches TopP (0 or 1 keeps all);
//  4. min-p: drop tokens less than MinP times as likely as the best one;
//
// then renormalises what is left and picks the token where a uniform draw u
// in [0,1) lands on the cumulative sum, walking the kept tokens in id order.
// The draws come from ChaCha8 keyed by Seed and the step number, so the same
// seed gives the same draws, step by step, on every machine.
type Sampler struct {
	Temperature float64 `json:"temperature"`
	TopK        int     `json:"top_k,omitempty"`
	TopP        float64 `json:"top_p,omitempty"`
	MinP        float64 `json:"min_p,omitempty"`
	Seed        uint64  `json:"seed"`
}

// Greedy returns the sampler that always picks the most likely token.
func Greedy() Sampler { return Sampler{} }

// IsGreedy reports whether the sampler never draws at random: temperature
// 0 or top-k 1.
func (s Sampler) IsGreedy() bool { return s.Temperature == 0 || s.TopK == 1 }

// Check reports settings that make no sense, in a sentence naming the fix.
func (s Sampler) Check() error {
	switch {
	case !(s.Temperature >= 0) || math.IsInf(s.Temperature, 1):
		return fmt.Errorf("sampler: temperature %v is not allowed: use 0 for greedy, 1 for the model's own distribution, or a value in between or above", s.Temperature)
	case s.TopK < 0:
		return fmt.Errorf("sampler: top-k %d is negative: use 0 to keep every token, or a positive count", s.TopK)
	case !(s.TopP >= 0 && s.TopP <= 1):
		return fmt.Errorf("sampler: top-p %v is outside [0, 1]: it is a probability mass, e.g. 0.9 (0 or 1 keeps every token)", s.TopP)
	case !(s.MinP >= 0 && s.MinP <= 1):
		return fmt.Errorf("sampler: min-p %v is outside [0, 1]: it is a fraction of the top token's probability, e.g. 0.05", s.MinP)
	}
	return nil
}

// String describes the sampler in one line, e.g. "temperature 0.7, top-p 0.9, seed 1".
func (s Sampler) String() string {
	if s.IsGreedy() {
		return "greedy"
	}
	out := fmt.Sprintf("temperature %g", s.Temperature)
	if s.TopK > 0 {
		out += fmt.Sprintf(", top-k %d", s.TopK)
	}
	if s.TopP > 0 && s.TopP < 1 {
		out += fmt.Sprintf(", top-p %g", s.TopP)
	}
	if s.MinP > 0 {
		out += fmt.Sprintf(", min-p %g", s.MinP)
	}
	return out + fmt.Sprintf(", seed %d", s.Seed)
}

// Draw returns the uniform number in [0,1) used at generation step `step`.
// It depends only on the seed and the step, so replaying or branching a
// trace sees the same draws.
func (s Sampler) Draw(step int) float64 {
	var key [32]byte
	copy(key[:], "llm.Sampler/v1\x00\x00")
	binary.LittleEndian.PutUint64(key[16:], s.Seed)
	binary.LittleEndian.PutUint64(key[24:], uint64(step))
	r := rand.NewChaCha8(key)
	return float64(r.Uint64()>>11) * 0x1p-53
}

// Probs returns the distribution the sampler draws from: full length,
// zero for the tokens the filters removed, summing to 1. For a greedy
// sampler it is one-hot on the most likely token.
func (s Sampler) Probs(logits []float32) []float32 {
	out := make([]float32, len(logits))
	if len(logits) == 0 {
		return out
	}
	if s.IsGreedy() {
		out[Argmax(logits)] = 1
		return out
	}
	kept := s.filter(logits)
	for _, k := range kept {
		out[k.ID] = k.Value
	}
	return out
}

// Pick chooses a token from logits with the uniform draw u in [0,1). A
// greedy sampler ignores u and skips the softmax: it is just the argmax.
func (s Sampler) Pick(logits []float32, u float64) int {
	if len(logits) == 0 {
		return -1
	}
	if s.IsGreedy() {
		return Argmax(logits)
	}
	return pickFrom(s.Probs(logits), u)
}

// pickFrom walks the nonzero probabilities in id order and returns the id
// where the cumulative sum first exceeds u·total.
func pickFrom(p []float32, u float64) int {
	var total float64
	last := -1
	for i, v := range p {
		if v > 0 {
			total += float64(v)
			last = i
		}
	}
	if last < 0 {
		return Argmax(p)
	}
	target := u * total
	var c float64
	for i, v := range p {
		if v > 0 {
			c += float64(v)
			if target < c {
				return i
			}
		}
	}
	return last
}

// filter applies temperature, top-k, top-p and min-p and returns the kept
// tokens with their renormalised probabilities (in no particular order).
func (s Sampler) filter(logits []float32) []Ranked {
	var kept []Ranked
	if s.TopK > 0 && s.TopK < len(logits) {
		kept = TopK(logits, s.TopK)
		sub := make([]float32, len(kept))
		for i, k := range kept {
			sub[i] = k.Value
		}
		p := Softmax(sub, s.Temperature)
		for i := range kept {
			kept[i].Value = p[i]
		}
	} else {
		p := Softmax(logits, s.Temperature)
		kept = make([]Ranked, 0, len(p))
		for i, v := range p {
			if v > 0 {
				kept = append(kept, Ranked{i, v})
			}
		}
	}
	if len(kept) == 0 { // all logits NaN or -Inf: nothing sensible to draw
		_, v := argmax(logits)
		return []Ranked{{Argmax(logits), v}}
	}
	if s.TopP > 0 && s.TopP < 1 {
		kept = topP(kept, s.TopP)
	}
	if s.MinP > 0 {
		var best float32
		for _, k := range kept {
			best = max(best, k.Value)
		}
		cut := float32(s.MinP) * best
		n := 0
		for _, k := range kept {
			if k.Value >= cut {
				kept[n] = k
				n++
			}
		}
		kept = kept[:n]
	}
	var total float64
	for _, k := range kept {
		total += float64(k.Value)
	}
	for i := range kept {
		kept[i].Value = float32(float64(kept[i].Value) / total)
	}
	return kept
}

// topP keeps the most likely tokens whose cumulative probability first
// reaches p (at least one). Sorting 248,320 probabilities every step would
// be slow, so it sorts only the tokens above a threshold that is lowered
// until they alone hold mass p; the result is the same as a full sort.
func topP(kept []Ranked, p float64) []Ranked {
	for thr := float32(1e-3); ; thr /= 100 {
		var cand []Ranked
		var mass float64
		for _, k := range kept {
			if k.Value >= thr {
				cand = append(cand, k)
				mass += float64(k.Value)
			}
		}
		if mass < p && thr > 0 && len(cand) < len(kept) {
			if thr < 1e-30 {
				thr = 0
			}
			continue
		}
		slices.SortFunc(cand, func(a, b Ranked) int {
			if better(a, b) {
				return -1
			}
			if better(b, a) {
				return 1
			}
			return 0
		})
		var c float64
		for i, k := range cand {
			c += float64(k.Value)
			if c >= p {
				return cand[:i+1]
			}
		}
		return cand
	}
}
