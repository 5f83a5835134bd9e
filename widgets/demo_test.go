package widgets_test

import (
	"context"
	"testing"

	"github.com/how-llms-work/course/widgets"
)

func demoTrace() widgets.TraceView {
	c := func(p string, pr float64) widgets.Candidate { return widgets.Candidate{Piece: p, Prob: pr} }
	return widgets.TraceView{
		Prompt: []string{"The", " cat", " sat", " on", " the"},
		Steps: []widgets.TraceStep{
			{Candidates: []widgets.Candidate{c(" floor", 0.42), c(" mat", 0.19), c(" rug", 0.12), c(" couch", 0.08), c(" bed", 0.05)}, Chosen: c(" floor", 0.42)},
			{Candidates: []widgets.Candidate{c(".", 0.51), c(",", 0.22), c(" and", 0.09)}, Chosen: c(",", 0.22)},
			{Candidates: []widgets.Candidate{c(" and", 0.38), c(" purring", 0.11), c(" while", 0.07)}, Chosen: c(" and", 0.38)},
		},
	}
}

func demoQuiz() widgets.Quiz {
	return widgets.Quiz{Questions: []widgets.Question{
		{Prompt: "Mechanically, what does an LLM compute in a single forward pass?", Choices: []widgets.Choice{
			{Text: "A whole paragraph of text", Why: "One pass gives one next-token distribution; paragraphs come from the loop."},
			{Text: "A score for every token in the vocabulary", Correct: true, Why: "Tokens in, one logit per vocabulary entry out."},
			{Text: "The single best next word", Why: "It scores every token; a separate rule (sampling) picks one."},
		}},
		{Prompt: "What are logits?", Choices: []widgets.Choice{
			{Text: "Raw, unbounded scores, one per vocabulary token", Correct: true, Why: "Softmax turns them into probabilities."},
			{Text: "Probabilities that sum to 1", Why: "That is what softmax makes of them."},
		}},
	}}
}

func demoBars() widgets.ProbBars {
	return widgets.ProbBars{Candidates: []widgets.Candidate{
		{Piece: " floor", Logit: 3.1}, {Piece: " mat", Logit: 2.3}, {Piece: " rug", Logit: 1.9},
		{Piece: " couch", Logit: 1.4}, {Piece: " bed", Logit: 0.9},
	}}
}

// extraWidgets are the other widgets on the browser test page.
func extraWidgets(t *testing.T) []widgets.Widget { return nil }

// browserExtraChecks checks the extra widgets in the browser.
func browserExtraChecks(t *testing.T, ctx context.Context, eval func(string) string, htmls []string) {
}
