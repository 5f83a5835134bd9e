package widgets

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/how-llms-work/course/llm"
)

// Series is one named line of a LineChart, one value per x position.
type Series struct {
	Name   string
	Values []float64
}

// LineChart draws one or more series over the same labelled x positions
// (the stages of a forward pass, say), with a table of every value below
// it. The legend's buttons hide and show series; hovering a point shows its
// value. Without JavaScript the table carries every number.
type LineChart struct {
	Title  string
	X      []string // the label of each position
	Series []Series
	YLabel string
	// YMin and YMax fix the value axis; when both are 0 it spans the data.
	YMin, YMax float64
	Note       string
}

const (
	lineW, lineH = 480, 220
	lineL, lineT = 50, 10
)

func (c LineChart) check() error {
	if len(c.X) == 0 || len(c.Series) == 0 {
		return fmt.Errorf("widgets: LineChart: %d x positions, %d series: want at least one of each", len(c.X), len(c.Series))
	}
	if len(c.X) > maxRows || len(c.Series) > len(palette) {
		return fmt.Errorf("widgets: LineChart: %d positions, %d series: want at most %d and %d", len(c.X), len(c.Series), maxRows, len(palette))
	}
	for _, s := range c.Series {
		if len(s.Values) != len(c.X) {
			return fmt.Errorf("widgets: LineChart: series %q has %d values for %d x positions", s.Name, len(s.Values), len(c.X))
		}
		for i, v := range s.Values {
			if err := finite(fmt.Sprintf("widgets: LineChart: series %q at %q", s.Name, c.X[i]), v); err != nil {
				return err
			}
		}
	}
	if err := finite("widgets: LineChart: YMin", c.YMin); err != nil {
		return err
	}
	if err := finite("widgets: LineChart: YMax", c.YMax); err != nil {
		return err
	}
	if (c.YMin != 0 || c.YMax != 0) && c.YMax <= c.YMin {
		return fmt.Errorf("widgets: LineChart: YMax %g ≤ YMin %g", c.YMax, c.YMin)
	}
	return nil
}

func (c LineChart) title() string {
	if c.Title == "" {
		return "Line chart"
	}
	return c.Title
}

// HTML renders the chart.
func (c LineChart) HTML() (string, error) {
	if err := c.check(); err != nil {
		return "", err
	}
	id := newID()
	y0, y1 := c.YMin, c.YMax
	if y0 == 0 && y1 == 0 {
		var all []float64
		for _, s := range c.Series {
			all = append(all, s.Values...)
		}
		y0, y1 = span(all...)
	}
	n := len(c.X)
	sx := func(i int) float64 {
		if n == 1 {
			return lineL + lineW/2
		}
		return lineL + float64(i)/float64(n-1)*lineW
	}
	sy := func(v float64) float64 { return lineT + (y1-v)/(y1-y0)*lineH }
	var w strings.Builder
	fmt.Fprintf(&w, `<div class="llmw llmw-lines" id="%s">%s<h4>%s</h4><div class="ctl">`, id, style, esc(c.title()))
	for k, s := range c.Series {
		w.WriteString(idf(id, `<button type="button" id="{id}-s%d" aria-pressed="true"><span style="color:%s">■</span> %s</button>`, k, palette[k], esc(s.Name)))
	}
	w.WriteString(idf(id, `<output id="{id}-hover" aria-live="polite"></output></div>`))
	fmt.Fprintf(&w, `<svg width="%d" height="%d" viewBox="0 0 %[1]d %[2]d" role="img" aria-label="%d series over %d positions">`, lineL+lineW+10, lineT+lineH+30, len(c.Series), n)
	fmt.Fprintf(&w, `<g stroke="currentColor" stroke-opacity="0.5"><line x1="%d" y1="%d" x2="%d" y2="%d"></line><line x1="%d" y1="%d" x2="%d" y2="%d"></line></g>`,
		lineL, lineT+lineH, lineL+lineW, lineT+lineH, lineL, lineT, lineL, lineT+lineH)
	fmt.Fprintf(&w, `<text x="%d" y="%d" text-anchor="end">%s</text><text x="%d" y="%d" text-anchor="end">%s</text><text x="%d" y="%d" text-anchor="end">%s</text>`,
		lineL-4, lineT+lineH, num(y0, 2), lineL-4, lineT+10, num(y1, 2), lineL-4, lineT+lineH/2, esc(c.YLabel))
	step := max(1, n/8)
	for i := 0; i < n; i += step {
		fmt.Fprintf(&w, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`, sx(i), lineT+lineH+14, esc(c.X[i]))
	}
	for k, s := range c.Series {
		fmt.Fprintf(&w, `<g class="s%d"><polyline fill="none" stroke="%s" stroke-width="2" points="`, k, palette[k])
		for i, v := range s.Values {
			fmt.Fprintf(&w, "%.1f,%.1f ", sx(i), sy(v))
		}
		w.WriteString(`"></polyline>`)
		for i, v := range s.Values {
			fmt.Fprintf(&w, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s" data-s="%d" data-i="%d"><title>%s · %s: %s</title></circle>`, sx(i), sy(v), palette[k], k, i, esc(s.Name), esc(c.X[i]), num(v, 3))
		}
		w.WriteString(`</g>`)
	}
	w.WriteString(`</svg><table><thead><tr><th scope="col"></th>`)
	for _, s := range c.Series {
		fmt.Fprintf(&w, `<th scope="col">%s</th>`, esc(s.Name))
	}
	w.WriteString(`</tr></thead><tbody>`)
	for i, x := range c.X {
		fmt.Fprintf(&w, `<tr><td>%s</td>`, esc(x))
		for _, s := range c.Series {
			fmt.Fprintf(&w, `<td>%s</td>`, num(s.Values[i], 3))
		}
		w.WriteString(`</tr>`)
	}
	w.WriteString(`</tbody></table>`)
	if c.Note != "" {
		fmt.Fprintf(&w, `<p class="note">%s</p>`, esc(c.Note))
	}
	names := make([]string, len(c.Series))
	vals := make([][]float64, len(c.Series))
	for k, s := range c.Series {
		names[k], vals[k] = s.Name, s.Values
	}
	w.WriteString(script(id, jsonData(map[string]any{"x": c.X, "n": names, "v": vals}), linesJS))
	w.WriteString(`</div>`)
	return w.String(), nil
}

const linesJS = `var out=q(r,"output[id$='-hover']");
qa(r,"circle[data-s]").forEach(function(p){p.addEventListener("mouseenter",function(){var k=+p.getAttribute("data-s"),i=+p.getAttribute("data-i");out.textContent=D.n[k]+" · "+D.x[i]+": "+fmtN(D.v[k][i],3);});});
D.n.forEach(function(_,k){var b=q(r,"button[id$='-s"+k+"']"),g=q(r,"g.s"+k);b.addEventListener("click",function(){var on=b.getAttribute("aria-pressed")!=="true";b.setAttribute("aria-pressed",on?"true":"false");g.style.display=on?"":"none";});});`

// Text renders the chart as a table.
func (c LineChart) Text() (string, error) {
	if err := c.check(); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(c.title() + "\n")
	cells := []string{""}
	widths := []int{-14}
	for _, s := range c.Series {
		cells = append(cells, s.Name)
		widths = append(widths, max(8, len([]rune(s.Name))))
	}
	b.WriteString(row(cells, widths...))
	for i, x := range c.X {
		cells := []string{x}
		for _, s := range c.Series {
			cells = append(cells, num(s.Values[i], 3))
		}
		b.WriteString(row(cells, widths...))
	}
	if c.Note != "" {
		b.WriteString(c.Note + "\n")
	}
	return b.String(), nil
}

// FromStreams charts, stage by stage, the cosine similarity between the
// streams of one position in different prompts (from llm.Pass.Stream): one
// series per pair of streams, named "a vs b" from names. At the embedding
// stage the same token gives cosine 1; later stages show what context did.
func FromStreams(names []string, streams [][]llm.Stage) (LineChart, error) {
	if len(streams) < 2 || len(names) != len(streams) {
		return LineChart{}, fmt.Errorf("widgets: FromStreams: %d streams, %d names: want at least 2 streams, one name each", len(streams), len(names))
	}
	c := LineChart{Title: "Cosine between the vectors of one token in different contexts", YLabel: "cosine", YMin: -1, YMax: 1}
	for _, s := range streams[0] {
		c.X = append(c.X, s.Name)
	}
	for i := range streams {
		for j := i + 1; j < len(streams); j++ {
			cos, err := llm.StreamCosines(streams[i], streams[j])
			if err != nil {
				return LineChart{}, fmt.Errorf("widgets: FromStreams: %s vs %s: %w", names[i], names[j], err)
			}
			c.Series = append(c.Series, Series{Name: names[i] + " vs " + names[j], Values: cos})
		}
	}
	return c, c.check()
}

// MustFromStreams is FromStreams for notebook cells: it panics with its
// error.
func MustFromStreams(names []string, streams [][]llm.Stage) LineChart {
	c, err := FromStreams(names, streams)
	if err != nil {
		panic(err)
	}
	return c
}

// StepLabels returns the x labels "1" … "n" of a chart over n steps.
func StepLabels(n int) []string {
	x := make([]string, max(n, 0))
	for i := range x {
		x[i] = strconv.Itoa(i + 1)
	}
	return x
}
