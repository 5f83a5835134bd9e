package llm_test

import (
	"fmt"
	"math"

	"github.com/how-llms-work/course/llm"
)

// The loss of a text from one forward pass: one cross-entropy per next
// token, their mean, and the same losses from one pass per prefix.
func ExampleModel_Loss() {
	m := llm.MustLoad("tiny")
	l := m.MustLoss("The cat sat on the mat.")
	fmt.Println("predictions = tokens − 1:", len(l.Tokens) == len(l.IDs)-1)
	fmt.Println("perplexity = exp(mean loss):", math.Abs(l.Perplexity()-math.Exp(l.Mean())) < 1e-9)
	fmt.Println("one pass = one pass per prefix:", l.MaxDiff(m.MustPrefixLosses(l.IDs)) < 1e-3)
	// Output:
	// predictions = tokens − 1: true
	// perplexity = exp(mean loss): true
	// one pass = one pass per prefix: true
}

// Cross-entropy of one prediction: uniform logits over 4 tokens cost ln 4.
func ExampleNextTokenLoss() {
	l, _ := llm.NextTokenLoss([]float64{0, 0, 0, 0}, 2)
	fmt.Printf("%.4f nats = ln 4 = %.4f\n", l, math.Log(4))
	// Output: 1.3863 nats = ln 4 = 1.3863
}
