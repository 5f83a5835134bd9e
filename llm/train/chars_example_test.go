package train_test

import (
	"fmt"

	"github.com/how-llms-work/course/llm/train"
)

// A micro model trained on characters: 80 steps on "abcabc…" and it
// continues the pattern.
func ExampleModel_Sample() {
	p := train.MustPreset("pattern")
	chars := train.NewChars(p.Text)
	tr := train.MustMicro(chars.MustEncode(p.Text), chars.Len(), train.Options{Steps: 80, Batch: 4, SeqLen: 32, LR: 1e-2, Warmup: 10, Clip: 1, Seed: 1})
	if err := tr.Run(80, nil); err != nil {
		panic(err)
	}
	out := tr.Model.MustSample(chars.MustEncode(p.Prompt), 9, 0, 1)
	fmt.Printf("%d characters; %q → %q\n", chars.Len(), p.Prompt, chars.Decode(out))
	// Output: 3 characters; "abc" → "abcabcabc"
}

// Near-duplicate detection compares sets of word n-grams.
func ExampleJaccard() {
	fmt.Printf("%.2f\n", train.Jaccard("the cat sat on the mat", "the cat sat on a mat", 2))
	// Output: 0.43
}
