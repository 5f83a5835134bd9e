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

func demoClocks() widgets.Clocks {
	return widgets.Clocks{Title: "pairs 0 and 28", Rope: llm.RopeOf(llm.Qwen35Config()), Pairs: []int{0, 28}, Position: 2}
}

func demoSpectrum() widgets.Spectrum {
	r := llm.RopeOf(llm.Qwen35Config())
	return widgets.Spectrum{Title: "spectrum", Ropes: []llm.Rope{r, r.MustWithTheta(1e4)}, Selected: 4}
}

// TestClocks checks the clocks' static drawing against the engine's
// angles: the hands, the readouts and the strip of turns.
func TestClocks(t *testing.T) {
	c := demoClocks()
	r := c.Rope
	// The widget's float64 angle is the engine's float32 one to float32 precision.
	for _, j := range []int{0, 1, 8, 28, 31} {
		for _, m := range []int{1, 2, 100, 65536} {
			if a, b := c.Angle(j, m, r.Theta), r.Angle(j, m); math.Abs(a-b) > 1e-6*math.Abs(b) {
				t.Errorf("pair %d at %d: widget angle %g, engine %g", j, m, a, b)
			}
		}
	}
	doc := checkSelfContained(t, mustHTML(t, c))
	hands := all(doc, class("hand"))
	if len(hands) != 2 {
		t.Fatalf("%d hands, want 2", len(hands))
	}
	// (1, 0) at m = 2 turns to (cos 2, sin 2) ≈ (−0.42, 0.91): up and to the left.
	x, _ := attr(hands[0], "x2")
	y, _ := attr(hands[0], "y2")
	if x != fmt.Sprintf("%.2f", 60+48*math.Cos(2)) || y != fmt.Sprintf("%.2f", 60-48*math.Sin(2)) {
		t.Errorf("pair 0 at m = 2: hand ends at (%s, %s)", x, y)
	}
	// Pair 28 has barely moved from 3 o'clock.
	if x, _ := attr(hands[1], "x2"); x != "108.00" {
		t.Errorf("pair 28 at m = 2: hand x %s, want 108.00", x)
	}
	turns := all(doc, class("turn"))
	if len(turns) != 10 {
		t.Fatalf("%d strip cells, want 10", len(turns))
	}
	// pair 0 at m = 65,536: 65536/2π turns; pair 28 at 65,536: 65536·1e7^(−56/64)/2π.
	if got := text(turns[4]); got != strconv.FormatFloat(65536/(2*math.Pi), 'f', 3, 64) {
		t.Errorf("pair 0 at 65,536: %s turns", got)
	}
	if got := text(turns[9]); got != fmt.Sprintf("%.3f", 65536*math.Pow(1e7, -56.0/64)/(2*math.Pi)) {
		t.Errorf("pair 28 at 65,536: %s turns", got)
	}
	if ro := text(all(doc, class("ro"))[0]); !strings.Contains(ro, "m·ω = 2.000 rad") || !strings.Contains(ro, "one turn every 6.3 tokens") {
		t.Errorf("pair 0 readout %q", ro)
	}
	if s, _ := c.Text(); !strings.Contains(s, "pair 28: m·ω = 1.50e-06 rad") {
		t.Errorf("text form:\n%s", s)
	}
	for _, bad := range []widgets.Clocks{
		{Rope: r},
		{Rope: r, Pairs: []int{32}},
		{Rope: r, Pairs: []int{-1}},
		{Rope: r, Pairs: []int{0}, Position: 101},
		{Rope: r, Pairs: []int{0}, Position: -1},
		{Rope: r, Pairs: []int{0}, Marks: []int{-5}},
		{Rope: llm.Rope{}, Pairs: []int{0}},
	} {
		if _, err := bad.HTML(); err == nil {
			t.Errorf("no error for pairs %v position %d marks %v", bad.Pairs, bad.Position, bad.Marks)
		}
	}
}

// TestSpectrum checks the bars and the table against the ropes' periods.
func TestSpectrum(t *testing.T) {
	s := demoSpectrum()
	doc := checkSelfContained(t, mustHTML(t, s))
	if got := len(all(doc, func(n *html.Node) bool { _, ok := attr(n, "data-j"); return ok && n.Data == "rect" })); got != 64 {
		t.Errorf("%d bars, want 32 pairs × 2", got)
	}
	rows := all(doc, tag("tr"))
	if len(rows) != 33 {
		t.Fatalf("%d table rows, want 33", len(rows))
	}
	// Pair 16: 3.16e-4 rad/token and 19,869 tokens at 1e7; 628 at 1e4.
	cells := all(rows[17], tag("td"))
	if got := []string{text(cells[0]), text(cells[1]), text(cells[2]), text(cells[4])}; strings.Join(got, " ") != "16 0.000316 19,869 628" {
		t.Errorf("pair 16 row: %q", got)
	}
	if got := text(all(doc, tag("output"))[0]); !strings.HasPrefix(got, "Pair 4 · θ = 1e7: 0.133 rad/token, period ≈ 47.1 tokens · θ = 1e4: 0.316 rad/token") {
		t.Errorf("readout %q", got)
	}
	r := s.Ropes[0]
	for _, bad := range []widgets.Spectrum{
		{},
		{Ropes: []llm.Rope{r}, Selected: 32},
		{Ropes: []llm.Rope{r, llm.RopeOf(&llm.Config{HeadDim: 32, RotaryDim: 8, RopeTheta: 1e4})}},
		{Ropes: []llm.Rope{{}}},
	} {
		if _, err := bad.HTML(); err == nil {
			t.Errorf("no error for %d ropes, selected %d", len(bad.Ropes), bad.Selected)
		}
	}
}

// TestRopeWidgetsSanitized checks that an untrusted notebook (scripts and
// styles stripped) still shows the clocks' and the spectrum's numbers.
func TestRopeWidgetsSanitized(t *testing.T) {
	for _, c := range []struct {
		w    widgets.Widget
		want []string
	}{
		{demoClocks(), []string{"m·ω = 2.000 rad = 0.318 turns", "pair 28 1.19e-07", "10430.378"}},
		{demoSpectrum(), []string{"Pair 4 · θ = 1e7: 0.133 rad/token, period ≈ 47.1 tokens", "16 0.000316 19,869 0.01 628", "31 1.65e-07 3.80e+07"}},
	} {
		got := strings.Join(strings.Fields(sanitizedText(t, mustHTML(t, c.w))), " ")
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%T sanitized lacks %q:\n%s", c.w, w, got)
			}
		}
	}
}
