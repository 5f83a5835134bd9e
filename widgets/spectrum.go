package widgets

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/how-llms-work/course/llm"
)

// Spectrum draws the rotation spectrum of one or more rotary embeddings
// (the loaded model's and, say, the same dims with the original
// transformer's θ = 1e4): one group of bars per pair, each bar the pair's
// period in tokens on a log scale. Clicking a bar or moving the "selected
// pair" slider shows that pair's speed and period for every θ. A table
// below lists every value, so the chart reads without JavaScript.
type Spectrum struct {
	Title    string
	Ropes    []llm.Rope // the same number of pairs each; their θ names the series
	Selected int        // the pair selected at first
	Note     string
}

const (
	specW, specH = 520, 200
	specL, specT = 44, 10
)

func (s Spectrum) check() error {
	if len(s.Ropes) == 0 || len(s.Ropes) > 4 {
		return fmt.Errorf("widgets: Spectrum: %d rotary embeddings: want 1 to 4", len(s.Ropes))
	}
	n := s.Ropes[0].Pairs()
	if n == 0 || n > 256 {
		return fmt.Errorf("widgets: Spectrum: %d pairs: want 1 to 256 (use Model.Rope)", n)
	}
	for i, r := range s.Ropes {
		if r.Pairs() != n {
			return fmt.Errorf("widgets: Spectrum: rope %d has %d pairs, rope 0 has %d", i, r.Pairs(), n)
		}
		for j, f := range r.InvFreq {
			if !(f > 0) || math.IsInf(float64(f), 0) {
				return fmt.Errorf("widgets: Spectrum: rope %d pair %d: frequency %v: want > 0", i, j, f)
			}
		}
	}
	if s.Selected < 0 || s.Selected >= n {
		return fmt.Errorf("widgets: Spectrum: selected pair %d: want 0 to %d", s.Selected, n-1)
	}
	return nil
}

func (s Spectrum) title() string {
	if s.Title == "" {
		return "Rotary spectrum: one turn every N tokens, per pair"
	}
	return s.Title
}

// sig formats a speed or a period for the spectrum: 3 significant digits,
// whole tokens with separators from 100 to a million, exponent form above.
func sig(v float64) string {
	switch {
	case v >= 1e6:
		return strconv.FormatFloat(v, 'e', 2, 64)
	case v >= 100:
		return commas(int64(math.Round(v)))
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// readout is the line for pair j.
func (s Spectrum) readout(j int) string {
	parts := []string{fmt.Sprintf("Pair %d", j)}
	for _, r := range s.Ropes {
		parts = append(parts, fmt.Sprintf("θ = %s: %s rad/token, period ≈ %s tokens", thetaLabel(r.Theta), sig(float64(r.InvFreq[j])), sig(r.Period(j))))
	}
	return strings.Join(parts, " · ")
}

// HTML renders the chart.
func (s Spectrum) HTML() (string, error) {
	if err := s.check(); err != nil {
		return "", err
	}
	id := newID()
	n, k := s.Ropes[0].Pairs(), len(s.Ropes)
	top := 1.0 // log10 of the longest period, rounded up
	for _, r := range s.Ropes {
		for j := range n {
			top = max(top, math.Ceil(math.Log10(r.Period(j))))
		}
	}
	slot := float64(specW) / float64(n)
	bw := slot * 0.8 / float64(k)
	var w strings.Builder
	fmt.Fprintf(&w, `<div class="llmw llmw-spectrum" id="%s">%s<h4>%s</h4>`, id, style, esc(s.title()))
	w.WriteString(`<div class="ctl">`)
	for i, r := range s.Ropes {
		fmt.Fprintf(&w, `<span><span style="color:%s">■</span> θ = %s</span>`, palette[i], thetaLabel(r.Theta))
	}
	w.WriteString(idf(id, `<label for="{id}-j">Selected pair</label><input type="range" id="{id}-j" min="0" max="%d" step="1" value="%d"></div>`, n-1, s.Selected))
	w.WriteString(idf(id, `<p class="note"><output id="{id}-ro" aria-live="polite">%s</output></p>`, esc(s.readout(s.Selected))))
	fmt.Fprintf(&w, `<svg width="%d" height="%d" viewBox="0 0 %[1]d %[2]d" role="img" aria-label="period of each of %d pairs, log scale">`, specL+specW+10, specT+specH+30, n)
	fmt.Fprintf(&w, `<g stroke="currentColor" stroke-opacity="0.5"><line x1="%d" y1="%d" x2="%d" y2="%d"></line><line x1="%d" y1="%d" x2="%d" y2="%d"></line></g>`,
		specL, specT+specH, specL+specW, specT+specH, specL, specT, specL, specT+specH)
	for e := 0.0; e <= top; e += max(1, math.Ceil(top/6)) {
		y := specT + specH - e/top*specH
		fmt.Fprintf(&w, `<text x="%d" y="%.1f" text-anchor="end">1e%d</text>`, specL-4, y+4, int(e))
	}
	fmt.Fprintf(&w, `<text x="%d" y="%d" text-anchor="middle">pair (0 = fastest)</text>`, specL+specW/2, specT+specH+26)
	fmt.Fprintf(&w, `<rect class="sel" x="%.1f" y="%d" width="%.1f" height="%d" fill="rgba(250,204,21,.3)"></rect>`, specL+float64(s.Selected)*slot, specT, slot, specH)
	for j := range n {
		if n <= 32 || j%(n/16) == 0 {
			fmt.Fprintf(&w, `<text x="%.1f" y="%d" text-anchor="middle">%d</text>`, specL+(float64(j)+0.5)*slot, specT+specH+13, j)
		}
		for i, r := range s.Ropes {
			h := max(1, math.Log10(r.Period(j))/top*specH)
			fmt.Fprintf(&w, `<rect data-j="%d" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" style="cursor:pointer"><title>%s</title></rect>`,
				j, specL+float64(j)*slot+slot*0.1+float64(i)*bw, specT+specH-h, bw, h, palette[i], esc(s.readout(j)))
		}
	}
	w.WriteString(`</svg><details><summary>Every pair</summary><table><thead><tr><th scope="col">pair</th>`)
	for _, r := range s.Ropes {
		fmt.Fprintf(&w, `<th scope="col">rad/token, θ = %[1]s</th><th scope="col">period (tokens), θ = %[1]s</th>`, thetaLabel(r.Theta))
	}
	w.WriteString(`</tr></thead><tbody>`)
	for j := range n {
		fmt.Fprintf(&w, `<tr data-j="%d"><td>%d</td>`, j, j)
		for _, r := range s.Ropes {
			fmt.Fprintf(&w, `<td>%s</td><td>%s</td>`, sig(float64(r.InvFreq[j])), sig(r.Period(j)))
		}
		w.WriteString(`</tr>`)
	}
	w.WriteString(`</tbody></table></details>`)
	if s.Note != "" {
		fmt.Fprintf(&w, `<p class="note">%s</p>`, esc(s.Note))
	}
	lines := make([]string, n)
	for j := range n {
		lines[j] = s.readout(j)
	}
	w.WriteString(script(id, jsonData(map[string]any{"ro": lines, "slot": slot, "L": specL}), spectrumJS))
	w.WriteString(`</div>`)
	return w.String(), nil
}

const spectrumJS = `var sl=q(r,"input[id$='-j']"),ro=q(r,"output[id$='-ro']"),sel=q(r,"rect.sel");
function pick(j){sl.value=String(j);ro.textContent=D.ro[j];sel.setAttribute("x",(D.L+j*D.slot).toFixed(1));}
sl.addEventListener("input",function(){pick(+sl.value);});
qa(r,"rect[data-j]").forEach(function(b){b.addEventListener("click",function(){pick(+b.getAttribute("data-j"));});});`

// Text renders the spectrum as a table.
func (s Spectrum) Text() (string, error) {
	if err := s.check(); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(s.title() + "\n")
	cells, widths := []string{"pair"}, []int{-5}
	for _, r := range s.Ropes {
		cells = append(cells, "rad/tok "+thetaLabel(r.Theta), "period "+thetaLabel(r.Theta))
		widths = append(widths, 12, 14)
	}
	b.WriteString(row(cells, widths...))
	for j := range s.Ropes[0].Pairs() {
		cells := []string{fmt.Sprint(j)}
		for _, r := range s.Ropes {
			cells = append(cells, sig(float64(r.InvFreq[j])), sig(r.Period(j)))
		}
		b.WriteString(row(cells, widths...))
	}
	return b.String(), nil
}
