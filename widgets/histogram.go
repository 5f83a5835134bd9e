package widgets

import (
	"fmt"
	"math"
	"strings"
)

// Histogram shows how a large set of numbers is distributed: Values are
// counted into Bins equal-width bins between their minimum and maximum
// (only the counts reach the page, so 248,320 values cost a few hundred
// bytes). Hovering a bar shows its range and count; a button switches the
// count axis to a log scale, where rare values show. Without JavaScript the
// bars carry the same numbers as tooltips, and a table lists the fullest
// bins.
type Histogram struct {
	Title  string
	Values []float64
	Bins   int // 0 means 40
	XLabel string
	Note   string
}

const (
	histW, histH = 480, 200
	histL, histT = 50, 10
)

// Counts returns the bin edges (Bins+1 of them) and the count of values in
// each bin; the last bin includes the maximum.
func (h Histogram) Counts() (edges []float64, counts []int, err error) {
	if len(h.Values) == 0 {
		return nil, nil, fmt.Errorf("widgets: Histogram: no values")
	}
	bins := h.Bins
	if bins == 0 {
		bins = 40
	}
	if bins < 1 || bins > 500 {
		return nil, nil, fmt.Errorf("widgets: Histogram: %d bins: want 1 to 500", bins)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, v := range h.Values {
		if err := finite(fmt.Sprintf("widgets: Histogram: value %d", i), v); err != nil {
			return nil, nil, err
		}
		lo, hi = min(lo, v), max(hi, v)
	}
	if hi == lo {
		hi = lo + 1
	}
	edges = make([]float64, bins+1)
	for i := range edges {
		edges[i] = lo + (hi-lo)*float64(i)/float64(bins)
	}
	counts = make([]int, bins)
	for _, v := range h.Values {
		b := int((v - lo) / (hi - lo) * float64(bins))
		counts[min(max(b, 0), bins-1)]++
	}
	return edges, counts, nil
}

func (h Histogram) title() string {
	if h.Title == "" {
		return "Histogram"
	}
	return h.Title
}

// HTML renders the histogram.
func (h Histogram) HTML() (string, error) {
	edges, counts, err := h.Counts()
	if err != nil {
		return "", err
	}
	id := newID()
	top := 1
	for _, c := range counts {
		top = max(top, c)
	}
	bins := len(counts)
	bw := float64(histW) / float64(bins)
	var w strings.Builder
	fmt.Fprintf(&w, `<div class="llmw llmw-hist" id="%s">%s<h4>%s</h4>`, id, style, esc(h.title()))
	w.WriteString(`<div class="ctl">`)
	w.WriteString(idf(id, `<button type="button" id="{id}-log" aria-pressed="false">log scale</button><output id="{id}-hover" aria-live="polite">%s values in %d bins</output></div>`, commas(int64(len(h.Values))), bins))
	fmt.Fprintf(&w, `<svg width="%d" height="%d" viewBox="0 0 %[1]d %[2]d" role="img" aria-label="histogram of %d values in %d bins">`, histL+histW+10, histT+histH+30, len(h.Values), bins)
	axes(&w, histL, histT, histW, histH, edges[0], edges[bins], 0, float64(top), h.XLabel, "count", 2)
	for i, c := range counts {
		ht := float64(c) / float64(top) * histH
		fmt.Fprintf(&w, `<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f" data-c="%d"><title>%s to %s: %s</title></rect>`,
			histL+float64(i)*bw+0.5, histT+histH-ht, max(bw-1, 0.5), ht, c, num(edges[i], 3), num(edges[i+1], 3), commas(int64(c)))
	}
	w.WriteString(`</svg>`)
	// The fullest bins, for a reader without the chart.
	order := make([]int, bins)
	for i := range order {
		order[i] = i
	}
	for i := range order { // selection of the 5 fullest, stable by position
		for j := i + 1; j < len(order); j++ {
			if counts[order[j]] > counts[order[i]] {
				order[i], order[j] = order[j], order[i]
			}
		}
		if i == 4 {
			break
		}
	}
	w.WriteString(`<table><thead><tr><th scope="col">fullest bins</th><th scope="col">count</th></tr></thead><tbody>`)
	for _, i := range order[:min(5, bins)] {
		fmt.Fprintf(&w, `<tr><td>%s to %s</td><td>%s</td></tr>`, num(edges[i], 3), num(edges[i+1], 3), commas(int64(counts[i])))
	}
	w.WriteString(`</tbody></table>`)
	if h.Note != "" {
		fmt.Fprintf(&w, `<p class="note">%s</p>`, esc(h.Note))
	}
	w.WriteString(script(id, jsonData(map[string]any{"c": counts, "e": edges, "d": []int{histL, histT, histW, histH}, "n": len(h.Values)}), histJS))
	w.WriteString(`</div>`)
	return w.String(), nil
}

const histJS = `var out=q(r,"output[id$='-hover']"),lg=q(r,"button[id$='-log']"),bars=qa(r,"rect.bar"),d=D.d,top=Math.max.apply(null,D.c.concat([1]));
function draw(log){bars.forEach(function(b,i){var c=D.c[i],h=log?(c>0?Math.log(1+c)/Math.log(1+top):0):c/top;h*=d[3];b.setAttribute("y",(d[1]+d[3]-h).toFixed(1));b.setAttribute("height",h.toFixed(1));});}
lg.addEventListener("click",function(){var on=lg.getAttribute("aria-pressed")!=="true";lg.setAttribute("aria-pressed",on?"true":"false");draw(on);});
bars.forEach(function(b,i){b.addEventListener("mouseenter",function(){out.textContent=fmtN(D.e[i],3)+" to "+fmtN(D.e[i+1],3)+": "+D.c[i]+" of "+D.n;});});`

// Text renders the histogram as rows of bins with bars of #.
func (h Histogram) Text() (string, error) {
	edges, counts, err := h.Counts()
	if err != nil {
		return "", err
	}
	top := 1
	for _, c := range counts {
		top = max(top, c)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s values, x: %s)\n", h.title(), commas(int64(len(h.Values))), h.XLabel)
	for i, c := range counts {
		bar := strings.Repeat("#", int(math.Ceil(float64(c)/float64(top)*30)))
		b.WriteString(row([]string{num(edges[i], 3), num(edges[i+1], 3), commas(int64(c)), bar}, 9, 9, 9, -30))
	}
	if h.Note != "" {
		b.WriteString(h.Note + "\n")
	}
	return b.String(), nil
}
