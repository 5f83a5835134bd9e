// Package bpb measures how well a language model predicts a text in bits
// per byte: the total surprise, −log₂ p, of every token of the text given
// the tokens before it, divided by the text's length in UTF-8 bytes.
//
// Bits per byte, unlike loss per token, compares models with different
// tokenizers: a tokenizer with longer tokens has fewer, harder predictions,
// and dividing by bytes cancels that out. The tiny model's README and its
// regression test use it.
//
// A text is scored as a document: its tokens follow the model's
// end-of-text token, as in training, so the first token is predicted too.
// Texts longer than the window are scored in windows of Window tokens that
// overlap by one, so every token is predicted exactly once, with up to
// Window−1 tokens of context.
//
// MeasureMixture scores a text under an ensemble of models (the mean of
// their probabilities), a bound on what averaging or distilling those
// models could reach.
package bpb

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/how-llms-work/course/llm"
)

// Window is the number of tokens of one forward pass (the tiny model's
// training sequence length).
const Window = 256

// Result is the surprise of a model on some text.
type Result struct {
	Bits   float64 // total −log₂ p of the predicted tokens
	Tokens int     // predicted tokens
	Bytes  int     // UTF-8 bytes of the text
}

// PerByte returns Bits / Bytes.
func (r Result) PerByte() float64 { return r.Bits / float64(r.Bytes) }

// PerToken returns the mean loss in nats per token.
func (r Result) PerToken() float64 { return r.Bits * math.Ln2 / float64(r.Tokens) }

// Add returns the sum of two results.
func (r Result) Add(o Result) Result {
	return Result{Bits: r.Bits + o.Bits, Tokens: r.Tokens + o.Tokens, Bytes: r.Bytes + o.Bytes}
}

// Measure scores text as one document with windows of Window tokens.
func Measure(m *llm.Model, text string) (Result, error) { return MeasureWindow(m, text, Window) }

// MeasureDocs scores each text as a document and adds the results.
func MeasureDocs(m *llm.Model, docs []string) (Result, error) {
	return MeasureMixtureDocs([]*llm.Model{m}, docs)
}

// MeasureWindow is Measure with windows of the given number of tokens (at
// least 2).
func MeasureWindow(m *llm.Model, text string, window int) (Result, error) {
	return measure([]*llm.Model{m}, text, window)
}

// MeasureMixture scores text under the mixture of the models: the
// probability of each token is the mean of the probabilities the models
// give it (an ensemble of the models, which no single set of weights need
// match). The models must share a tokenizer and an end-of-text token. With
// one model it is Measure.
func MeasureMixture(ms []*llm.Model, text string) (Result, error) {
	return measure(ms, text, Window)
}

// MeasureMixtureDocs scores each text as a document under the mixture of
// the models and adds the results.
func MeasureMixtureDocs(ms []*llm.Model, docs []string) (Result, error) {
	var sum Result
	for i, d := range docs {
		r, err := measure(ms, d, Window)
		if err != nil {
			return Result{}, fmt.Errorf("bpb: document %d: %w", i, err)
		}
		sum = sum.Add(r)
	}
	return sum, nil
}

// measure scores text under the mixture of ms, windows of window tokens.
func measure(ms []*llm.Model, text string, window int) (Result, error) {
	if len(ms) == 0 {
		return Result{}, errors.New("bpb: no model")
	}
	if text == "" {
		return Result{}, errors.New("bpb: empty text")
	}
	if window < 2 {
		return Result{}, fmt.Errorf("bpb: window of %d tokens; want at least 2", window)
	}
	eos := ms[0].Config().EOS
	if len(eos) == 0 {
		return Result{}, errors.New("bpb: the model's config names no end-of-text token")
	}
	seq := append([]int{eos[0]}, ms[0].Encode(text)...)
	for k, m := range ms[1:] {
		if e := m.Config().EOS; len(e) == 0 || e[0] != eos[0] {
			return Result{}, fmt.Errorf("bpb: model %d's end-of-text token %v is not model 0's %d", k+1, e, eos[0])
		}
		if !slices.Equal(m.Encode(text), seq[1:]) {
			return Result{}, fmt.Errorf("bpb: model %d splits the text into other tokens than model 0 (a different tokenizer)", k+1)
		}
	}
	res := Result{Bytes: len(text), Tokens: len(seq) - 1}
	logK := math.Log(float64(len(ms)))
	lp := make([][]float64, len(ms)) // lp[k][i]: model k's ln p of token i+1 of the window
	for s := 0; s+1 < len(seq); s += window - 1 {
		w := seq[s:min(s+window, len(seq))]
		for k, m := range ms {
			rows, err := m.LogitsAll(w)
			if err != nil {
				return Result{}, err
			}
			lp[k] = lp[k][:0]
			for i := 0; i+1 < len(w); i++ {
				lp[k] = append(lp[k], LogProb(rows[i], w[i+1]))
			}
		}
		for i := 0; i+1 < len(w); i++ {
			// ln of the mean of the models' probabilities, from their logs.
			mx := math.Inf(-1)
			for k := range ms {
				mx = math.Max(mx, lp[k][i])
			}
			var z float64
			for k := range ms {
				z += math.Exp(lp[k][i] - mx)
			}
			res.Bits += -(mx + math.Log(z) - logK) / math.Ln2
		}
	}
	return res, nil
}

// LogProb returns the natural log of the softmax of logits at id, in
// float64.
func LogProb(logits []float32, id int) float64 {
	mx := math.Inf(-1)
	for _, v := range logits {
		mx = math.Max(mx, float64(v))
	}
	var z float64
	for _, v := range logits {
		z += math.Exp(float64(v) - mx)
	}
	return float64(logits[id]) - mx - math.Log(z)
}
