package widgets

import (
	"fmt"
	"math"
	"strings"
)

// Layer is one decoder layer as Journey shows it: its kind (the config's
// layer type, "full_attention" or "linear_attention", or "attention" /
// "deltanet") and the L2 norm of the residual stream at the
// last position after the layer.
type Layer struct {
	Kind string
	Norm float64
}

// Journey is the six-stage "follow one token" stepper: text → tokens →
// embeddings → layer stack → logits → sampled token, with the real data and
// its shape at each stage (the ids, a heat strip of the last token's
// embedding row, the residual norm after each layer, the top logits and the
// chosen token). A rail of stage buttons, Back/Next and Play step through
// it; without JavaScript all six stages are shown one after the other.
//
// From the model, fill it with the tokenizer's pieces and ids, the
// embedding row of the last token, the per-layer norms captured in the
// forward pass, TopCandidates of the last logits, and the sampled token.
type Journey struct {
	Title     string
	Prompt    string      // the prompt text
	Tokens    []string    // its token pieces
	IDs       []int       // and ids, one per piece
	Embedding []float32   // embedding row of the last token (hidden size D), as llm.Pass has it
	Layers    []Layer     // one per decoder layer, in order
	VocabSize int         // number of logits (0: unknown)
	Top       []Candidate // highest logits at the last position, best first
	Chosen    Candidate   // the token sampled from them
}

// journeyStages names the six stages.
var journeyStages = [6]string{"Text", "Tokens", "Embeddings", "Layer stack", "Logits", "Sampled token"}

func (j Journey) check() error {
	if len(j.Tokens) == 0 {
		return fmt.Errorf("widgets: Journey: no tokens")
	}
	if len(j.IDs) != len(j.Tokens) {
		return fmt.Errorf("widgets: Journey: %d ids for %d tokens: want one id per token", len(j.IDs), len(j.Tokens))
	}
	if len(j.Embedding) == 0 {
		return fmt.Errorf("widgets: Journey: empty embedding row")
	}
	if len(j.Embedding) > 16384 {
		return fmt.Errorf("widgets: Journey: embedding row of %d values: want at most 16384", len(j.Embedding))
	}
	for i, v := range j.Embedding {
		if err := finite(fmt.Sprintf("widgets: Journey: embedding[%d]", i), v); err != nil {
			return err
		}
	}
	if len(j.Layers) == 0 {
		return fmt.Errorf("widgets: Journey: no layers")
	}
	for i, l := range j.Layers {
		if err := finite(fmt.Sprintf("widgets: Journey: layer %d norm", i), l.Norm); err != nil {
			return err
		}
		if l.Norm < 0 {
			return fmt.Errorf("widgets: Journey: layer %d norm %g: want ≥ 0", i, l.Norm)
		}
	}
	if len(j.Top) == 0 {
		return fmt.Errorf("widgets: Journey: no top logits")
	}
	if err := tooMany("widgets: Journey: top logits", len(j.Top)); err != nil {
		return err
	}
	if len(j.Tokens) > 8*maxRows {
		return fmt.Errorf("widgets: Journey: %d tokens: want at most %d", len(j.Tokens), 8*maxRows)
	}
	if j.VocabSize != 0 && j.VocabSize < len(j.Top) {
		return fmt.Errorf("widgets: Journey: vocabulary of %d smaller than the %d top logits", j.VocabSize, len(j.Top))
	}
	for i, c := range j.Top {
		if err := finite(fmt.Sprintf("widgets: Journey: top %d (%q) logit", i, c.Piece), c.Logit); err != nil {
			return err
		}
		if err := probOK(fmt.Sprintf("widgets: Journey: top %d (%q) prob", i, c.Piece), c.Prob); err != nil {
			return err
		}
	}
	return probOK(fmt.Sprintf("widgets: Journey: chosen %q prob", j.Chosen.Piece), j.Chosen.Prob)
}

func (j Journey) vocab() string {
	if j.VocabSize == 0 {
		return "V"
	}
	return commas(int64(j.VocabSize))
}

// shapes returns the "data now" line of each stage.
func (j Journey) shapes() [6]string {
	n, d, l := len(j.Tokens), len(j.Embedding), len(j.Layers)
	return [6]string{
		fmt.Sprintf("a string of %d characters", len([]rune(j.Prompt))),
		fmt.Sprintf("%s · %d token ids", idList(j.IDs, 12), n),
		fmt.Sprintf("[%d × %d] numbers, one row of %d per token", n, d, d),
		fmt.Sprintf("[%d × %d] after each of %d layers", n, d, l),
		fmt.Sprintf("[%s] logits for the next token", j.vocab()),
		fmt.Sprintf("1 token id: %d", j.Chosen.ID),
	}
}

func idList(ids []int, max int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, id := range ids {
		if i == max {
			fmt.Fprintf(&b, ", … %d more", len(ids)-max)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprint(&b, id)
	}
	b.WriteByte(']')
	return b.String()
}

// HTML renders the stepper.
func (j Journey) HTML() (string, error) {
	if err := j.check(); err != nil {
		return "", err
	}
	id := newID()
	title := j.Title
	if title == "" {
		title = "Follow one token's journey"
	}
	sh := j.shapes()
	var b strings.Builder
	fmt.Fprintf(&b, `<div class="llmw llmw-journey" id="%s">%s<h4>%s</h4><p>%s → ?</p><div class="ctl" role="group" aria-label="stages">`,
		id, style, esc(title), esc(fmt.Sprintf("%q", j.Prompt)))
	for i, s := range journeyStages {
		b.WriteString(idf(id, `<button type="button" id="{id}-r%d" data-s="%d">%d. %s</button>`, i, i, i+1, esc(s)))
	}
	b.WriteString(`</div><div class="ctl">`)
	for _, bt := range [][2]string{{"back", "◀ Back"}, {"next", "Next ▶"}, {"play", "Play"}} {
		b.WriteString(idf(id, `<button type="button" id="{id}-%s">%s</button>`, bt[0], bt[1]))
	}
	b.WriteString(idf(id, `<output id="{id}-status" aria-live="polite">6 stages</output></div>`))
	stage := func(i int, body string) {
		fmt.Fprintf(&b, `<div class="stage" data-s="%d"><p><b>Stage %d / 6 · %s</b> — data now: %s</p>%s</div>`,
			i, i+1, journeyStages[i], esc(sh[i]), body)
	}
	stage(0, `<p>The raw text: <span class="tok">`+esc(j.Prompt)+`</span>. The model cannot read characters; the tokenizer comes first.</p>`)

	var t strings.Builder
	t.WriteString(`<table><thead><tr><th scope="col">token</th><th scope="col">id</th></tr></thead><tbody>`)
	for i, p := range j.Tokens {
		fmt.Fprintf(&t, `<tr><td><span class="tok">%s</span></td><td>%d</td></tr>`, esc(visible(p)), j.IDs[i])
	}
	t.WriteString(`</tbody></table><p class="note">· marks a space: the leading space is part of the token. From here on the model sees only the ids.</p>`)
	stage(1, t.String())

	stage(2, j.heatStrip()+fmt.Sprintf(`<p class="note">Each id selects one row of the embedding table: %d numbers. Shown: the row of the last token %s (red positive, blue negative; min %s, max %s).</p>`,
		len(j.Embedding), `<span class="tok">`+esc(visible(j.Tokens[len(j.Tokens)-1]))+`</span>`, num(minOf(j.Embedding), 3), num(maxOf(j.Embedding), 3)))

	stage(3, j.layerBars()+`<p class="note">The residual stream's size (L2 norm at the last position) after each layer; every layer adds its update to it.</p>`)

	var l strings.Builder
	l.WriteString(`<table><thead><tr><th scope="col">token</th><th scope="col">id</th><th scope="col">logit</th><th scope="col">p</th><th scope="col">bar</th></tr></thead><tbody>`)
	for _, c := range j.Top {
		fmt.Fprintf(&l, `<tr><td><span class="tok">%s</span></td><td>%d</td><td>%s</td><td>%s</td><td>%s</td></tr>`, esc(visible(c.Piece)), c.ID, num(c.Logit, 2), num(c.Prob, 3), bar(c.Prob, 140))
	}
	fmt.Fprintf(&l, `</tbody></table><p class="note">The top %d of %s scores; softmax turns them into probabilities.</p>`, len(j.Top), j.vocab())
	stage(4, l.String())

	stage(5, fmt.Sprintf(`<p>Sampled <span class="tok new">%s</span> (id %d, p = %s). Appended, the text becomes <span class="tok">%s</span>, and the loop runs again.</p>`,
		esc(visible(j.Chosen.Piece)), j.Chosen.ID, num(j.Chosen.Prob, 3), esc(j.Prompt+j.Chosen.Piece)))
	b.WriteString(script(id, jsonData(sh), journeyJS))
	b.WriteString(`</div>`)
	return b.String(), nil
}

func minOf(v []float32) float64 {
	m := math.Inf(1)
	for _, x := range v {
		m = min(m, float64(x))
	}
	return m
}

func maxOf(v []float32) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = max(m, float64(x))
	}
	return m
}

// heatStrip draws the embedding row as one cell per dimension, red for
// positive and blue for negative values, opacity by magnitude (ten levels,
// one path per level, to keep a 1,024-wide row small).
func (j Journey) heatStrip() string {
	e := j.Embedding
	m := 0.0
	for _, v := range e {
		m = max(m, math.Abs(float64(v)))
	}
	if m == 0 {
		m = 1
	}
	var paths [2][10]strings.Builder
	for i, v := range e {
		lvl := min(9, int(math.Abs(float64(v))/m*10))
		sign := 0
		if v < 0 {
			sign = 1
		}
		fmt.Fprintf(&paths[sign][lvl], "M%d 0h1v1h-1z", i)
	}
	// Cells are drawn in unit coordinates and scaled to 640×28, so the
	// viewBox keeps the strip's own aspect ratio (notebook stylesheets set
	// svg { height: auto }).
	var b strings.Builder
	fmt.Fprintf(&b, `<svg width="640" height="28" viewBox="0 0 640 28" role="img" aria-label="heat strip of %d embedding values"><g transform="scale(%.6g 28)">`, len(e), 640/float64(len(e)))
	for s, color := range []string{"#ef4444", "#3b82f6"} {
		for l := range 10 {
			if paths[s][l].Len() > 0 {
				fmt.Fprintf(&b, `<path fill="%s" fill-opacity="%.2f" d="%s"></path>`, color, 0.1+0.09*float64(l), paths[s][l].String())
			}
		}
	}
	b.WriteString(`</g></svg>`)
	return b.String()
}

// layerBars draws one bar per layer, its height the residual norm.
func (j Journey) layerBars() string {
	const w, h, top = 16, 100, 14
	m := 0.0
	for _, l := range j.Layers {
		m = max(m, l.Norm)
	}
	if m == 0 {
		m = 1
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg width="%d" height="%d" viewBox="0 0 %[1]d %[2]d" role="img" aria-label="residual norm after each of %d layers">`, max(len(j.Layers)*w+40, 420), h+top+30, len(j.Layers))
	for i, l := range j.Layers {
		bh := l.Norm / m * h
		color := "#3b82f6"
		if isFullAttention(l.Kind) {
			color = "#f59e0b"
		}
		fmt.Fprintf(&b, `<rect x="%d" y="%.1f" width="%d" height="%.1f" fill="%s"><title>layer %d (%s): norm %s</title></rect>`,
			i*w+2, top+h-bh, w-3, bh, color, i+1, esc(l.Kind), num(l.Norm, 2))
		if i == 0 || (i+1)%6 == 0 {
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">%d</text>`, i*w+2+(w-3)/2, top+h+12, i+1)
		}
	}
	fmt.Fprintf(&b, `<text x="0" y="10">max %s</text><text x="0" y="%d">layer · orange: full attention, blue: linear attention (Gated DeltaNet)</text></svg>`, num(m, 2), top+h+26)
	return b.String()
}

// isFullAttention reports whether a layer kind names softmax attention
// ("full_attention", "attention") rather than a linear-attention/DeltaNet
// layer ("linear_attention", "deltanet").
func isFullAttention(kind string) bool {
	k := strings.ToLower(kind)
	return strings.Contains(k, "full") || k == "attention" || k == "softmax_attention"
}

const journeyJS = `var i=0,timer=null,play=q(r,"button[id$='-play']"),st=q(r,"output"),names=["Text","Tokens","Embeddings","Layer stack","Logits","Sampled token"];
function show(){qa(r,".stage").forEach(function(e){e.classList.toggle("on",+e.getAttribute("data-s")===i);});
qa(r,"button[data-s]").forEach(function(e){e.setAttribute("aria-pressed",String(+e.getAttribute("data-s")===i));});
st.textContent="Stage "+(i+1)+" of 6: "+names[i]+". Data now: "+D[i]+".";}
function go(k){i=Math.max(0,Math.min(5,k));show();if(i===5)stop();}
function stop(){if(timer){clearInterval(timer);timer=null;}play.textContent="Play";play.setAttribute("aria-pressed","false");}
qa(r,"button[data-s]").forEach(function(e){e.addEventListener("click",function(){stop();go(+e.getAttribute("data-s"));});});
q(r,"button[id$='-next']").addEventListener("click",function(){stop();go(i+1);});
q(r,"button[id$='-back']").addEventListener("click",function(){stop();go(i-1);});
play.addEventListener("click",function(){if(timer){stop();return;}if(i===5)i=-1;play.textContent="Pause";play.setAttribute("aria-pressed","true");go(i+1);timer=setInterval(function(){go(i+1);},1500);});
show();`

// Text renders the journey stage by stage.
func (j Journey) Text() (string, error) {
	if err := j.check(); err != nil {
		return "", err
	}
	sh := j.shapes()
	var b strings.Builder
	title := j.Title
	if title == "" {
		title = "Follow one token's journey"
	}
	fmt.Fprintf(&b, "%s: %q → ?\n", title, j.Prompt)
	for i, s := range journeyStages {
		fmt.Fprintf(&b, "%d. %-13s %s\n", i+1, s, sh[i])
	}
	var toks []string
	for i, p := range j.Tokens {
		toks = append(toks, fmt.Sprintf("%s=%d", visible(p), j.IDs[i]))
	}
	fmt.Fprintf(&b, "   tokens: %s\n   layer norms:", strings.Join(toks, " "))
	for _, l := range j.Layers {
		fmt.Fprintf(&b, " %s", num(l.Norm, 1))
	}
	b.WriteString("\n   top logits:")
	for _, c := range j.Top {
		fmt.Fprintf(&b, " %s %s (p %s)", visible(c.Piece), num(c.Logit, 2), num(c.Prob, 3))
	}
	fmt.Fprintf(&b, "\n   sampled: %s (id %d, p = %s)\n", visible(j.Chosen.Piece), j.Chosen.ID, num(j.Chosen.Prob, 3))
	return b.String(), nil
}
