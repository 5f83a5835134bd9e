package widgets_test

import (
	"math"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/html"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/widgets"
)

var (
	attnOnce sync.Once
	attnPass *llm.Pass
)

// tinyPass runs the embedded model once on a short prompt.
func tinyPass(t testing.TB) *llm.Pass {
	t.Helper()
	attnOnce.Do(func() {
		m, err := llm.LoadTiny()
		if err != nil {
			t.Fatal(err)
		}
		attnPass = m.MustRun("The cat sat on the mat.")
	})
	if attnPass == nil {
		t.Fatal("the tiny model did not run")
	}
	return attnPass
}

func TestAttentionMapsHTML(t *testing.T) {
	p := tinyPass(t)
	a, err := widgets.FromAttention(p)
	if err != nil {
		t.Fatal(err)
	}
	a.Selected = 1
	h := mustHTML(t, a)
	doc := checkSelfContained(t, h)
	n := len(p.IDs)
	full := p.FullLayers()
	if len(a.Heads) != len(full)*len(p.Capture.Layers[full[0]].Attention) {
		t.Fatalf("%d heads in the widget", len(a.Heads))
	}
	if th := all(doc, class("th")); len(th) != len(a.Heads) {
		t.Errorf("%d small maps for %d heads", len(th), len(a.Heads))
	}
	// The large map is head a.Heads[1]: every cell of the lower triangle,
	// its opacity the weight the engine captured.
	sel := a.Heads[1]
	want := p.Capture.Layers[sel.Layer].Attention[sel.Head]
	cells := 0
	for _, r := range all(doc, func(n2 *html.Node) bool { _, ok := attr(n2, "data-q"); return ok && n2.Data == "rect" }) {
		qs, _ := attr(r, "data-q")
		ks, _ := attr(r, "data-k")
		qi, _ := strconv.Atoi(qs)
		ki, _ := strconv.Atoi(ks)
		if ki > qi {
			t.Errorf("cell above the diagonal: query %d key %d", qi, ki)
			continue
		}
		op, _ := attr(r, "fill-opacity")
		v, _ := strconv.ParseFloat(op, 64)
		if math.Abs(v-float64(want[qi][ki])) > 6e-4 {
			t.Errorf("query %d key %d: opacity %v, weight %v", qi, ki, v, want[qi][ki])
		}
		if !strings.Contains(text(r), " ("+qs+") → key ") {
			t.Errorf("cell title %q", text(r))
		}
		cells++
	}
	if cells != n*(n+1)/2 {
		t.Errorf("%d cells in the large map, want %d", cells, n*(n+1)/2)
	}
	// The fan-out lists the last query's weights.
	var fan []string
	for _, e := range all(doc, class("fk")) {
		fan = append(fan, text(e))
	}
	if len(fan) != n {
		t.Fatalf("%d keys in the fan-out", len(fan))
	}
	for s, label := range fan {
		if f := strings.Fields(label); f[len(f)-1] != strconv.FormatFloat(float64(want[n-1][s]), 'f', 3, 64) {
			t.Errorf("fan-out key %d: %q, weight %.3f", s, label, want[n-1][s])
		}
	}
	// The text form names the three keys each head weighs most at the last query.
	txt, err := a.Text()
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(txt, "\n"); lines != len(a.Heads)+2 {
		t.Errorf("text form has %d lines:\n%s", lines, txt)
	}
	top := llm.Argmax(want[n-1])
	if !strings.Contains(txt, strconv.FormatFloat(float64(want[n-1][top]), 'f', 3, 64)) {
		t.Errorf("text form lacks the largest weight %.3f:\n%s", want[n-1][top], txt)
	}
}

func TestAttentionMapsErrors(t *testing.T) {
	ok := func() widgets.AttentionMaps {
		return widgets.AttentionMaps{Tokens: []string{"a", "b"}, Heads: []widgets.HeadMap{{Layer: 3, Head: 0, Weights: [][]float32{{1}, {0.4, 0.6}}}}}
	}
	if _, err := ok().HTML(); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		edit func(*widgets.AttentionMaps)
		want string
	}{
		"future key":   {func(a *widgets.AttentionMaps) { a.Heads[0].Weights[0] = []float32{0.5, 0.5} }, "query 0 has 2 weights"},
		"rows":         {func(a *widgets.AttentionMaps) { a.Heads[0].Weights = a.Heads[0].Weights[:1] }, "1 rows for 2 tokens"},
		"NaN":          {func(a *widgets.AttentionMaps) { a.Heads[0].Weights[1][0] = float32(math.NaN()) }, "want a probability"},
		"no tokens":    {func(a *widgets.AttentionMaps) { a.Tokens = nil }, "0 tokens"},
		"long":         {func(a *widgets.AttentionMaps) { a.Tokens = make([]string, 41) }, "shorten the prompt"},
		"selected":     {func(a *widgets.AttentionMaps) { a.Selected = 1 }, "Selected 1"},
		"query":        {func(a *widgets.AttentionMaps) { a.Query = 2 }, "Query 2"},
		"head order":   {func(a *widgets.AttentionMaps) { a.Heads = append(a.Heads, a.Heads[0]) }, "in order"},
		"no heads":     {func(a *widgets.AttentionMaps) { a.Heads = nil }, "0 heads"},
		"negative":     {func(a *widgets.AttentionMaps) { a.Heads[0].Weights[1][1] = -0.1 }, "want a probability"},
		"over one":     {func(a *widgets.AttentionMaps) { a.Heads[0].Weights[1][1] = 1.5 }, "want a probability"},
		"query neg 2":  {func(a *widgets.AttentionMaps) { a.Query = -2 }, "Query -2"},
		"selected neg": {func(a *widgets.AttentionMaps) { a.Selected = -1 }, "Selected -1"},
	} {
		a := ok()
		c.edit(&a)
		_, err1 := a.HTML()
		_, err2 := a.Text()
		if err1 == nil || err2 == nil || !strings.Contains(err1.Error(), c.want) {
			t.Errorf("%s: %v / %v, want an error with %q", name, err1, err2, c.want)
		}
	}
}

func TestHeadCensusHTML(t *testing.T) {
	p := tinyPass(t)
	stats := llm.MustCensus(p)
	c := widgets.HeadCensus{Title: "census", Stats: stats}
	doc := checkSelfContained(t, mustHTML(t, c))
	if cells := all(doc, class("c")); len(cells) != len(stats) {
		t.Errorf("%d cells for %d heads", len(cells), len(stats))
	}
	rows := all(doc, tag("tr"))
	if len(rows) != len(stats)+1 {
		t.Fatalf("%d table rows for %d heads", len(rows), len(stats))
	}
	// Every head appears once in the table, with its measures, grouped by kind.
	seen := map[string]bool{}
	lastKind := -1
	order := []llm.HeadKind{llm.PreviousHead, llm.SinkHead, llm.SelfHead, llm.BroadHead, llm.MixedHead}
	for _, r := range rows[1:] {
		tds := all(r, tag("td"))
		seen[text(tds[0])] = true
		k := -1
		for i, o := range order {
			if string(o) == text(tds[1]) {
				k = i
			}
		}
		if k < lastKind || k < 0 {
			t.Errorf("row %q of kind %q out of order", text(tds[0]), text(tds[1]))
		}
		lastKind = k
		for _, s := range stats {
			if text(tds[0]) == strconv.Itoa(s.Layer)+" · "+strconv.Itoa(s.Head) {
				if text(tds[2]) != strconv.FormatFloat(s.Previous, 'f', 3, 64) || text(tds[3]) != strconv.FormatFloat(s.First, 'f', 3, 64) {
					t.Errorf("row %q: %q %q, want %.3f %.3f", text(tds[0]), text(tds[2]), text(tds[3]), s.Previous, s.First)
				}
			}
		}
	}
	if len(seen) != len(stats) {
		t.Errorf("%d distinct heads in the table, want %d", len(seen), len(stats))
	}
	txt, err := c.Text()
	if err != nil || strings.Count(txt, "\n") != len(stats)+2 {
		t.Errorf("text form (%v):\n%s", err, txt)
	}
	if _, err := (widgets.HeadCensus{}).HTML(); err == nil {
		t.Error("empty census: no error")
	}
	bad := widgets.HeadCensus{Stats: []llm.HeadStats{{Entropy: math.Inf(1)}}}
	if _, err := bad.HTML(); err == nil {
		t.Error("infinite entropy: no error")
	}
}

func TestFromScaleSweep(t *testing.T) {
	rows, err := llm.ScaleSweep([]int{4, 256}, 8, 50, 1)
	if err != nil {
		t.Fatal(err)
	}
	c := widgets.FromScaleSweep(rows)
	checkSelfContained(t, mustHTML(t, c))
	if len(c.X) != 2 || c.X[1] != "d = 256" || c.Series[0].Values[1] != rows[1].MaxRaw || c.Series[1].Values[0] != rows[0].MaxScaled {
		t.Errorf("%+v from %+v", c, rows)
	}
}
