package widgets

import (
	"fmt"
	"math"
	"strings"

	"github.com/how-llms-work/course/llm"
)

// MapLayer is one row of a LayerMap or one cell of a LayerStrip: a layer's
// label and whether it is a full-attention layer (else Gated DeltaNet).
type MapLayer struct {
	Label string
	Full  bool
}

// LayerMap is a heatmap of the residual stream's size through the stack:
// one row per layer, one column per capture point inside the layer, each
// cell the L2 norm of a position's vector there. Full-attention rows are
// shaded on a warm ramp, Gated DeltaNet rows on a cool one, both on one
// log scale. Without scripts it shows the mean over positions; with them a
// selector shows any one position, and a stepper replays the pass layer by
// layer, with the current layer's seven values drawn as bars beside it.
type LayerMap struct {
	Title  string
	Points []string      // the columns (llm.BlockPoints)
	Layers []MapLayer    // the rows, first layer first
	Tokens []string      // the positions' pieces
	Norms  [][][]float64 // [layer][point][position], each ≥ 0
	Note   string
}

// FromBlockNorms draws the capture-point norms of a pass (Pass.BlockNorms).
func FromBlockNorms(p *llm.Pass) (LayerMap, error) {
	norms, err := p.BlockNorms()
	if err != nil {
		return LayerMap{}, err
	}
	m := LayerMap{Points: llm.BlockPoints(), Tokens: p.Pieces, Norms: norms,
		Title: fmt.Sprintf("L2 norm at each capture point of each layer · %q", p.Prompt)}
	for i, l := range p.Capture.Layers {
		m.Layers = append(m.Layers, MapLayer{Label: fmt.Sprintf("layer %d", i), Full: l.Type == llm.FullAttention})
	}
	return m, nil
}

// maxLayerMapTokens bounds the positions a LayerMap carries (its data grows with
// layers × points × positions).
const maxLayerMapTokens = 64

func (m LayerMap) check() error {
	if len(m.Layers) == 0 || len(m.Points) == 0 || len(m.Tokens) == 0 {
		return fmt.Errorf("widgets: LayerMap: %d layers, %d points, %d positions: want at least one of each", len(m.Layers), len(m.Points), len(m.Tokens))
	}
	if len(m.Layers) > maxRows || len(m.Points) > 16 || len(m.Tokens) > maxLayerMapTokens {
		return fmt.Errorf("widgets: LayerMap: %d layers, %d points, %d positions: want at most %d, 16 and %d", len(m.Layers), len(m.Points), len(m.Tokens), maxRows, maxLayerMapTokens)
	}
	if len(m.Norms) != len(m.Layers) {
		return fmt.Errorf("widgets: LayerMap: %d rows of norms for %d layers", len(m.Norms), len(m.Layers))
	}
	for i, l := range m.Norms {
		if len(l) != len(m.Points) {
			return fmt.Errorf("widgets: LayerMap: layer %d has %d points, want %d", i, len(l), len(m.Points))
		}
		for j, ps := range l {
			if len(ps) != len(m.Tokens) {
				return fmt.Errorf("widgets: LayerMap: layer %d point %q has %d positions, want %d", i, m.Points[j], len(ps), len(m.Tokens))
			}
			for t, v := range ps {
				if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
					return fmt.Errorf("widgets: LayerMap: layer %d point %q position %d is %v: want a finite value ≥ 0", i, m.Points[j], t, v)
				}
			}
		}
	}
	return nil
}

// Mean returns the norms averaged over positions, [layer][point].
func (m LayerMap) Mean() [][]float64 {
	out := make([][]float64, len(m.Norms))
	for i, l := range m.Norms {
		out[i] = make([]float64, len(l))
		for j, ps := range l {
			var s float64
			for _, v := range ps {
				s += v
			}
			out[i][j] = s / float64(len(ps))
		}
	}
	return out
}

// The two ramps: Gated DeltaNet layers cool, full-attention layers warm.
var (
	coolRamp = [2][3]float64{{79, 70, 229}, {147, 51, 234}}
	warmRamp = [2][3]float64{{249, 201, 122}, {239, 68, 68}}
)

// shade returns the cell colour of value v on the log scale [lo, hi].
func shade(v, lo, hi float64, full bool) string {
	f := 0.0
	if v > 0 && hi > lo {
		f = math.Max(0, math.Min(1, (math.Log(v)-math.Log(lo))/(math.Log(hi)-math.Log(lo))))
	}
	r := coolRamp
	if full {
		r = warmRamp
	}
	c := func(k int) int { return int(math.Round(r[0][k] + f*(r[1][k]-r[0][k]))) }
	return fmt.Sprintf("rgba(%d,%d,%d,%.2f)", c(0), c(1), c(2), 0.15+0.7*f)
}

// logRange returns the smallest positive and the largest value of m.
func logRange(vals [][][]float64) (lo, hi float64) {
	lo, hi = math.Inf(1), 0
	for _, l := range vals {
		for _, ps := range l {
			for _, v := range ps {
				if v > 0 {
					lo = math.Min(lo, v)
				}
				hi = math.Max(hi, v)
			}
		}
	}
	if math.IsInf(lo, 1) {
		lo = 1
	}
	return lo, hi
}

func (m LayerMap) kind(i int) string {
	if m.Layers[i].Full {
		return "full attention"
	}
	return "Gated DeltaNet"
}

// HTML renders the heatmap table, the position selector, the stepper and
// the bars of the current layer.
func (m LayerMap) HTML() (string, error) {
	if err := m.check(); err != nil {
		return "", err
	}
	id, mean := newID(), m.Mean()
	lo, hi := logRange(m.Norms)
	var b strings.Builder
	fmt.Fprintf(&b, `<div class="llmw llmw-layermap" id="%s">%s`, id, style)
	title := m.Title
	if title == "" {
		title = "L2 norm at each capture point of each layer"
	}
	fmt.Fprintf(&b, `<h4>%s</h4>`, esc(title))
	b.WriteString(idf(id, `<div class="ctl"><label class="js-only" for="{id}-pos">position</label> <select class="js-only" id="{id}-pos"><option value="-1" selected>mean over all %d positions</option>`, len(m.Tokens)))
	b.WriteString(`</select>`) // the positions' options are added by the script
	for _, bt := range [][2]string{{"reset", "Reset"}, {"back", "◀ Back"}, {"step", "Step ▶"}, {"play", "Play"}} {
		b.WriteString(idf(id, `<button type="button" id="{id}-%s">%s</button>`, bt[0], bt[1]))
	}
	b.WriteString(idf(id, `<output id="{id}-status" aria-live="polite">%d layers</output></div>`, len(m.Layers)))
	b.WriteString(`<div style="display:flex;gap:12px;flex-wrap:wrap;align-items:flex-start"><table class="map"><thead><tr><th scope="col">layer</th>`)
	for _, p := range m.Points {
		fmt.Fprintf(&b, `<th scope="col">%s</th>`, esc(p))
	}
	b.WriteString(`</tr></thead><tbody>`)
	for i, l := range m.Layers {
		mark := "▢"
		if l.Full {
			mark = "◆"
		}
		fmt.Fprintf(&b, `<tr data-l="%d"><th scope="row" title="%s">%s %s</th>`, i, esc(m.kind(i)), mark, esc(l.Label))
		for j := range m.Points {
			fmt.Fprintf(&b, `<td data-p="%d" style="background:%s">%s</td>`, j, shade(mean[i][j], lo, hi, l.Full), num(mean[i][j], 2))
		}
		b.WriteString(`</tr>`)
	}
	b.WriteString(`</tbody></table>`)
	b.WriteString(idf(id, `<div class="side" hidden><p><b id="{id}-head"></b></p><svg id="{id}-bars" width="240" height="%d" viewBox="0 0 240 %[1]d" role="img" aria-label="the current layer's values at its capture points"></svg></div></div>`, 18*len(m.Points)+4))
	fmt.Fprintf(&b, `<p class="note">◆ full attention (warm shades), ▢ Gated DeltaNet (cool shades); shade on one log scale from %s to %s. Without scripts: the mean over positions.%s</p>`,
		num(lo, 2), num(hi, 2), noteSuffix(m.Note))
	b.WriteString(`<style>.llmw-layermap table.map td{min-width:52px}.llmw-layermap tr.cut td{opacity:.25}.llmw-layermap tr.cur th{outline:2px solid var(--llmw-accent,#3b82f6)}.llmw-layermap:not(.js) .js-only{display:none}.llmw-layermap .lb{padding:0 4px;white-space:nowrap}</style>`)
	data := map[string]any{"n": roundAll(m.Norms), "mean": roundRows(mean), "pts": m.Points, "full": fullFlags(m.Layers),
		"lab": labels(m.Layers), "tok": visibleAll(m.Tokens), "lo": lo, "hi": hi, "warm": warmRamp, "cool": coolRamp}
	b.WriteString(script(id, jsonData(data), layerMapJS))
	b.WriteString(`</div>`)
	return b.String(), nil
}

func noteSuffix(n string) string {
	if n == "" {
		return ""
	}
	return " " + esc(n)
}

func fullFlags(ls []MapLayer) []bool {
	out := make([]bool, len(ls))
	for i, l := range ls {
		out[i] = l.Full
	}
	return out
}

func labels(ls []MapLayer) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.Label
	}
	return out
}

// round4 keeps 4 significant decimals, which is what the cells show.
func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }

func roundRows(v [][]float64) [][]float64 {
	out := make([][]float64, len(v))
	for i, r := range v {
		out[i] = make([]float64, len(r))
		for j, x := range r {
			out[i][j] = round4(x)
		}
	}
	return out
}

func roundAll(v [][][]float64) [][][]float64 {
	out := make([][][]float64, len(v))
	for i, r := range v {
		out[i] = roundRows(r)
	}
	return out
}

const layerMapJS = `var L=D.full.length,P=D.pts.length,cur=L-1,pos=-1,timer=null,sel=q(r,"select"),play=q(r,"button[id$='-play']"),st=q(r,"output"),side=q(r,".side"),head=q(r,"b[id$='-head']"),svg=q(r,"svg[id$='-bars']");
function val(l,p){return pos<0?D.mean[l][p]:D.n[l][p][pos];}
function shade(v,full){var f=0;if(v>0&&D.hi>D.lo)f=Math.max(0,Math.min(1,(Math.log(v)-Math.log(D.lo))/(Math.log(D.hi)-Math.log(D.lo))));var R=full?D.warm:D.cool;var c=[0,1,2].map(function(k){return Math.round(R[0][k]+f*(R[1][k]-R[0][k]));});return "rgba("+c.join(",")+","+(0.15+0.7*f).toFixed(2)+")";}
function draw(){qa(r,"tr[data-l]").forEach(function(tr){var l=+tr.getAttribute("data-l");tr.classList.toggle("cut",l>cur);tr.classList.toggle("cur",l===cur);
qa(tr,"td").forEach(function(td){var p=+td.getAttribute("data-p"),v=val(l,p);td.textContent=fmtN(v,2);td.style.background=shade(v,D.full[l]);});});
side.hidden=false;head.textContent=D.lab[cur]+" · "+(D.full[cur]?"full attention":"Gated DeltaNet");
var top=0;for(var p=0;p<P;p++)top=Math.max(top,val(cur,p));var s="";
for(p=0;p<P;p++){var v=val(cur,p),w=top>0?v/top*120:0;s+='<text x="0" y="'+(18*p+13)+'">'+D.pts[p]+'</text><rect class="bar" x="80" y="'+(18*p+3)+'" height="12" width="'+w.toFixed(1)+'"></rect><text class="bv" x="'+(84+w).toFixed(1)+'" y="'+(18*p+13)+'">'+fmtN(v,2)+'</text>';}
svg.innerHTML=s;st.textContent="step "+(cur+1)+" of "+L+": "+D.lab[cur]+", "+(pos<0?"mean over positions":"position "+pos);}
function go(k){cur=Math.max(0,Math.min(L-1,k));draw();if(cur===L-1)stop();}
function stop(){if(timer){clearInterval(timer);timer=null;}play.textContent="Play";play.setAttribute("aria-pressed","false");}
D.tok.forEach(function(p,t){var o=document.createElement("option");o.value=String(t);o.textContent=t+" "+p;sel.appendChild(o);});
qa(r,"tr[data-l] th").forEach(function(th){var l=th.parentNode.getAttribute("data-l"),b=document.createElement("button");b.type="button";b.className="lb";b.setAttribute("data-l",l);b.textContent=th.textContent;th.textContent="";th.appendChild(b);});
sel.addEventListener("change",function(){pos=+sel.value;draw();});
qa(r,"button.lb").forEach(function(e){e.addEventListener("click",function(){stop();go(+e.getAttribute("data-l"));});});
q(r,"button[id$='-step']").addEventListener("click",function(){stop();go(cur+1);});
q(r,"button[id$='-back']").addEventListener("click",function(){stop();go(cur-1);});
q(r,"button[id$='-reset']").addEventListener("click",function(){stop();go(0);});
play.addEventListener("click",function(){if(timer){stop();return;}if(cur===L-1)cur=-1;play.textContent="Pause";play.setAttribute("aria-pressed","true");go(cur+1);timer=setInterval(function(){go(cur+1);},600);});
draw();`

// Text renders the mean over positions as a table.
func (m LayerMap) Text() (string, error) {
	if err := m.check(); err != nil {
		return "", err
	}
	var b strings.Builder
	title := m.Title
	if title == "" {
		title = "L2 norm at each capture point of each layer"
	}
	fmt.Fprintf(&b, "%s (mean over %d positions)\n", title, len(m.Tokens))
	widths := []int{-22}
	head := []string{"layer"}
	for _, p := range m.Points {
		head = append(head, p)
		widths = append(widths, max(11, len([]rune(p))))
	}
	b.WriteString(row(head, widths...))
	for i, l := range m.Mean() {
		cells := []string{m.Layers[i].Label + " · " + m.kind(i)}
		for _, v := range l {
			cells = append(cells, num(v, 2))
		}
		b.WriteString(row(cells, widths...))
	}
	return b.String(), nil
}

// visibleAll applies visible to every piece.
func visibleAll(pieces []string) []string {
	out := make([]string, len(pieces))
	for i, p := range pieces {
		out[i] = visible(p)
	}
	return out
}
