package llm_test

import (
	"fmt"

	"github.com/how-llms-work/course/llm"
)

func ExampleSoftmax() {
	logits := []float32{2, 1, 0}
	fmt.Printf("%.3f\n", llm.Softmax(logits, 1))   // the model's distribution
	fmt.Printf("%.3f\n", llm.Softmax(logits, 0.5)) // sharper
	fmt.Printf("%.3f\n", llm.Softmax(logits, 0))   // greedy: all on the top logit
	// Output:
	// [0.665 0.245 0.090]
	// [0.867 0.117 0.016]
	// [1.000 0.000 0.000]
}

func ExampleTopK() {
	p := llm.Softmax([]float32{0.5, 3, 1, 2.5}, 1)
	for _, r := range llm.TopK(p, 2) {
		fmt.Printf("token %d: %.2f\n", r.ID, r.Value)
	}
	fmt.Printf("entropy %.2f nats\n", llm.Entropy(p))
	// Output:
	// token 1: 0.55
	// token 3: 0.33
	// entropy 1.03 nats
}

func ExampleSampler() {
	logits := []float32{2, 1, 0, -1}
	s := llm.Sampler{Temperature: 1, TopP: 0.9, Seed: 42}
	fmt.Printf("draws from %.3f\n", s.Probs(logits))
	for step := range 3 {
		u := s.Draw(step)
		fmt.Printf("step %d: u=%.3f -> token %d\n", step, u, s.Pick(logits, u))
	}
	// Output:
	// draws from [0.665 0.245 0.090 0.000]
	// step 0: u=0.650 -> token 0
	// step 1: u=0.728 -> token 1
	// step 2: u=0.794 -> token 1
}

func ExampleFitLine() {
	points := llm.NoisyLine(20, 2, 1, 0.1, 1) // around y = 2x + 1
	traj, err := llm.FitLine(points, 0.5, 500)
	if err != nil {
		fmt.Println(err)
		return
	}
	first, last := traj[0], traj[len(traj)-1]
	fmt.Printf("step %d: a=%.1f b=%.1f loss=%.2f\n", first.Step, first.A, first.B, first.Loss)
	fmt.Printf("step %d: a=%.1f b=%.1f loss=%.2f\n", last.Step, last.A, last.B, last.Loss)
	// Output:
	// step 0: a=0.0 b=0.0 loss=4.29
	// step 500: a=2.0 b=1.0 loss=0.02
}

func ExampleModel_Generate() {
	m := llm.MustLoad("tiny") // embedded: no network, no files
	tr, err := m.Generate("The cat sat on the", llm.Greedy(), llm.MaxTokens(4))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(tr.PromptIDs), len(tr.Steps), tr.Stop, tr.Steps[0].Pos)
	// Output:
	// 5 4 max_tokens 5
}

// The candidates for the next token, ranked once for every view of them.
func ExampleTopCandidates() {
	logits := []float32{1, 3, 0, 2}
	names := []string{" rug", " mat", " sofa", " floor"}
	for _, c := range llm.TopCandidates(logits, 2, func(id int) string { return names[id] }) {
		fmt.Printf("%q logit %.0f p %.3f\n", c.Piece, c.Logit, c.Prob)
	}
	// Output:
	// " mat" logit 3 p 0.644
	// " floor" logit 2 p 0.237
}

// Softmax takes hand-typed float64 values as well as the model's float32.
func ExampleSum() {
	p := llm.Softmax([]float64{2.4, 1.6, 0.7}, 1)
	fmt.Printf("%.3f sum %.3f\n", p, llm.Sum(p))
	// Output: [0.613 0.275 0.112] sum 1.000
}
