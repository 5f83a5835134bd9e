package widgets_test

import (
	"math"
	"strings"
	"testing"

	"github.com/how-llms-work/course/ci/browser"
	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/widgets"
)

// handRecord is a record of 12 tokens, 1 layer, 2 units, in two windows:
// unit 0 fires on digits (value 5 + position/10), unit 1 is the negated
// position (so read with Neg it peaks at the end).
func handRecord(t testing.TB) *llm.Neurons {
	t.Helper()
	pieces := []string{"In", " 19", "61", " the", " team", " won", " 12", " games", ".", " It", " was", " 3"}
	act := [][][]float32{make([][]float32, len(pieces))}
	for p, s := range pieces {
		a := float32(0)
		if llm.Digits.Match(s) {
			a = 5 + float32(p)/10
		}
		act[0][p] = []float32{a, -float32(p)}
	}
	rec, err := llm.NewNeurons(pieces, []int{0, 9}, act)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestNeuronPanel(t *testing.T) {
	rec := handRecord(t)
	digit, neg := llm.Neuron{Layer: 0, Unit: 0}, llm.Neuron{Layer: 0, Unit: 1, Neg: true}
	p, err := widgets.FromNeurons(rec, 3, digit, neg)
	if err != nil {
		t.Fatal(err)
	}
	// Unit 0's top three: " 3" (5.11), " 12" (5.6)… highest first.
	c := p.Neurons[0].Contexts
	if len(c) != 3 || c[0].Pieces[c[0].Peak] != " 3" || c[1].Pieces[c[1].Peak] != " 12" || c[2].Pieces[c[2].Peak] != "61" {
		t.Fatalf("digit contexts: %+v", c)
	}
	// The context of " 3" starts at the window boundary (position 9).
	if c[0].Pieces[0] != " It" || c[0].Peak != 2 {
		t.Errorf("context of \" 3\": %q peak %d", c[0].Pieces, c[0].Peak)
	}
	h := mustHTML(t, p)
	doc := checkSelfContained(t, h)
	if n := len(all(doc, class("stage"))); n != 2 {
		t.Errorf("%d cards, want 2", n)
	}
	peaks := all(doc, class("peak"))
	if len(peaks) != 6 || text(peaks[0]) != "·3" {
		t.Fatalf("%d peaks, first %q", len(peaks), text(peaks[0]))
	}
	// Shading: the strongest token of a card is at full strength (0.85),
	// a token at zero is clear.
	if s, _ := attr(peaks[0], "style"); !strings.Contains(s, "rgba(245,158,11,0.85)") {
		t.Errorf("the top peak is shaded %q", s)
	}
	for _, n := range all(doc, class("tok")) {
		if text(n) == "·the" {
			if s, _ := attr(n, "style"); !strings.Contains(s, ",0.00)") {
				t.Errorf("a token where the digit unit is 0 is shaded %q", s)
			}
			break
		}
	}
	txt, err := p.Text()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"layer 0 · unit 0\n", "layer 0 · unit 1 (−)\n", "      6.10  ·It·was[·3]", "     11.00  ·It·was[·3]"} {
		if !strings.Contains(txt, want) {
			t.Errorf("text lacks %q:\n%s", want, txt)
		}
	}
	// From a search: the note counts the matches among the top tokens.
	found := rec.MustSearch(llm.Digits, 1)
	if found[0].Neuron != digit {
		t.Fatalf("search found %v", found[0].Neuron)
	}
	sp := widgets.MustFromSearch(rec, llm.Digits, found, 2)
	if want := "4 of its top 4 tokens are digits"; !strings.HasPrefix(sp.Neurons[0].Note, want) || !strings.Contains(sp.Title, "4 of 12 tokens") {
		t.Errorf("search panel: %q / %q", sp.Title, sp.Neurons[0].Note)
	}
}

func TestNeuronPanelErrors(t *testing.T) {
	ctx := llm.Context{Pieces: []string{"a", "b"}, Acts: []float32{1, 2}, Peak: 1}
	for _, p := range []widgets.NeuronPanel{
		{},
		{Neurons: []widgets.NeuronCard{{Name: "n"}}},
		{Neurons: []widgets.NeuronCard{{Name: "n", Contexts: []llm.Context{{Pieces: []string{"a"}, Acts: []float32{1, 2}}}}}},
		{Neurons: []widgets.NeuronCard{{Name: "n", Contexts: []llm.Context{{Pieces: ctx.Pieces, Acts: ctx.Acts, Peak: 2}}}}},
		{Neurons: []widgets.NeuronCard{{Name: "n", Contexts: []llm.Context{{Pieces: ctx.Pieces, Acts: []float32{1, float32(math.NaN())}}}}}},
	} {
		if _, err := p.HTML(); err == nil {
			t.Errorf("%+v: no error", p)
		}
		if _, err := p.Text(); err == nil {
			t.Errorf("%+v: Text gave no error", p)
		}
	}
	if _, err := widgets.FromNeurons(handRecord(t), 3, llm.Neuron{Layer: 1}); err == nil {
		t.Error("a neuron of layer 1 of a 1-layer record: no error")
	}
}

func TestActivationCurves(t *testing.T) {
	c, err := widgets.ActivationCurves(-2, 2, 5)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.X, " ") != "-2 -1 0 1 2" {
		t.Errorf("x %q", c.X)
	}
	for i, z := range []float64{-2, -1, 0, 1, 2} {
		s := 1 / (1 + math.Exp(-z))
		if math.Abs(c.Series[0].Values[i]-z*s) > 1e-12 || math.Abs(c.Series[1].Values[i]-s) > 1e-12 || c.Series[2].Values[i] != math.Max(0, z) {
			t.Errorf("z = %v: %v %v %v", z, c.Series[0].Values[i], c.Series[1].Values[i], c.Series[2].Values[i])
		}
	}
	if _, err := widgets.ActivationCurves(1, 1, 5); err == nil {
		t.Error("empty range: no error")
	}
}

func TestMLPStripAndKnockoutBars(t *testing.T) {
	shares := []llm.MLPShare{{Layer: 0, Type: llm.LinearAttention, Out: 3, Output: 12, Ratio: 0.25}, {Layer: 1, Type: llm.FullAttention, Out: 1, Output: 20, Ratio: 0.05}}
	b := widgets.MustMLPStrip("strip", shares)
	if b.Rows[0].Label != "layer 0 (DeltaNet) · 25%" || b.Rows[1].Label != "layer 1 (full) · 5%" || b.Rows[1].Values[1] != 20 {
		t.Errorf("rows %+v", b.Rows)
	}
	k := widgets.MustKnockoutBars("k", []llm.Knockout{{What: "layer 0's MLP", KL: 0.5, Top: llm.Candidate{Piece: " a"}, After: llm.Candidate{Piece: " b"}}})
	if k.Rows[0].Label != `without layer 0's MLP: " a" → " b"` || k.Rows[0].Values[0] != 0.5 {
		t.Errorf("knockout rows %+v", k.Rows)
	}
}

// TestNeuronPanelBrowser: with scripts on, one card shows and the buttons
// switch it; with scripts off, every card and value is readable.
func TestNeuronPanelBrowser(t *testing.T) {
	bin := browser.Need(t)
	rec := handRecord(t)
	h := mustHTML(t, widgets.MustFromNeurons(rec, 3, llm.Neuron{Layer: 0, Unit: 0}, llm.Neuron{Layer: 0, Unit: 1, Neg: true}))
	page := widgetPage("neurons", h)
	id := rootID(t, h)
	shown := `Array.prototype.map.call(document.querySelectorAll("#` + id + ` .stage"),function(c){return getComputedStyle(c).display==="none"?"-":"+";}).join("")`

	eval := openPage(t, bin, page, "body", true).eval
	if got := eval(shown); got != "+-" {
		t.Errorf("at start the cards show %q, want +-", got)
	}
	eval(`(document.querySelectorAll("#` + id + ` .ctl button")[1].click(),"")`)
	if got := eval(shown); got != "-+" {
		t.Errorf("after the second button the cards show %q, want -+", got)
	}
	if got := eval(`document.querySelectorAll("#` + id + ` .ctl button")[1].getAttribute("aria-pressed")`); got != "true" {
		t.Errorf("the pressed button says aria-pressed=%q", got)
	}

	body := openPage(t, bin, page, "body", false).eval(`document.body.innerText`)
	for _, want := range []string{"layer 0 · unit 0", "layer 0 · unit 1 (−)", "5.60", "11.00"} {
		if !strings.Contains(body, want) {
			t.Errorf("without scripts the page lacks %q:\n%s", want, body)
		}
	}
}
