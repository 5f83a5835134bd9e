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
	t := widgets.TopSoftmax(logits, 3, func(id int) string { return names[id] })
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

// A quiz written in a few lines, and a learner's answers graded.
func ExampleParseQuiz() {
	q := widgets.MustParseQuiz("Quick check", `
? What are logits?
- Probabilities that add up to 1 | That is what softmax makes of them.
+ Raw scores, one per vocabulary entry | Yes: softmax turns them into probabilities.
? What does one forward pass predict?
+ The next token | Yes: one distribution over the next position.
- The whole answer | That takes the generation loop.`)
	fmt.Println(q.Grade(nil))
	fmt.Println(q.Grade([]int{1, 1}))
	// Output:
	// the quiz has 2 questions, each with exactly one right answer: fill in answers (one choice per question, counting from 0) and run again
	// 1 of 2 right (look again at question 2)
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

// Next-token bars with sampling knobs: temperature 0.7 and top-k 2.
func ExampleProbBars() {
	widgets.MustShow(widgets.ProbBars{
		Candidates: []widgets.Candidate{
			{Piece: " floor", Logit: 3.1}, {Piece: " mat", Logit: 2.3}, {Piece: " rug", Logit: 1.9},
		},
		Temperature: 0.7, TopK: 2,
	})
	// Output:
	// Next-token probabilities (T = 0.70, top-k 2, top-p 1.00)
	// token               logit  p at T p sampled
	// ·floor               3.10   0.667     0.758 ███████████████
	// ·mat                 2.30   0.213     0.242 █████
	// ·rug                 1.90   0.120     0.000
}

// The generation loop, step by step.
func ExampleTraceView() {
	c := func(p string, pr float32) widgets.Candidate { return widgets.Candidate{Piece: p, Prob: pr} }
	widgets.MustShow(widgets.TraceView{
		Prompt: []string{"The", " cat", " sat", " on", " the"},
		Steps: []widgets.TraceStep{
			{Candidates: []widgets.Candidate{c(" floor", 0.42), c(" mat", 0.19)}, Chosen: c(" floor", 0.42)},
			{Candidates: []widgets.Candidate{c(".", 0.51), c(",", 0.22)}, Chosen: c(".", 0.51)},
		},
	})
	line, what := widgets.TraceLine(3, 2)
	fmt.Printf("tick 3: line %d %q: %s\n", line, strings.TrimSpace(widgets.TraceCode()[line]), what)
	// Output:
	// The generation loop
	// [The][·cat][·sat][·on][·the] → [·floor] [.]
	// step 1: sampled ·floor (p = 0.420) from ·floor 0.420 ·mat 0.190
	// step 2: sampled . (p = 0.510) from . 0.510 , 0.220
	// tick 3: line 4 "tokens = append(tokens, next) // append, then repeat": step 1 of 2 · append the token, then repeat
}

// Two knobs fitted by gradient descent (the trajectory would come from
// llm.FitLine; here three hand-made steps).
func ExampleFitPlot() {
	pts := []widgets.Point{{X: 0, Y: 1}, {X: 1, Y: 3}, {X: 2, Y: 5}}
	widgets.MustShow(widgets.FitPlot{Points: pts, Steps: []widgets.FitStep{
		{Step: 0, A: 0, B: 0}, {Step: 1, A: 1.5, B: 1}, {Step: 2, A: 2, B: 1},
	}})
	// Output:
	// Two knobs, fitted to examples: y = a·x + b (3 points)
	//   step          a          b   loss (MSE)
	//      0      0.000      0.000      11.6667
	//      1      1.500      1.000       0.4167
	//      2      2.000      1.000       0.0000
	// least squares: a = 2.000, b = 1.000, loss = 0.0000
}

// Weights next to activations.
func ExampleWeightsVsActivations() {
	widgets.MustShow(widgets.WeightsVsActivations{
		Weights:     []widgets.Count{{Name: "embedding", Shape: []int{248320, 1024}}, {Name: "layers", N: 598_705_216}, {Name: "final norm", Shape: []int{1024}}},
		Activations: []widgets.Count{{Name: "hidden states", Shape: []int{24, 5, 1024}}, {Name: "logits", Shape: []int{248320}}},
	})
	// Output:
	// Two kinds of numbers: weights vs activations
	// weights (frozen)
	//   embedding                    [248,320 × 1,024]           254,279,680
	//   layers                                                   598,705,216
	//   final norm                   [1,024]                           1,024
	//   total                                                    852,985,920
	// activations (fresh per prompt)
	//   hidden states                [24 × 5 × 1,024]                122,880
	//   logits                       [248,320]                       248,320
	//   total                                                        371,200
}
