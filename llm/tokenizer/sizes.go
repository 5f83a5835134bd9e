package tokenizer

import "fmt"

// Smaller returns the tokenizer that [Train] would have learned from the
// same text with a smaller vocabulary of vocabSize ids: the same special
// tokens, and only the merges learned before the vocabulary reached that
// size. (Training picks each merge from the counts left by the ones before,
// so stopping earlier gives exactly a prefix of the merge list.) vocabSize
// must leave room for the 256 byte tokens and the special tokens, and not
// exceed the trained vocabulary.
func (tr *Trained) Smaller(vocabSize int) (*Tokenizer, error) {
	target := vocabSize - len(tr.special)
	if target < 256 || target > len(tr.vocab) {
		return nil, fmt.Errorf("tokenizer: smaller vocabulary of %d: want %d to %d (256 bytes, %d special tokens, %d trained)",
			vocabSize, 256+len(tr.special), len(tr.vocab)+len(tr.special), len(tr.special), len(tr.vocab))
	}
	n, k := 256, 0
	for _, m := range tr.Merges {
		if n == target { // training stops as soon as the vocabulary is full
			break
		}
		if m.ID >= n { // the merge made a new token, whose id is n
			n++
		}
		k++
	}
	small := &Trained{pattern: tr.pattern, special: tr.special, vocab: tr.vocab[:target], Merges: tr.Merges[:k]}
	tok, err := parse(small.TokenizerJSON(), small.ConfigJSON(), "smaller tokenizer.json", "smaller tokenizer_config.json")
	if err != nil {
		return nil, fmt.Errorf("tokenizer: smaller vocabulary of %d: %w", vocabSize, err)
	}
	return tok, nil
}
