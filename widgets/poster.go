package widgets

import (
	"fmt"
	"strings"

	"github.com/how-llms-work/course/llm"
)

// Poster is the architecture map of a model drawn from its config's tensor
// list (llm.Anatomy): the embedding, one row per layer (norms, mixer, MLP;
// Gated DeltaNet and full-attention mixers in different colours), the final
// norm, the LM head, and the parts the text pass does not use (vision tower,
// MTP head) greyed. Every part opens to its tensors, shapes and parameter
// count (plain <details>, so it works with scripts off); with scripts on,
// two buttons hide or show the DeltaNet and the attention layers.
type Poster struct {
	Title string
	Cfg   *llm.Config
}

// posterMaxRows caps the tensors listed per part (the vision tower has
// hundreds); the rest are summarised in one line.
const posterMaxRows = 12

func (p Poster) check() error {
	if p.Cfg == nil {
		return fmt.Errorf("widgets: Poster needs a config")
	}
	if len(p.Cfg.Tensors()) == 0 {
		return fmt.Errorf("widgets: Poster: the config lists no tensors")
	}
	return nil
}

// headNote says whether the LM head reuses the embedding.
func (p Poster) headNote() string {
	if p.Cfg.TieEmbeddings {
		return fmt.Sprintf("tied: the embedding matrix [%s × %s] again, no parameters of its own", commas(int64(p.Cfg.Vocab)), commas(int64(p.Cfg.Hidden)))
	}
	return "untied: its own matrix"
}

const posterStyle = `<style>
.llmw-poster .row{display:flex;gap:4px;align-items:flex-start;margin:2px 0}
.llmw-poster .row>.lbl{width:64px;font-size:12px;opacity:.75;padding-top:3px}
.llmw-poster details{border:1px solid rgba(128,128,128,.45);border-radius:4px;padding:1px 6px;flex:1;min-width:0}
.llmw-poster details.deltanet{background:rgba(16,185,129,.14)}
.llmw-poster details.attention{background:rgba(59,130,246,.2)}
.llmw-poster details.mlp{background:rgba(245,158,11,.14)}
.llmw-poster details.norms,.llmw-poster details.final-norm{flex:0 0 90px;background:rgba(128,128,128,.1)}
.llmw-poster details.embedding,.llmw-poster details.lm_head{background:rgba(168,85,247,.15)}
.llmw-poster details.vision,.llmw-poster details.mtp{opacity:.6;border-style:dashed}
.llmw-poster td,.llmw-poster th{font-size:12px}
.llmw-poster .n{opacity:.75;font-size:12px}
</style>`

// HTML draws the poster.
func (p Poster) HTML() (string, error) {
	if err := p.check(); err != nil {
		return "", err
	}
	id := newID()
	parts := llm.Anatomy(p.Cfg)
	var b strings.Builder
	title := p.Title
	if title == "" {
		title = "The architecture, from the tensor list"
	}
	fmt.Fprintf(&b, `<div class="llmw llmw-poster" id="%s">%s%s<h4>%s</h4>`, id, style, posterStyle, esc(title))
	b.WriteString(`<div class="ctl"><button data-k="deltanet" aria-pressed="true">Gated DeltaNet layers</button><button data-k="attention" aria-pressed="true">full-attention layers</button></div>`)
	b.WriteString(`<p class="note">Open any box for its tensors. Green: Gated DeltaNet mixer; blue: gated full attention; orange: SwiGLU MLP; dashed: stored but not used by the text pass.</p>`)
	layer := -2
	for _, pt := range parts {
		if pt.Layer != layer {
			if layer != -2 {
				b.WriteString(`</div>`)
			}
			layer = pt.Layer
			lbl, kind := "", ""
			if layer >= 0 {
				lbl = fmt.Sprintf("layer %d", layer+1)
				kind = llm.KindDeltaNet
				if p.Cfg.IsFullAttention(layer) {
					kind = llm.KindAttention
				}
			}
			fmt.Fprintf(&b, `<div class="row" data-kind="%s"><span class="lbl">%s</span>`, kind, esc(lbl))
		} else if layer < 0 {
			b.WriteString(`</div><div class="row" data-kind=""><span class="lbl"></span>`)
		}
		p.part(&b, pt)
		if pt.Kind == llm.KindFinalNorm && p.Cfg.TieEmbeddings {
			fmt.Fprintf(&b, `</div><div class="row" data-kind=""><span class="lbl"></span><details class="lm_head"><summary>LM head · <span class="n">%s</span></summary><p class="note">%s</p></details>`, esc(p.headNote()), esc(p.headNote()))
		}
	}
	b.WriteString(`</div>`)
	b.WriteString(script(id, "0", posterJS))
	b.WriteString(`</div>`)
	return b.String(), nil
}

// part writes one part as a <details> box with its tensor table.
func (p Poster) part(b *strings.Builder, pt llm.Part) {
	cls := strings.ReplaceAll(pt.Kind, " ", "-")
	name := pt.Name
	if pt.Layer >= 0 {
		name = pt.Kind
	}
	fmt.Fprintf(b, `<details class="%s" data-params="%d"><summary>%s · <span class="n">%s</span></summary><table><tr><th>tensor</th><th>shape</th><th>dtype</th><th>parameters</th></tr>`,
		cls, pt.Params(), esc(name), commas(pt.Params()))
	for i, t := range pt.Tensors {
		if i == posterMaxRows {
			fmt.Fprintf(b, `<tr><td colspan="4">… and %d more tensors</td></tr>`, len(pt.Tensors)-i)
			break
		}
		fmt.Fprintf(b, `<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>`, esc(shortName(t.Name)), shape(t.Shape), esc(string(t.DType)), commas(t.Len()))
	}
	fmt.Fprintf(b, `</table><p class="note">%d tensors, %s parameters, %s bytes as stored</p></details>`, len(pt.Tensors), commas(pt.Params()), commas(pt.Bytes()))
}

// shortName drops the text model's prefix and layer number from a name.
func shortName(n string) string {
	n = strings.TrimPrefix(n, "model.language_model.")
	if strings.HasPrefix(n, "layers.") {
		if i := strings.Index(n[len("layers."):], "."); i >= 0 {
			n = n[len("layers.")+i+1:]
		}
	}
	return n
}

func shape(s []int) string {
	var p []string
	for _, d := range s {
		p = append(p, commas(int64(d)))
	}
	return "[" + strings.Join(p, " × ") + "]"
}

const posterJS = `qa(r,"button[data-k]").forEach(function(bt){bt.addEventListener("click",function(){var on=bt.getAttribute("aria-pressed")!=="true";bt.setAttribute("aria-pressed",on?"true":"false");qa(r,'.row[data-kind="'+bt.getAttribute("data-k")+'"]').forEach(function(e){e.hidden=!on;});});});`

// Text lists the parts, one line each.
func (p Poster) Text() (string, error) {
	if err := p.check(); err != nil {
		return "", err
	}
	var b strings.Builder
	for _, pt := range llm.Anatomy(p.Cfg) {
		b.WriteString(row([]string{pt.Name, fmt.Sprintf("%d tensors", len(pt.Tensors)), commas(pt.Params())}, -24, 12, 14))
	}
	return b.String(), nil
}
