package widgets

import (
	"fmt"
	"math"
	"strings"

	"github.com/how-llms-work/course/llm"
)

// ScatterPoint is one labelled point of a Scatter.
type ScatterPoint struct {
	X, Y  float64
	Label string // shown on hover, e.g. the token " dog"
	Group string // the colour and the legend entry, e.g. "animals"
}

// Scatter is a 2-D scatter plot of labelled points coloured by group: a
// PCA picture of embedding rows, say. Hovering (or focusing) a point shows
// its label; the legend's buttons hide and show groups. Without JavaScript
// every point still carries its label as a tooltip and the legend lists the
// groups with their counts.
type Scatter struct {
	Title          string
	Points         []ScatterPoint
	XLabel, YLabel string
	Note           string
}

// palette holds the group colours, mid tones readable on light and dark themes.
var palette = []string{"#3b82f6", "#f59e0b", "#16a34a", "#dc2626", "#9333ea", "#0891b2", "#db2777", "#65a30d", "#a16207", "#64748b"}

const (
	scatW, scatH = 480, 360
	scatL, scatT = 50, 10
	maxPoints    = 2000
)

// groups returns the groups in order of first appearance and each point's group index.
func (s Scatter) groups() ([]string, []int) {
	var names []string
	idx := map[string]int{}
	of := make([]int, len(s.Points))
	for i, p := range s.Points {
		g, ok := idx[p.Group]
		if !ok {
			g = len(names)
			idx[p.Group] = g
			names = append(names, p.Group)
		}
		of[i] = g
	}
	return names, of
}

func (s Scatter) check() error {
	if len(s.Points) == 0 {
		return fmt.Errorf("widgets: Scatter: no points")
	}
	if len(s.Points) > maxPoints {
		return fmt.Errorf("widgets: Scatter: %d points: want at most %d", len(s.Points), maxPoints)
	}
	for i, p := range s.Points {
		if err := finite(fmt.Sprintf("widgets: Scatter: point %d (%q) x", i, p.Label), p.X); err != nil {
			return err
		}
		if err := finite(fmt.Sprintf("widgets: Scatter: point %d (%q) y", i, p.Label), p.Y); err != nil {
			return err
		}
	}
	if names, _ := s.groups(); len(names) > len(palette) {
		return fmt.Errorf("widgets: Scatter: %d groups: want at most %d", len(names), len(palette))
	}
	return nil
}

func (s Scatter) title() string {
	if s.Title == "" {
		return "Scatter"
	}
	return s.Title
}

// HTML renders the scatter plot.
func (s Scatter) HTML() (string, error) {
	if err := s.check(); err != nil {
		return "", err
	}
	id := newID()
	names, of := s.groups()
	xs, ys := make([]float64, len(s.Points)), make([]float64, len(s.Points))
	for i, p := range s.Points {
		xs[i], ys[i] = p.X, p.Y
	}
	x0, x1 := span(xs...)
	y0, y1 := span(ys...)
	sx := func(x float64) float64 { return scatL + (x-x0)/(x1-x0)*scatW }
	sy := func(y float64) float64 { return scatT + (y1-y)/(y1-y0)*scatH }
	var w strings.Builder
	fmt.Fprintf(&w, `<div class="llmw llmw-scatter" id="%s">%s<h4>%s</h4>`, id, style, esc(s.title()))
	counts := make([]int, len(names))
	for _, g := range of {
		counts[g]++
	}
	w.WriteString(`<p class="note legend">`)
	for g, n := range names {
		fmt.Fprintf(&w, `<span style="color:%s">■</span> %s (%d) &nbsp;`, palette[g], esc(n), counts[g])
	}
	w.WriteString(`</p><div class="ctl">`)
	for g, n := range names {
		w.WriteString(idf(id, `<button type="button" id="{id}-g%d" aria-pressed="true"><span style="color:%s">■</span> %s</button>`, g, palette[g], esc(n)))
	}
	w.WriteString(idf(id, `<output id="{id}-hover" aria-live="polite">hover a point to read its label</output></div>`))
	fmt.Fprintf(&w, `<svg width="%d" height="%d" viewBox="0 0 %[1]d %[2]d" role="img" aria-label="scatter of %d points in %d groups">`, scatL+scatW+10, scatT+scatH+30, len(s.Points), len(names))
	axes(&w, scatL, scatT, scatW, scatH, x0, x1, y0, y1, s.XLabel, s.YLabel, 2)
	for i, p := range s.Points {
		fmt.Fprintf(&w, `<circle class="pt g%d" cx="%.1f" cy="%.1f" r="4" fill="%s" fill-opacity="0.8" tabindex="0" data-i="%d"><title>%s (%s): %s, %s</title></circle>`,
			of[i], sx(p.X), sy(p.Y), palette[of[i]], i, esc(visible(p.Label)), esc(p.Group), num(p.X, 2), num(p.Y, 2))
	}
	w.WriteString(`</svg>`)
	if s.Note != "" {
		fmt.Fprintf(&w, `<p class="note">%s</p>`, esc(s.Note))
	}
	labels := make([]string, len(s.Points))
	for i, p := range s.Points {
		labels[i] = visible(p.Label) + " (" + p.Group + "): " + num(p.X, 2) + ", " + num(p.Y, 2)
	}
	w.WriteString(script(id, jsonData(map[string]any{"l": labels, "n": len(names)}), scatterJS))
	w.WriteString(`</div>`)
	return w.String(), nil
}

const scatterJS = `var out=q(r,"output[id$='-hover']");
qa(r,"circle.pt").forEach(function(c){function show(){out.textContent=D.l[+c.getAttribute("data-i")];c.setAttribute("r","6");}
function hide(){c.setAttribute("r","4");}
c.addEventListener("mouseenter",show);c.addEventListener("focus",show);c.addEventListener("mouseleave",hide);c.addEventListener("blur",hide);});
for(var g=0;g<D.n;g++)(function(g){var b=q(r,"button[id$='-g"+g+"']");b.addEventListener("click",function(){var on=b.getAttribute("aria-pressed")!=="true";b.setAttribute("aria-pressed",on?"true":"false");
qa(r,"circle.g"+g).forEach(function(c){c.style.display=on?"":"none";});});})(g);`

// Text lists the points by group.
func (s Scatter) Text() (string, error) {
	if err := s.check(); err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%d points; x: %s, y: %s)\n", s.title(), len(s.Points), s.XLabel, s.YLabel)
	names, of := s.groups()
	for g, n := range names {
		var items []string
		for i, p := range s.Points {
			if of[i] == g {
				items = append(items, fmt.Sprintf("%s (%s, %s)", visible(p.Label), num(p.X, 2), num(p.Y, 2)))
			}
		}
		fmt.Fprintf(&b, "%s: %s\n", n, strings.Join(items, ", "))
	}
	if s.Note != "" {
		b.WriteString(s.Note + "\n")
	}
	return b.String(), nil
}

// FromPCA draws the first two principal components of a PCA as a Scatter,
// one point per analysed vector, with its label and group (labels and
// groups parallel to p.Coords); the axes say how much of the variance each
// component holds.
func FromPCA(p *llm.PCA, labels, groups []string) (Scatter, error) {
	if len(p.Components) < 2 {
		return Scatter{}, fmt.Errorf("widgets: FromPCA: %d components: want 2", len(p.Components))
	}
	if len(labels) != len(p.Coords) || len(groups) != len(p.Coords) {
		return Scatter{}, fmt.Errorf("widgets: FromPCA: %d points, %d labels, %d groups: want one of each per point", len(p.Coords), len(labels), len(groups))
	}
	ex := p.Explained()
	s := Scatter{
		Title:  "PCA of the embedding rows",
		XLabel: fmt.Sprintf("PC1 (%.1f%% of the variance)", 100*ex[0]),
		YLabel: "PC2",
		Note:   fmt.Sprintf("PC1 holds %.1f%% of the variance and PC2 %.1f%%: together %.1f%%. The rest of the spread is in dimensions this picture cannot show.", 100*ex[0], 100*ex[1], 100*(ex[0]+ex[1])),
	}
	for i, c := range p.Coords {
		s.Points = append(s.Points, ScatterPoint{X: c[0], Y: c[1], Label: labels[i], Group: groups[i]})
	}
	if math.IsNaN(ex[0]) {
		return Scatter{}, fmt.Errorf("widgets: FromPCA: the explained variance is NaN")
	}
	return s, nil
}

// MustFromPCA is FromPCA for notebook cells: it panics with its error.
func MustFromPCA(p *llm.PCA, labels, groups []string) Scatter {
	s, err := FromPCA(p, labels, groups)
	if err != nil {
		panic(err)
	}
	return s
}
