package widgets

import (
	"fmt"
	"math"
	"strings"

	"github.com/how-llms-work/course/llm"
)

// LayerStrip draws one value per layer as a row of cells, the stack laid
// on its side: full-attention layers on a warm ramp, Gated DeltaNet layers
// on a cool one, the shade growing with the value (on a log scale when
// Log is set). A table under the strip lists every value and detail, so
// it reads without scripts; with them, pointing at or focusing a cell
// shows its layer, value and detail, and marks its table row.
type LayerStrip struct {
	Title   string
	Layers  []MapLayer
	Values  []float64 // one per layer, each ≥ 0
	Details []string  // optional, one per layer
	Unit    string    // e.g. "nats"
	Log     bool      // shade on a log scale (for values spread over decades)
	Digits  int       // decimals shown; 0 means 3
	Note    string
}

// FromSkips draws a layer-skip ablation (Model.SkipLayers): per layer, the
// KL divergence of the next-token distribution without that layer, on a
// log scale, with the top token it then predicts.
func FromSkips(s *llm.LayerSkips) LayerStrip {
	st := LayerStrip{Title: fmt.Sprintf("KL(full ‖ layer skipped) of the next token after %q", s.Prompt), Unit: "nats", Log: true, Digits: 4}
	if s == nil {
		return st
	}
	for _, l := range s.Layers {
		st.Layers = append(st.Layers, MapLayer{Label: fmt.Sprintf("layer %d", l.Layer), Full: l.Type == llm.FullAttention})
		st.Values = append(st.Values, l.KL)
		st.Details = append(st.Details, fmt.Sprintf("top token without it: %q (p %.3f)", l.Top.Piece, l.Top.Prob))
	}
	if len(s.Base) > 0 {
		st.Note = fmt.Sprintf("With every layer: %q (p %.3f). With none (embedding → final norm → LM head): %q, KL %s nats.", s.Base[0].Piece, s.Base[0].Prob, s.None.Piece, num(s.NoneKL, 2))
	}
	return st
}

// ConfigStrip draws one value per layer of a model's config, each layer
// marked with its kind.
func ConfigStrip(c *llm.Config, values []float64) LayerStrip {
	s := LayerStrip{Values: values}
	for i := range c.Layers {
		s.Layers = append(s.Layers, MapLayer{Label: fmt.Sprintf("layer %d", i), Full: c.IsFullAttention(i)})
	}
	return s
}

func (s LayerStrip) check() error {
	if len(s.Layers) == 0 {
		return fmt.Errorf("widgets: LayerStrip: no layers")
	}
	if err := tooMany("widgets: LayerStrip", len(s.Layers)); err != nil {
		return err
	}
	if len(s.Values) != len(s.Layers) || (s.Details != nil && len(s.Details) != len(s.Layers)) {
		return fmt.Errorf("widgets: LayerStrip: %d values and %d details for %d layers", len(s.Values), len(s.Details), len(s.Layers))
	}
	for i, v := range s.Values {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return fmt.Errorf("widgets: LayerStrip: %s: value %v, want a finite value ≥ 0", s.Layers[i].Label, v)
		}
	}
	return nil
}

func (s LayerStrip) digits() int {
	if s.Digits > 0 {
		return s.Digits
	}
	return 3
}

func (s LayerStrip) detail(i int) string {
	if s.Details == nil {
		return ""
	}
	return s.Details[i]
}

// shadeOf returns cell i's colour.
func (s LayerStrip) shadeOf(i int) string {
	hi := 0.0
	lo := math.Inf(1)
	for _, v := range s.Values {
		hi = math.Max(hi, v)
		if v > 0 {
			lo = math.Min(lo, v)
		}
	}
	v := s.Values[i]
	if !s.Log {
		if hi == 0 {
			return shade(0, 1, 1, s.Layers[i].Full)
		}
		// a linear scale is the log scale of exp(v/hi)
		return shade(math.Exp(v/hi), 1, math.E, s.Layers[i].Full)
	}
	if math.IsInf(lo, 1) {
		lo = 1
	}
	return shade(v, lo, hi, s.Layers[i].Full)
}

// HTML renders the strip and its table.
func (s LayerStrip) HTML() (string, error) {
	if err := s.check(); err != nil {
		return "", err
	}
	id, n := newID(), len(s.Layers)
	cw := max(14, min(56, 640/n))
	var b strings.Builder
	fmt.Fprintf(&b, `<div class="llmw llmw-layerstrip" id="%s">%s`, id, style)
	if s.Title != "" {
		fmt.Fprintf(&b, `<h4>%s</h4>`, esc(s.Title))
	}
	fmt.Fprintf(&b, `<svg class="strip" width="%d" height="44" viewBox="0 0 %[1]d 44" role="group" aria-label="one cell per layer">`, n*cw)
	for i, l := range s.Layers {
		fmt.Fprintf(&b, `<g class="cell" data-i="%d" tabindex="0" role="img" aria-label="%s: %s"><rect x="%d" y="0" width="%d" height="28" fill="%s" stroke="currentColor" stroke-opacity=".3"></rect>`,
			i, esc(l.Label), esc(num(s.Values[i], s.digits())+" "+s.Unit), i*cw, cw-2, s.shadeOf(i))
		mark := "▢"
		if l.Full {
			mark = "◆"
		}
		fmt.Fprintf(&b, `<text x="%d" y="18" text-anchor="middle">%s</text><text x="%[1]d" y="40" text-anchor="middle">%[3]d</text></g>`, i*cw+(cw-2)/2, mark, i)
	}
	b.WriteString(`</svg>`)
	b.WriteString(idf(id, `<p><output id="{id}-out" aria-live="polite"></output></p>`))
	fmt.Fprintf(&b, `<details class="tbl" open><summary>all %d values</summary><table><thead><tr><th scope="col">layer</th><th scope="col">kind</th><th scope="col">%s</th><th scope="col">detail</th></tr></thead><tbody>`, n, esc(strings.TrimSpace("value "+s.Unit)))
	for i, l := range s.Layers {
		kind := "Gated DeltaNet"
		if l.Full {
			kind = "full attention"
		}
		fmt.Fprintf(&b, `<tr class="pick" data-i="%d"><td>%s</td><td>%s</td><td>%s</td><td style="text-align:left">%s</td></tr>`, i, esc(l.Label), kind, num(s.Values[i], s.digits()), esc(s.detail(i)))
	}
	b.WriteString(`</tbody></table></details>`)
	fmt.Fprintf(&b, `<p class="note">◆ full attention (warm), ▢ Gated DeltaNet (cool); darker = larger%s.%s</p>`, map[bool]string{true: ", on a log scale", false: ""}[s.Log], noteSuffix(s.Note))
	b.WriteString(`<style>.llmw-layerstrip g.cell{cursor:pointer}.llmw-layerstrip g.cell.on rect{stroke-opacity:1;stroke-width:2}.llmw-layerstrip:not(.js) details.tbl{display:block}</style>`)
	data := map[string]any{"lab": labels(s.Layers), "full": fullFlags(s.Layers), "v": s.Values, "d": s.Details, "u": s.Unit, "k": s.digits()}
	b.WriteString(script(id, jsonData(data), layerStripJS))
	b.WriteString(`</div>`)
	return b.String(), nil
}

const layerStripJS = `var out=q(r,"output"),tbl=q(r,"details.tbl");
function pick(i){qa(r,"g.cell").forEach(function(g){g.classList.toggle("on",+g.getAttribute("data-i")===i);});
qa(r,"tr.pick").forEach(function(tr){tr.classList.toggle("active",+tr.getAttribute("data-i")===i);});
out.textContent=D.lab[i]+" · "+(D.full[i]?"full attention":"Gated DeltaNet")+": "+fmtN(D.v[i],D.k)+(D.u?" "+D.u:"")+(D.d&&D.d[i]?" · "+D.d[i]:"");}
qa(r,"g.cell").forEach(function(g){var i=+g.getAttribute("data-i");["mouseenter","focus","click"].forEach(function(ev){g.addEventListener(ev,function(){pick(i);});});});
var best=0;for(var i=1;i<D.v.length;i++)if(D.v[i]>D.v[best])best=i;pick(best);`

// Text renders the strip as a table.
func (s LayerStrip) Text() (string, error) {
	if err := s.check(); err != nil {
		return "", err
	}
	var b strings.Builder
	if s.Title != "" {
		b.WriteString(s.Title + "\n")
	}
	for i, l := range s.Layers {
		kind := "Gated DeltaNet"
		if l.Full {
			kind = "full attention"
		}
		b.WriteString(row([]string{l.Label, kind, num(s.Values[i], s.digits()), s.Unit, s.detail(i)}, -10, -15, 10, -4, 0))
	}
	if s.Note != "" {
		b.WriteString(s.Note + "\n")
	}
	return b.String(), nil
}
