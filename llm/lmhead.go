package llm

import (
	"fmt"
	"math"

	"github.com/how-llms-work/course/llm/model"
)

// The LM head (chapter 10): the last step of a forward pass, logits = E·y,
// with E the embedding matrix (tied) and y the final hidden state.

// FinalHidden returns the final hidden state of the last position: the
// residual stream after the last layer and the final norm, the vector the
// LM head multiplies (Capture.Hidden's last row, a copy).
func (p *Pass) FinalHidden() []float32 {
	return append([]float32(nil), p.Capture.Hidden[len(p.IDs)-1]...)
}

// Tying is the parameter ledger of weight tying for one config: what one
// copy of the [Vocab, Hidden] matrix costs, and what the text model weighs
// with the head tied and untied.
type Tying struct {
	Tied          bool  // the config ties the LM head to the embedding
	Vocab, Hidden int   // the matrix's shape
	Matrix        int64 // parameters of one copy, Vocab·Hidden
	BytesPerValue int   // in the published dtype (bf16: 2)
	TiedTotal     int64 // text-model parameters with one shared matrix
	UntiedTotal   int64 // text-model parameters with a separate LM head
}

// TyingOf computes the ledger of c from its tensor list (Config.Tensors):
// the same count whether or not c itself ties.
func TyingOf(c *Config) Tying {
	t := Tying{Tied: c.TieEmbeddings, Vocab: c.Vocab, Hidden: c.Hidden, Matrix: int64(c.Vocab) * int64(c.Hidden), BytesPerValue: 2}
	for _, s := range c.Tensors() {
		if s.Role == model.RoleEmbed {
			t.BytesPerValue = s.DType.Size()
		}
	}
	p := c.Params()
	t.TiedTotal = p.Text - p.LMHead // an untied config's head taken out
	t.UntiedTotal = t.TiedTotal + t.Matrix
	return t
}

// SavedBytes is the memory tying saves: one copy of the matrix.
func (t Tying) SavedBytes() int64 { return t.Matrix * int64(t.BytesPerValue) }

// Share is the matrix's share of the tied text model.
func (t Tying) Share() float64 { return float64(t.Matrix) / float64(t.TiedTotal) }

// SavedShare is what tying saves as a share of the untied text model.
func (t Tying) SavedShare() float64 { return float64(t.Matrix) / float64(t.UntiedTotal) }

func (t Tying) String() string {
	return fmt.Sprintf("[%s × %s] matrix: %s parameters, %s MB in %d-byte values; text model %s tied, %s untied: tying saves %.1f%%",
		commas(int64(t.Vocab)), commas(int64(t.Hidden)), commas(t.Matrix), fmtMB(t.SavedBytes()), t.BytesPerValue,
		commas(t.TiedTotal), commas(t.UntiedTotal), 100*t.SavedShare())
}

func fmtMB(b int64) string { return fmt.Sprintf("%.1f", float64(b)/1e6) }

// LogitPart is one token's logit taken apart: the dot product of the
// hidden state with the token's row, and the same number as
// |h| · |row| · cos θ.
type LogitPart struct {
	ID      int
	Piece   string
	Logit   float64 // Σ_i h_i·E[id]_i, added up in float64
	HNorm   float64 // |h|
	RowNorm float64 // |E[id]|
	Cos     float64 // cos θ between h and E[id]
}

// Decompose computes the logit of each id from h by hand (one dot product
// per token, in float64) and splits it into |h|, |E[id]| and cos θ.
func (e *Embeddings) Decompose(h []float32, ids ...int) ([]LogitPart, error) {
	if len(h) != e.Hidden {
		return nil, fmt.Errorf("llm: Decompose of a vector of %d values, want the hidden size %d", len(h), e.Hidden)
	}
	hn := Norm(h)
	out := make([]LogitPart, len(ids))
	for i, id := range ids {
		row, err := e.Row(id)
		if err != nil {
			return nil, err
		}
		out[i] = LogitPart{ID: id, Piece: e.m.Piece(id), Logit: Dot(h, row), HNorm: hn, RowNorm: Norm(row), Cos: Cosine(h, row)}
	}
	return out, nil
}

// MustDecompose is Decompose for notebook cells: it panics with its error.
func (e *Embeddings) MustDecompose(h []float32, ids ...int) []LogitPart {
	p, err := e.Decompose(h, ids...)
	if err != nil {
		panic(err)
	}
	return p
}

// Renorm compares the probabilities of the top k tokens under the whole
// vocabulary's softmax with the same k logits softmaxed on their own (as
// a display of the top k does, so that its bars add up to 1).
type Renorm struct {
	K     int
	Top   []Candidate // the k best, Prob over the whole vocabulary
	Shown []float64   // the k probabilities renormalised over the k logits
	// Mass is Σ Top[i].Prob, the true share of the k tokens; 1 − Mass is
	// the probability the renormalised display hands to them from the
	// rest of the vocabulary, and each shown probability is the true one
	// times 1/Mass.
	Mass float64
}

// TopRenorm computes the comparison for the k highest logits.
func TopRenorm(logits []float32, k int, piece func(int) string) Renorm {
	r := Renorm{K: k, Top: TopCandidates(logits, k, piece)}
	z := make([]float64, len(r.Top))
	for i, c := range r.Top {
		z[i] = float64(c.Logit)
		r.Mass += float64(c.Prob)
	}
	r.Shown = Softmax(z, 1)
	return r
}

// Misreported is the probability mass the top-k display moves onto its k
// tokens: 1 − Mass.
func (r Renorm) Misreported() float64 { return 1 - r.Mass }

// MeanRows returns the mean of equal-length rows (in float64, returned as
// float32): the average hidden state of many positions, say.
func MeanRows(rows [][]float32) ([]float32, error) {
	if len(rows) == 0 {
		return nil, fmt.Errorf("llm: MeanRows of no rows")
	}
	sum := make([]float64, len(rows[0]))
	for i, r := range rows {
		if len(r) != len(sum) {
			return nil, fmt.Errorf("llm: MeanRows: row %d has %d values, row 0 has %d", i, len(r), len(sum))
		}
		for j, x := range r {
			sum[j] += float64(x)
		}
	}
	for j := range sum {
		sum[j] /= float64(len(rows))
	}
	return float32s(sum), nil
}

// Rank is the 1-based rank of id among logits: 1 + the number of tokens
// with a strictly larger logit (ties share the better rank).
func Rank(logits []float32, id int) int {
	r := 1
	v := logits[id]
	for _, x := range logits {
		if x > v {
			r++
		}
	}
	return r
}

// Prob is id's probability under the softmax of the whole logits vector.
func Prob(logits []float32, id int) float64 {
	return math.Exp(float64(logits[id]) - logNormalizer(logits))
}

// SelfRead is what the LM head reads from one position's embedding row,
// the lens at its first boundary: the row goes through the final norm, then
// the head scores every token's row against it, the token's own included.
type SelfRead struct {
	ID    int
	Piece string
	// Cos is the cosine between the final-normed vector and the token's
	// own row. RMS scaling alone keeps it at 1; the norm's learned gain
	// (1 + w, one factor per coordinate) turns the vector away from it.
	Cos  float64
	Rank int       // the token's own rank among the logits read there, 1 = top
	Top  Candidate // the token the head reads there
	// RankNoGain is the own rank had the norm no gain (every 1 + w = 1):
	// the row scored against every row as it is. Rank 1 there and lower
	// with the gain means the gain's turn lost the token its place; a
	// rank below 1 even without it means longer rows, partly aligned with
	// this one, outscore it anyway.
	RankNoGain int
}

// SelfReads reads every position of p at the embedding boundary and says
// whether the input token reads as itself.
func (m *Model) SelfReads(p *Pass) ([]SelfRead, error) {
	w, err := m.Net.Weight("norm.weight")
	if err != nil {
		return nil, fmt.Errorf("llm: SelfReads: %w", err)
	}
	gain := w.Float32()
	e, err := m.Embeddings()
	if err != nil {
		return nil, fmt.Errorf("llm: SelfReads: %w", err)
	}
	var out []SelfRead
	for t, id := range p.IDs {
		row := p.Capture.Embedding[t]
		y, err := RMSNorm(row, gain, m.Config().RMSEps)
		if err != nil {
			return nil, fmt.Errorf("llm: SelfReads: %w", err)
		}
		logits, err := m.Net.Unembed(row)
		if err != nil {
			return nil, err
		}
		plain, err := e.Scores(row) // E·row: the ranking a gain-free norm would give
		if err != nil {
			return nil, fmt.Errorf("llm: SelfReads: %w", err)
		}
		out = append(out, SelfRead{ID: id, Piece: m.Piece(id), Cos: Cosine(y, row), Rank: Rank(logits, id), Top: m.Top(logits, 1)[0],
			RankNoGain: Rank(plain, id)})
	}
	return out, nil
}

// MustSelfReads is SelfReads for notebook cells: it panics with its error.
func (m *Model) MustSelfReads(p *Pass) []SelfRead { return must(m.SelfReads(p)) }
