package llm

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// TokenLoss is how well the model predicted one token of a text: the
// context ends at Pos, the token to predict is Target (at Pos+1).
type TokenLoss struct {
	Pos         int     // position of the last context token
	Input       int     // id at Pos
	Target      int     // id at Pos+1: the true next token
	InputPiece  string  // readable text of Input
	TargetPiece string  // readable text of Target
	Loss        float64 // cross-entropy −ln p(Target | ids[:Pos+1]), in nats
	Prob        float64 // p(Target): exp(−Loss)
	Rank        int     // 1 when Target was the model's first choice
	Guess       int     // the model's first choice (argmax of the logits)
	GuessPiece  string  // readable text of Guess
	GuessProb   float64 // p(Guess)
}

// Losses is the next-token cross-entropy at every position of a text,
// from one forward pass (teacher forcing: the input at every position is
// the true text, and every position is scored at once).
type Losses struct {
	IDs    []int
	Pieces []string
	Tokens []TokenLoss // len(IDs)−1: the last token has no next token to predict
	Bytes  int         // UTF-8 bytes of the predicted tokens' text (IDs[1:])
	Vocab  int         // size of the distribution each loss is taken over
}

// NextTokenLoss returns −ln softmax(logits)[target] in nats, computed as
// logsumexp(logits) − logits[target] in float64, and an error for a target
// outside the logits.
func NextTokenLoss[F Float](logits []F, target int) (float64, error) {
	if target < 0 || target >= len(logits) {
		return 0, fmt.Errorf("llm: target id %d outside the %d logits", target, len(logits))
	}
	return logNormalizer(logits) - float64(logits[target]), nil
}

// Loss tokenizes text and scores every next token in one forward pass.
// The text needs at least two tokens.
func (m *Model) Loss(text string) (*Losses, error) {
	ids := m.Encode(text)
	if len(ids) < 2 {
		return nil, fmt.Errorf("llm: %q has %d token(s): a loss needs at least 2 (a context and a next token)", text, len(ids))
	}
	return m.LossIDs(ids)
}

// MustLoss is Loss for notebook cells: it panics with Loss's error.
func (m *Model) MustLoss(text string) *Losses {
	l, err := m.Loss(text)
	if err != nil {
		panic(err)
	}
	return l
}

// LossIDs scores every next token of ids in one forward pass: row t of
// the logits, computed from ids[:t+1] only (the causal mask), is scored
// against ids[t+1].
func (m *Model) LossIDs(ids []int) (*Losses, error) {
	if len(ids) < 2 {
		return nil, fmt.Errorf("llm: %d token id(s): a loss needs at least 2", len(ids))
	}
	rows, err := m.LogitsAll(ids)
	if err != nil {
		return nil, err
	}
	l := &Losses{IDs: ids, Pieces: m.Pieces(ids), Vocab: m.Vocab(), Bytes: len(m.Decode(ids[1:]))}
	for t := 0; t+1 < len(ids); t++ {
		tl, err := m.scoreToken(rows[t], ids, t)
		if err != nil {
			return nil, err
		}
		l.Tokens = append(l.Tokens, tl)
	}
	return l, nil
}

func (m *Model) scoreToken(logits []float32, ids []int, t int) (TokenLoss, error) {
	target := ids[t+1]
	loss, err := NextTokenLoss(logits, target)
	if err != nil {
		return TokenLoss{}, fmt.Errorf("llm: position %d: %w", t+1, err)
	}
	guess := Argmax(logits)
	rank := 1
	for _, x := range logits {
		if x > logits[target] {
			rank++
		}
	}
	lse := logNormalizer(logits)
	return TokenLoss{
		Pos: t, Input: ids[t], Target: target,
		InputPiece: m.Piece(ids[t]), TargetPiece: m.Piece(target),
		Loss: loss, Prob: math.Exp(-loss), Rank: rank,
		Guess: guess, GuessPiece: m.Piece(guess), GuessProb: math.Exp(float64(logits[guess]) - lse),
	}, nil
}

// PrefixLosses scores the same tokens as LossIDs the slow way: one forward
// pass per prefix ids[:t+1], each predicting ids[t+1] from its last
// position only. It exists to check that one pass over the whole text
// (teacher forcing with a causal mask) gives the same losses.
func (m *Model) PrefixLosses(ids []int) ([]float64, error) {
	if len(ids) < 2 {
		return nil, fmt.Errorf("llm: %d token id(s): a loss needs at least 2", len(ids))
	}
	out := make([]float64, len(ids)-1)
	for t := range out {
		logits, err := m.Forward(ids[:t+1])
		if err != nil {
			return nil, err
		}
		if out[t], err = NextTokenLoss(logits, ids[t+1]); err != nil {
			return nil, fmt.Errorf("llm: position %d: %w", t+1, err)
		}
	}
	return out, nil
}

// MustPrefixLosses is PrefixLosses for notebook cells.
func (m *Model) MustPrefixLosses(ids []int) []float64 {
	l, err := m.PrefixLosses(ids)
	if err != nil {
		panic(err)
	}
	return l
}

// Values returns the loss of every predicted token, in order.
func (l *Losses) Values() []float64 {
	out := make([]float64, len(l.Tokens))
	for i, t := range l.Tokens {
		out[i] = t.Loss
	}
	return out
}

// Mean is the mean next-token loss in nats: the training objective.
func (l *Losses) Mean() float64 {
	var s float64
	for _, t := range l.Tokens {
		s += t.Loss
	}
	return s / float64(len(l.Tokens))
}

// Perplexity is exp(Mean): the number of equally likely choices that would
// leave the model as unsure as it was on average.
func (l *Losses) Perplexity() float64 { return math.Exp(l.Mean()) }

// BitsPerByte is the total loss in bits divided by the bytes of text
// predicted: a measure that does not depend on how the tokenizer cuts the
// text, so models with different vocabularies can be compared.
func (l *Losses) BitsPerByte() float64 {
	var s float64
	for _, t := range l.Tokens {
		s += t.Loss
	}
	return s / math.Ln2 / float64(l.Bytes)
}

// Accuracy is the share of positions where the model's first choice was
// the true next token.
func (l *Losses) Accuracy() float64 {
	n := 0
	for _, t := range l.Tokens {
		if t.Rank == 1 {
			n++
		}
	}
	return float64(n) / float64(len(l.Tokens))
}

// Worst returns the k tokens with the highest loss, highest first (ties
// by position).
func (l *Losses) Worst(k int) []TokenLoss {
	out := slices.Clone(l.Tokens)
	slices.SortStableFunc(out, func(a, b TokenLoss) int { return cmp.Compare(b.Loss, a.Loss) })
	return out[:max(0, min(k, len(out)))]
}

// MaxDiff returns the largest |loss − other| over the positions, or NaN
// when other does not hold one loss per predicted token: how far another
// computation of the same losses (PrefixLosses, a trainer) landed.
func (l *Losses) MaxDiff(other []float64) float64 {
	if len(other) != len(l.Tokens) {
		return math.NaN()
	}
	var d float64
	for i, t := range l.Tokens {
		d = math.Max(d, math.Abs(t.Loss-other[i]))
	}
	return d
}

// MustLossIDs is LossIDs for notebook cells: it panics with its error.
func (m *Model) MustLossIDs(ids []int) *Losses {
	l, err := m.LossIDs(ids)
	if err != nil {
		panic(err)
	}
	return l
}

// Guesses returns the model's first choice at every predicted position:
// Guesses()[t] is its guess for IDs[t+1], made from the true IDs[:t+1].
func (l *Losses) Guesses() []int {
	out := make([]int, len(l.Tokens))
	for i, t := range l.Tokens {
		out[i] = t.Guess
	}
	return out
}
