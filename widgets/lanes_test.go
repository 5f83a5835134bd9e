package widgets_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/how-llms-work/course/ci/browser"
	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/widgets"
)

func demoLanes() widgets.LaneMap { return widgets.LaneMap{Heads: 8, KVHeads: 2, Note: "Qwen3.5-0.8B"} }

func demoKV() widgets.KVCalc {
	return widgets.KVCalc{Title: "KV cache", Cache: llm.KVCache{Layers: 6, KVHeads: 2, HeadDim: 256, Bytes: 2}, Heads: 8, MaxTokens: 262144}
}

func demoGrid() widgets.HeatGrid {
	return widgets.HeatGrid{Title: "distances", Rows: []string{"Q0", "Q1", "Q2"}, Cols: []string{"Q0", "Q1", "Q2"},
		Values: [][]float64{{0, 0.25, 0.5}, {0.25, 0, 0.125}, {0.5, 0.125, 0}},
		Mark:   [][]bool{{false, true, false}, {true, false, false}, {false, false, false}}, MarkNote: "same KV head"}
}

func demoMaps() widgets.HeadMaps {
	return widgets.HeadMaps{Title: "maps", Tokens: []string{"The", " cat", " sat"}, Groups: []int{0, 0, 1},
		Maps: [][][]float32{
			{{1}, {0.5, 0.5}, {0.25, 0.25, 0.5}},
			{{1}, {0.9, 0.1}, {0.7, 0.2, 0.1}},
			{{1}, {0, 1}, {0.1, 0.8, 0.1}},
		}}
}

func TestLaneMap(t *testing.T) {
	l := demoLanes()
	h := mustHTML(t, l)
	doc := checkSelfContained(t, h)
	if n := len(all(doc, class("lane"))); n != 8 {
		t.Errorf("%d lanes, want 8", n)
	}
	if n := len(all(doc, tag("button"))); n != 8 {
		t.Errorf("%d buttons, want 8", n)
	}
	for _, want := range []string{"8 query heads → 2 KV heads (groups of 4)", "Q0, Q1, Q2, Q3", "Q4, Q5, Q6, Q7", "query head 5 reads KV head 1"} {
		if !strings.Contains(h, want) {
			t.Errorf("lane map lacks %q", want)
		}
	}
	txt, _ := l.Text()
	if !strings.Contains(txt, "KV 0 ← Q0, Q1, Q2, Q3\n  KV 1 ← Q4, Q5, Q6, Q7") {
		t.Errorf("text form:\n%s", txt)
	}
	cfg := llm.Qwen35Config()
	if got := widgets.LanesOf(cfg); got.Heads != 8 || got.KVHeads != 2 {
		t.Errorf("LanesOf(Qwen3.5) = %+v", got)
	}
	for _, bad := range []widgets.LaneMap{{}, {Heads: 8, KVHeads: 3}, {Heads: 2, KVHeads: 4}, {Heads: 128, KVHeads: 1}} {
		if _, err := bad.HTML(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

func TestKVCalc(t *testing.T) {
	k := demoKV()
	h := mustHTML(t, k)
	checkSelfContained(t, h)
	// 2·6·2·256·2 B = 12 KiB per token; at 4,096 tokens 48 MiB, MHA 4× that.
	for _, want := range []string{"12.0 KiB", "48.0 MiB", "192.0 MiB", "MHA ÷ GQA = 4.0×, GQA ÷ MQA = 2.0×", "4,096 tokens", "262,144", "3.0 GiB"} {
		if !strings.Contains(h, want) {
			t.Errorf("calculator lacks %q", want)
		}
	}
	txt, _ := k.Text()
	if !strings.Contains(txt, "32,768") || !strings.Contains(txt, "1.5 GiB") || !strings.Contains(txt, "384.0 MiB") {
		t.Errorf("text form:\n%s", txt)
	}
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 2048: "2.0 KiB", 64 << 20: "64.0 MiB", 3 << 30: "3.0 GiB"} {
		if got := widgets.ByteSize(n); got != want {
			t.Errorf("ByteSize(%d) = %q, want %q", n, got, want)
		}
	}
	for _, bad := range []widgets.KVCalc{{}, {Cache: k.Cache, Heads: 1, MaxTokens: 10}, {Cache: k.Cache, Heads: 8, MaxTokens: 10, Tokens: 11}, {Cache: k.Cache, Heads: 8, MaxTokens: 10, Marks: []int{20}}} {
		if _, err := bad.HTML(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

func TestHeatGrid(t *testing.T) {
	g := demoGrid()
	h := mustHTML(t, g)
	doc := checkSelfContained(t, h)
	cells := all(doc, tag("td"))
	if len(cells) != 9 {
		t.Fatalf("%d cells, want 9", len(cells))
	}
	if got := text(cells[1]); got != "0.250*" {
		t.Errorf("cell [0][1] %q, want 0.250*", got)
	}
	if !hasClass(cells[1], "mk") || hasClass(cells[2], "mk") {
		t.Error("marks on the wrong cells")
	}
	// Shading grows with the value: 0 lightest, 0.5 darkest.
	alpha := func(i int) string { s, _ := attr(cells[i], "style"); return s }
	if alpha(0) != "background:rgba(59,130,246,0.08)" || alpha(2) != "background:rgba(59,130,246,0.88)" {
		t.Errorf("shades %q, %q", alpha(0), alpha(2))
	}
	txt, _ := g.Text()
	if !strings.Contains(txt, "Q1    0.250*") || !strings.Contains(txt, "* same KV head") {
		t.Errorf("text form:\n%s", txt)
	}
	for _, bad := range []widgets.HeatGrid{{}, {Rows: []string{"a"}, Cols: []string{"b"}, Values: [][]float64{{math.NaN()}}},
		{Rows: []string{"a"}, Cols: []string{"b", "c"}, Values: [][]float64{{1}}},
		{Rows: []string{"a"}, Cols: []string{"b"}, Values: [][]float64{{1}}, Mark: [][]bool{{true, true}}}} {
		if _, err := bad.HTML(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

func TestHeadMaps(t *testing.T) {
	m := demoMaps()
	h := mustHTML(t, m)
	doc := checkSelfContained(t, h)
	if n := len(all(doc, class("map"))); n != 3 {
		t.Errorf("%d maps, want 3", n)
	}
	// 3 maps × 6 cells, less the zero cell of head 2 (under 0.005).
	if n := len(all(doc, class("bar"))); n != 17 {
		t.Errorf("%d shaded cells, want 17", n)
	}
	for _, want := range []string{"KV 0:", "KV 1:", "<td>2 ·sat</td><td>0.500</td>", "<td>0 The</td><td>0.700</td>", "<td>1 ·cat</td><td>0.800</td>"} {
		if !strings.Contains(h, want) {
			t.Errorf("maps lack %q", want)
		}
	}
	txt, _ := m.Text()
	if !strings.Contains(txt, "Q2 (KV 1): the last query weighs key 1 ·cat most, 0.800") {
		t.Errorf("text form:\n%s", txt)
	}
	bad := demoMaps()
	bad.Maps[1][2][0] = 2
	for _, b := range []widgets.HeadMaps{{}, bad, {Tokens: []string{"a"}, Maps: [][][]float32{{{1}}}}} {
		if _, err := b.HTML(); err == nil {
			t.Errorf("%+v: no error", b)
		}
	}
}

// TestBrowserLanes drives the chapter 5 widgets in headless Chromium: with
// scripts off every number is on the page; with scripts on a lane is picked,
// the context slider recomputes the sizes, and hovering reads cells out.
func TestBrowserLanes(t *testing.T) {
	bin := browser.Need(t)
	lanes, kv, grid, maps := demoLanes(), demoKV(), demoGrid(), demoMaps()
	htmls := []string{mustHTML(t, lanes), mustHTML(t, kv), mustHTML(t, grid), mustHTML(t, maps)}
	page := widgetPage("chapter 5", strings.Join(htmls, "\n"))
	lanesID, kvID, gridID, mapsID := rootID(t, htmls[0]), rootID(t, htmls[1]), rootID(t, htmls[2]), rootID(t, htmls[3])

	t.Run("no script", func(t *testing.T) {
		body := openPage(t, bin, page, "body", false).eval(`document.querySelectorAll(".llmw.js").length+"|"+document.body.innerText`)
		for _, want := range []string{"0|", "Q4, Q5, Q6, Q7", "48.0 MiB", "1.5 GiB", "0.250*", "same KV head", "·cat", "0.800"} {
			if !strings.Contains(body, want) {
				t.Errorf("static page lacks %q", want)
			}
		}
	})

	pg := openPage(t, bin, page, "#"+mapsID, true)
	ctx, eval := pg.ctx, pg.eval
	if got := eval(`document.querySelectorAll(".llmw.js").length+""`); got != "4" {
		t.Errorf("%s live widgets, want 4", got)
	}
	// Pick Q5: its group-mates are Q4, Q6, Q7 and it reads KV 1.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#"+lanesID+"-q5"))); err != nil {
		t.Fatal(err)
	}
	if got := eval(`document.getElementById("` + lanesID + `-out").textContent+"|"+document.getElementById("` + lanesID + `-q5").getAttribute("aria-pressed")`); got != "Q5 reads KV 1, shared with Q4, Q6, Q7|true" {
		t.Errorf("after picking Q5: %q", got)
	}
	if got := eval(`Array.from(document.querySelectorAll("#` + lanesID + ` line.lane")).map(l=>l.style.opacity).join(" ")`); got != "0.12 0.12 0.12 0.12 0.6 1 0.6 0.6" {
		t.Errorf("lane opacities %q", got)
	}
	// The slider at its end: 262,144 tokens; GQA 2·6·2·256·2 B × 262,144 = 3 GiB.
	eval(`(()=>{const s=document.getElementById("` + kvID + `-n");s.value=s.max;s.dispatchEvent(new Event("input"));return ""})()`)
	if got := eval(`document.getElementById("` + kvID + `-tok").textContent+"|"+Array.from(document.querySelectorAll("#` + kvID + ` td.sz")).map(e=>e.textContent).join(" ")`); got != "262,144 tokens|12.0 GiB 3.0 GiB 1.5 GiB" {
		t.Errorf("at the end of the slider: %q", got)
	}
	// Hover a grid cell and a map cell.
	eval(`(()=>{document.querySelectorAll("#` + gridID + ` td")[5].dispatchEvent(new MouseEvent("mouseenter"));return ""})()`)
	if got := eval(`document.getElementById("` + gridID + `-out").textContent`); got != "Q1 · Q2: 0.125" {
		t.Errorf("grid readout %q", got)
	}
	eval(`(()=>{const s=document.querySelector("#` + mapsID + ` svg.map[data-h='2']"),b=s.getBoundingClientRect(),c=b.width/3;s.dispatchEvent(new MouseEvent("mousemove",{clientX:b.left+1.5*c,clientY:b.top+2.5*c}));return ""})()`)
	if got := eval(`document.getElementById("` + mapsID + `-out").textContent`); got != "Q2: query 2 ·sat → key 1 ·cat: 0.800" {
		t.Errorf("map readout %q", got)
	}
	if got := eval(`errs.join("; ")`); got != "" {
		t.Errorf("script errors: %s", got)
	}
}

func TestGridHelpers(t *testing.T) {
	g := widgets.LayerHeadGrid("norms", []int{3, 7}, [][]float64{{1, 2}, {3, 4}}, 2)
	if !slices.Equal(g.Rows, []string{"layer 3", "layer 7"}) || !slices.Equal(g.Cols, []string{"Q0", "Q1"}) || g.Digits != 2 {
		t.Errorf("LayerHeadGrid: %+v", g)
	}
	d := [][]float64{{0, 1, 2, 3}, {1, 0, 4, 5}, {2, 4, 0, 6}, {3, 5, 6, 0}}
	gg := widgets.GroupGrid("d", []int{0, 0, 1, 1}, d)
	txt, err := gg.Text()
	if err != nil {
		t.Fatal(err)
	}
	// Starred: (0,1), (1,0), (2,3), (3,2) only.
	if strings.Count(txt, "*") != 5 || !strings.Contains(txt, "1.000*") || !strings.Contains(txt, "6.000*") || strings.Contains(txt, "2.000*") {
		t.Errorf("GroupGrid text:\n%s", txt)
	}
	k := widgets.KVCalcOf("Qwen3.5-0.8B", llm.Qwen35Config())
	if k.Cache.Layers != 6 || k.Cache.Bytes != 2 || k.Heads != 8 || k.MaxTokens != 262144 || !strings.Contains(k.Title, "6 full-attention layers") {
		t.Errorf("KVCalcOf: %+v", k)
	}
}
