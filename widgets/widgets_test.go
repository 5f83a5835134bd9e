package widgets_test

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/widgets"
)

// TestSoftmaxMatchesLLM checks the table's numbers against llm.Softmax, the
// function the notebooks use, at several slider positions (k = 1/T).
func TestSoftmaxMatchesLLM(t *testing.T) {
	tab := toy()
	for _, k := range []float64{0.5, 1, 2, 4} {
		tab.Scale = k
		doc := parse(t, mustHTML(t, tab))
		want := llm.Softmax(tab.Logits, 1/k)
		for i, n := range all(doc, class("p"))[:len(want)] {
			if !near(text(n), want[i]) {
				t.Errorf("k=%g row %d: p = %s, llm.Softmax %g", k, i, text(n), want[i])
			}
		}
		// The slider is an inverse temperature: Probs(k) is softmax at T = 1/k.
		p, rest := tab.Probs(k)
		for i := range want {
			if math.Abs(p[i]-want[i]) > 1e-12 || rest != 0 {
				t.Errorf("k=%g row %d: Probs %g (rest %g), llm.Softmax %g", k, i, p[i], rest, want[i])
			}
		}
	}
}

// TestProbBarsMatchesSampler checks ProbBars' filtered probabilities
// against llm.Sampler.Probs for a grid of knob settings.
func TestProbBarsMatchesSampler(t *testing.T) {
	pb := demoBars()
	z := make([]float32, len(pb.Candidates))
	for i, c := range pb.Candidates {
		z[i] = c.Logit
	}
	for _, temp := range []float64{0, 0.3, 1, 1.7} {
		for _, k := range []int{0, 1, 2, 4} {
			for _, p := range []float64{0.3, 0.8, 1} {
				_, after, _, _ := pb.Probs(temp, k, p)
				want := llm.Sampler{Temperature: temp, TopK: k, TopP: p}.Probs(z)
				for i := range after {
					if math.Abs(after[i]-float64(want[i])) > 1e-6 {
						t.Errorf("T=%g k=%d p=%g: token %d: %v, llm.Sampler %v", temp, k, p, i, after[i], want[i])
					}
				}
			}
		}
	}
}

func TestProbBarsHTML(t *testing.T) {
	pb := demoBars()
	pb.Temperature, pb.TopK = 0.5, 3
	doc := checkSelfContained(t, mustHTML(t, pb))
	rows := all(doc, func(n *html.Node) bool { _, ok := attr(n, "data-i"); return n.Data == "tr" && ok })
	before, after, _, _ := pb.Probs(0.5, 3, 1)
	if len(rows) != 5 {
		t.Fatalf("%d rows, want 5", len(rows))
	}
	for i, r := range rows {
		if got := text(all(r, class("b"))[0]); got != f3(before[i]) {
			t.Errorf("row %d: p at T = %s, want %s", i, got, f3(before[i]))
		}
		if got := text(all(r, class("a"))[0]); got != f3(after[i]) {
			t.Errorf("row %d: p sampled = %s, want %s", i, got, f3(after[i]))
		}
		if cut := hasClass(r, "cut"); cut != (i >= 3) {
			t.Errorf("row %d: cut = %v with top-k 3", i, cut)
		}
	}
	if n := len(all(doc, func(n *html.Node) bool { typ, _ := attr(n, "type"); return typ == "range" })); n != 3 {
		t.Errorf("%d sliders, want temperature, top-k, top-p", n)
	}
}

func TestProbBarsRest(t *testing.T) {
	cs, rest, err := widgets.TopCandidates(realistic(248320), 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	pb := widgets.ProbBars{Candidates: cs, Rest: &rest}
	before, after, rb, ra := pb.Probs(1, 0, 1)
	s := rb
	for i, c := range cs {
		if math.Abs(before[i]-float64(c.Prob)) > 1e-6*before[i] {
			t.Errorf("candidate %d: %v, full softmax %v", i, before[i], c.Prob)
		}
		if math.Abs(after[i]-before[i]) > 1e-12 {
			t.Errorf("no filter: after %v != before %v", after[i], before[i])
		}
		s += before[i]
	}
	if math.Abs(s-1) > 1e-9 || ra != rb {
		t.Errorf("sum %v, rest %v/%v", s, rb, ra)
	}
	_, _, _, ra = pb.Probs(1, 3, 1)
	if ra != 0 {
		t.Errorf("top-k 3 kept the rest block: %v", ra)
	}
	checkSelfContained(t, mustHTML(t, pb))
}

func TestProbBarsErrors(t *testing.T) {
	ok := demoBars()
	if b, a, _, _ := (widgets.ProbBars{}).Probs(1, 0, 1); b != nil || a != nil {
		t.Error("Probs without candidates: want nil")
	}
	if b, _, _, _ := ok.Probs(-1, 0, 1); b != nil {
		t.Error("Probs at T = -1: want nil")
	}
	for name, pb := range map[string]widgets.ProbBars{
		"empty": {},
		"temp":  {Candidates: ok.Candidates, Temperature: 3},
		"topk":  {Candidates: ok.Candidates, TopK: 9},
		"topp":  {Candidates: ok.Candidates, TopP: 1.5},
		"nan":   {Candidates: []widgets.Candidate{{Piece: "a", Logit: float32(math.NaN())}}},
	} {
		if _, err := pb.HTML(); err == nil {
			t.Errorf("%s: want error", name)
		}
	}
}

func TestTraceViewHTML(t *testing.T) {
	tv := demoTrace()
	doc := checkSelfContained(t, mustHTML(t, tv))
	strip := all(doc, class("strip"))[0]
	toks := all(strip, class("tok"))
	if len(toks) != len(tv.Prompt)+len(tv.Steps) {
		t.Errorf("strip has %d tokens, want %d", len(toks), len(tv.Prompt)+len(tv.Steps))
	}
	if got := text(strip); got != "The·cat·sat·on·the·floor,·and" {
		t.Errorf("static strip %q", got)
	}
	lines := all(doc, func(n *html.Node) bool { _, ok := attr(n, "data-line"); return ok })
	if len(lines) != len(widgets.TraceCode()) {
		t.Fatalf("%d pseudocode lines, want %d", len(lines), len(widgets.TraceCode()))
	}
	if !strings.Contains(text(lines[4]), "append") {
		t.Errorf("line 4 = %q, want the append", text(lines[4]))
	}
	stages := all(doc, class("stage"))
	if len(stages) != 3 {
		t.Fatalf("%d step panels, want 3", len(stages))
	}
	if !strings.Contains(text(stages[0]), "0.420") || !strings.Contains(text(stages[1]), "sampled ,") {
		t.Errorf("step panels lack the numbers: %q / %q", text(stages[0]), text(stages[1]))
	}
	for _, name := range []string{"back", "step", "play", "reset"} {
		if len(all(doc, func(n *html.Node) bool { id, _ := attr(n, "id"); return strings.HasSuffix(id, "-"+name) })) != 1 {
			t.Errorf("no %s button", name)
		}
	}
}

func TestTraceLine(t *testing.T) {
	for _, c := range []struct{ tick, n, line int }{
		{0, 3, 0}, {1, 3, 2}, {2, 3, 3}, {3, 3, 4}, {4, 3, 2}, {9, 3, 4}, {10, 3, 1}, {-1, 3, 0},
	} {
		if got, _ := widgets.TraceLine(c.tick, c.n); got != c.line {
			t.Errorf("TraceLine(%d, %d) = %d, want %d", c.tick, c.n, got, c.line)
		}
	}
}

func TestTraceViewErrors(t *testing.T) {
	for name, tv := range map[string]widgets.TraceView{
		"empty":   {},
		"noSteps": {Prompt: []string{"a"}},
		"prob":    {Prompt: []string{"a"}, Steps: []widgets.TraceStep{{Chosen: widgets.Candidate{Piece: "b", Prob: 2}}}},
	} {
		if _, err := tv.HTML(); err == nil {
			t.Errorf("%s: want error", name)
		}
	}
}

// TestParseQuiz checks the one-line-per-choice form against the same quiz
// written as a struct, and that each mistake is named with its line.
func TestParseQuiz(t *testing.T) {
	q, err := widgets.ParseQuiz("Demo", `
		? Q1
		- a | why a
		+ b | why b

		? Q2
		+ c | why c
		- d | why d | with a bar`)
	if err != nil {
		t.Fatal(err)
	}
	want := widgets.Quiz{Title: "Demo", Questions: []widgets.Question{
		{Prompt: "Q1", Choices: []widgets.Choice{{Text: "a", Why: "why a"}, {Text: "b", Correct: true, Why: "why b"}}},
		{Prompt: "Q2", Choices: []widgets.Choice{{Text: "c", Correct: true, Why: "why c"}, {Text: "d", Why: "why d | with a bar"}}},
	}}
	if fmt.Sprint(q) != fmt.Sprint(want) {
		t.Errorf("ParseQuiz = %+v\nwant %+v", q, want)
	}
	for text, msg := range map[string]string{
		"+ a | b":               "line 1: a choice before the first question",
		"? q\n+ a without why":  "line 2: no \" | \"",
		"? q\n* a | b":          `line 2: starts with '*'`,
		"? q\n- a | x\n- b | y": "question 1: 0 correct choices",
		"":                      "no questions",
		"? q\n+ a | x\n- w | v\n\n? r\n+ b | y\n+ c | z": "question 2: 2 correct choices",
	} {
		if _, err := widgets.ParseQuiz("t", text); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParseQuiz(%q) error %v, want it to say %q", text, err, msg)
		}
	}
}

func TestQuiz(t *testing.T) {
	q := demoQuiz()
	if err := q.Validate(); err != nil {
		t.Fatal(err)
	}
	if n, err := q.Check([]int{1, 0}); err != nil || n != 2 {
		t.Errorf("Check(right answers) = %d, %v; want 2", n, err)
	}
	if n, err := q.Check([]int{0, 0}); err != nil || n != 1 {
		t.Errorf("Check(one wrong) = %d, %v; want 1", n, err)
	}
	for _, bad := range [][]int{{1}, {1, 0, 0}, {5, 0}, {-1, 0}} {
		if _, err := q.Check(bad); err == nil {
			t.Errorf("Check(%v): want error", bad)
		}
	}
	// Messages number questions from 1, as the rendered quiz does;
	// indexes passed in count from 0.
	if _, err := q.Check([]int{1, 7}); err == nil || !strings.Contains(err.Error(), "question 2 (answers[1]): answer 7") {
		t.Errorf("Check([1 7]) error = %v, want it to name question 2 (answers[1])", err)
	}
	if _, err := q.Answer(2); err == nil || !strings.Contains(err.Error(), "question index 2: want 0 ≤ i < 2") {
		t.Errorf("Answer(2) error = %v, want it to name question index 2", err)
	}
	if a, err := q.Answer(1); err != nil || a != 0 {
		t.Errorf("Answer(1) = %d, %v; want 0", a, err)
	}
	two := demoQuiz()
	two.Questions[1].Choices[1].Correct = true
	if err := two.Validate(); err == nil || !strings.Contains(err.Error(), "question 2: 2 correct choices") {
		t.Errorf("two correct choices: error %v, want it to name question 2", err)
	}
	none := demoQuiz()
	none.Questions[0].Choices[0].Why = ""
	if _, err := none.HTML(); err == nil {
		t.Error("missing explanation: want error")
	}
	for answers, want := range map[string]string{
		"":    "the quiz has 2 questions",
		"1 0": "2 of 2 right",
		"0 0": "1 of 2 right (look again at question 1)",
		"1":   "1 answers for 2 questions",
		"1 9": "question 2 (answers[1]): answer 9",
	} {
		var a []int
		for _, f := range strings.Fields(answers) {
			n, _ := strconv.Atoi(f)
			a = append(a, n)
		}
		if got := q.Grade(a); !strings.Contains(got, want) {
			t.Errorf("Grade(%v) = %q, want it to say %q", a, got, want)
		}
	}
	if got := two.Grade([]int{1, 0}); !strings.Contains(got, "cannot be graded") {
		t.Errorf("Grade of an invalid quiz = %q", got)
	}
	doc := checkSelfContained(t, mustHTML(t, q))
	if n := len(all(doc, tag("fieldset"))); n != 2 {
		t.Errorf("%d fieldsets, want 2", n)
	}
	radios := all(doc, func(n *html.Node) bool { typ, _ := attr(n, "type"); return typ == "radio" })
	if len(radios) != 5 {
		t.Errorf("%d radio buttons, want 5", len(radios))
	}
	// The static view (no JS) carries the answer and every explanation.
	det := all(doc, tag("details"))
	if len(det) != 2 || !strings.Contains(text(det[0]), "✓ A score for every token") || !strings.Contains(text(det[0]), "sampling") {
		t.Errorf("answers not in the static view")
	}
}

func demoFit(t *testing.T) widgets.FitPlot {
	pts := llm.NoisyLine(20, 2, 0.5, 0.2, 1)
	steps, err := llm.FitLine(pts, 0.5, 60)
	if err != nil {
		t.Fatal(err)
	}
	f := widgets.FitPlot{}
	for _, p := range pts {
		f.Points = append(f.Points, widgets.Point(p))
	}
	for _, s := range steps {
		f.Steps = append(f.Steps, widgets.FitStep(s))
	}
	return f
}

func TestFitPlot(t *testing.T) {
	f := demoFit(t)
	doc := checkSelfContained(t, mustHTML(t, f))
	if n := len(all(doc, tag("circle"))); n != len(f.Points)+3 {
		t.Errorf("%d circles, want %d points + the loss marker + best and current knobs", n, len(f.Points)+3)
	}
	last := f.Steps[len(f.Steps)-1]
	out := all(doc, tag("output"))[0]
	if want := "a = " + f3(last.A); !strings.HasPrefix(text(out), want) {
		t.Errorf("readout %q, want prefix %q", text(out), want)
	}
	if n := len(all(doc, func(n *html.Node) bool { typ, _ := attr(n, "type"); return typ == "range" })); n != 3 {
		t.Errorf("%d sliders, want a, b, step", n)
	}
	a, b := llm.LeastSquares(f.Points)
	if llm.MSE(f.Points, a, b) > last.Loss {
		t.Errorf("least squares %v worse than descent %v", llm.MSE(f.Points, a, b), last.Loss)
	}
	// Exact line through three points.
	if a, b := llm.LeastSquares([]widgets.Point{{X: 0, Y: 1}, {X: 1, Y: 3}, {X: 2, Y: 5}}); math.Abs(a-2) > 1e-12 || math.Abs(b-1) > 1e-12 {
		t.Errorf("LeastSquares = %v, %v; want 2, 1", a, b)
	}
	// A trajectory whose loss disagrees with the MSE is rejected.
	bad := f
	bad.Steps = append([]widgets.FitStep(nil), f.Steps...)
	bad.Steps[3].Loss *= 2
	if _, err := bad.HTML(); err == nil {
		t.Error("wrong loss: want error")
	}
	if _, err := (widgets.FitPlot{Points: []widgets.Point{{X: 1, Y: 1}}}).HTML(); err == nil {
		t.Error("one point: want error")
	}
	// A steep line is clipped to the plot, a line outside it is not drawn.
	for _, ab := range [][2]float64{{1, 0}, {100, 0}, {-50, 30}, {0, 1e6}} {
		doc := checkSelfContained(t, mustHTML(t, widgets.FitPlot{Points: f.Points, A: ab[0], B: ab[1]}))
		svg := all(doc, tag("svg"))[0]
		w, _ := attr(svg, "width")
		h, _ := attr(svg, "height")
		W, _ := strconv.ParseFloat(w, 64)
		H, _ := strconv.ParseFloat(h, 64)
		ln := all(svg, tag("line"))
		for _, k := range []string{"x1", "x2", "y1", "y2"} {
			v, _ := attr(ln[len(ln)-1], k)
			c, err := strconv.ParseFloat(v, 64)
			lim := W
			if k[0] == 'y' {
				lim = H
			}
			if err != nil || c < 0 || c > lim {
				t.Errorf("line a=%g b=%g: %s = %q outside the %gx%g plot", ab[0], ab[1], k, v, W, H)
			}
		}
	}
}

func demoJourney() widgets.Journey {
	emb := make([]float32, 1024)
	for i := range emb {
		emb[i] = float32(math.Sin(float64(i)*0.37) * 0.05)
	}
	var layers []widgets.Layer
	for i := range 24 {
		kind := "linear_attention"
		if i%4 == 3 {
			kind = "full_attention"
		}
		layers = append(layers, widgets.Layer{Kind: kind, Norm: 2 + 3*float64(i)})
	}
	return widgets.Journey{
		Prompt: "The cat sat on the", Tokens: []string{"The", " cat", " sat", " on", " the"},
		IDs: []int{760, 7993, 7338, 383, 279}, Embedding: emb, Layers: layers, VocabSize: 248320,
		Top: []widgets.Candidate{
			{ID: 6645, Piece: " floor", Logit: 17.2, Prob: 0.42}, {ID: 5517, Piece: " mat", Logit: 16.4, Prob: 0.19},
			{ID: 28744, Piece: " rug", Logit: 15.9, Prob: 0.12},
		},
		Chosen: widgets.Candidate{ID: 6645, Piece: " floor", Prob: 0.42},
	}
}

func TestJourney(t *testing.T) {
	j := demoJourney()
	h := mustHTML(t, j)
	doc := checkSelfContained(t, h)
	stages := all(doc, class("stage"))
	if len(stages) != 6 {
		t.Fatalf("%d stages, want 6", len(stages))
	}
	for i, want := range []string{"18 characters", "[760, 7993, 7338, 383, 279] · 5 token ids", "[5 × 1024]", "after each of 24 layers", "[248,320] logits", "6645"} {
		if !strings.Contains(text(stages[i]), want) {
			t.Errorf("stage %d lacks %q: %s", i+1, want, text(stages[i]))
		}
	}
	bars := all(stages[3], tag("rect"))
	if len(bars) != 24 {
		t.Fatalf("%d layer bars, want 24", len(bars))
	}
	full := 0
	for _, b := range bars {
		if fill, _ := attr(b, "fill"); fill == "#f59e0b" {
			full++
		}
	}
	if full != 6 {
		t.Errorf("%d bars colored as full attention, want 6 of 24", full)
	}
	if !strings.Contains(text(stages[5]), "The cat sat on the floor") {
		t.Errorf("last stage lacks the new text")
	}
	paths := all(stages[2], tag("path"))
	cells := 0
	for _, p := range paths {
		d, _ := attr(p, "d")
		cells += strings.Count(d, "M")
	}
	if cells != 1024 {
		t.Errorf("heat strip has %d cells, want 1024", cells)
	}
	if len(h) > 200_000 {
		t.Errorf("%d bytes, want < 200 KB", len(h))
	}
	if n := len(all(doc, func(n *html.Node) bool { _, ok := attr(n, "data-s"); return n.Data == "button" && ok })); n != 6 {
		t.Errorf("%d rail buttons, want 6", n)
	}
	bad := demoJourney()
	bad.IDs = bad.IDs[:2]
	if _, err := bad.HTML(); err == nil {
		t.Error("ids/tokens mismatch: want error")
	}
	bad = demoJourney()
	bad.Embedding[3] = float32(math.Inf(-1))
	if _, err := bad.Text(); err == nil {
		t.Error("infinite embedding: want error")
	}
}

func demoWVA() widgets.WeightsVsActivations {
	return widgets.WeightsVsActivations{
		Weights: []widgets.Count{
			{Name: "embed_tokens", Shape: []int{248320, 1024}},
			{Name: "24 layers", N: 598_705_216},
			{Name: "norm", Shape: []int{1024}},
		},
		Activations: []widgets.Count{
			{Name: "embeddings", Shape: []int{5, 1024}},
			{Name: "hidden states (24 layers)", Shape: []int{24, 5, 1024}},
			{Name: "logits", Shape: []int{248320}},
		},
		Tokens: 5,
	}
}

func TestWeightsVsActivations(t *testing.T) {
	w := demoWVA()
	doc := checkSelfContained(t, mustHTML(t, w))
	totals := all(doc, class("total"))
	if len(totals) != 2 {
		t.Fatalf("%d totals, want 2", len(totals))
	}
	if got, want := text(totals[0]), "852,985,920"; got != want {
		t.Errorf("weights total %s, want %s", got, want)
	}
	if got, want := text(totals[1]), "376,320"; got != want {
		t.Errorf("activations total %s, want %s", got, want)
	}
	if _, err := (widgets.WeightsVsActivations{Weights: w.Weights}).HTML(); err == nil {
		t.Error("no activations: want error")
	}
	if _, err := (widgets.WeightsVsActivations{Weights: []widgets.Count{{Name: "x", Shape: []int{-1}}}, Activations: w.Activations}).HTML(); err == nil {
		t.Error("negative shape: want error")
	}
}

func TestProgress(t *testing.T) {
	var out bytes.Buffer
	p := widgets.NewProgress("download", 2000)
	p.Bytes, p.Out = true, &out
	p.Add(500)
	if _, err := p.Write(make([]byte, 500)); err != nil {
		t.Fatal(err)
	}
	p.Set(2000)
	p.Finish()
	s := out.String()
	for _, want := range []string{"\rdownload", " 25% 500 B / 2.0 KB", " 50% 1.0 KB / 2.0 KB", "100% 2.0 KB / 2.0 KB"} {
		if !strings.Contains(s, want) {
			t.Errorf("terminal output lacks %q: %q", want, s)
		}
	}
	if !strings.HasSuffix(s, "\n") {
		t.Errorf("Finish did not end the line: %q", s)
	}
	doc := checkSelfContained(t, mustHTML(t, p))
	bar := all(doc, tag("progress"))
	if len(bar) != 1 {
		t.Fatal("no <progress>")
	}
	if v, _ := attr(bar[0], "value"); v != "2000" {
		t.Errorf("progress value %q, want 2000", v)
	}
	slow := widgets.NewProgress("tokens", 10)
	slow.Out = &out
	slow.Add(1)
	time.Sleep(600 * time.Millisecond)
	slow.Add(1)
	if s, _ := slow.Text(); !strings.Contains(s, "/s · ") || !strings.Contains(s, "s left") {
		t.Errorf("after 0.6 s: %q, want a rate and the time left", s)
	}
	u := widgets.NewProgress("tokens", 0)
	u.Out = &out
	u.Add(7)
	if s, _ := u.Text(); s != "tokens 7" {
		t.Errorf("unknown total: %q", s)
	}
}

// TestTextForms checks that every widget has a readable plain-text form
// that Fprint writes.
func TestTextForms(t *testing.T) {
	for _, c := range []struct {
		w    widgets.Widget
		want []string
	}{
		{demoBars(), []string{"·floor", "p sampled"}},
		{demoTrace(), []string{"[The][·cat]", "step 1: sampled ·floor (p = 0.420)"}},
		{demoQuiz(), []string{"✓ b) A score for every token"}},
		{demoFit(t), []string{"least squares: a = "}},
		{demoJourney(), []string{"3. Embeddings", "·floor"}},
		{demoWVA(), []string{"852,985,920"}},
	} {
		var b bytes.Buffer
		if err := widgets.Fprint(&b, c.w); err != nil {
			t.Fatalf("%T: %v", c.w, err)
		}
		for _, w := range c.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%T text lacks %q:\n%s", c.w, w, b.String())
			}
		}
	}
}

// TestChapterOnePage renders every widget as chapter 1 uses them on one
// page: ids are unique across the page and it stays small.
func TestChapterOnePage(t *testing.T) {
	page, err := widgets.Page("chapter 1", toy(), toy(), demoBars(), demoTrace(), demoQuiz(), demoFit(t), demoJourney(), demoWVA())
	if err != nil {
		t.Fatal(err)
	}
	doc := parse(t, page)
	seen := map[string]bool{}
	for _, n := range all(doc, func(*html.Node) bool { return true }) {
		if id, ok := attr(n, "id"); ok {
			if seen[id] {
				t.Errorf("duplicate id %q on the page", id)
			}
			seen[id] = true
		}
	}
	if n := len(all(doc, class("llmw"))); n != 8 {
		t.Errorf("%d widgets on the page, want 8", n)
	}
	if len(page) > 200_000 {
		t.Errorf("chapter 1 page is %d bytes, want < 200 KB", len(page))
	}
	if _, err := widgets.Page("bad", widgets.SoftmaxTable{}); err == nil {
		t.Error("page with an invalid widget: want error")
	}
}
