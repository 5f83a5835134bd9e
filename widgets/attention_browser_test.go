package widgets_test

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/how-llms-work/course/ci/browser"
	"github.com/how-llms-work/course/llm"
	"github.com/how-llms-work/course/widgets"
)

// attentionPage renders the attention widgets of a tiny-model pass as one
// page that records the scripts' uncaught errors.
func attentionPage(t *testing.T) (page, mapsID, censusID string, a widgets.AttentionMaps) {
	t.Helper()
	p := tinyPass(t)
	a, err := widgets.FromAttention(p)
	if err != nil {
		t.Fatal(err)
	}
	hm, hc := mustHTML(t, a), mustHTML(t, widgets.HeadCensus{Title: "census", Stats: llm.MustCensus(p)})
	page = widgetPage("attention", hm+hc)
	return page, rootID(t, hm), rootID(t, hc), a
}

// TestAttentionBrowser drives the attention maps and the head census in
// headless Chromium: picks another head with the keyboard, another query,
// clicks a small map, hovers a cell and a small map, and recolours the
// census by one measure, checking what is drawn against the weights.
func TestAttentionBrowser(t *testing.T) {
	bin := browser.Need(t)
	page, id, cid, a := attentionPage(t)
	pg := openPage(t, bin, page, "#"+cid, true)
	ctx, eval := pg.ctx, pg.eval
	// hover scrolls the element into view and moves the mouse to the point
	// (fx, fy) of its box, as fractions of its width and height.
	hover := func(sel string, fx, fy float64) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.CSS(sel))); err != nil {
			t.Fatal(err)
		}
		box, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(()=>{const b=document.querySelector("`+sel+`").getBoundingClientRect();return [b.left,b.top,b.width,b.height]})()`))
		if err != nil || len(box) != 4 {
			t.Fatalf("box of %s: %v %v", sel, box, err)
		}
		if err := chromedp.Do(ctx, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, box[0]+fx*box[2], box[1]+fy*box[3])); err != nil {
			t.Fatal(err)
		}
	}
	n := len(a.Tokens)
	// big returns the large map's opacities of query row qt, and fan the fan-out labels.
	big := func(qt int) string {
		return eval(`Array.from(document.querySelectorAll("#` + id + ` svg.big rect[data-q='` + strconv.Itoa(qt) + `']")).map(e=>e.getAttribute("fill-opacity")).join(" ")`)
	}
	fan := func() string {
		return eval(`Array.from(document.querySelectorAll("#` + id + ` svg.fan text.fk")).map(e=>e.textContent.split(" ").pop()).join(" ")`)
	}
	want := func(head, qt int, d int) string {
		var s []string
		for _, v := range a.Heads[head].Weights[qt] {
			s = append(s, strconv.FormatFloat(float64(v), 'f', d, 64))
		}
		return strings.Join(s, " ")
	}
	wantFan := func(head, qt int) string {
		s := want(head, qt, 3)
		for range n - qt - 1 {
			s += " masked"
		}
		return s
	}
	if got := eval(`document.querySelectorAll(".llmw.js").length+""`); got != "2" {
		t.Fatalf("%s live widgets, want 2", got)
	}
	if got := fan(); got != wantFan(0, n-1) {
		t.Errorf("initial fan-out %q, want %q", got, wantFan(0, n-1))
	}
	// The head select, with the keyboard: two steps down.
	if err := chromedp.Do(ctx, chromedp.Focus(chromedp.CSS("#"+id+"-head")), chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown)); err != nil {
		t.Fatal(err)
	}
	if got := eval(`document.getElementById("` + id + `-head").value`); got != "2" {
		t.Fatalf("head select at %s after two ArrowDown, want 2", got)
	}
	if got := big(n - 1); got != want(2, n-1, 3) {
		t.Errorf("head 2, last row: %q, want %q", got, want(2, n-1, 3))
	}
	// Another query: the fan-out follows, later keys are masked, the outline moves.
	eval(`(()=>{const s=document.getElementById("` + id + `-query");s.value="2";s.dispatchEvent(new Event("change"));return ""})()`)
	if got := fan(); got != wantFan(2, 2) {
		t.Errorf("query 2 fan-out %q, want %q", got, wantFan(2, 2))
	}
	ys := strings.Split(eval(`document.querySelector("#`+id+` svg.big rect.qrow").getAttribute("y")+"|"+document.querySelector("#`+id+` svg.big rect[data-q='2'][data-k='0']").getAttribute("y")`), "|")
	y, _ := strconv.ParseFloat(ys[0], 64)
	cellY, _ := strconv.ParseFloat(ys[1], 64)
	if math.Abs(y-(cellY-1)) > 0.05 {
		t.Errorf("the query outline is at y %v, the row of query 2 at %v", y, cellY)
	}
	// Click the last small map: it becomes the large one.
	last := len(a.Heads) - 1
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf("#%s g.th[data-i='%d'] rect.hit", id, last)))); err != nil {
		t.Fatal(err)
	}
	if got := eval(`document.getElementById("` + id + `-head").value`); got != strconv.Itoa(last) {
		t.Errorf("after clicking map %d the select says %s", last, got)
	}
	if got := big(2); got != want(last, 2, 3) {
		t.Errorf("head %d, row 2: %q, want %q", last, got, want(last, 2, 3))
	}
	// Hover a cell of the large map, then the bottom-left corner of the first small map.
	hover("#"+id+" svg.big rect[data-q='3'][data-k='1']", 0.5, 0.5)
	w31 := strconv.FormatFloat(float64(a.Heads[last].Weights[3][1]), 'f', 3, 64)
	if got := eval(`document.getElementById("` + id + `-hover").textContent`); !strings.Contains(got, "(3) → key") || !strings.HasSuffix(got, "(1): "+w31) {
		t.Errorf("hover on query 3 key 1: %q, want weight %s", got, w31)
	}
	hover("#"+id+" g.th[data-i='0'] rect.hit", 0.5/float64(n), 1-0.5/float64(n))
	w0 := strconv.FormatFloat(float64(a.Heads[0].Weights[n-1][0]), 'f', 3, 64)
	if got := eval(`document.getElementById("` + id + `-hover").textContent`); !strings.HasPrefix(got, fmt.Sprintf("layer %d · head 0", a.Heads[0].Layer)) || !strings.HasSuffix(got, "(0): "+w0) {
		t.Errorf("hover on the first map's bottom-left cell: %q, want key 0 weight %s", got, w0)
	}
	// The census: colour by the previous-token weight.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#"+cid+" button[data-m='previous']"))); err != nil {
		t.Fatal(err)
	}
	stats := llm.MustCensus(tinyPass(t))
	got := eval(`Array.from(document.querySelectorAll("#` + cid + ` g[data-i] text")).map(e=>e.textContent).join(" ")`)
	var wantC []string
	for _, s := range stats {
		wantC = append(wantC, strconv.FormatFloat(s.Previous, 'f', 2, 64))
	}
	if got != strings.Join(wantC, " ") {
		t.Errorf("census by previous: %q, want %q", got, strings.Join(wantC, " "))
	}
	if got := eval(`document.querySelector("#` + cid + ` button[data-m='previous']").getAttribute("aria-pressed")+document.querySelector("#` + cid + ` button[data-m='kind']").getAttribute("aria-pressed")`); got != "truefalse" {
		t.Errorf("census buttons pressed: %s", got)
	}
	if got := eval(`errs.join("; ")`); got != "" {
		t.Errorf("script errors: %s", got)
	}
	pg.screenshot("attention-browser.png")
}

// TestAttentionNoScript: without JavaScript the large map's weights are in
// its tooltips and the fan-out lists the last query's weights.
func TestAttentionNoScript(t *testing.T) {
	bin := browser.Need(t)
	page, id, _, a := attentionPage(t)
	pg := openPage(t, bin, page, "body", false)
	body := pg.eval(`document.querySelectorAll(".llmw.js").length+"|"+document.body.innerText+"|"+Array.from(document.querySelectorAll("#` + id + ` svg.big title")).map(e=>e.textContent).join("\n")`)
	if !strings.HasPrefix(body, "0|") {
		t.Fatal("scripts ran although disabled")
	}
	n := len(a.Tokens)
	for s := range n {
		w := strconv.FormatFloat(float64(a.Heads[0].Weights[n-1][s]), 'f', 3, 64)
		if !strings.Contains(body, fmt.Sprintf("(%d) → key", n-1)) || !strings.Contains(body, w) {
			t.Errorf("static page lacks the weight %s of the last query on key %d", w, s)
		}
	}
	for _, want := range []string{"every head, grouped by kind", "previous token", "masked"} {
		if !strings.Contains(body, want) {
			t.Errorf("static page lacks %q", want)
		}
	}
	pg.screenshot("attention-static.png")
}
