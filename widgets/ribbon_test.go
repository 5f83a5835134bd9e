package widgets_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/how-llms-work/course/ci/browser"
	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/widgets"
)

// The stages each chapter lights, as the course's chapter plan describes
// them: one stage per component chapter, none for the chapters about the
// whole pipeline (13–15), all for the overview chapters (1 and 16).
var wantLit = map[int][]string{
	1: {"tokenize", "embed", "layers", "norm", "head", "sample"},
	2: {"tokenize"}, 3: {"embed"},
	4: {"layers"}, 5: {"layers"}, 6: {"layers"}, 7: {"layers", "norm"}, 8: {"layers"}, 9: {"layers"},
	10: {"head"}, 11: {"sample"}, 12: {"layers"},
	13: {}, 14: {}, 15: {},
	16: {"tokenize", "embed", "layers", "norm", "head", "sample"},
}

func TestRibbonChapters(t *testing.T) {
	if len(wantLit) != widgets.Chapters {
		t.Fatalf("the test covers %d chapters, the course has %d", len(wantLit), widgets.Chapters)
	}
	for ch := 1; ch <= widgets.Chapters; ch++ {
		r := widgets.Ribbon(ch, nil)
		lit, err := r.Lit()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(lit, wantLit[ch]) {
			t.Errorf("chapter %d lights %v, want %v", ch, lit, wantLit[ch])
		}
		if r.Whole() != (ch >= 13 && ch <= 15) {
			t.Errorf("chapter %d: Whole() = %v", ch, r.Whole())
		}
		h := mustHTML(t, r)
		doc := checkSelfContained(t, h)
		stages := all(doc, class("st"))
		if len(stages) != 6 {
			t.Fatalf("chapter %d: %d stages drawn, want 6", ch, len(stages))
		}
		var drawn []string
		for _, s := range stages {
			if hasClass(s, "lit") {
				v, _ := attr(s, "data-st")
				drawn = append(drawn, v)
			}
		}
		if !slices.Equal(drawn, wantLit[ch]) {
			t.Errorf("chapter %d: the HTML lights %v, want %v", ch, drawn, wantLit[ch])
		}
		if got := len(all(doc, class("whole"))); got != map[bool]int{true: 1, false: 0}[r.Whole()] {
			t.Errorf("chapter %d: %d strips marked whole", ch, got)
		}
		// Readable without scripts: every stage's description is in the
		// static HTML, and the title names the chapter.
		if got := len(all(doc, class("stage"))); got != 6 {
			t.Errorf("chapter %d: %d stage descriptions, want 6", ch, got)
		}
		title := text(all(doc, tag("h4"))[0])
		if want := fmt.Sprintf("chapter %d: %s", ch, widgets.ChapterTitle(ch)); !strings.HasSuffix(title, want) {
			t.Errorf("chapter %d: title %q, want suffix %q", ch, title, want)
		}
		txt, err := r.Text()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Count(txt, "[") != len(wantLit[ch]) {
			t.Errorf("chapter %d: text form brackets %d stages, want %d:\n%s", ch, strings.Count(txt, "["), len(wantLit[ch]), txt)
		}
	}
}

// TestRibbonSizes checks the sizes the ribbon shows against the configs
// they come from: the published Qwen3.5-0.8B and the embedded model.
func TestRibbonSizes(t *testing.T) {
	pub := widgets.Ribbon(2, nil)
	txt, err := pub.Text()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"× 24 layers", "▫▫▫▪▫▫▫▪▫▫▫▪▫▫▫▪▫▫▫▪▫▫▫▪", "[Tokenize] → Embedding lookup", "Qwen3.5-0.8B"} {
		if !strings.Contains(txt, want) {
			t.Errorf("published ribbon text lacks %q:\n%s", want, txt)
		}
	}
	h := mustHTML(t, pub)
	for _, want := range []string{"18 DeltaNet + 6 attention", "Gated DeltaNet in 18 layers, full attention in 6", "248,320 scores", "1,024 numbers"} {
		if !strings.Contains(h, want) {
			t.Errorf("published ribbon HTML lacks %q", want)
		}
	}

	m, err := llm.LoadTiny()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	r := widgets.Ribbon(4, m)
	cfg := m.Config()
	full := cfg.FullAttentionLayers()
	if r.Layers != cfg.Layers || !slices.Equal(r.Full, full) || r.Vocab != cfg.Vocab || r.Model != m.Name {
		t.Fatalf("ribbon of %s: %+v, config has %d layers (full %v), vocab %d", m.Name, r, cfg.Layers, full, cfg.Vocab)
	}
	txt, err = r.Text()
	if err != nil {
		t.Fatal(err)
	}
	// The layer map has one mark per layer, ▪ exactly at the full-attention layers.
	line := ""
	for _, l := range strings.Split(txt, "\n") {
		if s, ok := strings.CutPrefix(l, "layers: "); ok {
			line, _, _ = strings.Cut(s, " ")
		}
	}
	marks := []rune(line)
	if len(marks) != cfg.Layers {
		t.Fatalf("layer map %q has %d marks, the model %d layers", line, len(marks), cfg.Layers)
	}
	for i, c := range marks {
		if (c == '▪') != cfg.IsFullAttention(i) {
			t.Errorf("layer %d drawn %c, full attention: %v", i, c, cfg.IsFullAttention(i))
		}
	}
	if want := fmt.Sprintf("× %d layers", cfg.Layers); !strings.Contains(txt, "["+want+"]") {
		t.Errorf("chapter 4 on %s should light %q:\n%s", m.Name, want, txt)
	}
}

func TestRibbonErrors(t *testing.T) {
	for _, r := range []widgets.ForwardRibbon{
		{Chapter: 0},
		{Chapter: 17},
		{Chapter: 1, Layers: 4, Full: []int{4}},
		{Chapter: 1, Layers: 4, Full: []int{3, 3}},
		{Chapter: 1, Layers: -1},
	} {
		if _, err := r.HTML(); err == nil {
			t.Errorf("%+v: HTML gave no error", r)
		}
		if _, err := r.Text(); err == nil {
			t.Errorf("%+v: Text gave no error", r)
		}
		if _, err := r.Lit(); err == nil {
			t.Errorf("%+v: Lit gave no error", r)
		}
	}
	if widgets.ChapterTitle(0) != "" || widgets.ChapterTitle(17) != "" || widgets.ChapterTitle(1) != "What is an LLM?" {
		t.Error("ChapterTitle out of range or wrong")
	}
}

// TestRibbonInBrowser shows two ribbons on a page, once with scripts off
// (every stage and its description visible) and once with them on
// (clicking a stage shows its description only).
func TestRibbonInBrowser(t *testing.T) {
	bin := browser.Need(t)
	r2, r14 := widgets.Ribbon(2, nil), widgets.Ribbon(14, nil)
	h2, h14 := mustHTML(t, r2), mustHTML(t, r14)
	page := widgetPage("ribbon", h2+h14)
	id := rootID(t, h2)

	for _, scripts := range []bool{false, true} {
		pg := openPage(t, bin, page, "#"+id, scripts)
		ctx, eval := pg.ctx, pg.eval
		shown := func() string {
			return eval(`Array.from(document.querySelectorAll("#` + id + ` .stage")).filter(e=>getComputedStyle(e).display!=="none").map(e=>e.getAttribute("data-s")).join(",")`)
		}
		lit := eval(`Array.from(document.querySelectorAll("#` + id + ` li.st")).filter(e=>getComputedStyle(e).opacity==="1").map(e=>e.getAttribute("data-st")).join(",")`)
		if lit != "tokenize" {
			t.Errorf("scripts %v: fully opaque stages %q, want tokenize", scripts, lit)
		}
		if !scripts {
			if got := shown(); got != "0,1,2,3,4,5" {
				t.Errorf("without scripts the descriptions shown are %q, want all six", got)
			}
			body := eval(`document.body.innerText`)
			for _, want := range []string{"Tokenize", "× 24 layers", "Final RMSNorm", "chapter 14: Scaling & regularization", "no single stage is lit"} {
				if !strings.Contains(body, want) {
					t.Errorf("the static page lacks %q", want)
				}
			}
			continue
		}
		if got := shown(); got != "0" {
			t.Errorf("with scripts, shown at start: %q, want 0 (the lit stage)", got)
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#`+id+` li.st[data-st="head"]`))); err != nil {
			t.Fatal(err)
		}
		if got := shown(); got != "4" {
			t.Errorf("after clicking LM head: %q, want 4", got)
		}
		if got := eval(`document.querySelector("#` + id + ` li.st[data-st=head]").getAttribute("aria-pressed")`); got != "true" {
			t.Errorf("LM head aria-pressed %q", got)
		}
		if got := eval(`errs.join("; ")`); got != "" {
			t.Errorf("script errors: %s", got)
		}
		pg.screenshot("ribbon.png")
	}
}

func ExampleRibbon() {
	txt, _ := widgets.Ribbon(10, nil).Text()
	fmt.Print(txt)
	// Output:
	// The forward pass · chapter 10: LM head & weight tying
	// Tokenize → Embedding lookup → × 24 layers → Final RMSNorm → [LM head] → Sampling
	// layers: ▫▫▫▪▫▫▫▪▫▫▫▪▫▫▫▪▫▫▫▪▫▫▫▪ (▪ full attention, ▫ Gated DeltaNet)
	// This chapter opens LM head. Sizes are those of Qwen3.5-0.8B.
}
