package widgets_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/how-llms-work/course/ci/browser"
	"github.com/how-llms-work/course/widgets"
)

// TestLensGridBrowser hovers and focuses cells of the lens grid in headless
// Chromium and checks the detail panel lists that cell's top tokens and
// pinned ranks; with scripts off the grid and the output cell's details
// still show.
func TestLensGridBrowser(t *testing.T) {
	bin := browser.Need(t)
	l := tinyLens(t)
	h := mustHTML(t, widgets.FromLens(l))
	id := rootID(t, h)
	page := widgetPage("lens", h)
	pg := openPage(t, bin, page, "#"+id, true)
	ctx, eval := pg.ctx, pg.eval
	detail := func() string { return eval(`document.getElementById("` + id + `-detail").innerText`) }
	wantIn := func(b, tt int) []string {
		var s []string
		for _, c := range l.Cells[b][tt].Top {
			s = append(s, strconv.FormatFloat(float64(int64(float64(c.Prob)*1e4+0.5))/1e4, 'f', 4, 64))
		}
		for _, p := range l.Cells[b][tt].Pinned {
			s = append(s, "rank "+strconv.Itoa(p.Rank))
		}
		return s
	}
	check := func(b, tt int) {
		t.Helper()
		d := detail()
		if !strings.Contains(d, "position "+strconv.Itoa(tt)) {
			t.Errorf("detail for %d,%d: %q", b, tt, d)
		}
		for _, w := range wantIn(b, tt) {
			if !strings.Contains(d, w) {
				t.Errorf("detail for boundary %d position %d lacks %q: %q", b, tt, w, d)
			}
		}
	}
	if got := eval(`document.querySelectorAll(".llmw.js").length+""`); got != "1" {
		t.Fatalf("%s live widgets, want 1", got)
	}
	check(l.Layers, len(l.Pieces)-1) // the static panel
	cell := func(b, tt int) string {
		return `#` + id + ` td.c[data-b="` + strconv.Itoa(b) + `"][data-t="` + strconv.Itoa(tt) + `"]`
	}
	// Hover: the mouse over the embedding row's first cell.
	if err := chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.CSS(cell(0, 0)))); err != nil {
		t.Fatal(err)
	}
	box := eval(`(()=>{const b=document.querySelector('` + cell(0, 0) + `').getBoundingClientRect();return (b.left+b.width/2)+","+(b.top+b.height/2)})()`)
	xy := strings.Split(box, ",")
	x, _ := strconv.ParseFloat(xy[0], 64)
	y, _ := strconv.ParseFloat(xy[1], 64)
	if err := chromedp.Do(ctx, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x, y)); err != nil {
		t.Fatal(err)
	}
	check(0, 0)
	// Focus, as the keyboard does: a middle cell.
	mb, mt := l.Layers/2, len(l.Pieces)/2
	if err := chromedp.Do(ctx, chromedp.Focus(chromedp.CSS(cell(mb, mt)))); err != nil {
		t.Fatal(err)
	}
	check(mb, mt)
	if got := eval(`document.querySelectorAll("#` + id + ` td.c.sel").length+""`); got != "1" {
		t.Errorf("%s cells outlined, want 1", got)
	}
	if errs := eval(`errs.join("; ")`); errs != "" {
		t.Errorf("script errors: %s", errs)
	}

	// Scripts off: the grid and the output cell's detail are in the page.
	body := openPage(t, bin, page, "#"+id, false).eval(`document.querySelectorAll(".llmw.js").length+"|"+document.querySelectorAll("td.c").length+"|"+document.getElementById("` + id + `-detail").innerText`)
	if want := "0|" + strconv.Itoa((l.Layers+1)*len(l.Pieces)) + "|"; !strings.HasPrefix(body, want) {
		t.Errorf("scripts off: %q, want prefix %q", body[:min(len(body), 40)], want)
	}
	for _, w := range wantIn(l.Layers, len(l.Pieces)-1) {
		if !strings.Contains(body, w) {
			t.Errorf("scripts off: detail lacks %q", w)
		}
	}
}
