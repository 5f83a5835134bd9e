package widgets

import (
	"fmt"
	"math"
	"strings"
)

// HeatGrid is a labelled matrix of numbers drawn as a table whose cells
// are shaded by value (darker is larger): heads × heads distances, layers ×
// heads norms. Cells in Mark get an outline and a star, to single out, say,
// pairs of heads that share a KV head. Hovering a cell names its row and
// column. Every number is in the table, so it reads without scripts or
// styles.
type HeatGrid struct {
	Title      string
	Rows, Cols []string
	Values     [][]float64 // [row][col]
	Digits     int         // decimals shown; 0 means 3
	Mark       [][]bool    // optional, [row][col]
	MarkNote   string      // what a starred cell means
	Note       string
}

const maxGrid = 64

func (g HeatGrid) check() error {
	if len(g.Rows) == 0 || len(g.Cols) == 0 || len(g.Rows) > maxGrid || len(g.Cols) > maxGrid {
		return fmt.Errorf("widgets: HeatGrid: %d rows × %d columns: want 1 to %d of each", len(g.Rows), len(g.Cols), maxGrid)
	}
	if len(g.Values) != len(g.Rows) {
		return fmt.Errorf("widgets: HeatGrid: %d rows of values for %d row labels", len(g.Values), len(g.Rows))
	}
	for i, r := range g.Values {
		if len(r) != len(g.Cols) {
			return fmt.Errorf("widgets: HeatGrid: row %d (%q) has %d values for %d columns", i, g.Rows[i], len(r), len(g.Cols))
		}
		for j, v := range r {
			if err := finite(fmt.Sprintf("widgets: HeatGrid: value [%d][%d]", i, j), v); err != nil {
				return err
			}
		}
	}
	if g.Mark != nil {
		if len(g.Mark) != len(g.Rows) {
			return fmt.Errorf("widgets: HeatGrid: %d rows of marks for %d rows", len(g.Mark), len(g.Rows))
		}
		for i, r := range g.Mark {
			if len(r) != len(g.Cols) {
				return fmt.Errorf("widgets: HeatGrid: mark row %d has %d entries for %d columns", i, len(r), len(g.Cols))
			}
		}
	}
	if g.Digits < 0 || g.Digits > 8 {
		return fmt.Errorf("widgets: HeatGrid: %d digits: want 0 to 8", g.Digits)
	}
	return nil
}

func (g HeatGrid) digits() int {
	if g.Digits == 0 {
		return 3
	}
	return g.Digits
}

func (g HeatGrid) marked(i, j int) bool { return g.Mark != nil && g.Mark[i][j] }

func (g HeatGrid) span() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, r := range g.Values {
		for _, v := range r {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if hi == lo {
		hi = lo + 1
	}
	return lo, hi
}

// HTML renders the grid.
func (g HeatGrid) HTML() (string, error) {
	if err := g.check(); err != nil {
		return "", err
	}
	id := newID()
	lo, hi := g.span()
	var w strings.Builder
	fmt.Fprintf(&w, `<div class="llmw llmw-grid" id="%s">%s<style>#%[1]s td.mk{outline:2px solid #f59e0b;outline-offset:-2px}#%[1]s td.hl,#%[1]s th.hl{box-shadow:inset 0 0 0 2px rgba(250,204,21,.8)}</style><h4>%[3]s</h4>`, id, style, esc(g.Title))
	w.WriteString(`<table><thead><tr><th scope="col"></th>`)
	for _, c := range g.Cols {
		fmt.Fprintf(&w, `<th scope="col">%s</th>`, esc(c))
	}
	w.WriteString(`</tr></thead><tbody>`)
	for i, r := range g.Values {
		fmt.Fprintf(&w, `<tr><th scope="row">%s</th>`, esc(g.Rows[i]))
		for j, v := range r {
			cls, star := "", ""
			if g.marked(i, j) {
				cls, star = ` class="mk"`, "*"
			}
			a := 0.08 + 0.8*(v-lo)/(hi-lo)
			fmt.Fprintf(&w, `<td%s style="background:rgba(59,130,246,%.2f)" title="%s · %s: %s">%s%s</td>`, cls, a, esc(g.Rows[i]), esc(g.Cols[j]), num(v, g.digits()), num(v, g.digits()), star)
		}
		w.WriteString(`</tr>`)
	}
	w.WriteString(`</tbody></table>`)
	w.WriteString(idf(id, `<output id="{id}-out" aria-live="polite">range %s to %s</output>`, num(lo, g.digits()), num(hi, g.digits())))
	if g.MarkNote != "" {
		fmt.Fprintf(&w, `<p class="note">* %s</p>`, esc(g.MarkNote))
	}
	if g.Note != "" {
		fmt.Fprintf(&w, `<p class="note">%s</p>`, esc(g.Note))
	}
	w.WriteString(script(id, "0", gridJS))
	w.WriteString(`</div>`)
	return w.String(), nil
}

const gridJS = `var out=q(r,"output"),rows=qa(r,"tbody tr"),heads=qa(r,"thead th");
rows.forEach(function(tr,i){qa(tr,"td").forEach(function(td,j){td.addEventListener("mouseenter",function(){
qa(r,".hl").forEach(function(e){e.classList.remove("hl");});q(tr,"th").classList.add("hl");heads[j+1].classList.add("hl");td.classList.add("hl");
out.textContent=td.getAttribute("title");});});});`

// Text renders the grid as a plain table; starred cells are marked.
func (g HeatGrid) Text() (string, error) {
	if err := g.check(); err != nil {
		return "", err
	}
	wide := 0
	for _, r := range g.Rows {
		wide = max(wide, len([]rune(r)))
	}
	cw := g.digits() + 5
	for _, c := range g.Cols {
		cw = max(cw, len([]rune(c)))
	}
	var b strings.Builder
	b.WriteString(g.Title + "\n")
	widths := append([]int{-wide}, repeat(cw+1, len(g.Cols))...)
	b.WriteString(row(append([]string{""}, g.Cols...), widths...))
	for i, r := range g.Values {
		cells := []string{g.Rows[i]}
		for j, v := range r {
			s := num(v, g.digits())
			if g.marked(i, j) {
				s += "*"
			} else {
				s += " "
			}
			cells = append(cells, s)
		}
		b.WriteString(row(cells, widths...))
	}
	if g.MarkNote != "" {
		b.WriteString("* " + g.MarkNote + "\n")
	}
	if g.Note != "" {
		b.WriteString(g.Note + "\n")
	}
	return b.String(), nil
}

// LayerHeadGrid is a HeatGrid of one number per full-attention layer and
// query head (values [layer][head]): rows "layer N" for N in layers,
// columns Q0, Q1, …, shown with digits decimals.
func LayerHeadGrid(title string, layers []int, values [][]float64, digits int) HeatGrid {
	g := HeatGrid{Title: title, Values: values, Digits: digits}
	for _, l := range layers {
		g.Rows = append(g.Rows, fmt.Sprintf("layer %d", l))
	}
	if len(values) > 0 {
		g.Cols = heads(len(values[0]))
	}
	return g
}

// GroupGrid is a HeatGrid of a heads × heads matrix d (HeadDistances, say)
// whose pairs of group-mates are starred: lanes gives each query head's KV
// head (llm.Lanes).
func GroupGrid(title string, lanes []int, d [][]float64) HeatGrid {
	g := HeatGrid{Title: title, Rows: heads(len(lanes)), Cols: heads(len(lanes)), Values: d, MarkNote: "the two heads share a KV head"}
	for a := range lanes {
		row := make([]bool, len(lanes))
		for b := range lanes {
			row[b] = a != b && lanes[a] == lanes[b]
		}
		g.Mark = append(g.Mark, row)
	}
	return g
}

// heads returns the labels Q0 … Q(n−1).
func heads(n int) []string {
	s := make([]string, n)
	for h := range s {
		s[h] = fmt.Sprintf("Q%d", h)
	}
	return s
}

func repeat(v, n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// HeadMaps draws the causal attention map of every query head of one
// layer side by side, one row of maps per KV group, so that heads sharing
// keys and values can be compared at a glance. Each map is queries (down)
// × keys (across); a darker cell is a larger weight. Hovering a cell reads
// it out. Without JavaScript the maps still show, and a table gives each
// head's strongest key for the last query.
type HeadMaps struct {
	Title  string
	Tokens []string      // the prompt's pieces, queries and keys
	Maps   [][][]float32 // Maps[h][q][k] for k ≤ q (longer rows are cut at q)
	Groups []int         // the KV head each query head reads (llm.Lanes)
	Note   string
}

const maxMapTokens, maxMaps = 40, 32

func (m HeadMaps) check() error {
	T := len(m.Tokens)
	if T == 0 || T > maxMapTokens {
		return fmt.Errorf("widgets: HeadMaps: %d tokens: want 1 to %d (use a shorter prompt)", T, maxMapTokens)
	}
	if len(m.Maps) == 0 || len(m.Maps) > maxMaps || len(m.Groups) != len(m.Maps) {
		return fmt.Errorf("widgets: HeadMaps: %d maps and %d groups: want 1 to %d maps, one group each", len(m.Maps), len(m.Groups), maxMaps)
	}
	for h, mp := range m.Maps {
		if len(mp) != T {
			return fmt.Errorf("widgets: HeadMaps: head %d has %d query rows for %d tokens", h, len(mp), T)
		}
		for q, r := range mp {
			if len(r) < q+1 {
				return fmt.Errorf("widgets: HeadMaps: head %d query %d has %d keys: want at least %d", h, q, len(r), q+1)
			}
			for k, v := range r[:q+1] {
				if math.IsNaN(float64(v)) || v < 0 || v > 1.0001 {
					return fmt.Errorf("widgets: HeadMaps: head %d [%d][%d] = %v: want a probability", h, q, k, v)
				}
			}
		}
		if m.Groups[h] < 0 {
			return fmt.Errorf("widgets: HeadMaps: head %d in group %d", h, m.Groups[h])
		}
	}
	return nil
}

// strongest returns the key head h's last query weighs most, and its weight.
func (m HeadMaps) strongest(h int) (int, float32) {
	last := len(m.Tokens) - 1
	best := 0
	for k, v := range m.Maps[h][last][:last+1] {
		if v > m.Maps[h][last][best] {
			best = k
		}
	}
	return best, m.Maps[h][last][best]
}

// HTML renders the maps.
func (m HeadMaps) HTML() (string, error) {
	if err := m.check(); err != nil {
		return "", err
	}
	id := newID()
	T := len(m.Tokens)
	cell := max(4, min(12, 168/T))
	side := cell * T
	var w strings.Builder
	fmt.Fprintf(&w, `<div class="llmw llmw-headmaps" id="%s">%s<h4>%s</h4>`, id, style, esc(m.Title))
	groups := map[int][]int{}
	var order []int
	for h, g := range m.Groups {
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], h)
	}
	for _, g := range order {
		fmt.Fprintf(&w, `<div class="ctl"><span style="color:%s">■</span> KV %d:`, palette[g%len(palette)], g)
		for _, h := range groups[g] {
			fmt.Fprintf(&w, `<figure style="margin:0"><svg class="map" data-h="%d" width="%d" height="%d" viewBox="0 0 %[2]d %[3]d" role="img" aria-label="attention map of query head %[1]d"><rect x="0" y="0" width="%[2]d" height="%[3]d" fill="none" stroke="%s"/>`,
				h, side, side, palette[g%len(palette)])
			for q := range T {
				for k := 0; k <= q; k++ {
					if v := m.Maps[h][q][k]; v >= 0.005 {
						fmt.Fprintf(&w, `<rect class="bar" x="%d" y="%d" width="%d" height="%d" fill-opacity="%.2f"/>`, k*cell, q*cell, cell, cell, v)
					}
				}
			}
			fmt.Fprintf(&w, `</svg><figcaption>Q%d</figcaption></figure>`, h)
		}
		w.WriteString(`</div>`)
	}
	w.WriteString(idf(id, `<output id="{id}-out" aria-live="polite">%d tokens: %s</output>`, T, esc(tokenLine(m.Tokens))))
	w.WriteString(`<table><thead><tr><th scope="col">head</th><th scope="col">KV</th><th scope="col">last query's strongest key</th><th scope="col">weight</th></tr></thead><tbody>`)
	for h := range m.Maps {
		k, v := m.strongest(h)
		fmt.Fprintf(&w, `<tr><td>Q%d</td><td>%d</td><td>%d %s</td><td>%s</td></tr>`, h, m.Groups[h], k, esc(visible(m.Tokens[k])), num(float64(v), 3))
	}
	w.WriteString(`</tbody></table>`)
	if m.Note != "" {
		fmt.Fprintf(&w, `<p class="note">%s</p>`, esc(m.Note))
	}
	vis := make([]string, T)
	for i, t := range m.Tokens {
		vis[i] = visible(t)
	}
	maps := make([][]float64, len(m.Maps)) // the lower triangles, row by row, rounded
	for h, mp := range m.Maps {
		for q := range T {
			for k := 0; k <= q; k++ {
				maps[h] = append(maps[h], math.Round(float64(mp[q][k])*1000)/1000)
			}
		}
	}
	w.WriteString(script(id, jsonData(map[string]any{"t": vis, "m": maps, "c": cell}), headMapsJS))
	w.WriteString(`</div>`)
	return w.String(), nil
}

func tokenLine(tokens []string) string {
	s := make([]string, len(tokens))
	for i, t := range tokens {
		s[i] = visible(t)
	}
	return strings.Join(s, " ")
}

const headMapsJS = `var out=q(r,"output");
qa(r,"svg.map").forEach(function(s){var h=+s.getAttribute("data-h");s.addEventListener("mousemove",function(e){var b=s.getBoundingClientRect(),c=D.c*b.width/(+s.getAttribute("width"));
var k=Math.floor((e.clientX-b.left)/c),qq=Math.floor((e.clientY-b.top)/c);if(k<0||qq<0||qq>=D.t.length||k>qq)return;
out.textContent="Q"+h+": query "+qq+" "+D.t[qq]+" → key "+k+" "+D.t[k]+": "+fmtN(D.m[h][qq*(qq+1)/2+k],3);});});`

// Text renders, per head, the strongest key of the last query.
func (m HeadMaps) Text() (string, error) {
	if err := m.check(); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(m.Title + "\n")
	fmt.Fprintf(&b, "tokens: %s\n", tokenLine(m.Tokens))
	for h := range m.Maps {
		k, v := m.strongest(h)
		fmt.Fprintf(&b, "Q%d (KV %d): the last query weighs key %d %s most, %s\n", h, m.Groups[h], k, visible(m.Tokens[k]), num(float64(v), 3))
	}
	if m.Note != "" {
		b.WriteString(m.Note + "\n")
	}
	return b.String(), nil
}
