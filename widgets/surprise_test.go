package widgets_test

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/widgets"
)

// TestSurpriseMap renders the surprise map of a text scored by the
// embedded model and checks every token's shade and tooltip against the
// losses, and the table of the most surprising tokens against a sort.
func TestSurpriseMap(t *testing.T) {
	m, err := llm.LoadTiny()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	l := m.MustLoss("The jury praised the administration and operation of the police department.")
	s := widgets.FromLosses(l, "surprise")
	h := mustHTML(t, s)
	doc := checkSelfContained(t, h)
	toks := all(doc, class("s"))
	if len(toks) != len(l.Tokens) {
		t.Fatalf("%d shaded tokens for %d losses", len(toks), len(l.Tokens))
	}
	hi := 0.0
	for _, tl := range l.Tokens {
		hi = math.Max(hi, tl.Loss)
	}
	for i, n := range toks {
		tl := l.Tokens[i]
		title, _ := attr(n, "title")
		for _, want := range []string{fmt.Sprintf("loss %.2f nats", tl.Loss), fmt.Sprintf("first guess: %s", strings.NewReplacer(" ", "·", "\n", `\n`, "\t", `\t`).Replace(tl.GuessPiece))} {
			if !strings.Contains(title, want) {
				t.Errorf("token %d: tooltip %q lacks %q", i, title, want)
			}
		}
		st, _ := attr(n, "style")
		a, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimPrefix(st, "background:rgba(220,38,38,"), ")"), 64)
		if err != nil || math.Abs(a-0.85*tl.Loss/hi) > 0.006 {
			t.Errorf("token %d (loss %.3f of max %.3f): shade %q", i, tl.Loss, hi, st)
		}
	}
	rows := all(doc, func(n *html.Node) bool { return n.Data == "tr" })
	if len(rows) != 6 {
		t.Fatalf("%d table rows, want a header and 5", len(rows))
	}
	for k, w := range l.Worst(5) {
		if got := text(rows[k+1]); !strings.Contains(got, fmt.Sprintf("%.2f", w.Loss)) {
			t.Errorf("row %d %q, want loss %.2f", k+1, got, w.Loss)
		}
	}
	if !strings.Contains(h, fmt.Sprintf("perplexity %.1f", l.Perplexity())) {
		t.Error("the note lacks the perplexity")
	}
	txt, err := s.Text()
	if err != nil || !strings.Contains(txt, "most surprising:") {
		t.Errorf("text form: %v\n%s", err, txt)
	}
}

func TestSurpriseMapErrors(t *testing.T) {
	for name, s := range map[string]widgets.SurpriseMap{
		"one token":     {Pieces: []string{"a"}},
		"wrong count":   {Pieces: []string{"a", "b"}, Loss: []float64{1, 2}},
		"negative loss": {Pieces: []string{"a", "b"}, Loss: []float64{-1}},
		"NaN loss":      {Pieces: []string{"a", "b"}, Loss: []float64{math.NaN()}},
		"guesses":       {Pieces: []string{"a", "b"}, Loss: []float64{1}, Guess: []string{"x", "y"}, GuessProb: []float64{1, 1}},
	} {
		if _, err := s.HTML(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestLossCurve checks the bucket means against a direct computation.
func TestLossCurve(t *testing.T) {
	v := make([]float64, 250)
	for i := range v {
		v[i] = float64(i % 7)
	}
	c := widgets.LossCurve("run", widgets.Series{Name: "loss", Values: v})
	// 250 steps → buckets of 3 (84 points), the last holding step 250 alone.
	if len(c.X) != 84 || c.X[0] != "3" || c.X[83] != "250" {
		t.Fatalf("x labels: %d, first %q last %q", len(c.X), c.X[0], c.X[len(c.X)-1])
	}
	for k, got := range c.Series[0].Values {
		lo, hi := 3*k, min(3*k+3, 250)
		want := 0.0
		for i := lo; i < hi; i++ {
			want += v[i]
		}
		want /= float64(hi - lo)
		if math.Abs(got-want) > 1e-12 {
			t.Errorf("bucket %d = %g, want %g", k, got, want)
		}
	}
	mustHTML(t, c)
	short := widgets.LossCurve("short", widgets.Series{Name: "a", Values: []float64{3, 2, 1}})
	if len(short.X) != 3 || short.Series[0].Values[2] != 1 || short.Note != "" {
		t.Errorf("a short curve is not drawn as is: %+v", short)
	}
	bad := widgets.LossCurve("bad", widgets.Series{Name: "a", Values: []float64{1, 2}}, widgets.Series{Name: "b", Values: []float64{1}})
	if _, err := bad.HTML(); err == nil || !strings.Contains(err.Error(), `"b"`) {
		t.Errorf("mismatched series: %v", err)
	}
}
