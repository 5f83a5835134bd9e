package widgets

import (
	"fmt"
	"strings"

	"github.com/how-llms-work/course/llm"
)

// The course's chapters, in order: the ribbon's title names the chapter.
var chapterTitles = [...]string{
	"What is an LLM?",
	"Tokenization",
	"Embeddings",
	"Self-attention",
	"Multi-head attention & GQA",
	"Positional encoding (RoPE)",
	"RMSNorm",
	"The MLP block",
	"The full transformer block",
	"LM head & weight tying",
	"Sampling",
	"KV cache & hybrid attention",
	"Training & teacher forcing",
	"Scaling & regularization",
	"From base model to assistant",
	"The whole model, end to end",
}

// Chapters is the number of chapters in the course.
const Chapters = len(chapterTitles)

// ChapterTitle returns the title of chapter n (1-based), or "" when there
// is no such chapter.
func ChapterTitle(n int) string {
	if n < 1 || n > Chapters {
		return ""
	}
	return chapterTitles[n-1]
}

// The six stages of a forward pass, in the order the data flows.
const (
	StageTokenize = "tokenize"
	StageEmbed    = "embed"
	StageLayers   = "layers"
	StageNorm     = "norm"
	StageHead     = "head"
	StageSample   = "sample"
)

var ribbonStages = [...]string{StageTokenize, StageEmbed, StageLayers, StageNorm, StageHead, StageSample}

// ribbonChapters says, for each chapter, which stages it opens and what,
// inside the layer stack, it looks at. Chapters 13–15 are about the whole
// pipeline (training and post-training change every stage at once), and
// chapters 1 and 16 draw the whole of it.
var ribbonChapters = [Chapters]struct {
	lit   []string
	focus string
}{
	{ribbonStages[:], "the outline of the whole pass"},
	{[]string{StageTokenize}, ""},
	{[]string{StageEmbed}, ""},
	{[]string{StageLayers}, "inside each layer: self-attention"},
	{[]string{StageLayers}, "inside each layer: attention heads and their groups"},
	{[]string{StageLayers}, "inside each attention layer: rotary positions"},
	{[]string{StageLayers, StageNorm}, "the RMSNorms before every block, and the final one"},
	{[]string{StageLayers}, "inside each layer: the MLP"},
	{[]string{StageLayers}, "one whole layer, and the residual stream through the stack"},
	{[]string{StageHead}, ""},
	{[]string{StageSample}, ""},
	{[]string{StageLayers}, "what the layers keep between tokens: the KV cache and the DeltaNet state"},
	{nil, "the whole pipeline: training sets every weight at once"},
	{nil, "the whole pipeline: how size and training choices shape every stage"},
	{nil, "the whole pipeline: fine-tuning turns the base model into an assistant"},
	{ribbonStages[:], "every stage, end to end"},
}

// ForwardRibbon is the strip that opens every chapter: the stages of one
// forward pass (Tokenize → Embedding lookup → × N layers → Final RMSNorm →
// LM head → Sampling) with the stages the chapter is about lit. Chapters
// 13–15, about the pipeline as a whole, dim every stage; chapters 1 and 16
// light them all. The static HTML shows every stage with a one-line
// description; with scripts on, clicking a stage shows its description
// only.
type ForwardRibbon struct {
	Chapter int    // 1–16
	Model   string // the model whose sizes are shown (optional)
	Layers  int    // layers in the stack; 0 means Qwen3.5-0.8B's 24
	Full    []int  // 0-based indices of the full-attention layers (optional: drawn as a layer map)
	Hidden  int    // the width of the vectors (optional)
	Vocab   int    // the number of logits (optional)
}

// Ribbon returns the ribbon of a chapter with the sizes of model m (its
// layer count and kinds, its width and vocabulary), or of the published
// Qwen3.5-0.8B when m is nil.
func Ribbon(chapter int, m *llm.Model) ForwardRibbon {
	name, cfg := "Qwen3.5-0.8B", llm.Qwen35Config()
	if m != nil && m.Net != nil {
		name, cfg = m.Name, m.Config()
	}
	return ForwardRibbon{Chapter: chapter, Model: name, Layers: cfg.Layers, Full: cfg.FullAttentionLayers(), Hidden: cfg.Hidden, Vocab: cfg.Vocab}
}

// Lit returns the stages this chapter lights (StageTokenize, …); none for
// the chapters about the whole pipeline.
func (r ForwardRibbon) Lit() ([]string, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	return append([]string(nil), ribbonChapters[r.Chapter-1].lit...), nil
}

// Whole reports whether the chapter is about the pipeline as a whole
// (chapters 13–15): the ribbon dims every stage.
func (r ForwardRibbon) Whole() bool {
	return r.Chapter >= 1 && r.Chapter <= Chapters && len(ribbonChapters[r.Chapter-1].lit) == 0
}

func (r ForwardRibbon) check() error {
	if r.Chapter < 1 || r.Chapter > Chapters {
		return fmt.Errorf("widgets: Ribbon: chapter %d: want 1 to %d", r.Chapter, Chapters)
	}
	if r.Layers < 0 || r.Hidden < 0 || r.Vocab < 0 {
		return fmt.Errorf("widgets: Ribbon: negative size (layers %d, hidden %d, vocab %d)", r.Layers, r.Hidden, r.Vocab)
	}
	seen := map[int]bool{}
	for _, i := range r.Full {
		if i < 0 || i >= r.layers() || seen[i] {
			return fmt.Errorf("widgets: Ribbon: full-attention layer %d: want distinct indices 0 ≤ i < %d", i, r.layers())
		}
		seen[i] = true
	}
	return nil
}

func (r ForwardRibbon) layers() int {
	if r.Layers == 0 {
		return 24
	}
	return r.Layers
}

// stage is one box of the ribbon: its name, what it does (with this
// model's sizes), and the chapters that open it.
type stage struct {
	key, name, sub, what string
	lit                  bool
}

func (r ForwardRibbon) stages() []stage {
	lit := map[string]bool{}
	for _, s := range ribbonChapters[r.Chapter-1].lit {
		lit[s] = true
	}
	hidden, vocab := "a vector", "one score per vocabulary entry"
	if r.Hidden > 0 {
		hidden = "a vector of " + commas(int64(r.Hidden)) + " numbers"
	}
	if r.Vocab > 0 {
		vocab = commas(int64(r.Vocab)) + " scores (logits), one per vocabulary entry"
	}
	n := r.layers()
	kinds, mix := "", "attention or Gated DeltaNet"
	if len(r.Full) > 0 {
		kinds = fmt.Sprintf("%d DeltaNet + %d attention", n-len(r.Full), len(r.Full))
		mix = fmt.Sprintf("Gated DeltaNet in %d layers, full attention in %d", n-len(r.Full), len(r.Full))
	}
	st := []stage{
		{StageTokenize, "Tokenize", "text → ids", "the text is cut into tokens, each an integer id (chapter 2)", false},
		{StageEmbed, "Embedding lookup", "id → vector", "each id selects one row of the embedding matrix: " + hidden + " (chapter 3)", false},
		{StageLayers, fmt.Sprintf("× %d layers", n), kinds, "each layer mixes information across positions (" + mix + ") and then transforms each position (an MLP), adding its result to the running vector (chapters 4–9, 12)", false},
		{StageNorm, "Final RMSNorm", "rescale", "the last running vector is rescaled to a standard size (chapter 7)", false},
		{StageHead, "LM head", "vector → logits", "one dot product per vocabulary entry gives " + vocab + " (chapter 10)", false},
		{StageSample, "Sampling", "logits → token", "softmax turns the scores into probabilities and a rule picks the next token, which is appended and fed back in (chapter 11)", false},
	}
	for i := range st {
		st[i].lit = lit[st[i].key]
	}
	return st
}

func (r ForwardRibbon) title() string {
	return fmt.Sprintf("The forward pass · chapter %d: %s", r.Chapter, chapterTitles[r.Chapter-1])
}

// caption says which stages are lit and whose sizes are shown.
func (r ForwardRibbon) caption() string {
	ch := ribbonChapters[r.Chapter-1]
	var s string
	switch {
	case len(ch.lit) == 0:
		s = "This chapter is about " + ch.focus + " (no single stage is lit)."
	case len(ch.lit) == len(ribbonStages):
		s = "All stages are lit: " + ch.focus + "."
	default:
		var names []string
		for _, st := range r.stages() {
			if st.lit {
				names = append(names, st.name)
			}
		}
		s = "This chapter opens " + strings.Join(names, " and ")
		if ch.focus != "" {
			s += ": " + ch.focus
		}
		s += "."
	}
	if r.Model != "" {
		s += " Sizes are those of " + r.Model + "."
	}
	return s
}

// layerMap draws the layer kinds in order: ▪ full attention, ▫ Gated DeltaNet.
func (r ForwardRibbon) layerMap() string {
	if len(r.Full) == 0 {
		return ""
	}
	full := map[int]bool{}
	for _, i := range r.Full {
		full[i] = true
	}
	var b strings.Builder
	for i := range r.layers() {
		if full[i] {
			b.WriteString("▪")
		} else {
			b.WriteString("▫")
		}
	}
	return b.String()
}

const ribbonStyle = `<style>
.llmw-ribbon ol.rb{list-style:none;display:flex;flex-wrap:wrap;gap:4px;padding:0;margin:4px 0;align-items:stretch}
.llmw-ribbon li.st{border:1px solid rgba(128,128,128,.45);border-radius:5px;padding:3px 8px;min-width:0;opacity:.55}
.llmw-ribbon li.st.lit{opacity:1;background:rgba(59,130,246,.22);border-color:var(--llmw-accent,#3b82f6);font-weight:600}
.llmw-ribbon ol.whole li.st{opacity:.35;border-style:dashed}
.llmw-ribbon li.arrow{align-self:center;opacity:.6;border:0;min-width:0;padding:0}
.llmw-ribbon li.st small{display:block;font-weight:normal;opacity:.8}
.llmw-ribbon .lm{display:block;font-size:10px;letter-spacing:-1px;font-weight:normal}
.llmw-ribbon.js li.st{cursor:pointer}
.llmw-ribbon li.st.sel{outline:2px solid rgba(250,204,21,.8)}
.llmw-ribbon dl{margin:4px 0}.llmw-ribbon dt{font-weight:600}.llmw-ribbon dd{margin:0 0 4px 12px}
</style>`

const ribbonJS = `var st=qa(r,"li.st"),ds=qa(r,"div.stage");
function show(i){st.forEach(function(e,j){e.classList.toggle("sel",j===i);e.setAttribute("aria-pressed",j===i?"true":"false");});ds.forEach(function(e,j){e.classList.toggle("on",j===i);});}
st.forEach(function(e,i){e.tabIndex=0;e.setAttribute("role","button");e.addEventListener("click",function(){show(i);});e.addEventListener("keydown",function(ev){if(ev.key==="Enter"||ev.key===" "){ev.preventDefault();show(i);}});});
show(D.first);`

// HTML renders the strip, then a description per stage.
func (r ForwardRibbon) HTML() (string, error) {
	if err := r.check(); err != nil {
		return "", err
	}
	id := newID()
	var b strings.Builder
	fmt.Fprintf(&b, `<div class="llmw llmw-ribbon" id="%s" data-chapter="%d">%s%s<h4>%s</h4>`, id, r.Chapter, style, ribbonStyle, esc(r.title()))
	cls := "rb"
	if r.Whole() {
		cls += " whole"
	}
	fmt.Fprintf(&b, `<ol class="%s" aria-label="the stages of one forward pass">`, cls)
	first := 0
	found := false
	for i, s := range r.stages() {
		if i > 0 {
			b.WriteString(`<li class="arrow" aria-hidden="true">→</li>`)
		}
		c, mark := "st", ""
		if s.lit {
			c += " lit"
			mark = ` <span class="here" title="this chapter">●</span>`
			if !found {
				first, found = i, true
			}
		}
		fmt.Fprintf(&b, `<li class="%s" data-st="%s" data-i="%d">%s%s<small>%s</small>`, c, s.key, i, esc(s.name), mark, esc(s.sub))
		if s.key == StageLayers {
			if lm := r.layerMap(); lm != "" {
				fmt.Fprintf(&b, `<span class="lm" title="layer kinds in order: ▪ full attention, ▫ Gated DeltaNet">%s</span>`, lm)
			}
		}
		b.WriteString(`</li>`)
	}
	b.WriteString(`</ol>`)
	fmt.Fprintf(&b, `<p class="note">%s</p>`, esc(r.caption()))
	b.WriteString(`<div class="rbd">`)
	for i, s := range r.stages() {
		c := "stage"
		if i == first {
			c += " on"
		}
		fmt.Fprintf(&b, `<div class="%s" data-s="%d"><b>%s</b> — %s</div>`, c, i, esc(s.name), esc(s.what))
	}
	b.WriteString(`</div>`)
	b.WriteString(script(id, jsonData(map[string]any{"first": first}), ribbonJS))
	b.WriteString(`</div>`)
	return b.String(), nil
}

// Text renders the strip on one line, the lit stages in [brackets].
func (r ForwardRibbon) Text() (string, error) {
	if err := r.check(); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(r.title() + "\n")
	var parts []string
	for _, s := range r.stages() {
		if s.lit {
			parts = append(parts, "["+s.name+"]")
		} else {
			parts = append(parts, s.name)
		}
	}
	b.WriteString(strings.Join(parts, " → ") + "\n")
	if lm := r.layerMap(); lm != "" {
		b.WriteString("layers: " + lm + " (▪ full attention, ▫ Gated DeltaNet)\n")
	}
	b.WriteString(r.caption() + "\n")
	return b.String(), nil
}
