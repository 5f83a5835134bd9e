package llm

import (
	"fmt"
	"math"

	"github.com/how-llms-work/course/llm/model"
)

// TensorSpec is one tensor of a checkpoint as its config implies it: name,
// shape, dtype, part (text, vision, MTP) and role (Config.Tensors).
type TensorSpec = model.TensorSpec

// The kinds of Part, in the order the architecture runs them.
const (
	KindEmbedding = "embedding" // the token embedding (the LM head too when tied)
	KindNorms     = "norms"     // a layer's two RMSNorms (before the mixer, before the MLP)
	KindDeltaNet  = "deltanet"  // a Gated DeltaNet mixer
	KindAttention = "attention" // a gated full-attention (GQA) mixer
	KindMLP       = "mlp"       // a SwiGLU MLP
	KindFinalNorm = "final norm"
	KindLMHead    = "lm_head" // an untied LM head
	KindVision    = "vision"  // the vision tower
	KindMTP       = "mtp"     // the multi-token-prediction head
)

// Part is one box of the architecture map: the tensors that one piece of the
// model holds, taken from Config.Tensors.
type Part struct {
	Name    string // "embedding", "layer 4 · attention", "vision tower", …
	Kind    string // KindEmbedding, KindDeltaNet, …
	Layer   int    // 0-based text layer, −1 outside the text layers
	Tensors []TensorSpec
}

// Params is the number of parameters the part holds.
func (p Part) Params() int64 {
	var n int64
	for _, t := range p.Tensors {
		n += t.Len()
	}
	return n
}

// Bytes is the part's size in the checkpoint's published dtypes.
func (p Part) Bytes() int64 {
	var n int64
	for _, t := range p.Tensors {
		n += t.Len() * int64(t.DType.Size())
	}
	return n
}

// Anatomy splits every tensor of cfg's checkpoint into the parts of the
// architecture, in the order a token meets them: the embedding; for each
// layer its norms, its mixer (DeltaNet or attention) and its MLP; the final
// norm; an untied LM head; then the vision tower and the MTP head, which the
// text forward pass does not use. Every tensor lands in exactly one part.
func Anatomy(cfg *Config) []Part {
	var parts []Part
	index := map[string]int{}
	for _, t := range cfg.Tensors() {
		name, kind := partOf(cfg, t)
		i, ok := index[name]
		if !ok {
			i = len(parts)
			index[name] = i
			layer := t.Layer
			if t.Part != model.PartText {
				layer = -1
			}
			parts = append(parts, Part{Name: name, Kind: kind, Layer: layer})
		}
		parts[i].Tensors = append(parts[i].Tensors, t)
	}
	return parts
}

// partOf names the part tensor t belongs to.
func partOf(cfg *Config, t TensorSpec) (name, kind string) {
	switch t.Part {
	case model.PartVision:
		return "vision tower", KindVision
	case model.PartMTP:
		return "MTP head", KindMTP
	}
	switch t.Component {
	case model.CompEmbedding:
		return "embedding", KindEmbedding
	case model.CompLMHead:
		return "lm_head", KindLMHead
	}
	if t.Layer < 0 {
		return "final norm", KindFinalNorm
	}
	kind = KindNorms
	switch t.Component {
	case model.CompDeltaNet:
		kind = KindDeltaNet
	case model.CompAttention:
		kind = KindAttention
	case model.CompMLP:
		kind = KindMLP
	}
	return fmt.Sprintf("layer %d · %s", t.Layer+1, kind), kind
}

// BudgetLine is one line of the parameter budget: a kind of part, how many
// parameters all parts of that kind hold, and their share of the total.
type BudgetLine struct {
	Kind   string
	Parts  int // how many parts of this kind
	Params int64
	Share  float64 // of every stored parameter (text + vision + MTP)
}

// Budget adds up Anatomy by kind, in the order the kinds first appear, and
// gives each its share of all stored parameters. The lines sum to
// cfg.Params().Stored.
func Budget(cfg *Config) []BudgetLine {
	var lines []BudgetLine
	index := map[string]int{}
	var total int64
	for _, p := range Anatomy(cfg) {
		i, ok := index[p.Kind]
		if !ok {
			i = len(lines)
			index[p.Kind] = i
			lines = append(lines, BudgetLine{Kind: p.Kind})
		}
		lines[i].Parts++
		lines[i].Params += p.Params()
		total += p.Params()
	}
	for i := range lines {
		lines[i].Share = float64(lines[i].Params) / float64(total)
	}
	return lines
}

// DecodeLogits feeds ids to the model one token at a time, as generation
// does after the prompt, and returns the logits after the last one. It is
// Forward's answer computed on the decode path (one token per step): the
// path QuantizeQ8 gives 8-bit weights.
func (m *Model) DecodeLogits(ids []int) ([]float32, error) {
	if len(ids) == 0 {
		return nil, fmt.Errorf("llm: DecodeLogits of no tokens")
	}
	st := m.Net.NewState()
	var logits []float32
	for _, id := range ids {
		var err error
		if logits, err = m.Net.Forward(st, []int{id}); err != nil {
			return nil, err
		}
	}
	return logits, nil
}

// MustDecodeLogits is DecodeLogits for notebook cells: it panics with its error.
func (m *Model) MustDecodeLogits(ids []int) []float32 { return must(m.DecodeLogits(ids)) }

// QuantizeQ8 gives the model's decode path 8-bit weights (see
// model.Model.QuantizeQ8): less memory read per token, slightly different logits.
func (m *Model) QuantizeQ8() error { return m.Net.QuantizeQ8() }

// MustQuantizeQ8 is QuantizeQ8 for notebook cells: it panics with its error.
func (m *Model) MustQuantizeQ8() {
	if err := m.QuantizeQ8(); err != nil {
		panic(err)
	}
}

// Perplexity scores text with teacher forcing: every position predicts the
// token that really comes next, and the result is exp of the mean cross
// entropy (in nats) over those len(ids)−1 predictions. It returns the
// perplexity, the mean cross entropy and the number of predictions.
func (m *Model) Perplexity(text string) (ppl, nats float64, n int, err error) {
	ids := m.Encode(text)
	if len(ids) < 2 {
		return 0, 0, 0, fmt.Errorf("llm: perplexity of %q: it has %d tokens, need at least 2", text, len(ids))
	}
	rows, err := m.LogitsAll(ids)
	if err != nil {
		return 0, 0, 0, err
	}
	var sum float64
	for t := 0; t+1 < len(ids); t++ {
		sum -= logProb(rows[t], ids[t+1])
	}
	n = len(ids) - 1
	nats = sum / float64(n)
	return math.Exp(nats), nats, n, nil
}

// LogLikelihood is the total log probability (nats) the model gives to
// continuation after prompt: the sum, over the continuation's tokens, of
// log p(token | everything before it). It is how a multiple-choice
// evaluation scores each option. The prompt's tokens are encoded on their
// own, so the continuation should start with its own space.
func (m *Model) LogLikelihood(prompt, continuation string) (float64, error) {
	p, c := m.Encode(prompt), m.Encode(continuation)
	if len(p) == 0 || len(c) == 0 {
		return 0, fmt.Errorf("llm: log-likelihood of %q after %q: both need tokens", continuation, prompt)
	}
	rows, err := m.LogitsAll(append(p[:len(p):len(p)], c...))
	if err != nil {
		return 0, err
	}
	var sum float64
	for j, id := range c {
		sum += logProb(rows[len(p)-1+j], id)
	}
	return sum, nil
}

// MustLogLikelihood is LogLikelihood for notebook cells: it panics with its error.
func (m *Model) MustLogLikelihood(prompt, continuation string) float64 {
	return must(m.LogLikelihood(prompt, continuation))
}

// logProb is log softmax(row)[id], computed stably in float64.
func logProb(row []float32, id int) float64 {
	mx := math.Inf(-1)
	for _, v := range row {
		mx = math.Max(mx, float64(v))
	}
	var z float64
	for _, v := range row {
		z += math.Exp(float64(v) - mx)
	}
	return float64(row[id]) - mx - math.Log(z)
}
