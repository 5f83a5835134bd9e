package widgets_test

import (
	"strings"
	"testing"

	"github.com/how-llms-work/course/widgets"
)

// The grid's title is the heading, escaped, once; the stylesheet is not.
func TestHeatGridTitle(t *testing.T) {
	g := demoGrid()
	g.Title = `heads <1 & 2>`
	h := mustHTML(t, g)
	if n := strings.Count(h, `<h4>heads &lt;1 &amp; 2&gt;</h4>`); n != 1 {
		t.Errorf("escaped title in an h4 %d times, want 1:\n%s", n, h)
	}
	doc := checkSelfContained(t, h)
	hs := all(doc, tag("h4"))
	if len(hs) != 1 || text(hs[0]) != g.Title {
		t.Errorf("%d headings, want one reading %q", len(hs), g.Title)
	}
	for _, grid := range []widgets.HeatGrid{widgets.LayerHeadGrid("norms", []int{3}, [][]float64{{1, 2}}, 2),
		widgets.GroupGrid("distance", []int{0, 0}, [][]float64{{0, 1}, {1, 0}})} {
		if h := mustHTML(t, grid); !strings.Contains(h, "<h4>"+grid.Title+"</h4>") {
			t.Errorf("%q: title missing from the heading", grid.Title)
		}
	}
}
