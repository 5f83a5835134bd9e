package widgets

import (
	"fmt"
	"strings"

	"github.com/how-llms-work/course/llm"
)

// LensGrid shows a lens grid (llm.Lens): one row per layer boundary, from
// the embedding down to the last layer's output, one column per prompt
// position; each cell names the token the lens reads there, shaded by its
// probability over the whole vocabulary. Hovering or focusing a cell shows
// its top tokens and the pinned tokens' ranks; a table below tracks the
// pinned tokens' ranks at the last position through the layers. Without
// JavaScript the grid, the output cell's details and the rank table show.
type LensGrid struct {
	Title string
	Lens  *llm.Lens
}

// FromLens wraps a lens in its widget.
func FromLens(l *llm.Lens) LensGrid { return LensGrid{Lens: l} }

func (g LensGrid) check() error {
	l := g.Lens
	if l == nil {
		return fmt.Errorf("widgets: LensGrid: no lens")
	}
	if len(l.Cells) == 0 || len(l.Cells) != l.Layers+1 {
		return fmt.Errorf("widgets: LensGrid: %d rows of cells for %d layers: want layers+1", len(l.Cells), l.Layers)
	}
	if len(l.Cells) > 200 || len(l.Pieces) > 64 {
		return fmt.Errorf("widgets: LensGrid: %d boundaries × %d positions: want at most 200 × 64 (shorten the prompt)", len(l.Cells), len(l.Pieces))
	}
	for b, row := range l.Cells {
		if len(row) != len(l.Pieces) {
			return fmt.Errorf("widgets: LensGrid: boundary %d has %d cells for %d positions", b, len(row), len(l.Pieces))
		}
		for t, c := range row {
			if len(c.Top) == 0 || len(c.Top) > 20 {
				return fmt.Errorf("widgets: LensGrid: boundary %d position %d has %d top tokens: want 1 to 20", b, t, len(c.Top))
			}
			if len(c.Pinned) != len(l.Pinned) {
				return fmt.Errorf("widgets: LensGrid: boundary %d position %d reads %d pinned tokens of %d", b, t, len(c.Pinned), len(l.Pinned))
			}
			for _, x := range c.Top {
				if err := finite(fmt.Sprintf("widgets: LensGrid: boundary %d position %d %q probability", b, t, x.Piece), x.Prob); err != nil {
					return err
				}
			}
			for _, x := range c.Pinned {
				if err := finite(fmt.Sprintf("widgets: LensGrid: boundary %d position %d pinned %q probability", b, t, x.Piece), x.Prob); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (g LensGrid) title() string {
	if g.Title != "" {
		return g.Title
	}
	return fmt.Sprintf("Logit lens · %q", g.Lens.Prompt)
}

// rowLabel names boundary b: the embedding, or the layer whose output it is.
func (g LensGrid) rowLabel(b int) string {
	if b == 0 {
		return "embedding"
	}
	kind := "DeltaNet"
	if b-1 < len(g.Lens.Kinds) && g.Lens.Kinds[b-1] == llm.FullAttention {
		kind = "attention"
	}
	return fmt.Sprintf("layer %d (%s)", b, kind)
}

// lensCellJS is one cell's data for the script: its top tokens and pins.
type lensCellJS struct {
	T [][2]any `json:"t"` // [piece, prob]
	P [][2]any `json:"p"` // [rank, prob] per pinned token
}

// HTML renders the grid, the detail panel and the rank table.
func (g LensGrid) HTML() (string, error) {
	if err := g.check(); err != nil {
		return "", err
	}
	l := g.Lens
	id := newID()
	last := len(l.Pieces) - 1
	var w strings.Builder
	fmt.Fprintf(&w, `<div class="llmw llmw-lens" id="%s">%s<style>#%s td.c{min-width:44px;max-width:90px;overflow:hidden;text-overflow:ellipsis;white-space:pre;font-family:var(--jp-code-font-family,monospace);text-align:center;cursor:default}#%s td.c.ans{font-weight:bold;outline:1px solid var(--llmw-accent,#3b82f6)}#%s td.c.sel{outline:2px solid rgba(250,204,21,.9)}</style><h4>%s</h4>`,
		id, style, id, id, id, esc(g.title()))
	fmt.Fprintf(&w, `<p class="note">Each cell: the token the final norm + LM head read from the residual stream there, shaded by its probability (whole vocabulary). Bold: the model's final answer %s. Hover or focus a cell for its top %d.</p>`,
		esc(lensQuote(l.Answer.Piece)), len(l.Cells[0][0].Top))
	w.WriteString(`<div style="overflow-x:auto"><table class="grid"><tr><th>boundary</th>`)
	for _, p := range l.Pieces {
		fmt.Fprintf(&w, `<th><span class="tok">%s</span></th>`, esc(visible(p)))
	}
	w.WriteString(`</tr>`)
	data := make([][]lensCellJS, len(l.Cells))
	for b, row := range l.Cells {
		fmt.Fprintf(&w, `<tr><th>%s</th>`, esc(g.rowLabel(b)))
		data[b] = make([]lensCellJS, len(row))
		for t, c := range row {
			top := c.Top[0]
			cls := "c"
			if top.ID == l.Answer.ID {
				cls += " ans"
			}
			fmt.Fprintf(&w, `<td class="%s" tabindex="0" data-b="%d" data-t="%d" title="%s %s" style="background:rgba(59,130,246,%s)">%s</td>`,
				cls, b, t, esc(lensQuote(top.Piece)), num(top.Prob, 3), num(0.05+0.75*top.Prob, 3), esc(visible(top.Piece)))
			for _, x := range c.Top {
				data[b][t].T = append(data[b][t].T, [2]any{visible(x.Piece), lensRound(float64(x.Prob))})
			}
			for _, x := range c.Pinned {
				data[b][t].P = append(data[b][t].P, [2]any{x.Rank, lensRound(x.Prob)})
			}
		}
		w.WriteString(`</tr>`)
	}
	w.WriteString(`</table></div>`)
	// The detail panel, filled for the output cell (the script refills it).
	fmt.Fprintf(&w, `<div class="detail" id="%s-detail">%s</div>`, id, g.detail(l.Layers, last))
	if len(l.Pinned) > 0 {
		w.WriteString(`<table class="pins"><tr><th>pinned token, rank at the last position</th>`)
		for b := range l.Cells {
			if b == 0 {
				w.WriteString(`<th>emb</th>`)
			} else {
				fmt.Fprintf(&w, `<th>%d</th>`, b)
			}
		}
		w.WriteString(`</tr>`)
		for i, pid := range l.Pinned {
			fmt.Fprintf(&w, `<tr data-pin="%d"><td><span class="tok">%s</span></td>`, pid, esc(visible(l.Cells[0][last].Pinned[i].Piece)))
			for b := range l.Cells {
				pr := l.Cells[b][last].Pinned[i]
				fmt.Fprintf(&w, `<td title="p %s">%d</td>`, num(pr.Prob, 4), pr.Rank)
			}
			w.WriteString(`</tr>`)
		}
		w.WriteString(`</table>`)
	}
	labels := make([]string, len(l.Cells))
	for b := range labels {
		labels[b] = g.rowLabel(b)
	}
	pins := make([]string, len(l.Pinned))
	for i := range l.Pinned {
		pins[i] = visible(l.Cells[0][0].Pinned[i].Piece)
	}
	pieces := make([]string, len(l.Pieces))
	for i, p := range l.Pieces {
		pieces[i] = visible(p)
	}
	js := jsonData(map[string]any{"c": data, "rows": labels, "pins": pins, "toks": pieces})
	w.WriteString(script(id, js, `var det=q(r,".detail"),cur=null;
function show(e){if(cur)cur.classList.remove("sel");cur=e;e.classList.add("sel");var b=+e.getAttribute("data-b"),t=+e.getAttribute("data-t"),c=D.c[b][t];
var h="<b>"+esc(D.rows[b])+" · position "+t+" <span class=tok>"+esc(D.toks[t])+"</span></b><table><tr><th>token</th><th>p</th></tr>";
c.t.forEach(function(x){h+="<tr><td><span class=tok>"+esc(x[0])+"</span></td><td>"+fmtN(x[1],4)+"</td></tr>";});
c.p.forEach(function(x,i){h+="<tr class=pin><td>pinned <span class=tok>"+esc(D.pins[i])+"</span> rank "+x[0]+"</td><td>"+fmtN(x[1],4)+"</td></tr>";});
det.innerHTML=h+"</table>";}
function esc(s){return String(s).replace(/[&<>"]/g,function(ch){return {"&":"&amp;","<":"&lt;",">":"&gt;","\"":"&quot;"}[ch];});}
qa(r,"td.c").forEach(function(e){e.addEventListener("mouseenter",function(){show(e);});e.addEventListener("focus",function(){show(e);});});`))
	w.WriteString(`</div>`)
	return w.String(), nil
}

// detail renders the top tokens and pins of one cell as static HTML (the
// same content the script writes).
func (g LensGrid) detail(b, t int) string {
	l := g.Lens
	c := l.Cells[b][t]
	var w strings.Builder
	fmt.Fprintf(&w, `<b>%s · position %d <span class="tok">%s</span></b><table><tr><th>token</th><th>p</th></tr>`, esc(g.rowLabel(b)), t, esc(visible(l.Pieces[t])))
	for _, x := range c.Top {
		fmt.Fprintf(&w, `<tr><td><span class="tok">%s</span></td><td>%s</td></tr>`, esc(visible(x.Piece)), num(lensRound(float64(x.Prob)), 4))
	}
	for _, x := range c.Pinned {
		fmt.Fprintf(&w, `<tr class="pin"><td>pinned <span class="tok">%s</span> rank %d</td><td>%s</td></tr>`, esc(visible(x.Piece)), x.Rank, num(lensRound(x.Prob), 4))
	}
	w.WriteString(`</table>`)
	return w.String()
}

// Text renders the grid as a plain-text table: the top token and its
// probability in percent per cell, then the pinned ranks.
func (g LensGrid) Text() (string, error) {
	if err := g.check(); err != nil {
		return "", err
	}
	l := g.Lens
	var b strings.Builder
	b.WriteString(g.title() + "\n")
	widths := []int{-20}
	head := []string{"boundary"}
	for _, p := range l.Pieces {
		head = append(head, visible(p))
		widths = append(widths, -14)
	}
	b.WriteString(row(head, widths...))
	for bi, r := range l.Cells {
		cells := []string{g.rowLabel(bi)}
		for _, c := range r {
			cells = append(cells, fmt.Sprintf("%s %.0f%%", lensClip(visible(c.Top[0].Piece), 9), 100*c.Top[0].Prob))
		}
		b.WriteString(row(cells, widths...))
	}
	last := len(l.Pieces) - 1
	for i := range l.Pinned {
		fmt.Fprintf(&b, "pinned %s, rank at the last position by boundary:", visible(l.Cells[0][last].Pinned[i].Piece))
		for bi := range l.Cells {
			fmt.Fprintf(&b, " %d", l.Cells[bi][last].Pinned[i].Rank)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "final answer %s\n", lensQuote(l.Answer.Piece))
	return b.String(), nil
}

func lensQuote(p string) string { return "“" + visible(p) + "”" }

// clip shortens s to at most n runes.
func lensClip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func lensRound(x float64) float64 {
	return float64(int64(x*1e4+0.5)) / 1e4
}
