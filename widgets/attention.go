package widgets

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/how-llms-work/course/llm"
)

// HeadMap is one attention head's weights, [query][key]: row t holds the
// weights of query position t over the key positions 0…t (causal).
type HeadMap struct {
	Layer, Head int
	Weights     [][]float32
}

// AttentionMaps shows the attention of many heads on one prompt: a grid of
// small heatmaps, one row per layer and one column per head; one head drawn
// large, with the tokens along its axes (query rows, key columns, the masked
// upper triangle greyed, the query row of the fan-out outlined); and the
// fan-out of one query, a line to every key it may see, as thick as the
// weight. Selects pick the large head and the query; clicking a small map
// picks it too; hovering any cell says which query looks at which key, and
// how much. Without JavaScript every cell of the large map carries its
// weight as a tooltip (and as a number when the cells are large enough) and
// the fan-out lists the weights.
type AttentionMaps struct {
	Title  string
	Tokens []string  // the prompt's pieces, one per position
	Heads  []HeadMap // in grid order: the heads of one layer side by side
	// Selected is the index in Heads of the head drawn large; Query the
	// query position of the fan-out, −1 for the last one.
	Selected, Query int
	Note            string
}

// Limits that keep one output small: a 15-token prompt over 6 layers × 8
// heads is about 120 KB, a 40-token one about 400 KB.
const (
	attnMaxTokens  = 40
	attnMaxHeads   = 64
	attnThumb      = 64 // size of a small map in px
	attnLevels     = 10 // opacity steps of the small maps
	attnLabelWidth = 92
	attnGridLeft   = 56
)

// FromAttention shows every query head of every full-attention layer of a
// pass, the last token's fan-out, and the first head drawn large.
func FromAttention(p *llm.Pass) (AttentionMaps, error) {
	a := AttentionMaps{Title: fmt.Sprintf("Attention of every head · %d tokens", len(p.IDs)), Tokens: p.Pieces, Query: -1}
	if len(p.FullLayers()) == 0 {
		return a, fmt.Errorf("widgets: FromAttention: the model has no full-attention layer")
	}
	for _, l := range p.FullLayers() {
		for h, rows := range p.Capture.Layers[l].Attention {
			a.Heads = append(a.Heads, HeadMap{Layer: l, Head: h, Weights: rows[:len(p.IDs)]})
		}
	}
	return a, a.check()
}

func (a AttentionMaps) check() error {
	n := len(a.Tokens)
	if n == 0 || n > attnMaxTokens {
		return fmt.Errorf("widgets: AttentionMaps: %d tokens: want 1 to %d (shorten the prompt)", n, attnMaxTokens)
	}
	if len(a.Heads) == 0 || len(a.Heads) > attnMaxHeads {
		return fmt.Errorf("widgets: AttentionMaps: %d heads: want 1 to %d", len(a.Heads), attnMaxHeads)
	}
	for i, h := range a.Heads {
		if len(h.Weights) != n {
			return fmt.Errorf("widgets: AttentionMaps: layer %d head %d has %d rows for %d tokens", h.Layer, h.Head, len(h.Weights), n)
		}
		if i > 0 && h.Layer == a.Heads[i-1].Layer && h.Head <= a.Heads[i-1].Head {
			return fmt.Errorf("widgets: AttentionMaps: layer %d: head %d after head %d: give the heads of a layer in order", h.Layer, h.Head, a.Heads[i-1].Head)
		}
		for t, row := range h.Weights {
			if len(row) != t+1 {
				return fmt.Errorf("widgets: AttentionMaps: layer %d head %d: query %d has %d weights: want %d (keys 0 to %d)", h.Layer, h.Head, t, len(row), t+1, t)
			}
			for s, w := range row {
				if !(w >= 0 && w <= 1) {
					return fmt.Errorf("widgets: AttentionMaps: layer %d head %d: weight of query %d on key %d is %v: want a probability", h.Layer, h.Head, t, s, w)
				}
			}
		}
	}
	if a.Selected < 0 || a.Selected >= len(a.Heads) {
		return fmt.Errorf("widgets: AttentionMaps: Selected %d: want 0 to %d", a.Selected, len(a.Heads)-1)
	}
	if a.Query < -1 || a.Query >= n {
		return fmt.Errorf("widgets: AttentionMaps: Query %d: want −1 (the last) or 0 to %d", a.Query, n-1)
	}
	return nil
}

func (a AttentionMaps) title() string {
	if a.Title == "" {
		return "Attention maps"
	}
	return a.Title
}

func (a AttentionMaps) query() int {
	if a.Query < 0 {
		return len(a.Tokens) - 1
	}
	return a.Query
}

// level is the opacity step of a weight in the small maps: weights under
// half a step are left out (they would hardly show).
func level(v float32) int { return int(math.Round(float64(v) * attnLevels)) }

// short is a token label for an axis: visible spaces, at most 10 runes.
func short(piece string) string {
	v := []rune(visible(piece))
	if len(v) > 10 {
		return string(v[:9]) + "…"
	}
	return string(v)
}

// layers groups the heads by layer, in order of first appearance.
func (a AttentionMaps) layers() (order []int, heads map[int][]int) {
	heads = map[int][]int{}
	for i, h := range a.Heads {
		if _, ok := heads[h.Layer]; !ok {
			order = append(order, h.Layer)
		}
		heads[h.Layer] = append(heads[h.Layer], i)
	}
	return order, heads
}

// HTML renders the maps.
func (a AttentionMaps) HTML() (string, error) {
	if err := a.check(); err != nil {
		return "", err
	}
	id := newID()
	n := len(a.Tokens)
	sel, qt := a.Heads[a.Selected], a.query()
	layers, byLayer := a.layers()
	cols := 0
	for _, hs := range byLayer {
		cols = max(cols, len(hs))
	}
	var w strings.Builder
	fmt.Fprintf(&w, `<div class="llmw llmw-attn" id="%s">%s<h4>%s</h4>`, id, style, esc(a.title()))
	w.WriteString(`<p class="note">`)
	for i, t := range a.Tokens {
		fmt.Fprintf(&w, `<span class="tok" title="position %d">%s</span>`, i, esc(visible(t)))
	}
	w.WriteString(`</p>`)

	// The grid of small maps.
	cell := float64(attnThumb) / float64(n)
	gw, gh := attnGridLeft+cols*(attnThumb+8), 16+len(layers)*(attnThumb+8)
	fmt.Fprintf(&w, `<svg class="grid" width="%d" height="%d" viewBox="0 0 %[1]d %[2]d" role="img" aria-label="attention maps of %d heads in %d layers">`, gw, gh, len(a.Heads), len(layers))
	for c := range cols {
		fmt.Fprintf(&w, `<text x="%d" y="11" text-anchor="middle">head %d</text>`, attnGridLeft+c*(attnThumb+8)+attnThumb/2, c)
	}
	for li, l := range layers {
		y := 16 + li*(attnThumb+8)
		fmt.Fprintf(&w, `<text x="%d" y="%d" text-anchor="end">layer %d</text>`, attnGridLeft-6, y+attnThumb/2, l)
		for c, i := range byLayer[l] {
			h := a.Heads[i]
			x := attnGridLeft + c*(attnThumb+8)
			fmt.Fprintf(&w, `<g class="th" data-i="%d" transform="translate(%d %d)"><title>layer %d · head %d</title>`, i, x, y, h.Layer, h.Head)
			// In units of one cell (scaled to the map): the visible (lower)
			// triangle, faint; then the weights, one path per opacity step, a
			// run of equal steps along a row drawn as one rectangle.
			fmt.Fprintf(&w, `<g transform="scale(%.4f)"><path d="M0 0`, cell)
			for range n {
				w.WriteString("h1v1")
			}
			w.WriteString(`H0z" fill="currentColor" fill-opacity="0.06"></path>`)
			paths := make([]strings.Builder, attnLevels+1)
			for t, row := range h.Weights {
				for s := 0; s < len(row); {
					k := level(row[s])
					e := s + 1
					for e < len(row) && level(row[e]) == k {
						e++
					}
					if k > 0 {
						fmt.Fprintf(&paths[k], "M%d %dh%dv1h-%dz", s, t, e-s, e-s)
					}
					s = e
				}
			}
			for k := 1; k <= attnLevels; k++ {
				if paths[k].Len() > 0 {
					fmt.Fprintf(&w, `<path class="bar" fill-opacity="%.1f" d="%s"></path>`, float64(k)/attnLevels, paths[k].String())
				}
			}
			w.WriteString(`</g>`)
			fmt.Fprintf(&w, `<rect class="hit" width="%d" height="%d" fill="none" stroke="currentColor" stroke-opacity="%s" stroke-width="%s" pointer-events="all"></rect></g>`,
				attnThumb, attnThumb, map[bool]string{true: "0.9", false: "0.3"}[i == a.Selected], map[bool]string{true: "2", false: "1"}[i == a.Selected])
		}
	}
	w.WriteString(`</svg>`)

	// Controls.
	w.WriteString(`<div class="ctl">`)
	w.WriteString(idf(id, `<label for="{id}-head">head</label><select id="{id}-head">`))
	for i, h := range a.Heads {
		fmt.Fprintf(&w, `<option value="%d"%s>layer %d · head %d</option>`, i, map[bool]string{true: " selected", false: ""}[i == a.Selected], h.Layer, h.Head)
	}
	w.WriteString(idf(id, `</select><label for="{id}-query">query</label><select id="{id}-query">`))
	for t, p := range a.Tokens {
		fmt.Fprintf(&w, `<option value="%d"%s>%d %s</option>`, t, map[bool]string{true: " selected", false: ""}[t == qt], t, esc(short(p)))
	}
	w.WriteString(idf(id, `</select><output id="{id}-hover" aria-live="polite">layer %d · head %d</output></div>`, sel.Layer, sel.Head))

	// The selected head, large, and the fan-out of one query.
	w.WriteString(`<div style="display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start">`)
	c := math.Max(8, math.Min(30, math.Floor(340/float64(n))))
	top := 70.0
	bw, bh := attnLabelWidth+int(c*float64(n))+4, int(top+c*float64(n))+4
	fmt.Fprintf(&w, `<svg class="big" width="%d" height="%d" viewBox="0 0 %[1]d %[2]d" role="img" aria-label="attention weights of one head, query rows by key columns">`, bw, bh)
	for i, t := range a.Tokens {
		y := top + c*float64(i) + c/2 + 4
		fmt.Fprintf(&w, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`, attnLabelWidth-4, y, esc(short(t)))
		x := float64(attnLabelWidth) + c*float64(i) + c/2 + 3
		fmt.Fprintf(&w, `<text transform="translate(%.1f %.1f) rotate(-60)">%s</text>`, x, top-4, esc(short(t)))
	}
	// The masked cells (key after query): a staircase above the diagonal.
	lw := float64(attnLabelWidth)
	fmt.Fprintf(&w, `<path d="M%.1f %.1fH%.1fV%.1f`, lw+c, top, lw+c*float64(n), top+c*float64(n-1))
	for t := n - 2; t >= 0; t-- {
		fmt.Fprintf(&w, "H%.1fV%.1f", lw+c*float64(t+1), top+c*float64(t))
	}
	w.WriteString(`z" fill="currentColor" fill-opacity="0.1"><title>masked: a query never sees a later key</title></path>`)
	for t, row := range sel.Weights {
		for s, v := range row {
			fmt.Fprintf(&w, `<rect class="bar" data-q="%d" data-k="%d" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill-opacity="%.3f"><title>query %s (%d) → key %s (%d): %s</title></rect>`,
				t, s, float64(attnLabelWidth)+c*float64(s), top+c*float64(t), c-1, c-1, v, esc(visible(a.Tokens[t])), t, esc(visible(a.Tokens[s])), s, num(float64(v), 3))
			if c >= 26 {
				fmt.Fprintf(&w, `<text class="v" data-q="%d" data-k="%d" x="%.1f" y="%.1f" text-anchor="middle" pointer-events="none" style="font-size:9px">%s</text>`,
					t, s, float64(attnLabelWidth)+c*float64(s)+c/2-0.5, top+c*float64(t)+c/2+3, cellLabel(v))
			}
		}
	}
	fmt.Fprintf(&w, `<rect class="qrow" x="%d" y="%.1f" width="%.1f" height="%.1f" fill="none" stroke="currentColor" stroke-width="2"></rect>`,
		attnLabelWidth-1, top+c*float64(qt)-1, c*float64(qt+1)+1, c+1)
	w.WriteString(`</svg>`)
	w.WriteString(a.fanout(sel, qt))
	w.WriteString(`</div>`)
	fmt.Fprintf(&w, `<p class="note">Rows are queries, columns keys; a row's weights sum to 1. Darker means more weight. The grey upper triangle is masked.%s</p>`,
		map[bool]string{true: " " + esc(a.Note), false: ""}[a.Note != ""])

	type headData struct {
		L, H int
		W    [][]int // weights in thousandths
	}
	data := make([]headData, len(a.Heads))
	for i, h := range a.Heads {
		data[i] = headData{L: h.Layer, H: h.Head}
		for _, row := range h.Weights {
			r := make([]int, len(row))
			for s, v := range row {
				r[s] = int(math.Round(float64(v) * 1000))
			}
			data[i].W = append(data[i].W, r)
		}
	}
	vis := make([]string, n)
	for i, t := range a.Tokens {
		vis[i] = visible(t)
	}
	w.WriteString(script(id, jsonData(map[string]any{"t": vis, "h": data, "s": a.Selected, "q": qt, "c": c, "top": top, "lw": attnLabelWidth}), attnJS))
	w.WriteString(`</div>`)
	return w.String(), nil
}

// cellLabel is a weight short enough for a cell: ".41", "1".
func cellLabel(v float32) string {
	if v >= 0.995 {
		return "1"
	}
	return fmt.Sprintf("%.2f", v)[1:]
}

const fanRow = 18

// fanout draws query qt of head h as lines to every key it may see.
func (a AttentionMaps) fanout(h HeadMap, qt int) string {
	n := len(a.Tokens)
	ht := 20 + n*fanRow
	var w strings.Builder
	fmt.Fprintf(&w, `<svg class="fan" width="300" height="%d" viewBox="0 0 300 %[1]d" role="img" aria-label="fan-out: where one query looks">`, ht)
	fmt.Fprintf(&w, `<text x="4" y="12">query</text><text x="170" y="12">keys and weights</text>`)
	yq := 20 + float64(qt)*fanRow + fanRow/2
	fmt.Fprintf(&w, `<text class="fq" x="96" y="%.1f" text-anchor="end">%s (%d)</text>`, yq+4, esc(short(a.Tokens[qt])), qt)
	for s := range n {
		y := 20 + float64(s)*fanRow + fanRow/2
		var v float32
		if s <= qt {
			v = h.Weights[qt][s]
		}
		fmt.Fprintf(&w, `<line class="fl" data-k="%d" x1="100" y1="%.1f" x2="166" y2="%.1f" stroke="var(--llmw-accent,#3b82f6)" stroke-width="%.2f" stroke-opacity="%.2f"></line>`,
			s, yq, y, 0.5+10*float64(v), math.Min(1, 0.15+float64(v)))
		fmt.Fprintf(&w, `<text class="fk" data-k="%d" x="170" y="%.1f"%s>%s %s</text>`, s, y+4,
			map[bool]string{true: ` opacity="0.35"`, false: ""}[s > qt], esc(short(a.Tokens[s])), map[bool]string{true: "masked", false: num(float64(v), 3)}[s > qt])
	}
	w.WriteString(`</svg>`)
	return w.String()
}

const attnJS = `var out=q(r,"output[id$='-hover']"),hs=q(r,"select[id$='-head']"),qs=q(r,"select[id$='-query']");
var cells=qa(r,"svg.big rect[data-q]"),vals=qa(r,"svg.big text.v"),row=q(r,"svg.big rect.qrow"),th=qa(r,"svg.grid g.th");
var lines=qa(r,"svg.fan line.fl"),keys=qa(r,"svg.fan text.fk"),fq=q(r,"svg.fan text.fq"),n=D.t.length;
function sh(s){return s.length>10?s.slice(0,9)+"\u2026":s;}
function say(i,t,s){var h=D.h[i];out.textContent="layer "+h.L+" \u00b7 head "+h.H+" \u00b7 query "+D.t[t]+" ("+t+") \u2192 key "+D.t[s]+" ("+s+"): "+fmtN(h.W[t][s]/1000,3);}
function draw(){var i=D.s,t=D.q,h=D.h[i];
cells.forEach(function(e){var a=+e.getAttribute("data-q"),b=+e.getAttribute("data-k"),v=h.W[a][b]/1000;e.setAttribute("fill-opacity",v.toFixed(3));e.firstChild.textContent="query "+D.t[a]+" ("+a+") \u2192 key "+D.t[b]+" ("+b+"): "+fmtN(v,3);});
vals.forEach(function(e){var v=h.W[+e.getAttribute("data-q")][+e.getAttribute("data-k")]/1000;e.textContent=v>=0.995?"1":v.toFixed(2).slice(1);});
row.setAttribute("y",(D.top+D.c*t-1).toFixed(1));row.setAttribute("width",(D.c*(t+1)+1).toFixed(1));
var yq=20+t*18+9;fq.setAttribute("y",(yq+4).toFixed(1));fq.textContent=sh(D.t[t])+" ("+t+")";
lines.forEach(function(e,s){var v=s<=t?h.W[t][s]/1000:0;e.setAttribute("y1",yq.toFixed(1));e.setAttribute("stroke-width",(0.5+10*v).toFixed(2));e.setAttribute("stroke-opacity",Math.min(1,0.15+v).toFixed(2));});
keys.forEach(function(e,s){e.textContent=sh(D.t[s])+" "+(s<=t?fmtN(h.W[t][s]/1000,3):"masked");if(s>t)e.setAttribute("opacity","0.35");else e.removeAttribute("opacity");});
th.forEach(function(g){var on=+g.getAttribute("data-i")===i,b=q(g,"rect.hit");b.setAttribute("stroke-opacity",on?"0.9":"0.3");b.setAttribute("stroke-width",on?"2":"1");});
hs.value=String(i);qs.value=String(t);out.textContent="layer "+h.L+" \u00b7 head "+h.H+" \u00b7 query "+D.t[t]+" ("+t+")";}
hs.addEventListener("change",function(){D.s=+hs.value;draw();});
qs.addEventListener("change",function(){D.q=+qs.value;draw();});
cells.forEach(function(e){var a=+e.getAttribute("data-q"),b=+e.getAttribute("data-k");e.addEventListener("mouseenter",function(){say(D.s,a,b);});e.addEventListener("click",function(){D.q=a;draw();});});
th.forEach(function(g){var i=+g.getAttribute("data-i"),b=q(g,"rect.hit");
b.addEventListener("mousemove",function(ev){var bb=b.getBoundingClientRect(),s=Math.floor((ev.clientX-bb.left)/bb.width*n),t=Math.floor((ev.clientY-bb.top)/bb.height*n);t=Math.min(Math.max(t,0),n-1);s=Math.min(Math.max(s,0),n-1);if(s<=t)say(i,t,s);else out.textContent="layer "+D.h[i].L+" \u00b7 head "+D.h[i].H+" \u00b7 masked: query "+t+" never sees key "+s;});
b.addEventListener("click",function(){D.s=i;draw();});});`

// Text lists, for every head, where the fan-out query looks most.
func (a AttentionMaps) Text() (string, error) {
	if err := a.check(); err != nil {
		return "", err
	}
	qt := a.query()
	var b strings.Builder
	fmt.Fprintf(&b, "%s\nquery %d %q: its three largest weights in every head\n", a.title(), qt, visible(a.Tokens[qt]))
	for _, h := range a.Heads {
		row := h.Weights[qt]
		order := make([]int, len(row))
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(i, j int) bool { return row[order[i]] > row[order[j]] })
		cells := []string{fmt.Sprintf("layer %d head %d", h.Layer, h.Head)}
		for _, s := range order[:min(3, len(order))] {
			cells = append(cells, fmt.Sprintf("%s(%d) %s", visible(a.Tokens[s]), s, num(float64(row[s]), 3)))
		}
		b.WriteString(row3(cells))
	}
	if a.Note != "" {
		b.WriteString(a.Note + "\n")
	}
	return b.String(), nil
}

func row3(cells []string) string { return row(cells, -16, -20, -20, -20) }

// HeadCensus shows what every head does: a grid, one row per layer and one
// column per head, each cell coloured by the head's kind (from
// llm.Census) and as strong as the weight that decided it; buttons colour
// it by one measure instead (previous token, first token, self, spread).
// A table below lists the heads grouped by kind, strongest first, with
// every measure, so the numbers read without JavaScript.
type HeadCensus struct {
	Title string
	Stats []llm.HeadStats
	Note  string
}

var kindOrder = []llm.HeadKind{llm.PreviousHead, llm.SinkHead, llm.SelfHead, llm.BroadHead, llm.MixedHead}

func kindIndex(k llm.HeadKind) int {
	for i, o := range kindOrder {
		if o == k {
			return i
		}
	}
	return len(kindOrder) - 1
}

// strength is the measure that decided s's kind.
func strength(s llm.HeadStats) float64 {
	switch s.Kind {
	case llm.PreviousHead:
		return s.Previous
	case llm.SinkHead:
		return s.First
	case llm.SelfHead:
		return s.Self
	case llm.BroadHead:
		return s.Spread
	}
	return max(s.Previous, s.First, s.Self)
}

func (c HeadCensus) check() error {
	if len(c.Stats) == 0 || len(c.Stats) > maxRows {
		return fmt.Errorf("widgets: HeadCensus: %d heads: want 1 to %d", len(c.Stats), maxRows)
	}
	for _, s := range c.Stats {
		for _, v := range []float64{s.Entropy, s.Spread, s.Previous, s.First, s.Self} {
			if err := finite(fmt.Sprintf("widgets: HeadCensus: layer %d head %d", s.Layer, s.Head), v); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c HeadCensus) title() string {
	if c.Title == "" {
		return "Head census"
	}
	return c.Title
}

// sorted returns the stats grouped by kind, strongest first.
func (c HeadCensus) sorted() []llm.HeadStats {
	s := append([]llm.HeadStats(nil), c.Stats...)
	sort.SliceStable(s, func(i, j int) bool {
		if a, b := kindIndex(s[i].Kind), kindIndex(s[j].Kind); a != b {
			return a < b
		}
		return strength(s[i]) > strength(s[j])
	})
	return s
}

// HTML renders the census.
func (c HeadCensus) HTML() (string, error) {
	if err := c.check(); err != nil {
		return "", err
	}
	id := newID()
	var layers []int
	cols := 0
	for _, s := range c.Stats {
		if len(layers) == 0 || layers[len(layers)-1] != s.Layer {
			layers = append(layers, s.Layer)
		}
		cols = max(cols, s.Head+1)
	}
	const cw, ch = 84, 34
	var w strings.Builder
	fmt.Fprintf(&w, `<div class="llmw llmw-census" id="%s">%s<h4>%s</h4><div class="ctl">`, id, style, esc(c.title()))
	for i, m := range []string{"kind", "previous", "first", "self", "spread"} {
		w.WriteString(idf(id, `<button type="button" id="{id}-m%d" data-m="%s" aria-pressed="%v">%s</button>`, i, m, i == 0, m))
	}
	w.WriteString(idf(id, `<output id="{id}-hover" aria-live="polite"></output></div>`))
	w.WriteString(`<p class="note">`)
	count := map[llm.HeadKind]int{}
	for _, s := range c.Stats {
		count[s.Kind]++
	}
	for i, k := range kindOrder {
		fmt.Fprintf(&w, `<span style="color:%s">■</span> %s: %d &nbsp; `, palette[i], esc(string(k)), count[k])
	}
	w.WriteString(`</p>`)
	gw, gh := 60+cols*cw, 16+len(layers)*ch
	fmt.Fprintf(&w, `<svg width="%d" height="%d" viewBox="0 0 %[1]d %[2]d" role="img" aria-label="kind of each of %d heads">`, gw, gh, len(c.Stats))
	for h := range cols {
		fmt.Fprintf(&w, `<text x="%d" y="11" text-anchor="middle">head %d</text>`, 60+h*cw+cw/2, h)
	}
	li := map[int]int{}
	for i, l := range layers {
		li[l] = i
		fmt.Fprintf(&w, `<text x="54" y="%d" text-anchor="end">layer %d</text>`, 16+i*ch+ch/2+4, l)
	}
	type cellData struct {
		K             int
		P, F, S, Sp   float64
		L, H          int
		Label, Detail string
	}
	var data []cellData
	for i, s := range c.Stats {
		k := kindIndex(s.Kind)
		x, y := 60+s.Head*cw, 16+li[s.Layer]*ch
		detail := fmt.Sprintf("layer %d · head %d: %s; previous %s, first %s, self %s, entropy %s bits, spread %s",
			s.Layer, s.Head, s.Kind, num(s.Previous, 2), num(s.First, 2), num(s.Self, 2), num(s.Entropy, 2), num(s.Spread, 2))
		fmt.Fprintf(&w, `<g data-i="%d"><rect class="c" x="%d" y="%d" width="%d" height="%d" fill="%s" fill-opacity="%.2f"><title>%s</title></rect>`,
			i, x+1, y+1, cw-2, ch-2, palette[k], 0.15+0.85*min(1, strength(s)), esc(detail))
		fmt.Fprintf(&w, `<text class="t" x="%d" y="%d" text-anchor="middle" pointer-events="none">%s</text></g>`, x+cw/2, y+ch/2+4, esc(abbrev(s.Kind)+" "+num(strength(s), 2)))
		data = append(data, cellData{K: k, P: s.Previous, F: s.First, S: s.Self, Sp: s.Spread, L: s.Layer, H: s.Head, Label: abbrev(s.Kind), Detail: detail})
	}
	w.WriteString(`</svg><details open><summary>every head, grouped by kind</summary><table><thead><tr><th scope="col">layer · head</th><th scope="col">kind</th><th scope="col">previous</th><th scope="col">first</th><th scope="col">self</th><th scope="col">entropy (bits)</th><th scope="col">spread</th></tr></thead><tbody>`)
	for _, s := range c.sorted() {
		fmt.Fprintf(&w, `<tr><td>%d · %d</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>`,
			s.Layer, s.Head, esc(string(s.Kind)), num(s.Previous, 3), num(s.First, 3), num(s.Self, 3), num(s.Entropy, 2), num(s.Spread, 2))
	}
	w.WriteString(`</tbody></table></details>`)
	if c.Note != "" {
		fmt.Fprintf(&w, `<p class="note">%s</p>`, esc(c.Note))
	}
	w.WriteString(script(id, jsonData(map[string]any{"c": data, "pal": palette}), censusJS))
	w.WriteString(`</div>`)
	return w.String(), nil
}

func abbrev(k llm.HeadKind) string {
	switch k {
	case llm.PreviousHead:
		return "prev"
	case llm.SinkHead:
		return "first"
	}
	return string(k)
}

const censusJS = `var out=q(r,"output[id$='-hover']"),bs=qa(r,"button[data-m]"),gs=qa(r,"svg g[data-i]");
function paint(m){gs.forEach(function(g){var d=D.c[+g.getAttribute("data-i")],rc=q(g,"rect.c"),t=q(g,"text.t"),v,col;
if(m==="kind"){col=D.pal[d.K];v=d.K===0?d.P:d.K===1?d.F:d.K===2?d.S:d.K===3?d.Sp:Math.max(d.P,d.F,d.S);t.textContent=d.Label+" "+fmtN(v,2);}
else{col=D.pal[0];v=m==="previous"?d.P:m==="first"?d.F:m==="self"?d.S:d.Sp;t.textContent=fmtN(v,2);}
rc.setAttribute("fill",col);rc.setAttribute("fill-opacity",(0.15+0.85*Math.min(1,v)).toFixed(2));});
bs.forEach(function(b){b.setAttribute("aria-pressed",b.getAttribute("data-m")===m?"true":"false");});}
bs.forEach(function(b){b.addEventListener("click",function(){paint(b.getAttribute("data-m"));});});
gs.forEach(function(g){g.addEventListener("mouseenter",function(){out.textContent=D.c[+g.getAttribute("data-i")].Detail;});});`

// Text lists the heads grouped by kind.
func (c HeadCensus) Text() (string, error) {
	if err := c.check(); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(c.title() + "\n")
	b.WriteString(row([]string{"layer·head", "kind", "previous", "first", "self", "entropy", "spread"}, -10, -15, 8, 8, 8, 8, 8))
	for _, s := range c.sorted() {
		b.WriteString(row([]string{fmt.Sprintf("%d·%d", s.Layer, s.Head), string(s.Kind), num(s.Previous, 3), num(s.First, 3), num(s.Self, 3), num(s.Entropy, 2), num(s.Spread, 2)}, -10, -15, 8, 8, 8, 8, 8))
	}
	if c.Note != "" {
		b.WriteString(c.Note + "\n")
	}
	return b.String(), nil
}

// FromScaleSweep charts llm.ScaleSweep: the mean largest softmax weight
// over random scores, with and without the division by √d, against the
// head width d.
func FromScaleSweep(rows []llm.ScaleRow) LineChart {
	c := LineChart{Title: "Largest softmax weight over random keys, by head width d", YLabel: "max weight", YMin: 0, YMax: 1}
	var raw, scaled []float64
	for _, r := range rows {
		c.X = append(c.X, fmt.Sprintf("d = %d", r.Dim))
		raw, scaled = append(raw, r.MaxRaw), append(scaled, r.MaxScaled)
	}
	c.Series = []Series{{Name: "softmax(q·k)", Values: raw}, {Name: "softmax(q·k/√d)", Values: scaled}}
	return c
}
