package widgets_test

import (
	"fmt"
	"io"
	"strings"

	"github.com/how-llms-work/course/widgets"
)

// A softmax table on the seed course's toy vocabulary. Outside a notebook
// Show prints the plain-text form; in GoNB it displays the interactive HTML.
func ExampleSoftmaxTable() {
	t := widgets.SoftmaxTable{
		Tokens: []string{" cat", " dog", " ran", " the", "."},
		Logits: []float64{2.4, 1.6, 0.7, -0.3, -1.1},
	}
	widgets.MustShow(t)
	// Output:
	// Softmax (k = ×1.00, T = 1.00)
	// token             logit z     exp(k·z)          ÷ Σ       p
	// ·cat                 2.40       11.023       19.064   0.578 ████████████
	// ·dog                 1.60        4.953       19.064   0.260 █████
	// ·ran                 0.70        2.014       19.064   0.106 ██
	// ·the                -0.30        0.741       19.064   0.039 █
	// .                   -1.10        0.333       19.064   0.017
	// Σ                               19.064                1.000
}

// The top 3 of a larger distribution: the rest of the vocabulary is one row.
func ExampleTopSoftmax() {
	logits := make([]float32, 1000) // all zero but three
	logits[7], logits[42], logits[99] = 9, 8, 7
	names := map[int]string{7: " mat", 42: " floor", 99: " rug"}
	t, err := widgets.TopSoftmax(logits, 3, func(id int) string { return names[id] })
	if err != nil {
		panic(err)
	}
	p, rest := t.Probs(1)
	fmt.Printf("%s %.3f, %s %.3f, %s %.3f, other %d tokens %.3f\n", t.Tokens[0], p[0], t.Tokens[1], p[1], t.Tokens[2], p[2], t.Rest.Count, rest)
	// Output:
	//  mat 0.615,  floor 0.226,  rug 0.083, other 997 tokens 0.076
}

// A quiz is checked from Go, so CI can prove its answers are consistent.
func ExampleQuiz_Check() {
	q := widgets.Quiz{Questions: []widgets.Question{{
		Prompt: "What are logits?",
		Choices: []widgets.Choice{
			{Text: "Probabilities", Why: "Softmax makes probabilities out of them."},
			{Text: "Raw scores, one per token", Correct: true, Why: "Unbounded, before softmax."},
		},
	}}}
	score, err := q.Check([]int{1})
	fmt.Println(score, err)
	// Output: 1 <nil>
}

// A progress bar for a download: it is an io.Writer.
func ExampleProgress() {
	p := widgets.NewProgress("model.safetensors", 3_000_000)
	p.Bytes, p.Out = true, io.Discard // os.Stderr when nil; in GoNB it redraws an output block
	if _, err := io.Copy(p, strings.NewReader(strings.Repeat("x", 1_200_000))); err != nil {
		panic(err)
	}
	s, _ := p.Text()
	fmt.Println(s)
	p.Finish()
	// Output:
	// model.safetensors ████████████░░░░░░░░░░░░░░░░░░  40% 1.2 MB / 3.0 MB
}

// Several widgets on one standalone page, e.g. to save next to a notebook.
func ExamplePage() {
	page, err := widgets.Page("chapter 1",
		widgets.SoftmaxTable{Tokens: []string{"a", "b"}, Logits: []float64{1, 0}},
		widgets.ProbBars{Candidates: []widgets.Candidate{{Piece: "a", Logit: 1}, {Piece: "b", Logit: 0}}})
	fmt.Println(err, strings.Count(page, `class="llmw `))
	// Output: <nil> 2
}
