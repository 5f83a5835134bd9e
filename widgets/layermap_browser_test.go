package widgets_test

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/how-llms-work/course/ci/browser"
	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/widgets"
)

// layerPage renders a LayerMap and a LayerStrip of the tiny model as one
// page that records the scripts' uncaught errors.
func layerPage(t *testing.T) (page, mapID, stripID string, lm widgets.LayerMap, s *llm.LayerSkips) {
	t.Helper()
	p := tinyPass(t)
	lm, err := widgets.FromBlockNorms(p)
	if err != nil {
		t.Fatal(err)
	}
	m, err := llm.LoadTiny()
	if err != nil {
		t.Fatal(err)
	}
	s = m.MustSkipLayers(p.Prompt)
	hm, hs := mustHTML(t, lm), mustHTML(t, widgets.FromSkips(s))
	page = widgetPage("layers", hm+hs)
	return page, rootID(t, hm), rootID(t, hs), lm, s
}

// TestLayerMapBrowser drives the heatmap's stepper and position selector
// and the ablation strip in headless Chromium, checking what is drawn
// against the norms and KL values.
func TestLayerMapBrowser(t *testing.T) {
	bin := browser.Need(t)
	page, id, sid, lm, s := layerPage(t)
	pg := openPage(t, bin, page, "#"+sid, true)
	ctx, eval := pg.ctx, pg.eval
	click := func(sel string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
			t.Fatalf("click %s: %v", sel, err)
		}
	}
	L, mean := len(lm.Layers), lm.Mean()
	f2 := func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
	cut := func() string {
		return eval(`Array.from(document.querySelectorAll("#` + id + ` tr[data-l]")).map(e=>e.classList.contains("cut")?"x":e.classList.contains("cur")?"C":".").join("")`)
	}
	bars := func() string {
		return eval(`Array.from(document.querySelectorAll("#` + id + ` svg text.bv")).map(e=>e.textContent).join(" ")`)
	}
	wantBars := func(vals []float64) string {
		var s []string
		for _, v := range vals {
			s = append(s, f2(v))
		}
		return strings.Join(s, " ")
	}
	if got := eval(`document.querySelectorAll(".llmw.js").length+""`); got != "2" {
		t.Fatalf("%s live widgets, want 2", got)
	}
	if got := cut(); got != strings.Repeat(".", L-1)+"C" {
		t.Errorf("initially %q, want every layer shown and the last current", got)
	}
	// Reset, then two steps: layer 2 is current, the later ones dimmed.
	click("#" + id + "-reset")
	click("#" + id + "-step")
	click("#" + id + "-step")
	if got := cut(); got != ".."+"C"+strings.Repeat("x", L-3) {
		t.Errorf("after reset and two steps %q", got)
	}
	for j, v := range mean[2] {
		mean[2][j] = math.Round(v*1e4) / 1e4
	}
	if got := bars(); got != wantBars(mean[2]) {
		t.Errorf("layer 2 bars %q, want %q", got, wantBars(mean[2]))
	}
	click("#" + id + "-back")
	if got := eval(`document.getElementById("` + id + `-head").textContent`); got != lm.Layers[1].Label+" · Gated DeltaNet" {
		t.Errorf("after back: %q", got)
	}
	// A full-attention layer's button, with the keyboard.
	full := tinyPass(t).Capture.Layers
	fl := -1
	for i, l := range full {
		if l.Type == llm.FullAttention {
			fl = i
			break
		}
	}
	if err := chromedp.Do(ctx, chromedp.Focus(chromedp.CSS(fmt.Sprintf("#%s button.lb[data-l='%d']", id, fl))), chromedp.KeyEvent(kb.Enter)); err != nil {
		t.Fatal(err)
	}
	if got := eval(`document.getElementById("` + id + `-head").textContent`); got != lm.Layers[fl].Label+" · full attention" {
		t.Errorf("after choosing layer %d: %q", fl, got)
	}
	// One position: every cell shows that position's norm.
	eval(`(()=>{const s=document.getElementById("` + id + `-pos");s.value="2";s.dispatchEvent(new Event("change"));return ""})()`)
	got := eval(`Array.from(document.querySelectorAll("#` + id + ` tr[data-l] td")).map(e=>e.textContent).join(" ")`)
	var want []string
	for i := range L {
		for j := range lm.Points {
			want = append(want, f2(math.Round(lm.Norms[i][j][2]*1e4)/1e4)) // the widget sends 4 decimals
		}
	}
	if got != strings.Join(want, " ") {
		t.Errorf("position 2 cells:\n%s\nwant\n%s", got, strings.Join(want, " "))
	}
	if got := eval(`document.getElementById("` + id + `-pos").options.length+""`); got != strconv.Itoa(len(lm.Tokens)+1) {
		t.Errorf("%s options, want the mean and %d positions", got, len(lm.Tokens))
	}
	// Play advances on its own; a second click pauses.
	click("#" + id + "-reset")
	click("#" + id + "-play")
	time.Sleep(1500 * time.Millisecond)
	click("#" + id + "-play")
	if c := cut(); strings.Index(c, "C") < 1 {
		t.Errorf("after 1.5 s of play the current layer is at %d (%q)", strings.Index(c, "C"), c)
	}
	// The strip: the largest KL is picked at first; focus another cell.
	best := 0
	for i, l := range s.Layers {
		if l.KL > s.Layers[best].KL {
			best = i
		}
	}
	if got := eval(`document.getElementById("` + sid + `-out").textContent`); !strings.HasPrefix(got, fmt.Sprintf("layer %d ·", best)) {
		t.Errorf("strip initially says %q, want layer %d", got, best)
	}
	if err := chromedp.Do(ctx, chromedp.Focus(chromedp.CSS("#"+sid+" g.cell[data-i='2']"))); err != nil {
		t.Fatal(err)
	}
	kl := strconv.FormatFloat(s.Layers[2].KL, 'f', 4, 64)
	if got := eval(`document.getElementById("` + sid + `-out").textContent`); !strings.Contains(got, "layer 2 · ") || !strings.Contains(got, kl+" nats") || !strings.Contains(got, strconv.Quote(s.Layers[2].Top.Piece)) {
		t.Errorf("strip on layer 2: %q, want KL %s", got, kl)
	}
	if got := eval(`document.querySelector("#` + sid + ` tr.pick.active").getAttribute("data-i")`); got != "2" {
		t.Errorf("active table row %s, want 2", got)
	}
	if got := eval(`errs.join("; ")`); got != "" {
		t.Errorf("script errors: %s", got)
	}
	pg.screenshot("layermap-browser.png")
}

// TestLayerMapNoScript: without JavaScript the heatmap shows the mean over
// positions, the strip's table every KL, and no dead controls.
func TestLayerMapNoScript(t *testing.T) {
	bin := browser.Need(t)
	page, id, _, lm, s := layerPage(t)
	pg := openPage(t, bin, page, "body", false)
	body := pg.eval(`document.querySelectorAll(".llmw.js").length+"|"+document.body.innerText`)
	if !strings.HasPrefix(body, "0|") {
		t.Fatal("scripts ran although disabled")
	}
	mean := lm.Mean()
	last := len(mean) - 1
	for _, want := range []string{strconv.FormatFloat(mean[last][6], 'f', 2, 64), strconv.FormatFloat(s.Layers[0].KL, 'f', 4, 64), "mean over positions"} {
		if !strings.Contains(body, want) {
			t.Errorf("static page lacks %q", want)
		}
	}
	for _, dead := range []string{"Step ▶", "Reset", "mean over all"} {
		if strings.Contains(body, dead) {
			t.Errorf("static page shows the control %q, which does nothing without scripts", dead)
		}
	}
	if strings.Contains(body, id) {
		t.Error("ids leak into the text")
	}
	pg.screenshot("layermap-static.png")
}
