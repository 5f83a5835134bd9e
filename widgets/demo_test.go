package widgets_test

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/widgets"
)

func demoTrace() widgets.TraceView {
	c := func(p string, pr float32) widgets.Candidate { return widgets.Candidate{Piece: p, Prob: pr} }
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

// extraWidgets are the other widgets on the browser test page: a FitPlot
// and a Journey (checked by browserExtraChecks), the weights/activations
// panels and a progress bar.
func extraWidgets(t *testing.T) []widgets.Widget {
	p := widgets.NewProgress("download", 1000)
	p.Bytes, p.Out = true, io.Discard
	p.Set(420)
	return []widgets.Widget{demoFit(t), demoJourney(), demoWVA(), p}
}

// browserExtraChecks drives the FitPlot and the Journey in the browser.
func browserExtraChecks(t *testing.T, ctx context.Context, eval func(string) string, htmls []string) {
	t.Helper()
	fit, jr := demoFit(t), rootID(t, htmls[1])
	fitID := rootID(t, htmls[0])
	// Step the descent back to the start: the knobs and readout follow.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#"+fitID+"-reset")), chromedp.Click(chromedp.CSS("#"+fitID+"-next"))); err != nil {
		t.Fatal(err)
	}
	s1 := fit.Steps[1]
	want := fmt.Sprintf("a = %.3f, b = %.3f, loss (MSE) = %.4f", s1.A, s1.B, s1.Loss)
	if got := eval(`document.getElementById("` + fitID + `-ab").textContent`); got != want {
		t.Errorf("FitPlot at step 1: %q, want %q", got, want)
	}
	// Move the slope knob with the keyboard: the loss readout is the MSE of
	// the new line, and the knob-space marker moves right.
	knobX := func() string { return eval(`document.querySelector("#` + fitID + ` circle.knob").getAttribute("cx")`) }
	before := knobX()
	if err := chromedp.Do(ctx, chromedp.Focus(chromedp.CSS("#"+fitID+"-a")), chromedp.KeyEvent(kb.ArrowRight)); err != nil {
		t.Fatal(err)
	}
	a, _ := strconv.ParseFloat(eval(`document.getElementById("`+fitID+`-a").value`), 64)
	b, _ := strconv.ParseFloat(eval(`document.getElementById("`+fitID+`-b").value`), 64)
	want = fmt.Sprintf("loss (MSE) = %.4f", llm.MSE(fit.Points, a, b))
	if got := eval(`document.getElementById("` + fitID + `-ab").textContent`); !strings.HasSuffix(got, want) {
		t.Errorf("FitPlot after the slope moved to %v: %q, want suffix %q", a, got, want)
	}
	if x0, err0 := strconv.ParseFloat(before, 64); err0 != nil {
		t.Errorf("knob marker cx %q", before)
	} else if x1, _ := strconv.ParseFloat(knobX(), 64); !(x1 > x0) {
		t.Errorf("knob marker at %v after the slope increased, was %v", x1, x0)
	}
	// Journey: one stage shows at a time; Next moves on, the rail jumps.
	shown := func() string {
		return eval(`Array.from(document.querySelectorAll("#` + jr + ` .stage")).filter(e=>getComputedStyle(e).display!=="none").map(e=>e.getAttribute("data-s")).join(",")`)
	}
	if got := shown(); got != "0" {
		t.Errorf("Journey shows stages %q at start, want 0", got)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#"+jr+"-next"))); err != nil {
		t.Fatal(err)
	}
	if got := shown(); got != "1" {
		t.Errorf("Journey after Next: %q, want 1", got)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#"+jr+"-r4"))); err != nil {
		t.Fatal(err)
	}
	if got := shown(); got != "4" {
		t.Errorf("Journey after the rail's stage 5: %q, want 4", got)
	}
	if got := eval(`document.getElementById("` + jr + `-status").textContent`); !strings.Contains(got, "Stage 5 of 6: Logits. Data now: [248,320] logits") {
		t.Errorf("Journey status %q", got)
	}
}
