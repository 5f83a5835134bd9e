package widgets_test

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/widgets"
)

func demoScatter() widgets.Scatter {
	return widgets.Scatter{
		Title: "words", XLabel: "PC1", YLabel: "PC2",
		Points: []widgets.ScatterPoint{
			{X: 1, Y: 2, Label: " dog", Group: "animals"}, {X: 1.5, Y: 2.5, Label: " cat", Group: "animals"},
			{X: -3, Y: 0.25, Label: " three", Group: "numbers"}, {X: -2.5, Y: -1, Label: " four", Group: "numbers"},
			{X: 0, Y: -2, Label: " <b>", Group: "odd & ends"},
		},
	}
}

func TestScatter(t *testing.T) {
	s := demoScatter()
	h := mustHTML(t, s)
	doc := checkSelfContained(t, h)
	pts := all(doc, class("pt"))
	if len(pts) != len(s.Points) {
		t.Fatalf("%d points drawn, want %d", len(pts), len(s.Points))
	}
	for i, p := range pts {
		want := strings.ReplaceAll(s.Points[i].Label, " ", "·") + " (" + s.Points[i].Group + ")"
		if got := text(p); !strings.HasPrefix(got, want) {
			t.Errorf("point %d tooltip %q, want prefix %q", i, got, want)
		}
	}
	// Points keep their order on screen: x grows from dog to cat, three is left of four.
	cx := func(i int) float64 { v, _ := attr(pts[i], "cx"); f, _ := strconv.ParseFloat(v, 64); return f }
	if !(cx(1) > cx(0) && cx(2) < cx(3)) {
		t.Errorf("x positions %v %v %v %v out of order", cx(0), cx(1), cx(2), cx(3))
	}
	if n := len(all(doc, tag("button"))); n != 3 {
		t.Errorf("%d group buttons, want 3", n)
	}
	for _, want := range []string{"animals (2)", "numbers (2)", "odd &amp; ends (1)"} {
		if !strings.Contains(h, want) {
			t.Errorf("legend lacks %q", want)
		}
	}
	txt, _ := s.Text()
	if !strings.Contains(txt, "numbers: ·three (-3.00, 0.25), ·four (-2.50, -1.00)") {
		t.Errorf("text form:\n%s", txt)
	}
	for _, bad := range []widgets.Scatter{
		{},
		{Points: []widgets.ScatterPoint{{X: math.NaN(), Label: "x"}}},
		{Points: make([]widgets.ScatterPoint, 2001)},
	} {
		if _, err := bad.HTML(); err == nil {
			t.Errorf("no error for %d points", len(bad.Points))
		}
	}
	var many widgets.Scatter
	for i := range 11 {
		many.Points = append(many.Points, widgets.ScatterPoint{Group: strconv.Itoa(i)})
	}
	if _, err := many.HTML(); err == nil || !strings.Contains(err.Error(), "11 groups") {
		t.Errorf("11 groups: error %v", err)
	}
}

func TestFromPCA(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var rows [][]float32
	var labels, groups []string
	for i := range 30 {
		a, b := 4*rng.NormFloat64(), rng.NormFloat64()
		rows = append(rows, []float32{float32(a + b), float32(a - b), float32(0.1 * rng.NormFloat64())})
		labels = append(labels, "w"+strconv.Itoa(i))
		groups = append(groups, []string{"even", "odd"}[i%2])
	}
	p := llm.MustPCA(rows, 2)
	s, err := widgets.FromPCA(p, labels, groups)
	if err != nil {
		t.Fatal(err)
	}
	// The explained share, computed here from the coordinates and the data.
	var total, v1 float64
	for j := range 3 {
		var mean, ss float64
		for _, r := range rows {
			mean += float64(r[j]) / 30
		}
		for _, r := range rows {
			ss += (float64(r[j]) - mean) * (float64(r[j]) - mean)
		}
		total += ss / 29
	}
	for i, pt := range s.Points {
		v1 += pt.X * pt.X / 29
		if pt.Label != labels[i] || pt.Group != groups[i] || pt.X != p.Coords[i][0] || pt.Y != p.Coords[i][1] {
			t.Fatalf("point %d: %+v", i, pt)
		}
	}
	want := "PC1 (" + strconv.FormatFloat(100*v1/total, 'f', 1, 64) + "% of the variance)"
	if s.XLabel != want {
		t.Errorf("x label %q, want %q", s.XLabel, want)
	}
	if _, err := widgets.FromPCA(p, labels[:3], groups); err == nil {
		t.Error("FromPCA with 3 labels for 30 points: no error")
	}
	if _, err := widgets.FromPCA(llm.MustPCA(rows, 1), labels, groups); err == nil {
		t.Error("FromPCA of one component: no error")
	}
}

func demoNeighbours() widgets.Neighbours {
	return widgets.Neighbours{Title: "neighbours", Lists: []widgets.NeighbourList{
		{Query: " said", Items: []widgets.Neighbour{{ID: 1, Piece: " says", Cosine: 0.747}, {ID: 2, Piece: " asked", Cosine: 0.731}}},
		{Query: " king − man + woman", Note: "recorded with Qwen3.5-0.8B", Items: []widgets.Neighbour{{ID: -1, Piece: " queen", Cosine: 0.578}, {ID: 4, Piece: "queen", Cosine: -0.25}}},
	}}
}

func TestNeighbours(t *testing.T) {
	n := demoNeighbours()
	h := mustHTML(t, n)
	doc := checkSelfContained(t, h)
	if got := len(all(doc, class("stage"))); got != 2 {
		t.Errorf("%d lists, want 2", got)
	}
	if got := len(all(doc, tag("button"))); got != 2 {
		t.Errorf("%d buttons, want 2", got)
	}
	body := text(doc)
	for _, want := range []string{"·says", "0.747", "·queen", "0.578", "-0.250", "recorded with Qwen3.5-0.8B"} {
		if !strings.Contains(body, want) {
			t.Errorf("neighbours lack %q", want)
		}
	}
	// Bars are proportional to the cosine, none for a negative one.
	bars := all(doc, tag("rect"))
	if w, _ := attr(bars[0], "width"); w != "89.6" {
		t.Errorf("bar of 0.747 is %s wide, want 89.6", w)
	}
	if w, _ := attr(bars[3], "width"); w != "0.0" {
		t.Errorf("bar of -0.25 is %s wide, want 0.0", w)
	}
	// One list: no buttons, no script needed.
	one := widgets.Neighbours{Lists: n.Lists[:1]}
	if d := checkSelfContained(t, mustHTML(t, one)); len(all(d, tag("button"))) != 0 {
		t.Error("a single list has buttons")
	}
	txt, _ := n.Text()
	if !strings.Contains(txt, "·king·−·man·+·woman (recorded with Qwen3.5-0.8B)") || !strings.Contains(txt, "·queen                  –   0.578") {
		t.Errorf("text form:\n%s", txt)
	}
	for _, bad := range []widgets.Neighbours{
		{},
		{Lists: []widgets.NeighbourList{{Query: "x"}}},
		{Lists: []widgets.NeighbourList{{Query: "x", Items: []widgets.Neighbour{{Cosine: 1.5}}}}},
		{Lists: []widgets.NeighbourList{{Query: "x", Items: []widgets.Neighbour{{Cosine: float32(math.NaN())}}}}},
	} {
		if _, err := bad.HTML(); err == nil {
			t.Errorf("no error for %+v", bad)
		}
	}
}

func TestHistogramCounts(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	vals := make([]float64, 10000)
	for i := range vals {
		vals[i] = 1 + 0.2*rng.NormFloat64()
	}
	vals[17] = 3 // an outlier that sets the top edge
	h := widgets.Histogram{Title: "norms", Values: vals, Bins: 25, XLabel: "L2 norm"}
	edges, counts, err := h.Counts()
	if err != nil {
		t.Fatal(err)
	}
	if len(edges) != 26 || len(counts) != 25 || edges[25] != 3 {
		t.Fatalf("%d edges (last %g), %d counts", len(edges), edges[len(edges)-1], len(counts))
	}
	// Independent count: each bin by its edges (the last bin closed).
	total := 0
	for b := range counts {
		want := 0
		for _, v := range vals {
			if v >= edges[b] && (v < edges[b+1] || b == 24 && v == edges[b+1]) {
				want++
			}
		}
		if counts[b] != want && math.Abs(float64(counts[b]-want)) > 1 { // a value on an edge may round either way
			t.Errorf("bin %d [%g, %g): %d, want %d", b, edges[b], edges[b+1], counts[b], want)
		}
		total += counts[b]
	}
	if total != len(vals) || counts[24] != 1 {
		t.Errorf("total %d (want %d), last bin %d (want the outlier alone)", total, len(vals), counts[24])
	}
	doc := checkSelfContained(t, mustHTML(t, h))
	bars := all(doc, class("bar"))
	if len(bars) != 25 {
		t.Fatalf("%d bars, want 25", len(bars))
	}
	for i, b := range bars {
		if c, _ := attr(b, "data-c"); c != strconv.Itoa(counts[i]) {
			t.Errorf("bar %d count %s, want %d", i, c, counts[i])
		}
	}
	if !strings.Contains(text(doc), "10,000 values in 25 bins") {
		t.Error("the readout lacks the total")
	}
	if txt, _ := h.Text(); strings.Count(txt, "\n") != 26 {
		t.Errorf("text form has %d lines, want 26", strings.Count(txt, "\n"))
	}
	for _, bad := range []widgets.Histogram{{}, {Values: []float64{1, math.Inf(1)}}, {Values: []float64{1}, Bins: 501}} {
		if _, err := bad.HTML(); err == nil {
			t.Errorf("no error for %+v", bad)
		}
	}
	if _, c, _ := (widgets.Histogram{Values: []float64{2, 2, 2}, Bins: 4}).Counts(); c[0] != 3 {
		t.Errorf("equal values: counts %v", c)
	}
}

func demoLines() widgets.LineChart {
	return widgets.LineChart{
		Title: "cosine by stage", YLabel: "cos", YMin: -1, YMax: 1,
		X: []string{"embedding", "layer 1", "layer 2", "final norm"},
		Series: []widgets.Series{
			{Name: "river vs money", Values: []float64{1, 0.8, 0.61, 0.42}},
			{Name: "river vs aircraft", Values: []float64{1, 0.9, 0.7, 0.5}},
		},
	}
}

func TestLineChart(t *testing.T) {
	c := demoLines()
	doc := checkSelfContained(t, mustHTML(t, c))
	if got := len(all(doc, tag("polyline"))); got != 2 {
		t.Errorf("%d lines, want 2", got)
	}
	cells := all(doc, tag("td"))
	if len(cells) != 4*3 || text(cells[1]) != "1.000" || text(cells[10]) != "0.420" {
		t.Errorf("table cells %d: %q %q", len(cells), text(cells[1]), text(cells[10]))
	}
	// The y axis runs from YMin at the bottom to YMax at the top: 1 at the top edge.
	pts := all(doc, tag("circle"))
	if cy, _ := attr(pts[0], "cy"); cy != "10.0" {
		t.Errorf("value 1 drawn at y %s, want 10.0 (the top)", cy)
	}
	txt, _ := c.Text()
	if !strings.Contains(txt, "final norm") || !strings.Contains(txt, "0.420") {
		t.Errorf("text form:\n%s", txt)
	}
	for _, bad := range []widgets.LineChart{
		{},
		{X: []string{"a"}, Series: []widgets.Series{{Name: "s", Values: []float64{1, 2}}}},
		{X: []string{"a"}, Series: []widgets.Series{{Name: "s", Values: []float64{math.NaN()}}}},
		{X: []string{"a"}, Series: []widgets.Series{{Name: "s", Values: []float64{1}}}, YMin: 1, YMax: 0},
	} {
		if _, err := bad.HTML(); err == nil {
			t.Errorf("no error for %+v", bad)
		}
	}
}

func TestFromStreams(t *testing.T) {
	st := func(vs ...[]float32) []llm.Stage {
		var out []llm.Stage
		for i, v := range vs {
			out = append(out, llm.Stage{Name: []string{"embedding", "layer 1", "final norm"}[i], Vec: v})
		}
		return out
	}
	a := st([]float32{1, 0}, []float32{1, 1}, []float32{0, 1})
	b := st([]float32{1, 0}, []float32{1, 0}, []float32{0, -2})
	c := st([]float32{1, 0}, []float32{0, 1}, []float32{3, 0})
	ch, err := widgets.FromStreams([]string{"a", "b", "c"}, [][]llm.Stage{a, b, c})
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Series) != 3 || ch.Series[0].Name != "a vs b" || ch.Series[2].Name != "b vs c" || ch.X[2] != "final norm" {
		t.Fatalf("%+v", ch)
	}
	want := [][]float64{{1, 1 / math.Sqrt2, -1}, {1, 1 / math.Sqrt2, 0}, {1, 0, 0}}
	for k, s := range ch.Series {
		for i, v := range s.Values {
			if math.Abs(v-want[k][i]) > 1e-12 {
				t.Errorf("%s at %s: %g, want %g", s.Name, ch.X[i], v, want[k][i])
			}
		}
	}
	if _, err := widgets.FromStreams([]string{"a"}, [][]llm.Stage{a}); err == nil {
		t.Error("one stream: no error")
	}
	if _, err := widgets.FromStreams([]string{"a", "b"}, [][]llm.Stage{a, b[:2]}); err == nil {
		t.Error("streams of different lengths: no error")
	}
}
