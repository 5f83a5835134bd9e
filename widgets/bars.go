package widgets

import (
	"fmt"
	"math"
	"strings"
)

// Bars is a horizontal bar chart: one row per label, one bar per series in
// each row (e.g. chars per token of a text under two tokenizers). Values
// that are NaN are "not available" and draw no bar. Each row can carry a
// detail (the text it measures) that opens under it. With scripts on, a
// button sorts the rows by the first series.
type Bars struct {
	Title  string
	Series []string // one name per value of a row; one unnamed series if empty
	Rows   []BarRow
	Digits int    // decimals shown; 0: none if every value is whole, else 2
	Unit   string // shown after the numbers, e.g. "chars/token"
	Note   string
}

// BarRow is one row of [Bars].
type BarRow struct {
	Label  string
	Values []float64 // one per series; NaN where there is none
	Detail string    // optional, shown in a <details> under the label
}

func (bs Bars) check() error {
	if len(bs.Rows) == 0 {
		return fmt.Errorf("widgets: Bars: no rows")
	}
	if err := tooMany("widgets: Bars", len(bs.Rows)); err != nil {
		return err
	}
	n := max(1, len(bs.Series))
	for i, r := range bs.Rows {
		if len(r.Values) != n {
			return fmt.Errorf("widgets: Bars: row %d (%q) has %d values for %d series", i, r.Label, len(r.Values), n)
		}
		for j, v := range r.Values {
			if math.IsInf(v, 0) || v < 0 {
				return fmt.Errorf("widgets: Bars: row %d (%q) value %d is %g: want a finite value ≥ 0 (NaN for none)", i, r.Label, j, v)
			}
		}
	}
	return nil
}

func (bs Bars) digits() int {
	if bs.Digits > 0 {
		return bs.Digits
	}
	for _, r := range bs.Rows {
		for _, v := range r.Values {
			if !math.IsNaN(v) && v != math.Trunc(v) {
				return 2
			}
		}
	}
	return 0
}

func (bs Bars) max() float64 {
	m := 0.0
	for _, r := range bs.Rows {
		for _, v := range r.Values {
			if !math.IsNaN(v) {
				m = math.Max(m, v)
			}
		}
	}
	return m
}

// barColors are the series' colors, readable on light and dark themes.
var barColors = [...]string{"#3b82f6", "#f59e0b", "#10b981", "#ef4444"}

func (bs Bars) value(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return num(v, bs.digits())
}

// HTML renders the chart as a table with one SVG bar per value.
func (bs Bars) HTML() (string, error) {
	if err := bs.check(); err != nil {
		return "", err
	}
	id, top := newID(), bs.max()
	const w = 260
	var b strings.Builder
	fmt.Fprintf(&b, `<div class="llmw llmw-bars" id="%s">%s`, id, style)
	if bs.Title != "" {
		fmt.Fprintf(&b, `<h4>%s</h4>`, esc(bs.Title))
	}
	b.WriteString(`<div class="ctl"><button type="button" aria-pressed="false">sort by value</button>`)
	for i, s := range bs.Series {
		fmt.Fprintf(&b, `<span><svg width="10" height="10" aria-hidden="true"><rect width="10" height="10" fill="%s"></rect></svg> %s</span>`, barColors[i%len(barColors)], esc(s))
	}
	b.WriteString(`</div><table><tbody>`)
	for i, r := range bs.Rows {
		label := esc(r.Label)
		if r.Detail != "" {
			label = fmt.Sprintf(`<details><summary>%s</summary><span class="tok">%s</span></details>`, label, esc(r.Detail))
		}
		fmt.Fprintf(&b, `<tr data-i="%d" data-v="%g"><td>%s</td><td>`, i, nanZero(r.Values[0]), label)
		for j, v := range r.Values {
			if j > 0 {
				b.WriteString("<br>")
			}
			fmt.Fprintf(&b, `<span class="v">%s</span>`, bs.value(v))
		}
		b.WriteString(`</td><td>`)
		for j, v := range r.Values {
			width := 0.0
			if top > 0 && !math.IsNaN(v) {
				width = v / top * w
			}
			fmt.Fprintf(&b, `<svg width="%d" height="12" viewBox="0 0 %[1]d 12" role="img" aria-label="%s"><rect x="0" y="1" height="10" width="%.1f" fill="%s"></rect></svg>`,
				w, esc(bs.value(v)+" "+bs.Unit), width, barColors[j%len(barColors)])
			if j+1 < len(r.Values) {
				b.WriteString("<br>")
			}
		}
		b.WriteString(`</td></tr>`)
	}
	b.WriteString(`</tbody></table>`)
	if bs.Unit != "" || bs.Note != "" {
		fmt.Fprintf(&b, `<p class="note">%s</p>`, esc(strings.TrimPrefix(strings.Join([]string{unitNote(bs.Unit), bs.Note}, " "), " ")))
	}
	b.WriteString(script(id, "0", barsJS))
	b.WriteString(`</div>`)
	return b.String(), nil
}

func nanZero(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return v
}

func unitNote(unit string) string {
	if unit == "" {
		return ""
	}
	return "Values in " + unit + "."
}

const barsJS = `var btn=q(r,"button"),tb=q(r,"tbody"),rows=qa(r,"tbody tr");btn.addEventListener("click",function(){var on=btn.getAttribute("aria-pressed")!=="true";btn.setAttribute("aria-pressed",on?"true":"false");
rows.slice().sort(function(a,b){return on?(+b.getAttribute("data-v"))-(+a.getAttribute("data-v")):(+a.getAttribute("data-i"))-(+b.getAttribute("data-i"));}).forEach(function(tr){tb.appendChild(tr);});});`

// Text renders the chart as a plain table with text bars.
func (bs Bars) Text() (string, error) {
	if err := bs.check(); err != nil {
		return "", err
	}
	var b strings.Builder
	if bs.Title != "" {
		b.WriteString(bs.Title + "\n")
	}
	if len(bs.Series) > 0 {
		b.WriteString("series: " + strings.Join(bs.Series, " / ") + "\n")
	}
	lw := 8
	for _, r := range bs.Rows {
		lw = max(lw, len([]rune(r.Label)))
	}
	top := bs.max()
	for _, r := range bs.Rows {
		for j, v := range r.Values {
			label := r.Label
			if j > 0 {
				label = ""
			}
			frac := 0.0
			if top > 0 && !math.IsNaN(v) {
				frac = v / top
			}
			b.WriteString(row([]string{label, bs.value(v), textBar(frac, 30)}, -lw, 9, -30))
		}
	}
	if s := strings.TrimSpace(unitNote(bs.Unit) + " " + bs.Note); s != "" {
		b.WriteString(s + "\n")
	}
	return b.String(), nil
}
