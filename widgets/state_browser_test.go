package widgets_test

import (
	"fmt"
	"testing"

	"github.com/how-llms-work/course/ci/browser"
	"github.com/how-llms-work/course/widgets"
)

// TestBrowserMatrix drives the Matrix in headless Chromium: hovering an
// entry of the image names its row, column and value.
func TestBrowserMatrix(t *testing.T) {
	bin := browser.Need(t)
	m := widgets.Matrix{Title: "S", Values: [][]float64{{1, -2, 0}, {0.5, 0.125, -1}}, RowLabel: "key dim", ColLabel: "value dim"}
	h := mustHTML(t, m)
	id := rootID(t, h)
	pg := openPage(t, bin, widgetPage("matrix", h), "#"+id, true)
	hover := func(i, j int) string {
		t.Helper()
		js := fmt.Sprintf(`(()=>{const r=document.getElementById(%q),img=r.querySelector("img"),b=img.getBoundingClientRect();
img.dispatchEvent(new MouseEvent("mousemove",{clientX:b.left+(%d+0.5)*b.width/3,clientY:b.top+(%d+0.5)*b.height/2}));
return r.querySelector(".at").textContent+"|"+errs.join(";")})()`, id, j, i)
		return pg.eval(js)
	}
	if got, want := hover(1, 1), "key dim 1, value dim 1: 0.1250|"; got != want {
		t.Errorf("hover (1, 1): %q, want %q", got, want)
	}
	if got, want := hover(0, 1), "key dim 0, value dim 1: -2.0000|"; got != want {
		t.Errorf("hover (0, 1): %q, want %q", got, want)
	}
}
